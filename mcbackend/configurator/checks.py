"""Checks that need the solver when a product version is written: the rules must leave at
least one valid configuration, and every preset must be completable."""

from __future__ import annotations

from typing import Any

from mcbackend.configurator.explanation import explain
from mcbackend.domain.catalog import ProductDefinition, invalid_catalog
from mcbackend.domain.errors import FieldProblem


def check_definition(definition: ProductDefinition) -> list[FieldProblem]:
    """Problems that make the product (or one of its presets) impossible to configure."""
    rule_positions = {rule.id: i for i, rule in enumerate(definition.rules)}
    nothing = explain(definition, {})
    if not nothing.consistent:
        return [
            FieldProblem(
                f"rules[{rule_positions[rule_id]}]",
                "unsatisfiable",
                f"No configuration of this product satisfies every rule. {nothing.message}",
                {"rules": nothing.rules},
            )
            for rule_id in nothing.rules
        ]
    problems = []
    for i, preset in enumerate(definition.presets):
        explanation = explain(definition, preset.values)
        if not explanation.consistent:
            problems.append(
                FieldProblem(
                    f"presets[{i}]",
                    "preset_invalid",
                    f"Preset {preset.label!r} cannot be completed: {explanation.message}",
                    {"rules": explanation.rules, "attributes": explanation.choices},
                )
            )
    return problems


def load_definition(data: dict[str, Any]) -> ProductDefinition:
    """Parse and check a product definition as it is written.

    Raises BusinessRuleViolation (code ``invalid_catalog``, HTTP 422) listing every
    structural problem, or, for a well-formed definition, why it cannot be configured.
    """
    definition = ProductDefinition.from_dict(data)
    problems = check_definition(definition)
    if problems:
        raise invalid_catalog(problems)
    return definition
