"""Use cases for orders in all four customization modes.

Each function is one transaction: load the order aggregate, let the domain decide, save it
with its new events. Optimistic concurrency: callers may pass the version they read
(``expected_version``); the database refuses a write based on a stale read regardless.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm.exc import StaleDataError

from mcbackend import configurator
from mcbackend.adapters import orm
from mcbackend.adapters.order_store import order_from_row
from mcbackend.adapters.unit_of_work import UnitOfWork
from mcbackend.domain import orders as d
from mcbackend.domain import pricing
from mcbackend.domain.bespoke import (
    BespokeBrief,
    Measurement,
    PlannedOperation,
    validate_measurements,
    validate_plan,
)
from mcbackend.domain.catalog import PaymentPlanPolicy, ProductDefinition, parse_payment_plan
from mcbackend.domain.errors import BusinessRuleViolation, Conflict, FieldProblem, NotFound
from mcbackend.domain.money import Money
from mcbackend.domain.payments import Payment, PaymentLedger, PaymentSchedule
from mcbackend.domain.proofs import DesignBrief, RevisionPolicy
from mcbackend.domain.units import Modification, ModificationKind, validate_modification
from mcbackend.services import production, tenants
from mcbackend.services.configuration import (
    product_version,
    product_version_with_setting,
    require_valid,
    resolve_files,
)
from mcbackend.services.files import require_files

TRACKING_TOKEN_BYTES = 24  # 192 bits


@dataclass
class Draft:
    """What a mode's builder makes of the request: the domain lines, the catalog facts kept
    beside each line, the payment plan, and (co-design) the revision policy."""

    lines: list[d.OrderLine]
    extras: list[dict[str, Any]]
    policy: PaymentPlanPolicy
    currency: str
    revisions: RevisionPolicy | None = None


@dataclass(frozen=True)
class Placed:
    order: orm.Order
    tracking_token: str  # shown once


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# Short, unambiguous, not guessable in sequence (no 0/O or 1/I); 32 symbols, 5 bits each.
_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def _new_reference() -> str:
    """``MC-`` and 8 symbols from one 40-bit random draw (one system call, not eight)."""
    bits = int.from_bytes(secrets.token_bytes(5))
    return "MC-" + "".join(_REFERENCE_ALPHABET[(bits >> (5 * i)) & 31] for i in range(8))


def actor_label(actor: str) -> str:
    return actor[:100]


# --- reading -----------------------------------------------------------------------------


def get_order(uow: UnitOfWork, order_id: int) -> orm.Order:
    return uow.orders.get(order_id)


def list_orders(
    uow: UnitOfWork, page: int, page_size: int, *, status: str | None, mode: str | None
) -> tuple[Sequence[orm.Order], int]:
    criteria = []
    if status:
        criteria.append(orm.Order.status == status)
    if mode:
        criteria.append(orm.Order.mode == mode)
    return uow.orders.page(page, page_size, *criteria, order_by=orm.Order.id.desc())


def timeline(uow: UnitOfWork, order_id: int, *, customer_only: bool) -> list[orm.OrderEvent]:
    uow.orders.get(order_id)
    events = uow.order_store.events(order_id)
    return customer_events(events) if customer_only else events


def customer_events(events: list[orm.OrderEvent]) -> list[orm.OrderEvent]:
    return [e for e in events if e.visibility == "customer"]


# --- placing -----------------------------------------------------------------------------


def _payment_policy(
    tenant_plan: PaymentPlanPolicy | None, definition: ProductDefinition
) -> PaymentPlanPolicy:
    return tenant_plan or definition.pricing.payment_plan


def _line_extra(row: orm.ProductVersion, definition: ProductDefinition) -> dict[str, Any]:
    return {
        "product_id": row.product_id,
        "product_version_id": row.id,
        "version": row.version,
        "sku": definition.sku,
        "name": definition.name,
        "job_template": definition.job_template,
    }


def _product_version_label(definition: ProductDefinition, version: int) -> str:
    return f"{definition.sku}@{version}"


def _require_mode(definition: ProductDefinition, mode: str, where: str) -> None:
    if mode not in definition.modes:
        raise BusinessRuleViolation(
            f"{definition.name} is not offered for {mode}-customization",
            code="mode_not_offered",
            errors=[
                FieldProblem(where, "mode_not_offered", f"offered as {', '.join(definition.modes)}")
            ],
        )


def place_order(uow: UnitOfWork, data: dict[str, Any], now: datetime, actor: str) -> Placed:
    mode = d.Mode(data["mode"])
    builders = {
        d.Mode.PRE: _pre_lines,
        d.Mode.CO: _co_lines,
        d.Mode.POST: _post_lines,
        d.Mode.BESPOKE: _bespoke_lines,
    }
    draft = builders[mode](uow, data, now)
    lines, extras, policy = draft.lines, draft.extras, draft.policy
    order = d.Order.place(
        reference=_new_reference(),
        mode=mode,
        customer=d.Customer(**data["customer"]),
        lines=lines,
        delivery_address=d.Address(**data["delivery_address"]),
        currency=draft.currency,
        now=now,
        actor=actor_label(actor),
        requested_date=data.get("requested_date"),
        rush=data.get("rush", False),
        target_serial=data.get("target_serial"),
        brief=_bespoke_brief(data) if mode is d.Mode.BESPOKE else None,
        deposit_required=deposit_for(order_total(lines), policy),
    )
    if mode is d.Mode.CO:
        design = data["design_brief"]
        order.open_design(
            DesignBrief(
                design["text"],
                tuple(str(f) for f in design.get("attachments", [])),
                tuple(design.get("references", [])),
            ),
            draft.revisions,
            now,
            actor_label(actor),
        )
    token = secrets.token_urlsafe(TRACKING_TOKEN_BYTES)
    row = orm.Order(
        lines=[dict(extra) for extra in extras],
        payment_plan=policy.to_dict(),
        tracking_token_hash=hash_token(token),
    )
    uow.order_store.save(row, order)
    if mode is d.Mode.CO:
        production.release_design(uow, row, order, row.lines[0]["design_estimate"], now)
        uow.order_store.save(row, order)
    uow.commit()
    return Placed(row, token)


def order_total(lines: Sequence[d.OrderLine]) -> Money | None:
    if any(line.price is None for line in lines):
        return None
    return sum((line.price for line in lines[1:]), lines[0].price)


def deposit_for(total: Money | None, policy: PaymentPlanPolicy) -> Money | None:
    if total is None:
        return None  # priced later (co, bespoke): set when the price is known
    deposit = PaymentSchedule.from_policy(total, policy).deposit
    return deposit if deposit.amount > 0 else None


def _pre_lines(uow: UnitOfWork, data: dict[str, Any], now: datetime) -> Draft:
    lines, extras, policy = [], [], None
    tenant_plan: PaymentPlanPolicy | None = None
    problems: list[FieldProblem] = []
    for index, spec in enumerate(data.get("lines") or []):
        if index == 0:  # the tenant's payment plan comes with the first product: one query
            row, definition, raw_plan = product_version_with_setting(
                uow, spec["product_id"], spec.get("version"), tenants.PAYMENT_PLAN
            )
            tenant_plan = tenants.payment_plan_from(raw_plan)
        else:
            row, definition = product_version(uow, spec["product_id"], spec.get("version"))
        _require_mode(definition, "pre", f"lines[{index}].product_id")
        try:
            configuration = require_valid(
                definition, resolve_files(uow, definition, spec["configuration"])
            )
        except BusinessRuleViolation as exc:
            problems += [
                FieldProblem(f"lines[{index}].{e.field}", e.code, e.message, e.data)
                for e in exc.errors
            ]
            continue
        quote = pricing.price(
            definition,
            configuration,
            version=row.version,
            today=now.date(),
            quantity=spec["quantity"],
            mode="pre",
            requested_date=data.get("requested_date"),
            plan=tenant_plan,
        )
        lines.append(
            d.OrderLine(
                _product_version_label(definition, row.version),
                configuration,
                spec["quantity"],
                quote.total,
            )
        )
        extras.append({**_line_extra(row, definition), "quote": quote.to_dict()})
        policy = policy or _payment_policy(tenant_plan, definition)
    if problems:
        raise BusinessRuleViolation(
            "the order's configurations break the products' rules",
            code="invalid_configuration",
            errors=problems,
        )
    _require_lines(lines)
    return Draft(lines, extras, policy, lines[0].price.currency)


def _require_lines(lines: list) -> None:
    if not lines:
        raise BusinessRuleViolation(
            "an order needs at least one line",
            code="invalid_order",
            errors=[FieldProblem("lines", "required", "add at least one line")],
        )


def _co_lines(uow: UnitOfWork, data: dict[str, Any], now: datetime) -> Draft:
    specs = data.get("lines") or []
    problems = []
    if len(specs) != 1:
        problems.append(FieldProblem("lines", "one_line", "a co-design order has one line"))
    if not data.get("design_brief"):
        problems.append(FieldProblem("design_brief", "required", "describe what to design"))
    if problems:
        raise BusinessRuleViolation(
            "the co-design order is incomplete", code="invalid_order", errors=problems
        )
    require_files(uow, data["design_brief"].get("attachments", []), "design_brief.attachments")
    spec = specs[0]
    row, definition = product_version(uow, spec["product_id"], spec.get("version"))
    _require_mode(definition, "co", "lines[0].product_id")
    starting = resolve_files(uow, definition, spec.get("configuration") or {})
    # The starting point may be partial, but must still lead to something we can make.
    state = configurator.propagate(definition, starting)
    if not state.completable or state.violations:
        explanation = configurator.explain(definition, starting)
        raise BusinessRuleViolation(
            explanation.message or "the starting configuration cannot be completed",
            code="invalid_configuration",
            errors=[
                FieldProblem("lines[0].configuration", v.code, v.message) for v in state.violations
            ]
            or [FieldProblem("lines[0].configuration", "conflict", explanation.message)],
        )
    policy = definition.pricing
    revisions = RevisionPolicy(
        policy.revisions_included or 0, Money(policy.price_per_extra_round, definition.currency)
    )
    line = d.OrderLine(
        _product_version_label(definition, row.version), starting, spec["quantity"], None
    )
    estimate = configurator.complete(definition, starting, "defaults").configuration
    extra = {
        **_line_extra(row, definition),
        # What the design job's durations were estimated from, until a proof is approved.
        "design_estimate": estimate,
    }
    plan = _payment_policy(tenants.tenant_payment_plan(uow), definition)
    return Draft([line], [extra], plan, definition.currency, revisions)


def _fits(definition: ProductDefinition):
    def fits(as_built: dict[str, Any], changes: dict[str, Any]) -> list[FieldProblem]:
        result = configurator.validate(definition, as_built | changes)
        return [
            FieldProblem(
                "modification.changes." + (v.attributes[0] if v.attributes else ""),
                v.code,
                v.message,
                {"rule": v.rule} if v.rule else {},
            )
            for v in result.violations
        ]

    return fits


def _post_lines(uow: UnitOfWork, data: dict[str, Any], now: datetime) -> Draft:
    serial = data.get("target_serial")
    spec = data.get("modification")
    if not serial or not spec:
        raise BusinessRuleViolation(
            "a post-customization order names a unit and a modification",
            code="invalid_order",
            errors=[
                FieldProblem(name, "required", "required for post-customization")
                for name, value in (("target_serial", serial), ("modification", spec))
                if not value
            ],
        )
    unit_row = uow.units.by_serial(serial)
    unit = production.load_unit(unit_row)
    version_row = uow.session.get(orm.ProductVersion, unit_row.product_version_id)
    row, definition = product_version(uow, version_row.product_id, version_row.version)
    _require_mode(definition, "post", "target_serial")
    changes = resolve_files(uow, definition, spec["changes"])
    modification = Modification(
        ModificationKind(spec["kind"]),
        changes,
        spec.get("based_on_version", unit.version),
        spec.get("description", ""),
    )
    validate_modification(unit, modification, _fits(definition))
    as_built = unit.as_built
    today = now.date()
    before = pricing.price(definition, as_built, version=row.version, today=today, mode="post")
    after = pricing.price(
        definition, as_built | changes, version=row.version, today=today, mode="post"
    )
    fee = dict(definition.pricing.customization_fee).get("post", 0)
    amount = max(0, after.total.amount - before.total.amount) + fee
    price = Money(amount, definition.currency)
    line = d.OrderLine(_product_version_label(definition, row.version), changes, 1, price)
    extra = {
        **_line_extra(row, definition),
        "unit_id": unit_row.id,
        "modification": {
            "kind": modification.kind.value,
            "changes": changes,
            "based_on_version": modification.based_on_version,
            "description": modification.description,
        },
    }
    plan = _payment_policy(tenants.tenant_payment_plan(uow), definition)
    return Draft([line], [extra], plan, definition.currency)


def _bespoke_brief(data: dict[str, Any]) -> BespokeBrief:
    brief = data["brief"]
    measurements = tuple(
        Measurement(m["name"], m["value"], m.get("unit", "cm"))
        for m in brief.get("measurements", [])
    )
    return BespokeBrief(brief["text"], measurements, tuple(str(f) for f in brief.get("files", [])))


def _bespoke_lines(uow: UnitOfWork, data: dict[str, Any], now: datetime) -> Draft:
    if not data.get("brief"):
        raise BusinessRuleViolation(
            "a bespoke order needs a brief",
            code="invalid_order",
            errors=[FieldProblem("brief", "required", "describe what to make")],
        )
    brief = _bespoke_brief(data)
    validate_measurements(brief.measurements)
    require_files(uow, brief.files, "brief.files")
    currency = uow.session.get(orm.Tenant, uow.tenant_id).default_currency
    line = d.OrderLine("bespoke", {}, data.get("quantity", 1), None)
    extra = {"product_id": None, "operations": []}
    policy = tenants.tenant_payment_plan(uow) or parse_payment_plan(
        {"deposit_percent": 50, "milestones": []}
    )
    return Draft([line], [extra], policy, currency)


# --- changing an order -------------------------------------------------------------------


class OrderEdit:
    """Load an order for change; ``save()`` writes it back with its new events."""

    def __init__(self, uow: UnitOfWork, order_id: int, expected_version: int | None) -> None:
        self.uow = uow
        self.row = uow.orders.get(order_id)
        self.order = uow.order_store.load(self.row)
        if expected_version is not None:
            self.order.check_version(expected_version)

    def save(self) -> orm.Order:
        try:
            self.uow.order_store.save(self.row, self.order)
            self.uow.commit()
        except StaleDataError as exc:
            self.uow.session.rollback()
            raise Conflict(
                "the order was changed by someone else at the same time; reload and retry",
                code="stale_version",
            ) from exc
        return self.row


def _ledger(uow: UnitOfWork, row: orm.Order, order: d.Order) -> PaymentLedger | None:
    return _ledger_of(row, order, uow.payments.list(orm.Payment.order_id == row.id))


def _ledger_of(
    row: orm.Order, order: d.Order, payments: Sequence[orm.Payment]
) -> PaymentLedger | None:
    total = order.total
    if total is None:
        return None
    schedule = PaymentSchedule.from_policy(total, parse_payment_plan(row.payment_plan))
    return PaymentLedger(
        schedule,
        [Payment(Money(p.amount, p.currency), p.at, p.method, p.reference) for p in payments],
    )


def _paid(uow: UnitOfWork, row: orm.Order, currency: str) -> Money:
    amounts = [p.amount for p in uow.payments.list(orm.Payment.order_id == row.id)]
    return Money(sum(amounts), currency)


def record_due_installments(
    uow: UnitOfWork, row: orm.Order, order: d.Order, event_type: str, now: datetime
) -> None:
    """Milestones falling due with this event become customer-visible events."""
    ledger = _ledger(uow, row, order)
    if ledger is None:
        return
    earlier = {e.type for e in order.events[:-1]}
    for installment in ledger.schedule.falling_due(event_type, earlier):
        order.record(
            "payment_due",
            now,
            "system",
            visibility=d.Visibility.CUSTOMER,
            data=installment.to_dict(),
        )


def confirm(
    uow: UnitOfWork, order_id: int, expected_version: int | None, now: datetime, actor: str
) -> orm.Order:
    """Confirm (deposit permitting) and release production: units and jobs are created."""
    edit = OrderEdit(uow, order_id, expected_version)
    routed = edit.order.mode in production.ROUTED_BY_HAND
    if routed and not edit.row.lines[0].get("operations"):
        raise BusinessRuleViolation(
            "a planner must route this order (its operations) before it is confirmed",
            code="routing_required",
            errors=[FieldProblem("operations", "required", "PUT the order's routing first")],
        )
    edit.order.confirm(_paid(uow, edit.row, edit.order.currency), now, actor_label(actor))
    edit.row.promised_date = promised_date(edit.row, edit.order)
    production.release_holds(uow, edit.row.id, now)  # the real jobs take over
    production.release(uow, edit.row, edit.order, now)
    return edit.save()


def promised_date(row: orm.Order, order: d.Order) -> date | None:
    """What the customer is promised at confirmation: their date, else the quoted one."""
    if order.requested_date is not None:
        return order.requested_date
    quoted = [line["quote"]["ready_by"] for line in row.lines if line.get("quote")]
    return max(date.fromisoformat(q) for q in quoted) if quoted else None


_ADVANCE = {
    "start_production": d.Order.start_production,
    "mark_ready": d.Order.mark_ready,
    "deliver": d.Order.deliver,
}


def advance(
    uow: UnitOfWork,
    order_id: int,
    step: str,
    expected_version: int | None,
    now: datetime,
    actor: str,
    tracking: str | None = None,
) -> orm.Order:
    """Move along the main line: start_production, mark_ready, ship, deliver."""
    edit = OrderEdit(uow, order_id, expected_version)
    if step == "ship":
        edit.order.ship(now, actor_label(actor), tracking)
    else:
        _ADVANCE[step](edit.order, now, actor_label(actor))
    event_type = edit.order.events[-1].type
    if step == "deliver" and edit.order.mode is d.Mode.POST:
        production.deliver_modification(uow, edit.row, edit.order, now)
    record_due_installments(uow, edit.row, edit.order, event_type, now)
    return edit.save()


def cancel(
    uow: UnitOfWork,
    order_id: int,
    reason: str,
    cost: int | None,
    expected_version: int | None,
    now: datetime,
    actor: str,
) -> orm.Order:
    edit = OrderEdit(uow, order_id, expected_version)
    money = None if cost is None else Money(cost, edit.order.currency)
    edit.order.cancel(reason, money, now, actor_label(actor))
    production.supersede_jobs(uow, edit.row.id, now)
    production.release_holds(uow, edit.row.id, now)
    production.finish_design(uow, edit.row.id, now)
    return edit.save()


def record_payment(
    uow: UnitOfWork, order_id: int, data: dict[str, Any], now: datetime, actor: str
) -> orm.Payment:
    edit = OrderEdit(uow, order_id, None)
    ledger = _ledger(uow, edit.row, edit.order)
    if ledger is None:
        raise Conflict(
            "the order has no price yet; a payment can be recorded once it is priced",
            code="not_priced",
        )
    payment = Payment(
        Money(data["amount"], data.get("currency", edit.order.currency)),
        now,
        data["method"],
        data.get("reference", ""),
    )
    ledger.record(payment)
    row = uow.payments.add(
        orm.Payment(
            order_id=edit.row.id,
            amount=payment.amount.amount,
            currency=payment.amount.currency,
            method=payment.method,
            reference=payment.reference,
            at=now,
        )
    )
    edit.order.record(
        "payment_received",
        now,
        actor_label(actor),
        visibility=d.Visibility.CUSTOMER,
        data={
            "amount": payment.amount.to_dict(),
            "method": payment.method,
            "balance": ledger.balance.to_dict(),
        },
    )
    edit.save()
    return row


def payment_summary(uow: UnitOfWork, order_id: int) -> dict[str, Any]:
    row = uow.orders.get(order_id)
    return summarize_payments(uow, row, uow.order_store.events(row.id))


def summarize_payments(
    uow: UnitOfWork, row: orm.Order, events: list[orm.OrderEvent]
) -> dict[str, Any]:
    """:func:`payment_summary` of an order whose events are already loaded."""
    order = order_from_row(row, events)
    payments = uow.payments.list(orm.Payment.order_id == row.id)
    ledger = _ledger_of(row, order, payments)
    if ledger is None:
        return {
            "priced": False,
            "payments": payments,
            "installments": [],
            "paid": None,
            "balance": None,
            "due": None,
        }
    happened = {e.type for e in order.events}
    return {
        "priced": True,
        "payments": payments,
        "installments": [i.to_dict() for i in ledger.schedule.installments],
        "paid": ledger.paid.to_dict(),
        "balance": ledger.balance.to_dict(),
        "due": ledger.amount_due(happened).to_dict(),
    }


def set_routing(
    uow: UnitOfWork,
    order_id: int,
    data: dict[str, Any],
    expected_version: int | None,
    now: datetime,
    actor: str,
) -> orm.Order:
    """A planner routes a bespoke order or an alteration by hand (and prices bespoke work)."""
    edit = OrderEdit(uow, order_id, expected_version)
    order = edit.order
    if order.mode not in production.ROUTED_BY_HAND:
        raise Conflict(
            f"{order.mode.value} orders are routed by their job template",
            code="routed_by_template",
        )
    operations = [
        PlannedOperation(
            op["name"], op["resource_group"], op["duration_minutes"], tuple(op.get("after", []))
        )
        for op in data["operations"]
    ]
    bespoke = order.mode is d.Mode.BESPOKE
    if bespoke and data.get("price") is None:
        price = None
    else:
        price = Money(data["price"], order.currency) if bespoke else order.lines[0].price
    validate_plan(price, operations, production.plant_groups(uow), order.currency)
    if order.status is not d.OrderStatus.DRAFT:
        raise Conflict(
            f"routing is set before confirmation, not in {order.status.value}",
            code="not_in_draft",
        )
    if bespoke:
        order.price_line(0, price, now, actor_label(actor))
        order.deposit_required = deposit_for(price, parse_payment_plan(edit.row.payment_plan))
    else:
        order.record("routed", now, actor_label(actor), data={"operations": len(operations)})
    lines = [dict(line) for line in edit.row.lines]
    lines[0]["operations"] = [
        {
            "name": o.name,
            "resource_group": o.resource_group,
            "duration_minutes": o.duration_minutes,
            "after": list(o.after),
        }
        for o in operations
    ]
    edit.row.lines = lines
    return edit.save()


def hold_capacity(uow: UnitOfWork, order_id: int, hours: int, now: datetime, actor: str) -> orm.Job:
    edit = OrderEdit(uow, order_id, None)
    job = production.hold_capacity(uow, edit.row, edit.order, hours, now)
    edit.save()
    uow.session.refresh(job, ["operations"])  # loaded now: the caller reads it after close
    return job


def release_capacity(uow: UnitOfWork, order_id: int, now: datetime) -> orm.Order:
    edit = OrderEdit(uow, order_id, None)
    if production.release_holds(uow, edit.row.id, now):
        edit.order.record("capacity_released", now, "planner", visibility=d.Visibility.CUSTOMER)
    return edit.save()


# --- customer access ---------------------------------------------------------------------


def rotate_tracking_token(uow: UnitOfWork, order_id: int) -> str:
    """A new tracking token; the old link stops working at once."""
    row = uow.orders.get(order_id)
    token = secrets.token_urlsafe(TRACKING_TOKEN_BYTES)
    row.tracking_token_hash = hash_token(token)
    uow.commit()
    return token


def revoke_tracking_token(uow: UnitOfWork, order_id: int) -> orm.Order:
    row = uow.orders.get(order_id)
    row.tracking_token_hash = None
    uow.commit()
    return row


def order_for_token(uow: UnitOfWork, token: str) -> orm.Order:
    """The one order a tracking token opens (the unit of work has no tenant yet)."""
    row = uow.order_by_tracking_hash(hash_token(token)) if token else None
    if row is None:
        raise _invalid_token()
    uow.for_tenant(row.tenant_id)
    return row


def order_version_for_token(uow: UnitOfWork, token: str) -> tuple[int, int]:
    """(order id, version) of the order a tracking token opens, without loading it; binds the
    unit of work to the order's tenant like :func:`order_for_token`."""
    found = uow.tracked_order_version(hash_token(token)) if token else None
    if found is None:
        raise _invalid_token()
    order_id, tenant_id, version = found
    uow.for_tenant(tenant_id)
    return order_id, version


def _invalid_token() -> NotFound:
    return NotFound(
        "this tracking link is not valid (it may have been replaced)",
        code="tracking_token_invalid",
    )
