"""A product definition compiled to a CP-SAT model.

Variables, per attribute:

* choice / multi: one Boolean per value (``fabric=linen``); a choice has exactly one
  (at most one, with a presence literal, when optional);
* boolean: one Boolean (``heated_wheel``);
* number: the index ``k`` on the step grid, value = min + step * k (scaled to an integer by
  the attribute's decimals), so steps of 0.5 cm are exact;
* proportions: one grid index per part, the parts summing to the total;
* text / file: only a presence literal; their content is checked in Python.

The model is compiled once per definition object and cloned for each call. ``explain``
uses a second compilation where every rule is enforced by its own literal (``rule[<id>]``)
so it can switch rules on and off as assumptions.
"""

from __future__ import annotations

import math
import weakref
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any

from ortools.sat.python import cp_model

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

Literal = Any  # a cp_model Boolean variable or its negation
BoolOrLiteral = Literal | bool


@dataclass
class AttributeVars:
    """The CP-SAT variables of one attribute."""

    attribute: Attribute
    present: BoolOrLiteral = True
    values: dict[Any, Literal] = field(default_factory=dict)  # choice/multi codes, boolean True
    index: cp_model.IntVar | None = None  # number grid index
    parts: dict[str, cp_model.IntVar] = field(default_factory=dict)


@dataclass
class CompiledModel:
    """A definition as a CP-SAT model with every rule enforced.

    The model for explanations, where each rule has a literal that switches it on, is
    built on first use: only ``explain`` needs it, and it is slower to solve.
    """

    definition: ProductDefinition
    model: cp_model.CpModel
    vars: dict[str, AttributeVars]
    _switchable: (
        tuple[cp_model.CpModel, dict[str, AttributeVars], dict[str, cp_model.IntVar]] | None
    ) = None

    def clone(self) -> cp_model.CpModel:
        return self.model.clone()

    @cached_property
    def value_classes(self) -> dict[str, list[list[Any]]]:
        return value_classes(self.definition)

    def switchable(
        self,
    ) -> tuple[cp_model.CpModel, dict[str, AttributeVars], dict[str, cp_model.IntVar]]:
        """A fresh copy of the switchable model, its attribute variables and rule literals."""
        if self._switchable is None:
            compiler = _Compiler(self.definition)
            rule_literals = compiler.compile_switchable()
            self._switchable = (compiler.model, compiler.vars, rule_literals)
        model, attribute_vars, rule_literals = self._switchable
        return model.clone(), attribute_vars, rule_literals


_cache: dict[int, CompiledModel] = {}


def compiled(definition: ProductDefinition) -> CompiledModel:
    """The compiled model of a definition, built once per definition object."""
    key = id(definition)
    found = _cache.get(key)
    if found is None or found.definition is not definition:
        found = _Compiler(definition).compile()
        _cache[key] = found
        weakref.finalize(definition, _cache.pop, key, None)
    return found


def number_index(attribute: Attribute, value: Decimal) -> int | None:
    """The grid index of a number (or proportion share), or None if it is off the grid."""
    low, high, step = attribute.scaled_bounds
    scaled = attribute.scaled(value) if attribute.type == "number" else value
    if scaled is None or not low <= scaled <= high or (scaled - low) % step:
        return None
    return int((scaled - low) // step)


def index_value(attribute: Attribute, index: int) -> Decimal:
    low, _, step = attribute.scaled_bounds
    return Decimal(low + step * index).scaleb(-attribute.decimals)


def index_bounds(attribute: Attribute, low: Any, high: Any) -> tuple[int, int]:
    """Grid indexes ``[first, last]`` whose values lie within ``[low, high]``."""
    grid_low, _, step = attribute.scaled_bounds
    first, last = 0, attribute.grid_size
    if low is not None:
        first = max(
            first, math.ceil((to_decimal(low).scaleb(attribute.decimals) - grid_low) / step)
        )
    if high is not None:
        last = min(
            last, math.floor((to_decimal(high).scaleb(attribute.decimals) - grid_low) / step)
        )
    return first, last


def add_fixed(
    model: cp_model.CpModel, av: AttributeVars, value: Any, enforce: list[Literal] | None = None
) -> None:
    """Constrain an attribute to a customer's (already domain-checked) value.

    ``None`` means "explicitly not set" and only applies to optional attributes.
    """
    attribute = av.attribute
    enforce = enforce or []
    lits: list[BoolOrLiteral] = []
    if value is None:
        lits.append(_negate(av.present))
    elif attribute.type == "choice":
        lits.append(av.values[value])
    elif attribute.type == "multi":
        lits += [lit if code in value else ~lit for code, lit in av.values.items()]
    elif attribute.type == "boolean":
        lits.append(av.values[True] if value else ~av.values[True])
    elif attribute.type in ("text", "file"):
        lits.append(av.present)
    if attribute.type == "number" and value is not None:
        index = number_index(attribute, to_decimal(value))
        model.add(av.index == index).only_enforce_if(enforce)
        lits.append(av.present)
    if attribute.type == "proportions":
        for part, var in av.parts.items():
            model.add(var == value.get(part, 0) // int(attribute.step or 1)).only_enforce_if(
                enforce
            )
    real = [lit for lit in lits if lit is not True]
    if _any_false(real):
        model.add_bool_or([_negate(e) for e in enforce])
    elif real:
        model.add_bool_and(real).only_enforce_if(enforce)


def _any_false(lits: list[BoolOrLiteral]) -> bool:
    # Identity, not ``in``: comparing CP-SAT variables with == builds constraints.
    return any(lit is False for lit in lits)


def _negate(lit: BoolOrLiteral) -> BoolOrLiteral:
    return (not lit) if isinstance(lit, bool) else ~lit


class _Compiler:
    def __init__(self, definition: ProductDefinition) -> None:
        self.definition = definition
        self.model = cp_model.CpModel()
        self.vars: dict[str, AttributeVars] = {}
        self.condition_literals: dict[Condition, BoolOrLiteral] = {}

    def compile(self) -> CompiledModel:
        for attribute in self.definition.attributes:
            self.vars[attribute.code] = self.attribute_vars(attribute)
        for rule in self.definition.rules:
            self.rule(rule, [])
        return CompiledModel(self.definition, self.model, self.vars)

    def compile_switchable(self) -> dict[str, cp_model.IntVar]:
        """Compile with one enforcement literal per rule; return those literals."""
        for attribute in self.definition.attributes:
            self.vars[attribute.code] = self.attribute_vars(attribute)
        rule_literals = {}
        for rule in self.definition.rules:
            rule_literals[rule.id] = on = self.model.new_bool_var(f"rule[{rule.id}]")
            self.rule(rule, [on])
        return rule_literals

    # variables

    def attribute_vars(self, attribute: Attribute) -> AttributeVars:
        model, code = self.model, attribute.code
        av = AttributeVars(attribute)
        if attribute.optional:
            av.present = model.new_bool_var(f"{code}?")
        if attribute.type in ("choice", "multi"):
            av.values = {v.code: model.new_bool_var(f"{code}={v.code}") for v in attribute.values}
            chosen = list(av.values.values())
            if attribute.type == "choice":
                model.add_exactly_one(chosen if av.present is True else [~av.present, *chosen])
            else:
                high = len(chosen) if attribute.max_count is None else attribute.max_count
                model.add_linear_constraint(sum(chosen), attribute.min_count, high)
        elif attribute.type == "boolean":
            av.values = {True: model.new_bool_var(code)}
        elif attribute.type == "number":
            av.index = model.new_int_var(0, attribute.grid_size, f"{code}#")
            if av.present is not True:
                # An absent number sits at index 0 so that it has a single representation.
                model.add(av.index == 0).only_enforce_if(~av.present)
        elif attribute.type == "proportions":
            av.parts = {
                p.code: model.new_int_var(0, attribute.grid_size, f"{code}.{p.code}#")
                for p in attribute.parts
            }
            model.add(sum(av.parts.values()) == attribute.grid_size)
        return av

    # conditions

    def literal(self, condition: Condition) -> BoolOrLiteral:
        found = self.condition_literals.get(condition)
        if found is None:
            found = self._literal(condition)
            self.condition_literals[condition] = found
        return found

    def _literal(self, c: Condition) -> BoolOrLiteral:
        av = self.vars[c.attribute]
        attribute = av.attribute
        if c.kind == "set":
            return av.present if c.values[0] else _negate(av.present)
        if attribute.type == "boolean":
            return av.values[True] if c.values[0] else ~av.values[True]
        if attribute.type in ("choice", "multi"):
            chosen = [av.values[v] for v in c.values]
            if c.kind == "is" or (c.kind == "in" and len(chosen) == 1):
                return chosen[0]
            any_of = self.any_of(chosen, f"{c.attribute} in {list(c.values)}")
            if c.kind == "in":
                return any_of
            return self.all_of(
                [av.present, _negate(any_of)], f"{c.attribute} not in {list(c.values)}"
            )
        if attribute.type == "number" and c.kind == "is":
            index = number_index(attribute, to_decimal(c.values[0]))
            if index is None:
                return False
            return self.index_in(av, av.index, index, index, f"{c.attribute}=={c.values[0]}")
        variable = av.parts[c.part] if c.part is not None else av.index
        first, last = index_bounds(attribute, c.low, c.high)
        name = f"{c.attribute}{'.' + c.part if c.part else ''} in [{c.low}, {c.high}]"
        return self.index_in(av, variable, first, last, name)

    def index_in(
        self, av: AttributeVars, variable: cp_model.IntVar, first: int, last: int, name: str
    ) -> BoolOrLiteral:
        """A literal for "present and first <= variable <= last"."""
        size = av.attribute.grid_size
        if first > last or last < 0 or first > size:
            return False
        if first <= 0 and last >= size:
            return av.present
        lit = self.model.new_bool_var(name)
        inside = cp_model.Domain(first, last)
        self.model.add_linear_expression_in_domain(variable, inside).only_enforce_if(lit)
        outside = inside.complement().intersection_with(cp_model.Domain(0, size))
        present = [] if av.present is True else [av.present]
        if present:
            self.model.add_implication(lit, av.present)
        self.model.add_linear_expression_in_domain(variable, outside).only_enforce_if(
            [~lit, *present]
        )
        return lit

    def any_of(self, lits: list[BoolOrLiteral], name: str) -> BoolOrLiteral:
        if any(lit is True for lit in lits):
            return True
        real = [lit for lit in lits if lit is not False]
        if not real:
            return False
        if len(real) == 1:
            return real[0]
        result = self.model.new_bool_var(name)
        self.model.add_bool_or(real).only_enforce_if(result)
        for lit in real:
            self.model.add_implication(lit, result)
        return result

    def all_of(self, lits: list[BoolOrLiteral], name: str) -> BoolOrLiteral:
        return _negate(self.any_of([_negate(lit) for lit in lits], f"not({name})"))

    # rules

    def enforce_all(self, lits: list[BoolOrLiteral], enforce: list[BoolOrLiteral]) -> None:
        """``enforce`` (a conjunction) implies every literal in ``lits``."""
        if _any_false(enforce):
            return
        condition = [e for e in enforce if e is not True]
        negated_condition = [_negate(e) for e in condition]
        for lit in lits:
            if lit is True:
                continue
            if lit is False:
                self.model.add_bool_or(negated_condition)
            else:
                self.model.add_bool_or([*negated_condition, lit])

    def rule(self, rule: Rule, switch: list[cp_model.IntVar]) -> None:
        when = [*switch, *(self.literal(c) for c in rule.when)]
        match rule:
            case Requires(then=then):
                self.enforce_all([self.literal(c) for c in then], when)
            case Excludes(then=then):
                self.enforce_all([_negate(self.literal(c)) for c in then], when)
            case ConditionalDomain(then=then):
                self.enforce_all([self.literal(then)], when)
            case Implies(attribute=code, value=value):
                attribute = self.definition.attribute(code)
                condition = Condition(code, "is", (value,))
                if attribute.type == "boolean":
                    condition = Condition(code, "is", (bool(value),))
                self.enforce_all([self.literal(condition)], when)
            case Tier(attribute=code, min_tier=min_tier):
                attribute = self.definition.attribute(code)
                start = attribute.value_index[min_tier]
                tiers = tuple(v.code for v in attribute.values[start:])
                self.enforce_all([self.literal(Condition(code, "in", tiers))], when)
            case Cardinality(of=of, min=low, max=high):
                self.cardinality(rule, [self.literal(c) for c in of], low, high, when)
            case Linear():
                self.linear(rule, when)
            case Combination():
                self.combination(rule, when)

    def cardinality(
        self,
        rule: Rule,
        lits: list[BoolOrLiteral],
        low: int | None,
        high: int | None,
        when: list[BoolOrLiteral],
    ) -> None:
        if _any_false(when):
            return
        fixed = sum(1 for lit in lits if lit is True)
        real = [lit for lit in lits if not isinstance(lit, bool)]
        low_bound = (low if low is not None else 0) - fixed
        high_bound = (high if high is not None else len(lits)) - fixed
        enforce = [e for e in when if e is not True]
        if real:
            self.model.add_linear_constraint(sum(real), low_bound, high_bound).only_enforce_if(
                enforce
            )
        elif not low_bound <= 0 <= high_bound:
            self.model.add_bool_or([_negate(e) for e in enforce])

    def linear(self, rule: Linear, when: list[BoolOrLiteral]) -> None:
        decimals = [self.definition.attribute(t.attribute).decimals for t in rule.terms]
        rhs = to_decimal(rule.rhs)
        scale = max([*decimals, max(0, -rhs.as_tuple().exponent)])
        expression: Any = 0
        presence = []
        for term, places in zip(rule.terms, decimals, strict=True):
            av = self.vars[term.attribute]
            low, _, step = av.attribute.scaled_bounds
            variable = av.parts[term.part] if term.part is not None else av.index
            factor = term.coef * 10 ** (scale - places)
            expression += factor * low + factor * step * variable
            presence.append(av.present)
        enforce = [e for e in [*when, *presence] if e is not True]
        if _any_false(enforce):
            return
        bound = int(rhs.scaleb(scale))
        if rule.op == "<=":
            self.model.add(expression <= bound).only_enforce_if(enforce)
        elif rule.op == ">=":
            self.model.add(expression >= bound).only_enforce_if(enforce)
        else:
            self.model.add(expression == bound).only_enforce_if(enforce)

    def combination(self, rule: Combination, when: list[BoolOrLiteral]) -> None:
        presence = [self.vars[code].present for code in rule.columns]
        enforce = [*when, *presence]
        rows: list[BoolOrLiteral] = []
        for r, row in enumerate(rule.rows):
            cells = [
                self.literal(Condition(code, "is", (value,)))
                for code, value in zip(rule.columns, row, strict=True)
                if value != WILDCARD
            ]
            if rule.allowed:
                rows.append(self.all_of(cells, f"{rule.id} row {r}"))
            else:
                self.enforce_all([_negate(self.all_of(cells, f"{rule.id} row {r}"))], enforce)
        if rule.allowed:
            self.enforce_all([self.any_of(rows, f"{rule.id} any row")], enforce)


def value_classes(definition: ProductDefinition) -> dict[str, list[list[Any]]]:
    """Interchangeable values per choice/multi attribute.

    Two values that every rule mentions in exactly the same places can be swapped in any
    valid configuration, so a value has a valid completion exactly when the others of its
    class do. Propagation tests one value per class, which keeps 150 fabrics cheap.
    """
    places: dict[tuple[str, str], set[str]] = {}

    def mention(code: str, value: Any, place: str) -> None:
        places.setdefault((code, value), set()).add(place)

    for r, rule in enumerate(definition.rules):
        conditions = list(rule.when)
        if isinstance(rule, Requires | Excludes):
            conditions += rule.then
        if isinstance(rule, ConditionalDomain) and rule.then is not None:
            conditions.append(rule.then)
        if isinstance(rule, Cardinality):
            conditions += rule.of
        for c, condition in enumerate(conditions):
            for value in condition.values:
                mention(condition.attribute, value, f"{r}/{c}")
        if isinstance(rule, Implies):
            mention(rule.attribute, rule.value, f"{r}/set")
        if isinstance(rule, Tier):
            for value in definition.attribute(rule.attribute).values:
                mention(rule.attribute, value.code, f"tier/{value.code}")
        if isinstance(rule, Combination):
            for i, row in enumerate(rule.rows):
                for code, value in zip(rule.columns, row, strict=True):
                    mention(code, value, f"{r}/{i}")
    classes: dict[str, list[list[Any]]] = {}
    for attribute in definition.attributes:
        if attribute.type not in ("choice", "multi"):
            continue
        groups: dict[frozenset[str], list[Any]] = {}
        for value in attribute.values:
            key = frozenset(places.get((attribute.code, value.code), ()))
            groups.setdefault(key, []).append(value.code)
        classes[attribute.code] = list(groups.values())
    return classes
