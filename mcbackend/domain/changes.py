"""Change orders: what changing a confirmed order would do, shown before anything changes.

:func:`preview_change` is pure. Callers re-validate and re-price the changed configuration,
compute the new earliest date and say which operations the change touches (from the job
template: the operations whose work depends on the changed options); this module turns that
into an impact the customer can accept or reject. :meth:`Order.accept_change` applies an
accepted preview; rejecting one needs no code because nothing changed.

Once a product's cut-off operation has started (fabric cut, cake baked) its configuration
and quantity are fixed: such changes are refused. A change of the requested date alone
touches no work and is still previewed.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from mcbackend.domain.errors import BusinessRuleViolation, FieldProblem
from mcbackend.domain.money import Money
from mcbackend.domain.proofs import Design


class OperationStatus(StrEnum):
    NOT_STARTED = "not_started"
    STARTED = "started"
    DONE = "done"


class ImpactAction(StrEnum):
    REDO = "redo"  # finished work is thrown away and done again
    SCRAP = "scrap"  # work in progress is abandoned and started over
    REPLAN = "replan"  # not started yet: only rescheduled, costs nothing


@dataclass(frozen=True)
class OperationState:
    name: str
    status: OperationStatus
    cost: Money  # what running the operation once costs (labour, machine time, material)
    cut_off: bool = False  # once started, the product can no longer be changed


@dataclass(frozen=True)
class ChangeRequest:
    """What the customer or planner asks to change on one line; None leaves a field as is."""

    line: int
    configuration: dict[str, Any] | None = None
    quantity: int | None = None
    requested_date: date | None = None

    @property
    def touches_work(self) -> bool:
        return self.configuration is not None or self.quantity is not None


@dataclass(frozen=True)
class OperationImpact:
    name: str
    status: OperationStatus
    action: ImpactAction
    cost: Money

    def to_dict(self) -> dict[str, Any]:
        return {
            "operation": self.name,
            "status": self.status.value,
            "action": self.action.value,
            "cost": self.cost.to_dict(),
        }


@dataclass(frozen=True)
class ImpactPreview:
    based_on_version: int  # accepting it on any other order version is refused
    line: int
    current_price: Money
    new_price: Money
    earliest_date: date | None
    operations: tuple[OperationImpact, ...]
    proofs_reopened: tuple[int, ...]

    @property
    def price_difference(self) -> Money:
        return self.new_price - self.current_price

    @property
    def rework_cost(self) -> Money:
        total = Money.zero(self.new_price.currency)
        for impact in self.operations:
            total += impact.cost
        return total

    def to_dict(self) -> dict[str, Any]:
        return {
            "based_on_version": self.based_on_version,
            "line": self.line,
            "current_price": self.current_price.to_dict(),
            "new_price": self.new_price.to_dict(),
            "price_difference": self.price_difference.to_dict(),
            "earliest_date": self.earliest_date.isoformat() if self.earliest_date else None,
            "operations": [impact.to_dict() for impact in self.operations],
            "rework_cost": self.rework_cost.to_dict(),
            "proofs_reopened": list(self.proofs_reopened),
        }


def preview_change(
    *,
    order_version: int,
    change: ChangeRequest,
    current_price: Money,
    new_price: Money,
    earliest_date: date | None,
    operations: Sequence[OperationState],
    affected: Collection[str] | None = None,
    design: Design | None = None,
) -> ImpactPreview:
    """The impact of ``change``, or BusinessRuleViolation if it cannot be made.

    ``affected`` names the operations the change touches; None means all of them (a change
    the caller could not narrow down). ``design`` is the order's co-design phase, if any.
    """
    _check(change, current_price, new_price, operations, affected)
    if change.touches_work:
        _refuse_past_cut_off(operations)
    touched = [
        op for op in operations if change.touches_work and (affected is None or op.name in affected)
    ]
    approved = design.approved if design is not None else None
    reopened = (approved.number,) if approved and change.configuration is not None else ()
    return ImpactPreview(
        based_on_version=order_version,
        line=change.line,
        current_price=current_price,
        new_price=new_price,
        earliest_date=earliest_date,
        operations=tuple(_impact(op) for op in touched),
        proofs_reopened=reopened,
    )


def _refuse_past_cut_off(operations: Sequence[OperationState]) -> None:
    for op in operations:
        if op.cut_off and op.status is not OperationStatus.NOT_STARTED:
            raise BusinessRuleViolation(
                f"'{op.name}' is {op.status.value.replace('_', ' ')}: past this cut-off the "
                "configuration and quantity can no longer change, only the requested date",
                code="past_cut_off",
                extra={"operation": op.name, "status": op.status.value},
            )


def _impact(op: OperationState) -> OperationImpact:
    if op.status is OperationStatus.DONE:
        return OperationImpact(op.name, op.status, ImpactAction.REDO, op.cost)
    if op.status is OperationStatus.STARTED:
        return OperationImpact(op.name, op.status, ImpactAction.SCRAP, op.cost)
    return OperationImpact(op.name, op.status, ImpactAction.REPLAN, Money.zero(op.cost.currency))


def _check(
    change: ChangeRequest,
    current_price: Money,
    new_price: Money,
    operations: Sequence[OperationState],
    affected: Collection[str] | None,
) -> None:
    problems = []
    if not change.touches_work and change.requested_date is None:
        problems.append(
            FieldProblem(
                "change", "empty_change", "change the configuration, quantity or requested date"
            )
        )
    if change.quantity is not None and change.quantity < 1:
        problems.append(FieldProblem("quantity", "invalid_range", "must be at least 1"))
    if new_price.currency != current_price.currency:
        problems.append(
            FieldProblem("new_price", "wrong_currency", f"must be in {current_price.currency}")
        )
    if new_price.amount < 0:
        problems.append(FieldProblem("new_price", "invalid_range", "must not be negative"))
    names = {op.name for op in operations}
    problems += [
        FieldProblem("affected", "unknown_operation", f"no operation named '{name}'")
        for name in sorted(set(affected or ()) - names)
    ]
    if problems:
        raise BusinessRuleViolation(
            "the change cannot be previewed; fix every listed problem",
            code="invalid_change",
            errors=problems,
        )
