"""Payment plans: the staged schedule of a quote, the payments recorded against it, the balance.

A plan is a deposit percentage plus milestone percentages tied to order events
(``proof_approved``, ``production_started``, ``shipped``); the final balance is the rest and
falls due on delivery. Amounts are exact minor units: each boundary of the cumulative
percentages is rounded half up once, so the installments always add up to the total.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from mcbackend.domain.catalog import MILESTONE_EVENTS, Number, PaymentPlanPolicy, to_decimal
from mcbackend.domain.errors import BusinessRuleViolation, FieldProblem
from mcbackend.domain.money import Money, split_by_percent

DEPOSIT_TRIGGER = "order_placed"  # the deposit is due at once: confirmation waits for it
FINAL_TRIGGER = "delivered"


class InstallmentKind(StrEnum):
    DEPOSIT = "deposit"
    MILESTONE = "milestone"
    FINAL = "final"


@dataclass(frozen=True)
class Installment:
    kind: InstallmentKind
    trigger: str  # the order event type that makes it due
    percent: Decimal
    amount: Money

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "trigger": self.trigger,
            "percent": str(self.percent),
            "amount": self.amount.to_dict(),
        }


@dataclass(frozen=True)
class PaymentSchedule:
    total: Money
    installments: tuple[Installment, ...]  # stages of 0 % are left out

    @classmethod
    def build(
        cls,
        total: Money,
        deposit_percent: Number | Decimal,
        milestones: Iterable[tuple[str, Number | Decimal]] = (),
    ) -> PaymentSchedule:
        milestones = list(milestones)
        deposit, shares = _percents(total, deposit_percent, milestones)
        final = Decimal(100) - deposit - sum(shares, Decimal(0))
        stages = [(InstallmentKind.DEPOSIT, DEPOSIT_TRIGGER, deposit)]
        stages += [
            (InstallmentKind.MILESTONE, event, share)
            for (event, _), share in zip(milestones, shares, strict=True)
        ]
        stages.append((InstallmentKind.FINAL, FINAL_TRIGGER, final))
        amounts = split_by_percent(total.amount, [percent for _, _, percent in stages])
        installments = tuple(
            Installment(kind, trigger, percent, Money(amount, total.currency))
            for (kind, trigger, percent), amount in zip(stages, amounts, strict=True)
            if percent  # a 0 % stage asks for nothing
        )
        return cls(total, installments)

    @classmethod
    def from_policy(cls, total: Money, policy: PaymentPlanPolicy) -> PaymentSchedule:
        return cls.build(
            total, policy.deposit_percent, [(m.event, m.percent) for m in policy.milestones]
        )

    def rescaled(self, total: Money) -> PaymentSchedule:
        """The same plan for a new total (after a change order re-priced the order)."""
        return PaymentSchedule.build(
            total,
            sum(
                (i.percent for i in self.installments if i.kind is InstallmentKind.DEPOSIT),
                Decimal(0),
            ),
            [
                (i.trigger, i.percent)
                for i in self.installments
                if i.kind is InstallmentKind.MILESTONE
            ],
        )

    @property
    def deposit(self) -> Money:
        return _sum(
            (i for i in self.installments if i.kind is InstallmentKind.DEPOSIT), self.total.currency
        )

    def due(self, happened: Collection[str]) -> list[Installment]:
        """Installments whose trigger is among the order's event types so far."""
        return [i for i in self.installments if i.trigger in happened]

    def falling_due(self, event_type: str, earlier: Collection[str]) -> list[Installment]:
        """Installments that ``event_type`` makes due now; each one falls due only once."""
        if event_type in earlier:
            return []
        return [i for i in self.installments if i.trigger == event_type]


@dataclass(frozen=True)
class Payment:
    amount: Money
    at: datetime
    method: str  # "card", "bank_transfer", …
    reference: str = ""  # the payment provider's or bank's id


@dataclass
class PaymentLedger:
    schedule: PaymentSchedule
    payments: list[Payment] = field(default_factory=list)

    @property
    def paid(self) -> Money:
        return _sum(self.payments, self.schedule.total.currency)

    @property
    def balance(self) -> Money:
        """What is still owed; negative when a re-priced order owes the customer a refund."""
        return self.schedule.total - self.paid

    @property
    def deposit_met(self) -> bool:
        return self.paid >= self.schedule.deposit

    def amount_due(self, happened: Collection[str]) -> Money:
        """What the customer should have paid by now and has not."""
        owed = _sum(self.schedule.due(happened), self.schedule.total.currency) - self.paid
        return max(owed, Money.zero(owed.currency))

    def record(self, payment: Payment) -> None:
        currency = self.schedule.total.currency
        problems = []
        if payment.amount.currency != currency:
            problems.append(FieldProblem("amount", "wrong_currency", f"must be in {currency}"))
        elif payment.amount.amount <= 0:
            problems.append(FieldProblem("amount", "invalid_range", "must be positive"))
        elif payment.amount > self.balance:
            problems.append(
                FieldProblem(
                    "amount",
                    "overpayment",
                    f"the balance is {self.balance}",
                    {"balance": self.balance.to_dict()},
                )
            )
        if problems:
            raise BusinessRuleViolation(
                "the payment cannot be recorded", code="invalid_payment", errors=problems
            )
        self.payments.append(payment)


def _percents(
    total: Money, deposit_percent: Number | Decimal, milestones: list[tuple[str, Number | Decimal]]
) -> tuple[Decimal, list[Decimal]]:
    problems = []
    if total.amount < 0:
        problems.append(FieldProblem("total", "invalid_range", "must not be negative"))

    def percent(where: str, raw: Number | Decimal) -> Decimal:
        value = raw if isinstance(raw, Decimal) else to_decimal(raw)
        if value is None or not 0 <= value <= 100:
            problems.append(FieldProblem(where, "invalid_range", "must be between 0 and 100"))
            return Decimal(0)
        return value

    deposit = percent("deposit_percent", deposit_percent)
    shares = []
    for i, (event, raw) in enumerate(milestones):
        if event not in MILESTONE_EVENTS:
            problems.append(
                FieldProblem(
                    f"milestones[{i}].event",
                    "unknown_event",
                    f"must be one of {', '.join(MILESTONE_EVENTS)}",
                )
            )
        shares.append(percent(f"milestones[{i}].percent", raw))
    if deposit + sum(shares, Decimal(0)) > 100:
        problems.append(
            FieldProblem("milestones", "invalid_plan", "deposit and milestones exceed 100 %")
        )
    if problems:
        raise BusinessRuleViolation(
            "the payment plan is not valid", code="invalid_payment_plan", errors=problems
        )
    return deposit, shares


def _sum(items: Iterable[Installment | Payment], currency: str) -> Money:
    total = Money.zero(currency)
    for item in items:
        total += item.amount
    return total
