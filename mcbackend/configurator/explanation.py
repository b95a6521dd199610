"""Explain a conflict: the smallest set of the customer's choices and rules that cannot hold
together, in words the customer understands.

Each choice and each rule gets an assumption literal. CP-SAT returns a sufficient set of
assumptions for the infeasibility; that core is then shrunk one element at a time until
no element can be dropped (an irreducible conflict). Rules are dropped before choices, so
the explanation keeps the customer's own choices when it can.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ortools.sat.python import cp_model

from mcbackend.configurator.messages import describe_choice, describe_rule, join_words
from mcbackend.configurator.model import add_fixed, compiled
from mcbackend.configurator.solving import new_solver
from mcbackend.configurator.validation import Violation, read_configuration
from mcbackend.domain.catalog import ProductDefinition


@dataclass(frozen=True)
class ConflictPart:
    """One element of a conflict: a customer's choice or a rule."""

    kind: str  # "choice" | "rule"
    id: str  # attribute code or rule id
    message: str
    attributes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "id": self.id,
            "message": self.message,
            "attributes": list(self.attributes),
        }


@dataclass
class Explanation:
    consistent: bool
    conflict: list[ConflictPart]
    message: str
    violations: list[Violation] = field(default_factory=list)

    @property
    def rules(self) -> list[str]:
        return [part.id for part in self.conflict if part.kind == "rule"]

    @property
    def choices(self) -> list[str]:
        return [part.id for part in self.conflict if part.kind == "choice"]

    def to_dict(self) -> dict[str, Any]:
        return {
            "consistent": self.consistent,
            "conflict": [part.to_dict() for part in self.conflict],
            "message": self.message,
            "violations": [v.to_dict() for v in self.violations],
        }


def explain(definition: ProductDefinition, configuration: dict[str, Any]) -> Explanation:
    """Why a (partial) configuration cannot be completed, or ``consistent=True`` if it can.

    Values that fail their own attribute's domain (unknown values, out of range) are
    reported as violations and left out of the conflict search.
    """
    values, violations = read_configuration(definition, configuration, complete=False)
    model, attribute_vars, rule_literals = compiled(definition).switchable()
    assumptions: dict[int, tuple[str, str]] = {}
    for code, value in values.items():
        chosen = model.new_bool_var(f"choice[{code}]")
        add_fixed(model, attribute_vars[code], value, enforce=[chosen])
        assumptions[chosen.index] = ("choice", code)
    # Rules come first in the shrinking order: they are dropped first when possible.
    order = [on.index for on in rule_literals.values()] + list(assumptions)
    for rule_id, on in rule_literals.items():
        assumptions[on.index] = ("rule", rule_id)
    core = _core(model, order)
    if core is None:
        return Explanation(
            True, [], "These choices can be completed to a valid product.", violations
        )
    core = _shrink(model, [index for index in order if index in core])
    # Choices in the product's attribute order, then rules in their order.
    position = {("choice", a.code): i for i, a in enumerate(definition.attributes)}
    position |= {("rule", r.id): len(position) + i for i, r in enumerate(definition.rules)}
    parts = [
        _part(definition, values, *assumptions[index])
        for index in sorted(core, key=lambda index: position[assumptions[index]])
    ]
    return Explanation(False, parts, _summary(parts), violations)


def _core(model: cp_model.CpModel, assumptions: list[int]) -> set[int] | None:
    """Indexes of a sufficient set of assumptions for infeasibility, or None if feasible."""
    model.clear_assumptions()
    model.add_assumptions([model.get_bool_var_from_proto_index(i) for i in assumptions])
    solver = new_solver()
    status = solver.solve(model)
    if status != cp_model.INFEASIBLE:
        return None
    return set(solver.sufficient_assumptions_for_infeasibility())


def _shrink(model: cp_model.CpModel, core: list[int]) -> list[int]:
    """Drop elements one by one while the rest stays infeasible (deletion filter)."""
    kept = list(core)
    position = 0
    while position < len(kept):
        trial = kept[:position] + kept[position + 1 :]
        smaller = _core(model, trial)
        if smaller is None:
            position += 1  # needed
        else:
            kept = [index for index in trial if index in smaller]
            position = min(position, len(kept))
    model.clear_assumptions()
    return kept


def _part(
    definition: ProductDefinition, values: dict[str, Any], kind: str, key: str
) -> ConflictPart:
    if kind == "choice":
        attribute = definition.attribute(key)
        return ConflictPart("choice", key, describe_choice(attribute, values[key]), [key])
    rule = next(r for r in definition.rules if r.id == key)
    return ConflictPart("rule", key, describe_rule(definition, rule), rule.attributes())


def _summary(parts: list[ConflictPart]) -> str:
    choices = [p.message for p in parts if p.kind == "choice"]
    rules = [p.message for p in parts if p.kind == "rule"]
    if not choices:
        return "These rules cannot all hold at once: " + " ".join(rules)
    chosen = join_words(choices, "and")
    if not rules:
        return f"You chose {chosen}, which cannot be combined."
    if len(rules) == 1:
        return f"{rules[0].rstrip('.')}, but you chose {chosen}."
    return f"You chose {chosen}, but: " + " ".join(rules)
