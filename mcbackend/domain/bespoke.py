"""Bespoke orders: a free-form brief with typed measurements, priced and routed by hand.

No catalog options apply, so the checks that protect the shop are here: measurements must be
of a known kind, in a length unit and within a plausible human range (catching "85" typed
in inches or a sleeve entered as a chest), and the planner's price and operations must make
a job the scheduler can run. Every check collects all problems before raising.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from mcbackend.domain.errors import BusinessRuleViolation, FieldProblem
from mcbackend.domain.money import Money

MM_PER_UNIT = {"mm": Decimal(1), "cm": Decimal(10), "m": Decimal(1000), "in": Decimal("25.4")}


@dataclass(frozen=True)
class MeasurementKind:
    name: str
    minimum_cm: Decimal
    maximum_cm: Decimal


# Plausible adult ranges; a tenant with other garments passes its own table.
MEASUREMENT_KINDS: dict[str, MeasurementKind] = {
    kind.name: kind
    for kind in (
        MeasurementKind("chest", Decimal(60), Decimal(180)),
        MeasurementKind("waist", Decimal(40), Decimal(200)),
        MeasurementKind("hips", Decimal(60), Decimal(200)),
        MeasurementKind("neck", Decimal(25), Decimal(60)),
        MeasurementKind("shoulder", Decimal(30), Decimal(70)),
        MeasurementKind("sleeve", Decimal(40), Decimal(100)),
        MeasurementKind("back_length", Decimal(50), Decimal(110)),
        MeasurementKind("inseam", Decimal(50), Decimal(120)),
        MeasurementKind("thigh", Decimal(30), Decimal(100)),
    )
}


@dataclass(frozen=True)
class Measurement:
    name: str
    value: Decimal
    unit: str = "cm"

    def in_cm(self) -> Decimal:
        return self.value * MM_PER_UNIT[self.unit] / 10


@dataclass(frozen=True)
class BespokeBrief:
    text: str
    measurements: tuple[Measurement, ...] = ()
    files: tuple[str, ...] = ()  # scans, drawings, technical specifications in storage


@dataclass(frozen=True)
class PlannedOperation:
    name: str
    resource_group: str
    duration_minutes: int
    after: tuple[str, ...] = ()  # operations that must finish before this one starts


def validate_measurements(
    measurements: Sequence[Measurement], kinds: Mapping[str, MeasurementKind] = MEASUREMENT_KINDS
) -> None:
    problems: list[FieldProblem] = []
    seen: set[str] = set()
    for i, m in enumerate(measurements):
        where = f"measurements[{i}]"
        if m.name in seen:
            problems.append(
                FieldProblem(f"{where}.name", "duplicate", f"{m.name} is measured twice; keep one")
            )
        seen.add(m.name)
        kind = kinds.get(m.name)
        if kind is None:
            problems.append(
                FieldProblem(
                    f"{where}.name",
                    "unknown_measurement",
                    f"must be one of {', '.join(sorted(kinds))}",
                )
            )
            continue
        if m.unit not in MM_PER_UNIT:
            problems.append(
                FieldProblem(
                    f"{where}.unit", "unknown_unit", f"must be one of {', '.join(MM_PER_UNIT)}"
                )
            )
            continue
        if not kind.minimum_cm <= m.in_cm() <= kind.maximum_cm:
            problems.append(
                FieldProblem(
                    f"{where}.value",
                    "out_of_range",
                    f"{m.name} must be between {kind.minimum_cm} and {kind.maximum_cm} cm; "
                    "check the value and its unit",
                    {"minimum_cm": str(kind.minimum_cm), "maximum_cm": str(kind.maximum_cm)},
                )
            )
    if problems:
        raise BusinessRuleViolation(
            "the measurements are not plausible", code="invalid_measurements", errors=problems
        )


def validate_plan(
    price: Money | None,
    operations: Sequence[PlannedOperation],
    resource_groups: Collection[str],
    currency: str,
) -> None:
    """Check a planner's hand-set price and operations before they are saved."""
    problems: list[FieldProblem] = []
    if price is None:
        problems.append(FieldProblem("price", "required", "the planner sets the price"))
    elif price.currency != currency:
        problems.append(FieldProblem("price", "wrong_currency", f"must be in {currency}"))
    elif price.amount <= 0:
        problems.append(FieldProblem("price", "invalid_range", "must be positive"))
    if not operations:
        problems.append(
            FieldProblem("operations", "required", "a bespoke job needs at least one operation")
        )
    names = [op.name for op in operations]
    for i, op in enumerate(operations):
        where = f"operations[{i}]"
        if names.index(op.name) != i:
            problems.append(
                FieldProblem(
                    f"{where}.name", "duplicate", f"another operation is already named {op.name}"
                )
            )
        if op.duration_minutes < 0:
            problems.append(
                FieldProblem(f"{where}.duration_minutes", "invalid_range", "must not be negative")
            )
        if op.resource_group not in resource_groups:
            problems.append(
                FieldProblem(
                    f"{where}.resource_group",
                    "unknown_resource_group",
                    f"must be one of {', '.join(sorted(resource_groups))}",
                )
            )
        problems += [
            FieldProblem(f"{where}.after", "unknown_operation", f"no operation named {before}")
            for before in op.after
            if before not in names
        ]
    cycle = _precedence_cycle(operations)
    if cycle:
        problems.append(
            FieldProblem(
                "operations",
                "precedence_cycle",
                f"these operations wait on each other: {' -> '.join(cycle)}",
                {"cycle": cycle},
            )
        )
    if problems:
        raise BusinessRuleViolation(
            "the bespoke plan cannot be scheduled; fix every problem",
            code="invalid_bespoke_plan",
            errors=problems,
        )


def _precedence_cycle(operations: Sequence[PlannedOperation]) -> list[str]:
    """One cycle in the precedence graph, as a closed path of names; [] if there is none."""
    known = {op.name for op in operations}
    waiting = {op.name: set(op.after) & known for op in operations}
    # Peel off operations whose predecessors are all placed; what remains waits on a cycle.
    while ready := [name for name, before in waiting.items() if not before]:
        for name in ready:
            del waiting[name]
        for before in waiting.values():
            before.difference_update(ready)
    if not waiting:
        return []
    # Walk predecessors inside the remainder until a name repeats: that loop is a cycle.
    path = [min(waiting)]
    while True:
        step = min(waiting[path[-1]])
        if step in path:
            loop = path[path.index(step) :][::-1]  # in execution order
            start = loop.index(min(loop))  # start at the first name so the answer is stable
            loop = loop[start:] + loop[:start]
            return [*loop, loop[0]]
        path.append(step)
