"""Loading product definitions.

When a version is written, ``load_definition`` runs the checks that need the solver: the
rules must leave at least one valid configuration, and every preset must be completable.
Stored versions never change, so ``stored_definition`` parses each one once and keeps it,
which also keeps its compiled solver model warm.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

from mcbackend.configurator.explanation import explain
from mcbackend.domain.catalog import ProductDefinition, invalid_catalog
from mcbackend.domain.errors import FieldProblem


def check_definition(definition: ProductDefinition) -> list[FieldProblem]:
    """Problems that make the product (or one of its presets) impossible to configure."""
    rule_positions = {rule.id: i for i, rule in enumerate(definition.rules)}
    nothing = explain(definition, {})
    if not nothing.consistent:
        return [FieldProblem(f"rules[{rule_positions[rule_id]}]", "unsatisfiable",
                             f"No configuration of this product satisfies every rule. "
                             f"{nothing.message}", {"rules": nothing.rules})
                for rule_id in nothing.rules]
    problems = []
    for i, preset in enumerate(definition.presets):
        explanation = explain(definition, preset.values)
        if not explanation.consistent:
            problems.append(FieldProblem(
                f"presets[{i}]", "preset_invalid",
                f"Preset {preset.label!r} cannot be completed: {explanation.message}",
                {"rules": explanation.rules, "attributes": explanation.choices}))
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


_STORED_LIMIT = 256
_stored: OrderedDict[Hashable, ProductDefinition] = OrderedDict()
_stored_lock = threading.Lock()


def stored_definition(key: Hashable, data: dict[str, Any]) -> ProductDefinition:
    """The definition of a stored product version, parsed once per ``key``.

    ``key`` must identify the version for good, e.g. ``(tenant_id, product_id, version)``.
    The most recently used definitions are kept.
    """
    with _stored_lock:
        found = _stored.get(key)
        if found is not None:
            _stored.move_to_end(key)
            return found
    definition = ProductDefinition.from_dict(data)
    with _stored_lock:
        _stored[key] = definition
        while len(_stored) > _STORED_LIMIT:
            _stored.popitem(last=False)
    return definition
