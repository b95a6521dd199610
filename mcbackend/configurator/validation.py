"""Validate a complete configuration: every violation at once, each with a stable code.

A complete configuration is checked directly in Python, value by value and rule by rule
(no solver needed), which keeps it well under a millisecond for large products. The same
rule semantics are compiled to CP-SAT in ``model``; tests check the two agree.
"""

from __future__ import annotations

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
        out: dict[str, Any] = {"code": self.code, "attributes": list(self.attributes),
                               "message": self.message}
        if self.rule is not None:
            out["rule"] = self.rule
        return out


@dataclass
class ValidationResult:
    valid: bool
    violations: list[Violation]
    configuration: dict[str, Any] = field(default_factory=dict)  # normalized

    def to_dict(self) -> dict[str, Any]:
        return {"valid": self.valid, "violations": [v.to_dict() for v in self.violations],
                "configuration": self.configuration}


def read_configuration(definition: ProductDefinition, configuration: Any, *, complete: bool
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
            violations.append(Violation("unknown_attribute", [str(code)],
                                        f"This product has no option {code!r}."))
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


def condition_holds(attribute: Attribute, c: Condition, value: Any) -> bool:
    """The truth of a condition for one value; a condition on an unset attribute is false,
    except ``set: false``."""
    if c.kind == "set":
        return (value is not None) is c.values[0]
    if value is None:
        return False
    if attribute.type == "proportions":
        value = value[c.part]
    if attribute.type in ("number", "proportions"):
        number = to_decimal(value)
        if c.kind == "is":
            return number == to_decimal(c.values[0])
        return ((c.low is None or number >= to_decimal(c.low))
                and (c.high is None or number <= to_decimal(c.high)))
    if attribute.type == "multi":
        contains = any(v in value for v in c.values)
        return contains if c.kind in ("is", "in") else not contains
    if c.kind == "not_in":
        return value not in c.values
    return value in c.values


def rule_holds(definition: ProductDefinition, rule: Rule, values: dict[str, Any]) -> bool:
    def holds(c: Condition) -> bool:
        return condition_holds(definition.attribute(c.attribute), c, values[c.attribute])

    if not all(holds(c) for c in rule.when):
        return True
    match rule:
        case Requires(then=then):
            return all(holds(c) for c in then)
        case Excludes(then=then):
            return not any(holds(c) for c in then)
        case ConditionalDomain(then=then):
            return holds(then)
        case Implies(attribute=code, value=value):
            actual = values[code]
            if definition.attribute(code).type == "number":
                return actual is not None and to_decimal(actual) == to_decimal(value)
            return actual == value
        case Tier(attribute=code, min_tier=tier):
            index = definition.attribute(code).value_index
            return values[code] is not None and index[values[code]] >= index[tier]
        case Cardinality(of=of, min=low, max=high):
            count = sum(holds(c) for c in of)
            return (low is None or count >= low) and (high is None or count <= high)
        case Linear(terms=terms, op=op, rhs=rhs):
            if any(values[t.attribute] is None for t in terms):
                return True
            total = sum((t.coef * _term_value(values[t.attribute], t.part) for t in terms),
                        Decimal(0))
            bound = to_decimal(rhs)
            return {"<=": total <= bound, ">=": total >= bound, "==": total == bound}[op]
        case Combination(columns=columns, rows=rows, allowed=allowed):
            chosen = [values[c] for c in columns]
            if any(v is None for v in chosen):
                return True
            matches = any(all(cell in (WILDCARD, v) for cell, v in
                              zip(row, chosen, strict=True)) for row in rows)
            return matches if allowed else not matches
    raise AssertionError(f"unhandled rule type {rule.type}")


def _term_value(value: Any, part: str | None) -> Decimal:
    return to_decimal(value[part] if part is not None else value)


def rule_violation(definition: ProductDefinition, rule: Rule, values: dict[str, Any]
                   ) -> Violation | None:
    if rule_holds(definition, rule, values):
        return None
    involved = rule.attributes()
    sentence = describe_rule(definition, rule).rstrip(".")
    if isinstance(rule, ConditionalDomain | Implies | Tier):
        code = rule.then.attribute if isinstance(rule, ConditionalDomain) else rule.attribute
        attribute = definition.attribute(code)
        chosen = describe_value(attribute, values[code])
    else:
        chosen = join_words([describe_choice(definition.attribute(code), values[code])
                           for code in involved], "and")
    return Violation(f"rule_{rule.type}", involved, f"{sentence}, but you chose {chosen}.",
                     rule.id)
