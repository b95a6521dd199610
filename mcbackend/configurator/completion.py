"""Complete a partial configuration: with the defaults, or with the cheapest valid choice.

Both are one CP-SAT optimisation over the model with the customer's choices fixed:

* ``defaults``: depart from as few defaults as possible (a number departs by grid steps);
* ``cheapest``: the lowest option price (exact, before rounding), then the defaults.

Text and file content cannot be invented: a required text or file without a default is
listed in ``needs_input`` and left out of the configuration.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from ortools.sat.python import cp_model

from mcbackend.configurator.explanation import Explanation, explain
from mcbackend.configurator.model import AttributeVars, compiled, number_index
from mcbackend.configurator.solving import fixed_model, literal_value, read_solution, solutions
from mcbackend.configurator.validation import Violation, read_configuration
from mcbackend.domain.catalog import Attribute, ProductDefinition, to_decimal

STRATEGIES = ("defaults", "cheapest")
_DEPARTURE = 1000  # weight of leaving a default, against one grid step of a number


@dataclass
class Completion:
    completed: bool
    configuration: dict[str, Any]
    needs_input: list[str] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)
    explanation: Explanation | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "completed": self.completed,
            "configuration": self.configuration,
            "needs_input": self.needs_input,
            "violations": [v.to_dict() for v in self.violations],
            "explanation": self.explanation.to_dict() if self.explanation else None,
        }


def complete(
    definition: ProductDefinition, configuration: dict[str, Any], strategy: str = "defaults"
) -> Completion:
    """Fill in every attribute the customer left open so that all rules hold."""
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown completion strategy {strategy!r}")
    values, violations = read_configuration(definition, configuration, complete=False)
    compiled_model = compiled(definition)
    model = fixed_model(compiled_model, values)
    free = [compiled_model.vars[a.code] for a in definition.attributes if a.code not in values]
    objective = _default_departures(model, free)
    if strategy == "cheapest":
        price = _price(model, definition, free)
        # Lexicographic: any saving in price beats every departure from the defaults.
        most_departure = sum(_most_departure(av) for av in free)
        objective = price * (most_departure + 1) + objective
    model.minimize(objective)
    status, found = solutions(model)
    if status != cp_model.OPTIMAL:
        return Completion(
            False, {}, violations=violations, explanation=explain(definition, configuration)
        )
    solution = found[-1]
    result: dict[str, Any] = {}
    needs_input = []
    for attribute in definition.attributes:
        av = compiled_model.vars[attribute.code]
        if attribute.code in values:
            result[attribute.code] = values[attribute.code]
        elif attribute.type in ("text", "file"):
            if literal_value(solution, av.present):
                if attribute.default is not None:
                    result[attribute.code] = attribute.default
                else:
                    needs_input.append(attribute.code)
        else:
            value = read_solution(av, solution)
            if value is not None:
                result[attribute.code] = value
    return Completion(True, result, needs_input, violations)


def _most_departure(av: AttributeVars) -> int:
    """An upper bound of one attribute's term in ``_default_departures``."""
    steps = 0
    if av.attribute.type in ("number", "proportions"):
        steps = av.attribute.grid_size * max(1, len(av.parts))
    return _DEPARTURE * (len(av.values) + 1) + steps


def _default_departures(model: cp_model.CpModel, free: list[AttributeVars]) -> Any:
    """Weighted count of attributes that leave their default (or get set without one)."""
    terms: list[Any] = []
    for av in free:
        attribute, default = av.attribute, av.attribute.default
        if attribute.type in ("text", "file"):
            if default is None and not isinstance(av.present, bool):
                terms.append(_DEPARTURE * av.present)
            elif default is not None and not isinstance(av.present, bool):
                terms.append(_DEPARTURE * (1 - av.present))
        elif attribute.type == "choice":
            if default is not None:
                terms.append(_DEPARTURE * (1 - av.values[default]))
            elif not isinstance(av.present, bool):
                terms.append(_DEPARTURE * av.present)
        elif attribute.type == "multi":
            chosen = set(default or [])
            terms += [
                _DEPARTURE * (1 - lit) if code in chosen else _DEPARTURE * lit
                for code, lit in av.values.items()
            ]
        elif attribute.type == "boolean":
            flag = av.values[True]
            terms.append(_DEPARTURE * (1 - flag) if default else _DEPARTURE * flag)
        elif attribute.type == "number":
            if default is not None:
                target = number_index(attribute, to_decimal(default))
                distance = model.new_int_var(0, attribute.grid_size, f"{attribute.code} off")
                model.add_abs_equality(distance, av.index - target)
                terms.append(distance)
            if not isinstance(av.present, bool):
                terms.append(_DEPARTURE * (1 - av.present))
        elif attribute.type == "proportions" and default is not None:
            step = int(attribute.step or 1)
            for part, var in av.parts.items():
                distance = model.new_int_var(0, attribute.grid_size, f"{attribute.code}.{part} off")
                model.add_abs_equality(distance, var - default.get(part, 0) // step)
                terms.append(distance)
    return sum(terms)


def _price(
    model: cp_model.CpModel, definition: ProductDefinition, free: list[AttributeVars]
) -> Any:
    """The option price of the free attributes as an integer expression (in minor units
    times a common denominator, so fractional per-unit rates stay exact)."""
    coefficients: list[tuple[Fraction, Any]] = []
    for av in free:
        attribute = av.attribute
        if attribute.type in ("choice", "multi"):
            for value in attribute.values:
                cost = (
                    Fraction(value.price)
                    + Fraction(to_decimal(value.price_percent or 0)) * definition.base_price / 100
                )
                if cost:
                    coefficients.append((cost, av.values[value.code]))
        elif attribute.type == "boolean" and attribute.price:
            coefficients.append((Fraction(attribute.price), av.values[True]))
        elif attribute.type == "text" and attribute.price and not isinstance(av.present, bool):
            coefficients.append((Fraction(attribute.price), av.present))
        elif attribute.type == "number" and attribute.price_per_unit is not None:
            coefficients.append(_per_unit(model, attribute, av))
    scale = math.lcm(*(c.denominator for c, _ in coefficients)) if coefficients else 1
    return sum(int(c * scale) * term for c, term in coefficients)


def _per_unit(
    model: cp_model.CpModel, attribute: Attribute, av: AttributeVars
) -> tuple[Fraction, Any]:
    """Per-unit pricing only charges above ``above``: a variable holds max(0, value - above)."""
    per_unit = attribute.price_per_unit
    low, _, step = attribute.scaled_bounds
    above = attribute.scaled(
        to_decimal(per_unit.above if per_unit.above is not None else attribute.min)
    )
    excess = model.new_int_var(
        0, max(0, low + step * attribute.grid_size - above), f"{attribute.code} priced"
    )
    charged = model.add(excess >= low + step * av.index - above)
    if not isinstance(av.present, bool):
        charged.only_enforce_if(av.present)
    rate = Fraction(per_unit.amount) / (Fraction(to_decimal(per_unit.per)) * 10**attribute.decimals)
    return rate, excess
