"""Validate a complete configuration: every violation at once, each with a stable code.

A complete configuration is checked directly in Python, value by value and rule by rule
(no solver needed), which keeps it well under a millisecond for large products. The same
rule semantics are compiled to CP-SAT in ``model``; tests check the two agree.
"""

from __future__ import annotations

import operator
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from mcbackend.configurator.messages import (
    describe_choice,
    describe_rule,
    describe_value,
    join_words,
)
from mcbackend.domain.catalog import (
    WILDCARD,
    Attribute,
    Cardinality,
    Combination,
    Condition,
    ConditionalDomain,
    Excludes,
    Implies,
    Linear,
    ProductDefinition,
    Requires,
    Rule,
    Tier,
    to_decimal,
)


@dataclass(frozen=True)
class Violation:
    """One problem with a configuration; ``code`` is stable, ``message`` is for people."""

    code: str
    attributes: list[str]
    message: str
    rule: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "code": self.code,
            "attributes": list(self.attributes),
            "message": self.message,
        }
        if self.rule is not None:
            out["rule"] = self.rule
        return out


@dataclass
class ValidationResult:
    valid: bool
    violations: list[Violation]
    configuration: dict[str, Any] = field(default_factory=dict)  # normalized

    def to_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "violations": [v.to_dict() for v in self.violations],
            "configuration": self.configuration,
        }


def read_configuration(
    definition: ProductDefinition, configuration: Any, *, complete: bool
) -> tuple[dict[str, Any], list[Violation]]:
    """Check each given value against its attribute's domain.

    Returns the values that passed (``None`` for an optional attribute explicitly left
    unset) and the violations. With ``complete``, an absent boolean is false, an absent
    multi-choice is empty, and an absent required attribute is a violation.
    """
    if not isinstance(configuration, dict):
        return {}, [Violation("wrong_type", [], "A configuration maps attributes to values.")]
    values: dict[str, Any] = {}
    violations = []
    for code, value in configuration.items():
        attribute = definition.attribute_by_code.get(code)
        if attribute is None:
            violations.append(
                Violation("unknown_attribute", [str(code)], f"This product has no option {code!r}.")
            )
            continue
        if value is None:
            if attribute.optional:
                values[code] = None
            elif complete:
                violations.append(_missing(attribute))
            continue
        problems = attribute.check(value)
        violations += [Violation(p.code, [code], p.message) for p in problems]
        if not problems:
            values[code] = _normalized(attribute, value)
    if complete:
        for attribute in definition.attributes:
            if attribute.code in values or attribute.code in configuration:
                continue
            if attribute.type == "boolean":
                values[attribute.code] = False
            elif attribute.type == "multi" and attribute.min_count == 0:
                values[attribute.code] = []
            elif attribute.optional:
                values[attribute.code] = None
            else:
                violations.append(_missing(attribute))
    return values, violations


def _missing(attribute: Attribute) -> Violation:
    return Violation("missing_required", [attribute.code], f"Please choose {attribute.label}.")


def _normalized(attribute: Attribute, value: Any) -> Any:
    if attribute.type == "multi":
        return sorted(value, key=attribute.value_index.__getitem__)
    if attribute.type == "proportions":
        return {p.code: value.get(p.code, 0) for p in attribute.parts}
    if attribute.type == "number":
        number = to_decimal(value)
        return int(number) if number == number.to_integral_value() else float(number)
    return value


def validate(definition: ProductDefinition, configuration: dict[str, Any]) -> ValidationResult:
    """Check a complete configuration against the attributes' domains and every rule."""
    values, violations = read_configuration(definition, configuration, complete=True)
    for rule in definition.rules:
        if all(code in values for code in rule.attributes()):
            violation = rule_violation(definition, rule, values)
            if violation is not None:
                violations.append(violation)
    return ValidationResult(not violations, violations, values)


Check = Callable[[dict[str, Any]], bool]  # a test on normalized configuration values

_checks: dict[int, dict[str, Check]] = {}


def rule_checks(definition: ProductDefinition) -> dict[str, Check]:
    """Per rule id, a function telling whether the rule holds for a full set of values.

    Built once per definition object: conditions are turned into closures with their
    numbers and value sets prepared, which matters when propagation runs thousands.
    """
    key = id(definition)
    found = _checks.get(key)
    if found is None:
        found = {rule.id: _rule_check(definition, rule) for rule in definition.rules}
        _checks[key] = found
        weakref.finalize(definition, _checks.pop, key, None)
    return found


def condition_check(attribute: Attribute, c: Condition) -> Check:
    """The truth of a condition; a condition on an unset attribute is false, except
    ``set: false``."""
    code, part = c.attribute, c.part
    if c.kind == "set":
        wanted = c.values[0]
        return lambda values: (values[code] is not None) is wanted
    if attribute.type in ("number", "proportions"):
        if c.kind == "is":
            low = high = to_decimal(c.values[0])
        else:
            low, high = to_decimal(c.low), to_decimal(c.high)

        def in_range(values: dict[str, Any]) -> bool:
            value = values[code]
            if value is None:
                return False
            number = to_decimal(value[part] if part is not None else value)
            return (low is None or number >= low) and (high is None or number <= high)

        return in_range
    listed = frozenset(c.values)
    if attribute.type == "multi":
        if c.kind == "not_in":
            return lambda values: listed.isdisjoint(values[code])
        return lambda values: not listed.isdisjoint(values[code])
    if c.kind == "not_in":
        return lambda values: values[code] is not None and values[code] not in listed
    return lambda values: values[code] in listed


def _rule_check(definition: ProductDefinition, rule: Rule) -> Check:
    def checks(conditions: tuple[Condition, ...]) -> list[Check]:
        return [condition_check(definition.attribute(c.attribute), c) for c in conditions]

    when = checks(rule.when)
    holds = _consequence(definition, rule, checks)

    def check(values: dict[str, Any]) -> bool:
        return not all(w(values) for w in when) or holds(values)

    return check


def _consequence(
    definition: ProductDefinition,
    rule: Rule,
    checks: Callable[[tuple[Condition, ...]], list[Check]],
) -> Check:
    """What must hold when the rule's ``when`` does."""
    match rule:
        case Requires(then=then):
            required = checks(then)
            return lambda values: all(t(values) for t in required)
        case Excludes(then=then):
            excluded = checks(then)
            return lambda values: not any(t(values) for t in excluded)
        case ConditionalDomain(then=then):
            return checks((then,))[0]
        case Implies(attribute=code, value=value):
            if definition.attribute(code).type == "number":
                target = to_decimal(value)
                return lambda values: (
                    values[code] is not None and to_decimal(values[code]) == target
                )
            return lambda values: values[code] == value
        case Tier(attribute=code, min_tier=tier):
            index = definition.attribute(code).value_index
            allowed = frozenset(c for c, i in index.items() if i >= index[tier])
            return lambda values: values[code] in allowed
        case Cardinality(of=of, min=low, max=high):
            counted = checks(of)
            low_count, high_count = low or 0, len(of) if high is None else high
            return lambda values: low_count <= sum(c(values) for c in counted) <= high_count
        case Linear():
            return _linear_check(rule)
        case Combination(columns=columns, rows=rows, allowed=allowed):
            exact = frozenset(row for row in rows if WILDCARD not in row)
            patterns = [row for row in rows if WILDCARD in row]

            def table(values: dict[str, Any]) -> bool:
                chosen = tuple(values[c] for c in columns)
                if None in chosen:
                    return True
                matches = chosen in exact or any(
                    all(cell in (WILDCARD, v) for cell, v in zip(row, chosen, strict=True))
                    for row in patterns
                )
                return matches if allowed else not matches

            return table
    raise AssertionError(f"unhandled rule type {rule.type}")


def _linear_check(rule: Linear) -> Check:
    terms = [(t.attribute, t.part, t.coef) for t in rule.terms]
    bound = to_decimal(rule.rhs)
    compare = {"<=": operator.le, ">=": operator.ge, "==": operator.eq}[rule.op]

    def linear(values: dict[str, Any]) -> bool:
        total = Decimal(0)
        for code, part, coef in terms:
            value = values[code]
            if value is None:
                return True  # applies only when every term is set
            total += coef * to_decimal(value[part] if part is not None else value)
        return compare(total, bound)

    return linear


def rule_violation(
    definition: ProductDefinition, rule: Rule, values: dict[str, Any]
) -> Violation | None:
    if rule_checks(definition)[rule.id](values):
        return None
    involved = rule.attributes()
    sentence = describe_rule(definition, rule).rstrip(".")
    if isinstance(rule, ConditionalDomain | Implies | Tier):
        code = rule.then.attribute if isinstance(rule, ConditionalDomain) else rule.attribute
        attribute = definition.attribute(code)
        chosen = describe_value(attribute, values[code])
    else:
        chosen = join_words(
            [describe_choice(definition.attribute(code), values[code]) for code in involved], "and"
        )
    return Violation(f"rule_{rule.type}", involved, f"{sentence}, but you chose {chosen}.", rule.id)
