"""Propagate a partial configuration: what can each attribute still become?

Exact, not heuristic: a value is offered only if some valid completion uses it, and a
number's bounds are the lowest and highest values some valid completion uses.

1. Every solution found proves the values it uses. Each one is also varied one attribute
   at a time in Python ("flips", checked against the rules mentioning that attribute),
   which proves most other values without another solve.
2. The values not proven yet are asked for all at once: "a completion using at least one
   of them, as many as possible". When that is infeasible, every remaining value is
   proven impossible by a single solve. Interchangeable values (``model.value_classes``)
   are asked for through one representative, which keeps 150 fabrics cheap.
3. Number bounds seen so far are checked with one solve ("any completion beyond them?");
   only if that finds one, each bound is optimised on its own.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from ortools.sat.python import cp_model

from mcbackend.configurator.model import (
    AttributeVars,
    CompiledModel,
    compiled,
    index_value,
    number_index,
)
from mcbackend.configurator.solving import (
    Solution,
    fixed_model,
    literal_value,
    read_solution,
    solutions,
)
from mcbackend.configurator.validation import (
    Check,
    Violation,
    read_configuration,
    rule_checks,
)
from mcbackend.domain.catalog import ProductDefinition, to_decimal

_FEASIBLE = (cp_model.OPTIMAL, cp_model.FEASIBLE)


@dataclass
class AttributeState:
    """What one attribute can still be.

    ``possible``: choice/multi/boolean values some valid completion uses; ``forced``: the
    value every completion has (for multi: the values every completion includes);
    ``min``/``max``: reachable bounds of a number; ``parts``: bounds per proportion part;
    ``can_be_set``/``can_be_unset``/``must_be_set``: whether some / no completion leaves
    the attribute unset (always set for required attributes).
    """

    code: str
    type: str
    possible: list[Any] | None = None
    forced: Any = None
    min: int | float | None = None
    max: int | float | None = None
    parts: dict[str, dict[str, int]] | None = None
    can_be_set: bool = True
    can_be_unset: bool = False
    must_be_set: bool = True

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.type}
        if self.possible is not None:
            out["possible"] = self.possible
        if self.type in ("choice", "multi", "boolean", "number"):
            out["forced"] = self.forced
        if self.type == "number":
            out["min"], out["max"] = self.min, self.max
        if self.parts is not None:
            out["parts"] = self.parts
        out["can_be_set"] = self.can_be_set
        out["can_be_unset"] = self.can_be_unset
        out["must_be_set"] = self.must_be_set
        return out


@dataclass
class PropagationResult:
    completable: bool
    attributes: dict[str, AttributeState]
    violations: list[Violation] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "completable": self.completable,
            "attributes": {code: s.to_dict() for code, s in self.attributes.items()},
            "violations": [v.to_dict() for v in self.violations],
        }


@dataclass
class _Bound:
    """Reachable range of one grid index, widened by every solution seen."""

    variable: cp_model.IntVar
    present: Any
    size: int
    low: int | None = None
    high: int | None = None


_PRESENT = object()  # a text or file attribute the solver set: its content does not matter


class _Support:
    """Which targets (literal polarities, number bounds) are proven reachable.

    Solutions come from the solver; each one is also varied one attribute at a time in
    Python ("flips"), checked against the rules that mention that attribute. A flip that
    passes is a valid completion too, so most values are proven without another solve.
    """

    def __init__(
        self, definition: ProductDefinition, compiled_model: CompiledModel, free: list[str]
    ) -> None:
        self.definition = definition
        self.compiled = compiled_model
        self.lits: dict[tuple[int, bool], Any] = {}
        self.flips: dict[tuple[int, bool], tuple[str, Any, bool]] = {}
        self.seen: set[tuple[int, bool]] = set()
        self.bounds: dict[tuple[str, str | None], _Bound] = {}
        self.checks = checks_by_attribute(definition)
        for code in free:
            av = compiled_model.vars[code]
            attribute = av.attribute
            if av.present is not True:
                self._add_lit(av.present, code, _PRESENCE)
            if attribute.type in ("choice", "multi"):
                for group in compiled_model.value_classes[code]:
                    self._add_lit(av.values[group[0]], code, group[0])
            elif attribute.type == "boolean":
                self._add_lit(av.values[True], code, True)
            elif attribute.type == "number":
                self.bounds[code, None] = _Bound(av.index, av.present, attribute.grid_size)
            elif attribute.type == "proportions":
                for part, var in av.parts.items():
                    self.bounds[code, part] = _Bound(var, True, attribute.grid_size)

    def _add_lit(self, lit: Any, code: str, value: Any) -> None:
        """Track both polarities of ``lit``, which says "``code`` is/has ``value``"."""
        for polarity in (True, False):
            self.lits[lit.index, polarity] = lit if polarity else ~lit
            self.flips[lit.index, polarity] = (code, value, polarity)

    def record(self, found: list[Solution]) -> None:
        """Note what every solution of one solve proves; vary only the last (best) one,
        as flipping each intermediate solution costs more than it finds."""
        for solution in found:
            for key, lit in self.lits.items():
                if key not in self.seen and literal_value(solution, lit):
                    self.seen.add(key)
            for bound in self.bounds.values():
                if literal_value(solution, bound.present):
                    self._widen(bound, solution[bound.variable.index])
        if found:
            self._flip(found[-1])

    @staticmethod
    def _widen(bound: _Bound, value: int) -> None:
        bound.low = value if bound.low is None else min(bound.low, value)
        bound.high = value if bound.high is None else max(bound.high, value)

    def _flip(self, solution: Solution) -> None:
        values = {}
        for code, av in self.compiled.vars.items():
            value = read_solution(av, solution)
            if value is None and av.attribute.type in ("text", "file"):
                value = _PRESENT if literal_value(solution, av.present) else None
            elif value is not None and av.attribute.type == "number":
                value = to_decimal(value)  # once here rather than in every check
            values[code] = value
        # A flip that passes is kept: the configuration stays valid, and later flips start
        # from it, so a walk of single changes reaches combinations one flip cannot.
        progress = True
        while progress:
            progress = False
            for key, (code, value, polarity) in self.flips.items():
                if key in self.seen:
                    continue
                for candidate in self._candidates(code, values[code], value, polarity):
                    if self._valid_with(values, code, candidate):
                        self.seen.add(key)
                        values[code] = candidate
                        progress = True
                        if (code, None) in self.bounds and candidate is not None:
                            index = number_index(
                                self.definition.attribute(code), to_decimal(candidate)
                            )
                            self._widen(self.bounds[code, None], index)
                        break
        for (code, part), bound in self.bounds.items():
            if part is None and values[code] is not None:
                self._stretch(values, code, bound)

    def _stretch(self, values: dict[str, Any], code: str, bound: _Bound) -> None:
        """Move one number as far down and up as the rules allow with everything else
        fixed (bisection between the value and the grid's end; only a checked value
        counts)."""
        attribute = self.definition.attribute(code)

        def valid(index: int) -> bool:
            return self._valid_with(values, code, index_value(attribute, index))

        for end, inner in ((0, bound.low), (bound.size, bound.high)):
            if inner == end:
                continue
            if valid(end):
                self._widen(bound, end)
                continue
            # ``inner`` is reachable (seen in a solution), ``end`` is not with these values.
            good, bad = inner, end
            while abs(good - bad) > 1:
                middle = (good + bad) // 2
                good, bad = (middle, bad) if valid(middle) else (good, middle)
            self._widen(bound, good)

    def _candidates(self, code: str, current: Any, value: Any, polarity: bool) -> list[Any]:
        """Values to try for one attribute so that it is (or is not) ``value``."""
        attribute = self.definition.attribute(code)
        if value is _PRESENCE:
            if not polarity:
                return [None]
            if attribute.type in ("text", "file"):
                return [_PRESENT]
            if attribute.type == "number":
                return [index_value(attribute, 0)]
            return [v.code for v in attribute.values[:3]]
        if attribute.type == "multi":
            chosen = current or []
            if polarity:
                return [] if value in chosen else [[*chosen, value]]
            return [[c for c in chosen if c != value]] if value in chosen else []
        if attribute.type == "boolean" or polarity:
            return [value if polarity else not value]
        others = [v.code for v in attribute.values if v.code != value][:2]
        return others + ([None] if attribute.optional else [])

    def _valid_with(self, values: dict[str, Any], code: str, candidate: Any) -> bool:
        attribute = self.definition.attribute(code)
        if attribute.type == "multi" and candidate is not None:
            high = attribute.max_count if attribute.max_count is not None else len(attribute.values)
            if not attribute.min_count <= len(candidate) <= high:
                return False
        old = values[code]
        values[code] = candidate
        try:
            return all(check(values) for check in self.checks[code])
        finally:
            values[code] = old

    def open_targets(self) -> list[Any]:
        """One literal per value polarity not seen yet."""
        return [lit for key, lit in self.lits.items() if key not in self.seen]

    def bound_targets(self, model: cp_model.CpModel, round_number: int) -> list[Any]:
        """New literals in ``model``, one per number bound: "beyond the range seen"."""
        targets = []
        for (code, part), bound in self.bounds.items():
            if bound.low is None:
                continue  # never set so far: its presence literal is the target
            name = f"{code}{'.' + part if part else ''} round {round_number}"
            if bound.low > 0:
                targets.append(
                    self._beyond(model, bound, f"{name} below", bound.variable <= bound.low - 1)
                )
            if bound.high < bound.size:
                targets.append(
                    self._beyond(model, bound, f"{name} above", bound.variable >= bound.high + 1)
                )
        return targets

    @staticmethod
    def _beyond(model: cp_model.CpModel, bound: _Bound, name: str, constraint: Any) -> Any:
        target = model.new_bool_var(name)
        model.add(constraint).only_enforce_if(target)
        if bound.present is not True:
            model.add_implication(target, bound.present)
        return target

    def reachable(self, lit: Any, polarity: bool = True) -> bool:
        if isinstance(lit, bool):
            return lit is polarity
        return (lit.index, polarity) in self.seen


_PRESENCE = object()  # the literal tracked is the attribute's presence


def checks_by_attribute(definition: ProductDefinition) -> dict[str, list[Check]]:
    """The checks of the rules that mention each attribute."""
    checks = rule_checks(definition)
    by_attribute: dict[str, list[Check]] = {a.code: [] for a in definition.attributes}
    for rule in definition.rules:
        for code in rule.attributes():
            by_attribute[code].append(checks[rule.id])
    return by_attribute


def propagate(definition: ProductDefinition, configuration: dict[str, Any]) -> PropagationResult:
    """For every attribute: the values still possible, the values forced, the reachable
    number bounds, and whether the configuration can still be completed at all."""
    values, violations = read_configuration(definition, configuration, complete=False)
    compiled_model = compiled(definition)
    model = fixed_model(compiled_model, values)
    free = [a.code for a in definition.attributes if a.code not in values]
    support = _Support(definition, compiled_model, free)
    status, found = solutions(model)
    if status not in _FEASIBLE:
        return PropagationResult(False, _impossible(definition), violations)
    support.record(found)
    _prove_values(model, support)
    if not _bounds_exact(model, support):
        for bound in support.bounds.values():
            _tighten(model, bound)
    states = {}
    for attribute in definition.attributes:
        av = compiled_model.vars[attribute.code]
        if attribute.code in values:
            states[attribute.code] = _fixed_state(av, values[attribute.code])
        else:
            states[attribute.code] = _free_state(compiled_model, av, support)
    return PropagationResult(True, states, violations)


def _prove_values(model: cp_model.CpModel, support: _Support) -> None:
    """Rounds of "reach at least one open value, as many as possible".

    Each round adds its constraint under its own literal and assumes only that literal,
    so one model serves every round (copying a model is not free). The round that finds
    nothing proves every open value unreachable at once. Stretching a number bound earns
    a little in the objective too, so the solutions also widen the bounds seen.
    """
    for round_number in itertools.count():
        values_open = support.open_targets()
        if not values_open:
            return
        this_round = model.new_bool_var(f"round {round_number}")
        model.add_bool_or(values_open).only_enforce_if(this_round)
        model.clear_assumptions()
        model.add_assumptions([this_round])
        model.maximize(2 * sum(values_open) + sum(support.bound_targets(model, round_number)))
        _, found = solutions(model)
        if not found:
            return
        support.record(found)


def _bounds_exact(model: cp_model.CpModel, support: _Support) -> bool:
    """One solve that proves every number bound seen so far exact, when it is.

    Otherwise the solution found widens some bounds and the caller tightens them.
    """
    targets = support.bound_targets(model, -1)
    if not targets:
        return True
    check = model.new_bool_var("bounds check")
    model.add_bool_or(targets).only_enforce_if(check)
    model.clear_assumptions()
    model.add_assumptions([check])
    model.clear_objective()
    _, found = solutions(model)
    support.record(found)
    return not found


def _tighten(model: cp_model.CpModel, bound: _Bound) -> None:
    """Make a bound exact with one optimisation per side not already at the grid's end."""
    if bound.low is None:
        return  # never set in any completion
    for side in ("low", "high"):
        if getattr(bound, side) == (0 if side == "low" else bound.size):
            continue
        model.clear_assumptions()
        if bound.present is not True:
            model.add_assumptions([bound.present])
        if side == "low":
            model.minimize(bound.variable)
        else:
            model.maximize(bound.variable)
        _, found = solutions(model)
        setattr(bound, side, found[-1][bound.variable.index])


def _impossible(definition: ProductDefinition) -> dict[str, AttributeState]:
    return {
        a.code: AttributeState(
            a.code,
            a.type,
            can_be_set=False,
            possible=[] if a.type in ("choice", "multi", "boolean") else None,
        )
        for a in definition.attributes
    }


def _fixed_state(av: AttributeVars, value: Any) -> AttributeState:
    attribute = av.attribute
    state = AttributeState(
        attribute.code,
        attribute.type,
        can_be_set=value is not None,
        can_be_unset=value is None,
        must_be_set=value is not None,
    )
    if attribute.type in ("choice", "boolean"):
        state.possible = [] if value is None else [value]
        state.forced = value
    elif attribute.type == "multi":
        state.possible = state.forced = list(value)
    elif attribute.type == "number":
        state.forced = state.min = state.max = value
    elif attribute.type == "proportions":
        state.parts = {part: {"min": share, "max": share} for part, share in value.items()}
    return state


def _free_state(
    compiled_model: CompiledModel, av: AttributeVars, support: _Support
) -> AttributeState:
    attribute = av.attribute
    state = AttributeState(
        attribute.code,
        attribute.type,
        can_be_set=support.reachable(av.present, True),
        can_be_unset=support.reachable(av.present, False),
        must_be_set=not support.reachable(av.present, False),
    )
    if attribute.type in ("choice", "multi"):
        possible, forced = set(), set()
        for group in compiled_model.value_classes[attribute.code]:
            representative = av.values[group[0]]
            if support.reachable(representative):
                possible.update(group)
                if not support.reachable(representative, False):
                    forced.update(group)
        state.possible = [v.code for v in attribute.values if v.code in possible]
        ordered_forced = [v.code for v in attribute.values if v.code in forced]
        if attribute.type == "multi":
            state.forced = ordered_forced
        elif ordered_forced and state.must_be_set:
            state.forced = ordered_forced[0]
    elif attribute.type == "boolean":
        flag = av.values[True]
        state.possible = [b for b in (False, True) if support.reachable(flag, b)]
        state.forced = state.possible[0] if len(state.possible) == 1 else None
    elif attribute.type == "number":
        bound = support.bounds[attribute.code, None]
        if bound.low is not None:
            state.min = _number(index_value(attribute, bound.low))
            state.max = _number(index_value(attribute, bound.high))
            if state.min == state.max and state.must_be_set:
                state.forced = state.min
    elif attribute.type == "proportions":
        step = int(attribute.step or 1)
        state.parts = {
            part: {
                "min": support.bounds[attribute.code, part].low * step,
                "max": support.bounds[attribute.code, part].high * step,
            }
            for part in av.parts
        }
    return state


def _number(value: Any) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)
