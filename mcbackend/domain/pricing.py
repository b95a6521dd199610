"""Quotes: a reproducible price breakdown, lead time and staged payment plan.

Everything is integer minor units. Every percentage and per-unit price is computed exactly
with Decimal and rounded once per line, half-up (away from zero at exactly half a cent),
so the same inputs always give the same quote to the cent. The clock is a parameter.

``price`` trusts that the configuration passed ``configurator.validate``; it re-checks only
each value's own domain so it can never price something malformed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from mcbackend.domain.catalog import (
    Attribute,
    PaymentPlanPolicy,
    ProductDefinition,
    to_decimal,
)
from mcbackend.domain.errors import BusinessRuleViolation, FieldProblem
from mcbackend.domain.money import Money, split_by_percent


def percent_of(amount: int, percent: Any) -> int:
    """``amount * percent / 100`` in minor units, rounded half-up."""
    exact = Decimal(amount) * to_decimal(percent) / 100
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def working_days_between(start: date, end: date) -> int:
    """Working days (Monday to Friday) after ``start`` up to and including ``end``."""
    if end <= start:
        return 0
    weeks, extra = divmod((end - start).days, 7)
    days = weeks * 5
    for offset in range(1, extra + 1):
        if (start + timedelta(days=offset)).weekday() < 5:
            days += 1
    return days


def add_working_days(start: date, days: int) -> date:
    current = start
    while days > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            days -= 1
    return current


@dataclass(frozen=True)
class QuoteLine:
    """One line of the breakdown. ``kind``: base, option, quantity_discount, customization,
    rush, revisions. ``amount`` is for the whole line (all units)."""

    kind: str
    code: str
    label: str
    amount: Money
    attribute: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": self.kind,
            "code": self.code,
            "label": self.label,
            "amount": self.amount.amount,
        }
        if self.attribute is not None:
            out["attribute"] = self.attribute
        return out


@dataclass(frozen=True)
class Installment:
    """One payment: ``deposit``, a milestone event (``proof_approved``, ``shipped``…) or
    ``final`` (the balance)."""

    event: str
    percent: str
    amount: Money

    def to_dict(self) -> dict[str, Any]:
        return {"event": self.event, "percent": self.percent, "amount": self.amount.amount}


@dataclass(frozen=True)
class Quote:
    sku: str
    price_list_version: int
    currency: str
    quantity: int
    mode: str
    configuration: dict[str, Any]
    lines: tuple[QuoteLine, ...]
    unit_price: Money
    total: Money
    lead_time_days: int  # working days
    ready_by: date
    requested_date: date | None
    issued_on: date
    valid_until: date
    revision_rounds: int
    payment_plan: tuple[Installment, ...]
    key: str  # digest of every input: the same key always means the same quote

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "sku": self.sku,
            "price_list_version": self.price_list_version,
            "currency": self.currency,
            "quantity": self.quantity,
            "mode": self.mode,
            "configuration": self.configuration,
            "lines": [line.to_dict() for line in self.lines],
            "unit_price": self.unit_price.amount,
            "total": self.total.amount,
            "lead_time_days": self.lead_time_days,
            "ready_by": self.ready_by.isoformat(),
            "requested_date": self.requested_date.isoformat() if self.requested_date else None,
            "issued_on": self.issued_on.isoformat(),
            "valid_until": self.valid_until.isoformat(),
            "revision_rounds": self.revision_rounds,
            "payment_plan": [i.to_dict() for i in self.payment_plan],
        }


def option_lines(definition: ProductDefinition, configuration: dict[str, Any]) -> list[QuoteLine]:
    """Price deltas of the chosen options, per unit, in attribute order."""
    currency, base = definition.currency, definition.base_price
    lines = []
    for attribute in definition.attributes:
        value = configuration.get(attribute.code)
        if value is None:
            continue
        for code, label, amount in _option_amounts(attribute, value, base):
            if amount:
                lines.append(
                    QuoteLine("option", code, label, Money(amount, currency), attribute.code)
                )
    return lines


def _option_amounts(attribute: Attribute, value: Any, base: int) -> list[tuple[str, str, int]]:
    if attribute.type in ("choice", "multi"):
        chosen = [value] if attribute.type == "choice" else value
        out = []
        for code in chosen:
            choice = attribute.values[attribute.value_index[code]]
            amount = choice.price + (
                percent_of(base, choice.price_percent) if choice.price_percent is not None else 0
            )
            out.append((f"{attribute.code}={code}", f"{attribute.label}: {choice.label}", amount))
        return out
    if attribute.type in ("boolean", "text") and value is not False:
        return [(attribute.code, attribute.label, attribute.price)]
    if attribute.type == "number" and attribute.price_per_unit is not None:
        rate = attribute.price_per_unit
        above = to_decimal(rate.above if rate.above is not None else attribute.min)
        excess = max(Decimal(0), to_decimal(value) - above)
        exact = Decimal(rate.amount) * excess / to_decimal(rate.per)
        amount = int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))
        label = f"{attribute.label}: {attribute.format_number(to_decimal(value))}"
        return [(attribute.code, label, amount)]
    return []


def lead_time_days(definition: ProductDefinition, configuration: dict[str, Any]) -> int:
    """Standard lead time in working days: the base plus every chosen option's effect."""
    days = definition.base_lead_time_days
    for attribute in definition.attributes:
        value = configuration.get(attribute.code)
        if value is None or value is False:
            continue
        if attribute.type in ("choice", "multi"):
            chosen = [value] if attribute.type == "choice" else value
            days += sum(attribute.values[attribute.value_index[c]].lead_time_days for c in chosen)
        elif attribute.type in ("boolean", "text"):
            days += attribute.lead_time_days
    return days


def payment_plan(policy: PaymentPlanPolicy, total: Money) -> tuple[Installment, ...]:
    """Deposit, milestones and the final balance, split so they add up to the total exactly
    (see :func:`split_by_percent`)."""
    steps = [("deposit", to_decimal(policy.deposit_percent))]
    steps += [(m.event, to_decimal(m.percent)) for m in policy.milestones]
    steps.append(("final", Decimal(100) - sum(percent for _, percent in steps)))
    amounts = split_by_percent(total.amount, [percent for _, percent in steps])
    return tuple(
        Installment(event, str(percent), Money(amount, total.currency))
        for (event, percent), amount in zip(steps, amounts, strict=True)
    )


def price(
    definition: ProductDefinition,
    configuration: dict[str, Any],
    *,
    version: int,
    today: date,
    quantity: int = 1,
    mode: str = "pre",
    requested_date: date | None = None,
    revision_rounds: int = 0,
    plan: PaymentPlanPolicy | None = None,
) -> Quote:
    """Quote a validated configuration of one product version.

    ``plan`` overrides the product's payment plan (a tenant-wide setting). Raises
    BusinessRuleViolation when a value is malformed, the mode is not offered, extra
    revision rounds are not offered, or the requested date is earlier than any rush
    tier can deliver.
    """
    _check_inputs(definition, configuration, quantity, mode, revision_rounds)
    policy = definition.pricing
    currency = definition.currency
    base = QuoteLine("base", "base", definition.name, Money(definition.base_price, currency))
    options = option_lines(definition, configuration)
    unit_price = sum((line.amount for line in options), base.amount)
    lines = [_times(base, quantity), *(_times(line, quantity) for line in options)]
    goods = unit_price.times(quantity)
    discount = next(
        (b for b in reversed(policy.quantity_breaks) if quantity >= b.min_quantity), None
    )
    if discount is not None:
        amount = -percent_of(goods.amount, discount.percent_off)
        goods += Money(amount, currency)
        lines.append(
            QuoteLine(
                "quantity_discount",
                "quantity_discount",
                f"{to_decimal(discount.percent_off)} % off from {discount.min_quantity} pieces",
                Money(amount, currency),
            )
        )
    fee = dict(policy.customization_fee).get(mode, 0)
    if fee:
        lines.append(
            QuoteLine(
                "customization",
                f"customization_{mode}",
                f"Customization fee ({mode})",
                Money(fee, currency),
            )
        )
    lead_time = lead_time_days(definition, configuration)
    ready_by = add_working_days(today, lead_time)
    if requested_date is not None and requested_date < ready_by:
        inside = lead_time - working_days_between(today, requested_date)
        tier = next((t for t in policy.rush_tiers if inside <= t.up_to_days), None)
        if inside > 0 and tier is None:
            raise BusinessRuleViolation(
                f"{definition.name} needs {lead_time} working days; the requested date "
                f"{requested_date.isoformat()} is {inside} working days too early",
                code="rush_not_possible",
                errors=[
                    FieldProblem(
                        "requested_date",
                        "too_early",
                        f"the earliest possible date is {ready_by.isoformat()}",
                    )
                ],
            )
        if inside > 0:
            lines.append(
                QuoteLine(
                    "rush",
                    "rush",
                    f"Rush: {inside} working days sooner",
                    Money(percent_of(goods.amount, tier.percent), currency),
                )
            )
            ready_by = requested_date
    if policy.revisions_included is not None:
        extra = max(0, revision_rounds - policy.revisions_included)
        if extra:
            lines.append(
                QuoteLine(
                    "revisions",
                    "extra_revision_rounds",
                    f"{extra} extra revision round{'s' if extra > 1 else ''}",
                    Money(extra * policy.price_per_extra_round, currency),
                )
            )
    total = sum((line.amount for line in lines), Money.zero(currency))
    plan = plan or policy.payment_plan
    return Quote(
        sku=definition.sku,
        price_list_version=version,
        currency=currency,
        quantity=quantity,
        mode=mode,
        configuration=configuration,
        lines=tuple(lines),
        unit_price=unit_price,
        total=total,
        lead_time_days=lead_time,
        ready_by=ready_by,
        requested_date=requested_date,
        issued_on=today,
        valid_until=today + timedelta(days=policy.quote_valid_days),
        revision_rounds=revision_rounds,
        payment_plan=payment_plan(plan, total),
        key=_key(
            definition.sku,
            version,
            configuration,
            quantity,
            mode,
            requested_date,
            revision_rounds,
            today,
            plan,
        ),
    )


def _times(line: QuoteLine, quantity: int) -> QuoteLine:
    return QuoteLine(line.kind, line.code, line.label, line.amount.times(quantity), line.attribute)


def _check_inputs(
    definition: ProductDefinition,
    configuration: dict[str, Any],
    quantity: int,
    mode: str,
    revision_rounds: int,
) -> None:
    problems = []
    for code, value in configuration.items():
        attribute = definition.attribute_by_code.get(code)
        if attribute is None:
            problems.append(
                FieldProblem(
                    f"configuration.{code}",
                    "unknown_attribute",
                    f"This product has no option {code!r}.",
                )
            )
        elif value is not None:
            problems += [
                FieldProblem(f"configuration.{code}", p.code, p.message)
                for p in attribute.check(value)
            ]
    if quantity < 1:
        problems.append(FieldProblem("quantity", "out_of_range", "must be at least 1"))
    if mode not in definition.modes:
        problems.append(
            FieldProblem(
                "mode",
                "mode_not_offered",
                f"{definition.name} is offered as {', '.join(definition.modes)}",
            )
        )
    if revision_rounds < 0 or (revision_rounds and definition.pricing.revisions_included is None):
        problems.append(
            FieldProblem(
                "revision_rounds", "revisions_not_offered", "this product has no revision rounds"
            )
        )
    if problems:
        raise BusinessRuleViolation(
            "the quote request cannot be priced", code="invalid_quote_request", errors=problems
        )


def _key(
    sku: str,
    version: int,
    configuration: dict[str, Any],
    quantity: int,
    mode: str,
    requested_date: date | None,
    revision_rounds: int,
    today: date,
    plan: PaymentPlanPolicy,
) -> str:
    inputs = {
        "sku": sku,
        "version": version,
        "configuration": configuration,
        "quantity": quantity,
        "mode": mode,
        "revision_rounds": revision_rounds,
        "requested_date": requested_date.isoformat() if requested_date else None,
        "today": today.isoformat(),
        "plan": plan.to_dict(),
    }
    text = json.dumps(inputs, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]
