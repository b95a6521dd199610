"""Releasing an order line: a job template and a configuration become concrete jobs.

``expand`` evaluates every expression of the template once for the configuration and
returns one identical job per unit, with whole-minute durations per eligible resource group,
setup families, gates and precedence arcs with time lags. Operations that a condition leaves
out (or design work outside co-design) are bridged: their successors still wait for their
predecessors, with the minimum lags added up, so leaving out a step never loosens the order.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from mcbackend.domain.catalog import MODES, to_decimal
from mcbackend.domain.errors import BusinessRuleViolation, FieldProblem, InvalidInput
from mcbackend.domain.jobs.expressions import Expression, ExpressionError
from mcbackend.domain.jobs.template import Input, JobTemplate, Lookup, OperationTemplate

# What a failed evaluation gives after its problem is recorded, so that it is not reported
# a second time as "not a number"; expansion raises before anything reads it further.
_FAILED = object()


@dataclass(frozen=True)
class OperationSpec:
    """One concrete operation; ``durations`` maps each eligible group to working minutes.

    A ``splittable`` operation may pause over non-working time of its resource.
    """

    id: str
    name: str
    durations: Mapping[str, int]
    setup_family: str | None = None
    gates: tuple[str, ...] = ()
    quality_check: bool = False
    splittable: bool = False
    cut_off: bool = False
    design: bool = False
    # Days from release until the materials of a materials gate are expected (0 when no
    # gate names a lead time: the plan then assumes they are there when the work is due).
    materials_lead_days: int = 0


@dataclass(frozen=True)
class PrecedenceArc:
    """``after`` starts at least ``min_lag`` and at most ``max_lag`` minutes after ``before``
    ends (the same meaning as the scheduler's precedence)."""

    before: str
    after: str
    min_lag: int = 0
    max_lag: int | None = None


@dataclass(frozen=True)
class JobSpec:
    """The production work for one unit (``unit`` counts from 1 within the order line)."""

    product_family: str
    template_version: int
    unit: int
    operations: tuple[OperationSpec, ...]
    arcs: tuple[PrecedenceArc, ...]


def expand(
    template: JobTemplate, configuration: Mapping[str, Any], quantity: int, *, mode: str
) -> list[JobSpec]:
    """One job per unit for a configured order line in ``mode`` (pre, co, post, bespoke).

    Raises ``InvalidInput`` for a bad quantity or mode and ``BusinessRuleViolation``
    (``job_expansion_failed``) listing every expression that cannot be evaluated, each
    named by its template file and path.
    """
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
        raise InvalidInput(
            "quantity must be a whole number of at least 1",
            errors=[FieldProblem("quantity", "invalid", "must be a whole number of at least 1")],
        )
    if mode not in MODES:
        raise InvalidInput(
            f"unknown mode {mode!r}",
            errors=[FieldProblem("mode", "invalid", f"must be one of {', '.join(MODES)}")],
        )
    expander = _Expander(template, quantity, mode)
    expanded = expander.expand(configuration)
    if expanded is None:
        raise BusinessRuleViolation(
            f"Job template {template.source} cannot be expanded for this configuration",
            code="job_expansion_failed",
            errors=expander.problems,
        )
    operations, arcs = expanded
    return [
        JobSpec(template.product_family, template.version, unit, operations, arcs)
        for unit in range(1, quantity + 1)
    ]


def _input_value(spec: Input, raw: Any) -> Any:
    """A configuration value in the form expressions see; ValueError if it has the wrong type."""
    if spec.type == "number":
        number = to_decimal(raw)
        if number is None:
            raise ValueError("is not a number")
        return number
    if spec.type == "boolean":
        if not isinstance(raw, bool):
            raise ValueError("is not true or false")
        return raw
    if spec.type == "multi":
        if not isinstance(raw, list | tuple):
            raise ValueError("is not a list of codes")
        return tuple(str(code) for code in raw)
    if spec.type == "proportions":
        if not isinstance(raw, Mapping):
            raise ValueError("is not a mapping of parts to percent")
        shares = {str(part): to_decimal(share) for part, share in raw.items()}
        if None in shares.values():
            raise ValueError("has a share that is not a number")
        return shares
    if spec.type == "file":
        return bool(raw)  # expressions only ask whether a file was given
    if not isinstance(raw, str):
        raise ValueError("is not text")
    return raw


class _Expander:
    def __init__(self, template: JobTemplate, quantity: int, mode: str) -> None:
        self.template = template
        self.mode = mode
        self.problems: list[FieldProblem] = []
        self.names: dict[str, Any] = {"quantity": quantity, "mode": mode}
        self.present: set[str] = set()

    def expand(
        self,
        configuration: Mapping[str, Any],
    ) -> tuple[tuple[OperationSpec, ...], tuple[PrecedenceArc, ...]] | None:
        """Operations and arcs, or None when ``problems`` says what went wrong."""
        for code, spec in self.template.inputs.items():
            self.names[code] = self.input(spec, configuration.get(code))
        if self.problems:  # a missing or mistyped input would fail every expression
            return None
        self.present = {op.id for op in self.template.operations if self.is_present(op)}
        operations, arcs = self.operations(), self.arcs()
        return None if self.problems else (operations, arcs)

    def problem(self, path: str, code: str, message: str) -> None:
        self.problems.append(FieldProblem(path, code, message))

    def input(self, spec: Input, raw: Any) -> Any:
        path = f"{self.template.source}: inputs.{spec.code}"
        if raw is None:
            if not spec.has_default:
                self.problem(
                    path, "missing_attribute", f"the configuration has no value for {spec.code!r}"
                )
                return None
            raw = spec.default
        try:
            return _input_value(spec, raw)
        except ValueError as exc:
            self.problem(path, "invalid_attribute", f"{spec.code} = {raw!r} {exc}")
            return None

    def evaluate(self, expression: Expression) -> Any:
        try:
            return expression.evaluate(self.names)
        except ExpressionError as exc:
            self.problem(expression.path, "evaluation_failed", str(exc))
            return _FAILED

    def minutes(self, value: Any, path: str, *, minimum: int) -> int | None:
        """Whole minutes, rounded up; None (with a problem) for a non-number or a negative."""
        if value is _FAILED:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
            self.problem(path, "not_a_number", f"gives {value!r}, not a number of minutes")
            return None
        if value < 0:
            self.problem(path, "negative_minutes", f"gives {value} minutes")
            return None
        return max(minimum, math.ceil(value))

    def is_present(self, op: OperationTemplate) -> bool:
        if op.design and self.mode != "co":
            return False
        return op.when is None or bool(self.evaluate(op.when))

    def duration(self, spec: Expression | Lookup) -> int | None:
        if isinstance(spec, Expression):
            return self.minutes(self.evaluate(spec), spec.path, minimum=1)
        key = self.evaluate(spec.key)
        if key is _FAILED:
            return None
        entry = spec.table.get(str(key), spec.default)
        if entry is None:
            self.problem(
                spec.path, "lookup_missing", f"no entry for {key!r} in the table and no default"
            )
            return None
        return self.minutes(self.evaluate(entry), entry.path, minimum=1)

    def operations(self) -> tuple[OperationSpec, ...]:
        out = []
        for op in self.template.operations:
            if op.id not in self.present:
                continue
            durations = {group: self.duration(spec) for group, spec in op.durations.items()}
            family = self.evaluate(op.setup_family) if op.setup_family else None
            applying = [
                gate
                for gate in op.gates
                # Only a co-design order has proofs to approve.
                if (gate.kind != "proof_approval" or self.mode == "co")
                and (gate.when is None or self.evaluate(gate.when))
            ]
            gates = tuple(dict.fromkeys(gate.kind for gate in applying))
            lead_days = max(
                (g.lead_days or 0 for g in applying if g.kind == "materials"), default=0
            )
            out.append(
                OperationSpec(
                    id=op.id,
                    name=op.name,
                    durations={g: m for g, m in durations.items() if m is not None},
                    setup_family=None if family is None else str(family),
                    gates=gates,
                    materials_lead_days=lead_days,
                    quality_check=op.quality_check,
                    splittable=op.splittable,
                    cut_off=op.id == self.template.cut_off,
                    design=op.design,
                )
            )
        return tuple(out)

    def lag(self, expression: Expression | None) -> int | None:
        if expression is None:
            return None
        return self.minutes(self.evaluate(expression), expression.path, minimum=0)

    def arcs(self) -> tuple[PrecedenceArc, ...]:
        merged: dict[tuple[str, str], PrecedenceArc] = {}
        for op in self.template.operations:
            if op.id not in self.present:
                continue
            for before, min_lag, max_lag in self.predecessors(op, 0, direct=True):
                arc = PrecedenceArc(before, op.id, min_lag, max_lag)
                previous = merged.get((before, op.id))
                merged[(before, op.id)] = arc if previous is None else _tighter(previous, arc)
        for arc in merged.values():
            if arc.max_lag is not None and arc.max_lag < arc.min_lag:
                self.problem(
                    f"{self.template.operation(arc.after).path}.after",
                    "inconsistent_lags",
                    f"max lag {arc.max_lag} after {arc.before!r} is below the "
                    f"min lag {arc.min_lag}",
                )
        return tuple(merged.values())

    def predecessors(
        self, op: OperationTemplate, carried: int, direct: bool
    ) -> list[tuple[str, int, int | None]]:
        """Present predecessors of ``op`` with their lags, looking through absent ones."""
        out: list[tuple[str, int, int | None]] = []
        for entry in op.after:
            min_lag = (self.lag(entry.min_lag) or 0) + carried
            if entry.operation in self.present:
                # A max lag ties two particular operations; through a gap it no longer holds.
                max_lag = self.lag(entry.max_lag) if direct else None
                out.append((entry.operation, min_lag, max_lag))
            else:
                absent = self.template.operation(entry.operation)
                out.extend(self.predecessors(absent, min_lag, direct=False))
        return out


def _tighter(a: PrecedenceArc, b: PrecedenceArc) -> PrecedenceArc:
    """Two arcs between the same operations: both must hold."""
    max_lags = [lag for lag in (a.max_lag, b.max_lag) if lag is not None]
    return PrecedenceArc(
        a.before, a.after, max(a.min_lag, b.min_lag), min(max_lags) if max_lags else None
    )
