"""Rules and choices in words a customer understands, using labels rather than codes."""

from __future__ import annotations

from typing import Any

from mcbackend.domain.catalog import (
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


def join_words(words: list[str], joiner: str = "or") -> str:
    """ "a", "a or b", "a, b or c"."""
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} {joiner} {words[-1]}"


def describe_value(attribute: Attribute, value: Any) -> str:
    """A configured value as the customer sees it: "Glass", "2000 mm", "yes"."""
    if value is None:
        return "nothing"
    if attribute.type == "choice":
        return attribute.value_label(value)
    if attribute.type == "multi":
        labels = [attribute.value_label(v) for v in value]
        return join_words(labels, "and") if labels else "none"
    if attribute.type == "boolean":
        return "yes" if value else "no"
    if attribute.type == "number":
        return attribute.format_number(to_decimal(value))
    if attribute.type == "proportions":
        return ", ".join(
            f"{attribute.parts[attribute.part_index[p]].label} {share} %"
            for p, share in value.items()
            if share
        )
    if attribute.type == "file":
        return str(value.get("name", "a file"))
    return repr(value)


def describe_choice(attribute: Attribute, value: Any) -> str:
    """A customer's choice: "Top: Glass", "Width: 2000 mm", "no Monogram"."""
    if value is None:
        return f"no {attribute.label}"
    if attribute.type == "boolean":
        return attribute.label if value else f"no {attribute.label}"
    return f"{attribute.label}: {describe_value(attribute, value)}"


def describe_condition(definition: ProductDefinition, c: Condition) -> str:
    attribute = definition.attribute(c.attribute)
    label = attribute.label
    if c.part is not None:
        label = f"{attribute.parts[attribute.part_index[c.part]].label} share of {label}"
    if c.kind == "set":
        return f"a {label}" if c.values[0] else f"no {label}"
    if attribute.type == "boolean":
        return label if c.values[0] else f"no {label}"
    if c.kind == "range":
        low = None if c.low is None else describe_number(attribute, c.low)
        high = None if c.high is None else describe_number(attribute, c.high)
        if low and high:
            return f"{label} between {low} and {high}"
        return f"{label} of at least {low}" if low else f"{label} of at most {high}"
    labels = [describe_value(attribute, v) for v in c.values]
    if attribute.type == "multi":
        if c.kind == "not_in":
            return f"{label} without {join_words(labels)}"
        return f"{label} with {join_words(labels)}"
    if c.kind == "not_in":
        return f"{label} other than {join_words(labels)}"
    return f"{label}: {join_words(labels)}"


def describe_number(attribute: Attribute, value: Any) -> str:
    if attribute.type == "proportions":
        return f"{value} %"
    return attribute.format_number(to_decimal(value))


def _all(definition: ProductDefinition, conditions: tuple[Condition, ...]) -> str:
    return join_words([describe_condition(definition, c) for c in conditions], "and")


def describe_rule(definition: ProductDefinition, rule: Rule) -> str:
    """What the rule says, as a sentence; the rule's own message wins when it has one."""
    if rule.message:
        return rule.message
    when = _all(definition, rule.when)
    prefix = f"With {when}, " if rule.when else ""
    match rule:
        case Requires(then=then):
            return f"{_capital(when)} requires {_all(definition, then)}."
        case Excludes(then=then):
            words = [describe_condition(definition, c) for c in then]
            return f"{_capital(when)} cannot be combined with {join_words(words)}."
        case ConditionalDomain(then=then):
            return f"{_capital(when)} allows only {describe_condition(definition, then)}."
        case Implies(attribute=code, value=value):
            attribute = definition.attribute(code)
            return f"{_capital(when)} comes with {describe_choice(attribute, value)}."
        case Tier(attribute=code, min_tier=tier):
            attribute = definition.attribute(code)
            return (
                f"{_capital(when)} is available only with {attribute.label} "
                f"{attribute.value_label(tier)} or above."
            )
        case Cardinality(of=of, min=low, max=high):
            words = join_words([describe_condition(definition, c) for c in of])
            if low is not None and high is not None:
                amount = f"between {low} and {high}" if low != high else f"exactly {low}"
            else:
                amount = f"at least {low}" if low is not None else f"at most {high}"
            return f"{prefix}choose {amount} of {words}."
        case Linear(terms=terms, op=op, rhs=rhs):
            parts = []
            for term in terms:
                attribute = definition.attribute(term.attribute)
                label = attribute.label
                if term.part is not None:
                    label = f"{attribute.parts[attribute.part_index[term.part]].label} share"
                parts.append(label if term.coef == 1 else f"{term.coef} x {label}")
            relation = {"<=": "at most", ">=": "at least", "==": "exactly"}[op]
            return f"{prefix}{' + '.join(parts)} must be {relation} {rhs}.".replace("+ -", "- ")
        case Combination(columns=columns, allowed=allowed):
            labels = join_words([definition.attribute(c).label for c in columns], "and")
            kind = "one of the offered combinations" if allowed else "not a blocked combination"
            return f"{_capital(labels)} must be {kind}."
    return rule.id


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]
