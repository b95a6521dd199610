"""The order life cycle: an explicit state machine and an append-only timeline.

Statuses and who moves an order along:

=================  ==========================================================================
draft              placed; pre: configuration validated and priced; bespoke: waiting for the
                   planner's price; co: waiting for the design brief
awaiting_design    co only: brief received, proofs being issued and decided
design_approved    co only: the customer approved a proof
confirmed          the customer committed (and paid the deposit the plan asks for);
                   production jobs may now be released — never before (make-to-order)
in_production      the first operation started; cancelling now needs a reason and a cost
ready              every unit is produced and waits for shipment or collection
shipped            handed to the carrier
delivered          the customer has it (shipped, or collected straight from ``ready``)
cancelled          final; records the reason and what cancelling cost
=================  ==========================================================================

:data:`TRANSITIONS` holds the allowed moves per mode; every status change goes through it,
and an illegal one raises ``Conflict(code="illegal_transition")`` listing the allowed next
statuses. Every change bumps :attr:`Order.version` (optimistic concurrency) and appends an
:class:`OrderEvent`; the events are the order's timeline.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from mcbackend.domain.bespoke import BespokeBrief
from mcbackend.domain.changes import ChangeRequest, ImpactPreview
from mcbackend.domain.errors import BusinessRuleViolation, Conflict, FieldProblem
from mcbackend.domain.money import Money
from mcbackend.domain.proofs import Design, DesignBrief, Proof, RevisionPolicy


class Mode(StrEnum):
    PRE = "pre"
    CO = "co"
    POST = "post"
    BESPOKE = "bespoke"


class OrderStatus(StrEnum):
    DRAFT = "draft"
    AWAITING_DESIGN = "awaiting_design"
    DESIGN_APPROVED = "design_approved"
    CONFIRMED = "confirmed"
    IN_PRODUCTION = "in_production"
    READY = "ready"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


S = OrderStatus
_FULFILMENT: dict[OrderStatus, tuple[OrderStatus, ...]] = {
    S.CONFIRMED: (S.IN_PRODUCTION, S.CANCELLED),
    S.IN_PRODUCTION: (S.READY, S.CANCELLED),
    S.READY: (S.SHIPPED, S.DELIVERED, S.CANCELLED),
    S.SHIPPED: (S.DELIVERED,),
    S.DELIVERED: (),
    S.CANCELLED: (),
}
_DIRECT = {S.DRAFT: (S.CONFIRMED, S.CANCELLED), **_FULFILMENT}

TRANSITIONS: dict[Mode, dict[OrderStatus, tuple[OrderStatus, ...]]] = {
    Mode.PRE: _DIRECT,
    Mode.CO: {
        S.DRAFT: (S.AWAITING_DESIGN, S.CANCELLED),
        S.AWAITING_DESIGN: (S.DESIGN_APPROVED, S.CANCELLED),
        S.DESIGN_APPROVED: (S.CONFIRMED, S.CANCELLED),
        **_FULFILMENT,
    },
    Mode.POST: _DIRECT,
    Mode.BESPOKE: _DIRECT,
}

# Production has not started: cancelling is free and needs no reason.
_BEFORE_PRODUCTION = frozenset({S.DRAFT, S.AWAITING_DESIGN, S.DESIGN_APPROVED, S.CONFIRMED})
# Change orders apply to committed orders whose work is not finished.
CHANGEABLE = (S.CONFIRMED, S.IN_PRODUCTION)
# Where proofs can be issued or decided; a design reopened by a change order takes new
# proofs while the order is already committed.
_DESIGN_ACTIVE = frozenset({S.AWAITING_DESIGN, S.DESIGN_APPROVED, S.CONFIRMED, S.IN_PRODUCTION})


class Visibility(StrEnum):
    CUSTOMER = "customer"  # shown on the tracking page
    INTERNAL = "internal"


@dataclass(frozen=True)
class OrderEvent:
    type: str
    at: datetime
    actor: str
    visibility: Visibility
    data: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "at": self.at.isoformat(),
            "actor": self.actor,
            "visibility": self.visibility.value,
            "data": self.data,
        }


@dataclass(frozen=True)
class Customer:
    name: str
    contact: str  # e-mail or phone
    language: str  # preferred language, BCP 47 ("de", "en-GB")


@dataclass(frozen=True)
class Address:
    name: str
    street: str
    postal_code: str
    city: str
    country: str  # ISO 3166-1 alpha-2


@dataclass(frozen=True)
class OrderLine:
    product_version: str  # e.g. "sofa@3": lines keep the product version they were priced on
    configuration: dict[str, Any]
    quantity: int
    price: Money | None  # the line's quoted total; None until a planner prices a bespoke line


@dataclass(frozen=True)
class Cancellation:
    reason: str
    cost: Money
    at: datetime


def check_version(expected: int, actual: int) -> None:
    """Refuse a write based on an old read (optimistic concurrency)."""
    if expected != actual:
        raise Conflict(
            f"the order changed since version {expected}; reload version {actual} and retry",
            code="stale_version",
            extra={"expected_version": expected, "current_version": actual},
        )


@dataclass
class Order:
    reference: str
    mode: Mode
    customer: Customer
    lines: list[OrderLine]
    delivery_address: Address
    currency: str
    requested_date: date | None = None
    rush: bool = False
    target_serial: str | None = None  # post: the delivered unit being modified
    brief: BespokeBrief | None = None  # bespoke: what the planner prices and routes
    deposit_required: Money | None = None  # from the payment plan; None means no deposit
    status: OrderStatus = OrderStatus.DRAFT
    version: int = 1
    design: Design | None = None
    cancellation: Cancellation | None = None
    events: list[OrderEvent] = field(default_factory=list)

    # --- creation -----------------------------------------------------------------------

    @classmethod
    def place(
        cls,
        *,
        reference: str,
        mode: Mode,
        customer: Customer,
        lines: list[OrderLine],
        delivery_address: Address,
        currency: str,
        now: datetime,
        actor: str,
        requested_date: date | None = None,
        rush: bool = False,
        target_serial: str | None = None,
        brief: BespokeBrief | None = None,
        deposit_required: Money | None = None,
    ) -> Order:
        problems = _line_problems(mode, lines, currency)
        if mode is Mode.POST and not target_serial:
            problems.append(
                FieldProblem(
                    "target_serial",
                    "required",
                    "post-customization targets a delivered unit's serial",
                )
            )
        if mode is not Mode.POST and target_serial:
            problems.append(
                FieldProblem(
                    "target_serial", "not_allowed", "only post-customization orders target a unit"
                )
            )
        if mode is Mode.BESPOKE and (brief is None or not brief.text.strip()):
            problems.append(
                FieldProblem(
                    "brief", "required", "a bespoke order starts from the customer's brief"
                )
            )
        if mode is not Mode.BESPOKE and brief is not None:
            problems.append(
                FieldProblem("brief", "not_allowed", "only bespoke orders carry a measured brief")
            )
        if rush and requested_date is None:
            problems.append(
                FieldProblem(
                    "requested_date", "required", "a rush order needs the date it is rushed for"
                )
            )
        if problems:
            raise BusinessRuleViolation(
                "the order cannot be placed; fix every listed problem",
                code="invalid_order",
                errors=problems,
            )
        order = cls(
            reference=reference,
            mode=mode,
            customer=customer,
            lines=list(lines),
            delivery_address=delivery_address,
            currency=currency,
            requested_date=requested_date,
            rush=rush,
            target_serial=target_serial,
            brief=brief,
            deposit_required=deposit_required,
        )
        order.events.append(
            OrderEvent(
                "order_placed",
                now,
                actor,
                Visibility.CUSTOMER,
                {"mode": mode.value, "reference": reference},
            )
        )
        return order

    # --- reading ------------------------------------------------------------------------

    @property
    def total(self) -> Money | None:
        """Sum of the line prices, or None while a line is unpriced."""
        total = Money.zero(self.currency)
        for line in self.lines:
            if line.price is None:
                return None
            total += line.price
        return total

    @property
    def allowed_next(self) -> tuple[OrderStatus, ...]:
        return TRANSITIONS[self.mode][self.status]

    def timeline(self, visibility: Visibility | None = None) -> list[OrderEvent]:
        """The events, oldest first; pass CUSTOMER for what the tracking page may show."""
        return [e for e in self.events if visibility is None or e.visibility is visibility]

    def check_version(self, expected: int) -> None:
        check_version(expected, self.version)

    # --- events that do not move the status (payments, units, schedules) -----------------

    def record(
        self,
        type: str,
        now: datetime,
        actor: str,
        *,
        visibility: Visibility = Visibility.INTERNAL,
        data: dict[str, Any] | None = None,
    ) -> OrderEvent:
        event = OrderEvent(type, now, actor, visibility, dict(data or {}))
        self.events.append(event)
        self.version += 1
        return event

    # --- pricing a bespoke line ----------------------------------------------------------

    def price_line(self, index: int, price: Money, now: datetime, actor: str) -> None:
        """The planner sets a line's price by hand (bespoke), before confirmation."""
        if self.status is not S.DRAFT:
            raise Conflict(
                f"lines can be priced only in draft, not in {self.status.value}; "
                "use a change order",
                code="not_in_draft",
                extra={"status": self.status.value},
            )
        self._line(index)
        problems = _price_problems(f"lines[{index}].price", price, self.currency)
        if problems:
            raise BusinessRuleViolation(
                "the price is not valid", code="invalid_price", errors=problems
            )
        self.lines[index] = replace(self.lines[index], price=price)
        self.record(
            "line_priced",
            now,
            actor,
            visibility=Visibility.CUSTOMER,
            data={"line": index, "price": price.to_dict()},
        )

    # --- co-design -----------------------------------------------------------------------

    def open_design(
        self, brief: DesignBrief, policy: RevisionPolicy, now: datetime, actor: str
    ) -> None:
        self._move(
            S.AWAITING_DESIGN,
            now,
            actor,
            "design_opened",
            {
                "brief": brief.text,
                "attachments": list(brief.attachments),
                "references": list(brief.references),
            },
        )
        self.design = Design(brief, policy)

    def issue_proof(
        self,
        configuration: dict[str, Any],
        attachments: tuple[str, ...],
        price: Money,
        now: datetime,
        actor: str,
    ) -> Proof:
        design = self._open_design()
        proof = design.issue(configuration, attachments, price, now)
        self.record(
            "proof_issued",
            now,
            actor,
            visibility=Visibility.CUSTOMER,
            data={"proof": proof.number, "price": price.to_dict(), "fee": proof.fee.to_dict()},
        )
        return proof

    def approve_proof(self, number: int, now: datetime, actor: str) -> Proof:
        proof = self._open_design().approve(number, now)
        # Adopt what the customer approved: the proof is the line's configuration and price.
        self.lines[0] = replace(
            self.lines[0], configuration=dict(proof.configuration), price=proof.price
        )
        data = {"proof": number, "price": proof.price.to_dict()}
        if self.status is S.AWAITING_DESIGN:
            self._move(S.DESIGN_APPROVED, now, actor, "proof_approved", data)
        else:
            self.record("proof_approved", now, actor, visibility=Visibility.CUSTOMER, data=data)
        return proof

    def request_proof_changes(self, number: int, comment: str, now: datetime, actor: str) -> Proof:
        proof = self._open_design().request_changes(number, comment, now)
        self.record(
            "proof_changes_requested",
            now,
            actor,
            visibility=Visibility.CUSTOMER,
            data={"proof": number, "comment": comment},
        )
        return proof

    # --- the main line -------------------------------------------------------------------

    def confirm(self, deposit_paid: Money, now: datetime, actor: str) -> None:
        """Commit the order; only now may production jobs be released."""
        self._require(S.CONFIRMED)
        unpriced = [
            FieldProblem(f"lines[{i}].price", "required", "a planner must price it")
            for i, line in enumerate(self.lines)
            if line.price is None
        ]
        if unpriced:
            raise BusinessRuleViolation(
                "every line needs a price before confirmation",
                code="unpriced_lines",
                errors=unpriced,
            )
        required = self.deposit_required
        if required is not None and deposit_paid < required:
            missing = required - deposit_paid
            raise BusinessRuleViolation(
                f"the payment plan asks for a deposit of {required}; {missing} is still "
                "missing — record the payment, then confirm",
                code="deposit_required",
                extra={
                    "deposit_required": required.to_dict(),
                    "paid": deposit_paid.to_dict(),
                    "missing": missing.to_dict(),
                },
            )
        self._move(S.CONFIRMED, now, actor, "confirmed", {"deposit_paid": deposit_paid.to_dict()})

    def start_production(self, now: datetime, actor: str) -> None:
        self._move(S.IN_PRODUCTION, now, actor, "production_started", {})

    def mark_ready(self, now: datetime, actor: str) -> None:
        self._move(S.READY, now, actor, "ready", {})

    def ship(self, now: datetime, actor: str, tracking: str | None = None) -> None:
        self._move(S.SHIPPED, now, actor, "shipped", {"tracking": tracking} if tracking else {})

    def deliver(self, now: datetime, actor: str) -> None:
        self._move(S.DELIVERED, now, actor, "delivered", {})

    def cancel(self, reason: str, cost: Money | None, now: datetime, actor: str) -> None:
        """Free until production starts; afterwards the reason and the cost must be recorded."""
        self._require(S.CANCELLED)
        if self.status not in _BEFORE_PRODUCTION:
            problems = []
            if not reason.strip():
                problems.append(
                    FieldProblem("reason", "required", "production has started: say why")
                )
            if cost is None:
                problems.append(
                    FieldProblem("cost", "required", "production has started: record what it cost")
                )
            if problems:
                raise BusinessRuleViolation(
                    "production has started; cancelling needs a reason and a cost",
                    code="cancellation_terms_required",
                    errors=problems,
                )
        cost = cost if cost is not None else Money.zero(self.currency)
        problems = _price_problems("cost", cost, self.currency, allow_zero=True)
        if problems:
            raise BusinessRuleViolation(
                "the cancellation cost is not valid", code="invalid_cost", errors=problems
            )
        self._move(S.CANCELLED, now, actor, "cancelled", {"reason": reason, "cost": cost.to_dict()})
        self.cancellation = Cancellation(reason, cost, now)

    # --- change orders -------------------------------------------------------------------

    def accept_change(
        self, change: ChangeRequest, preview: ImpactPreview, now: datetime, actor: str
    ) -> None:
        """Apply a previewed change. The caller re-validated and re-priced it for the preview;
        a preview made on an older version is refused so nobody accepts numbers that moved.
        """
        if self.status not in CHANGEABLE:
            raise Conflict(
                f"only confirmed orders not yet ready take change orders, not {self.status.value}",
                code="not_changeable",
                extra={"status": self.status.value, "changeable": [s.value for s in CHANGEABLE]},
            )
        if preview.based_on_version != self.version:
            raise Conflict(
                f"the preview was made on version {preview.based_on_version}, the order is at "
                f"version {self.version}; preview the change again",
                code="stale_version",
                extra={
                    "expected_version": preview.based_on_version,
                    "current_version": self.version,
                },
            )
        if preview.line != change.line:
            raise BusinessRuleViolation(
                f"the preview is for line {preview.line}, the change for line {change.line}; "
                "preview this change",
                code="preview_mismatch",
            )
        line = self._line(change.line)
        self.lines[change.line] = replace(
            line,
            configuration=change.configuration
            if change.configuration is not None
            else line.configuration,
            quantity=change.quantity if change.quantity is not None else line.quantity,
            price=preview.new_price,
        )
        if change.requested_date is not None:
            self.requested_date = change.requested_date
        if preview.proofs_reopened and self.design is not None:
            self.design.reopen()
        self.record(
            "change_accepted", now, actor, visibility=Visibility.CUSTOMER, data=preview.to_dict()
        )

    # --- internals -----------------------------------------------------------------------

    def _require(self, to: OrderStatus) -> None:
        allowed = self.allowed_next
        if to not in allowed:
            names = ", ".join(s.value for s in allowed) or "none (final status)"
            raise Conflict(
                f"a {self.mode.value} order cannot go from {self.status.value} to "
                f"{to.value}; allowed next: {names}",
                code="illegal_transition",
                extra={
                    "status": self.status.value,
                    "requested": to.value,
                    "allowed": [s.value for s in allowed],
                },
            )

    def _move(
        self, to: OrderStatus, now: datetime, actor: str, event_type: str, data: dict[str, Any]
    ) -> None:
        self._require(to)
        previous = self.status
        self.status = to
        self.record(
            event_type,
            now,
            actor,
            visibility=Visibility.CUSTOMER,
            data={"from": previous.value, "to": to.value, **data},
        )

    def _open_design(self) -> Design:
        if self.design is None:
            raise Conflict(
                "this order has no design phase; co orders open one with a brief",
                code="no_design_phase",
                extra={"mode": self.mode.value},
            )
        if self.status not in _DESIGN_ACTIVE:
            raise Conflict(
                f"proofs cannot be issued or decided in {self.status.value}",
                code="design_closed",
                extra={"status": self.status.value},
            )
        return self.design

    def _line(self, index: int) -> OrderLine:
        if not 0 <= index < len(self.lines):
            raise BusinessRuleViolation(
                f"there is no line {index}; the order has {len(self.lines)}",
                code="unknown_line",
                errors=[
                    FieldProblem(
                        "line", "unknown_line", f"must be between 0 and {len(self.lines) - 1}"
                    )
                ],
            )
        return self.lines[index]


def _line_problems(mode: Mode, lines: list[OrderLine], currency: str) -> list[FieldProblem]:
    problems = []
    if not lines:
        problems.append(FieldProblem("lines", "required", "an order needs at least one line"))
    if mode is Mode.CO and len(lines) > 1:
        problems.append(
            FieldProblem("lines", "too_many", "a co-design order designs one line at a time")
        )
    for i, line in enumerate(lines):
        if line.quantity < 1:
            problems.append(
                FieldProblem(f"lines[{i}].quantity", "invalid_range", "must be at least 1")
            )
        if line.price is None:
            if mode is Mode.PRE:
                problems.append(
                    FieldProblem(
                        f"lines[{i}].price",
                        "required",
                        "pre-customized lines are priced at creation",
                    )
                )
        else:
            problems += _price_problems(
                f"lines[{i}].price", line.price, currency, allow_zero=mode is not Mode.PRE
            )
    return problems


def _price_problems(
    where: str, price: Money, currency: str, *, allow_zero: bool = False
) -> list[FieldProblem]:
    if price.currency != currency:
        return [FieldProblem(where, "wrong_currency", f"must be in {currency}")]
    if price.amount < 0 or (price.amount == 0 and not allow_zero):
        return [
            FieldProblem(
                where,
                "invalid_range",
                "must be positive" if not allow_zero else "must not be negative",
            )
        ]
    return []
