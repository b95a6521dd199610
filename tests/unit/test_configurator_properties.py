"""Property tests: the configurator against brute force on small random products.

Random small products (a handful of attributes, every rule type) are enumerated completely;
an independent naive evaluator, written from the rule semantics and reading the raw JSON
definition, decides which configurations are valid. Then:

* validate accepts exactly the configurations the naive evaluator accepts;
* propagate offers exactly the values, bounds and presence that some valid completion has;
* complete returns a valid configuration whenever one exists, and "cheapest" is the cheapest;
* explain finds a conflict exactly when nothing is completable, and the conflict is minimal.
"""

from __future__ import annotations

import itertools
import random
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mcbackend.configurator import complete, explain, propagate, validate
from mcbackend.domain.catalog import ProductDefinition
from mcbackend.domain.pricing import option_lines

# --- a random small product -------------------------------------------------------------------


def _attribute(rng: random.Random, index: int) -> dict[str, Any]:
    kind = rng.choice(["choice", "choice", "multi", "boolean", "number", "number",
                       "proportions", "text"])
    code = f"{kind[0]}{index}"
    if kind == "choice":
        values = [{"code": f"v{j}", "label": f"Value {j}", "price": rng.choice([0, 100, 250])}
                  for j in range(rng.randint(2, 4))]
        if rng.random() < 0.3:
            values[-1]["price_percent"] = 10
        attribute = {"code": code, "label": f"Choice {index}", "type": "choice",
                     "values": values}
        if rng.random() < 0.3:
            attribute["required"] = False
        return attribute
    if kind == "multi":
        return {"code": code, "label": f"Extras {index}", "type": "multi",
                "values": [{"code": f"x{j}", "label": f"Extra {j}", "price": 50 * j}
                           for j in range(3)],
                "min_count": rng.randint(0, 1), "max_count": rng.randint(1, 3)}
    if kind == "boolean":
        return {"code": code, "label": f"Flag {index}", "type": "boolean", "price": 300}
    if kind == "number":
        attribute = ({"code": code, "label": f"Size {index}", "type": "number", "unit": "cm",
                      "min": 0, "max": 4, "step": 1} if rng.random() < 0.5 else
                     {"code": code, "label": f"Size {index}", "type": "number", "unit": "cm",
                      "min": 1, "max": 3, "step": 0.5, "decimals": 1})
        if rng.random() < 0.2:
            attribute["required"] = False
        return attribute
    if kind == "proportions":
        parts = rng.choice([(2, 25), (3, 50)])
        return {"code": code, "label": f"Mix {index}", "type": "proportions", "step": parts[1],
                "parts": [{"code": f"q{j}", "label": f"Part {j}"} for j in range(parts[0])]}
    return {"code": code, "label": f"Text {index}", "type": "text", "max_length": 3,
            "price": 70}


def _number_values(attribute: dict[str, Any]) -> list[Any]:
    low, high, step = (Decimal(str(attribute[k])) for k in ("min", "max", "step"))
    count = int((high - low) / step)
    return [_plain(low + step * i) for i in range(count + 1)]


def _plain(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _condition(rng: random.Random, attribute: dict[str, Any], *, allow_set: bool = True
               ) -> dict[str, Any]:
    code, kind = attribute["code"], attribute["type"]
    optional = attribute.get("required") is False or kind == "text"
    if kind == "text" or (allow_set and optional and rng.random() < 0.3):
        return {"attribute": code, "set": rng.random() < 0.5}
    if kind in ("choice", "multi"):
        codes = [v["code"] for v in attribute["values"]]
        op = rng.choice(["is", "in", "not_in"])
        if op == "is":
            return {"attribute": code, "is": rng.choice(codes)}
        return {"attribute": code, op: rng.sample(codes, rng.randint(1, len(codes) - 1))}
    if kind == "boolean":
        return {"attribute": code, "is": rng.random() < 0.5}
    if kind == "number":
        values = _number_values(attribute)
        if rng.random() < 0.3:
            return {"attribute": code, "is": rng.choice([*values, 2.25])}
        low, high = sorted(rng.sample([*values, 1.75], 2))
        bounds = rng.choice([{"min": low}, {"max": high}, {"min": low, "max": high}])
        return {"attribute": code, **bounds}
    part = rng.choice(attribute["parts"])["code"]
    share = rng.choice([0, 25, 50, 75, 100])
    return {"attribute": code, "part": part, rng.choice(["min", "max"]): share}


def _rule(rng: random.Random, attributes: list[dict[str, Any]], index: int
          ) -> dict[str, Any] | None:
    kind = rng.choice(["requires", "excludes", "conditional_domain", "combination", "linear",
                       "cardinality", "tier", "implies"])
    rule: dict[str, Any] = {"id": f"r{index}", "type": kind}

    def conditions(count: int) -> list[dict[str, Any]]:
        return [_condition(rng, rng.choice(attributes)) for _ in range(count)]

    if kind in ("requires", "excludes"):
        rule["when"] = conditions(rng.randint(1, 2))
        rule["then"] = conditions(rng.randint(1, 2))
    elif kind == "conditional_domain":
        targets = [a for a in attributes if a["type"] != "text"]
        if not targets:
            return None
        rule["when"] = conditions(1)
        rule["then"] = _condition(rng, rng.choice(targets), allow_set=False)
    elif kind == "combination":
        columns = [a for a in attributes if a["type"] in ("choice", "boolean")]
        if len(columns) < 2:
            return None
        picked = rng.sample(columns, 2)

        def cell(attribute: dict[str, Any]) -> Any:
            if rng.random() < 0.2:
                return "*"
            if attribute["type"] == "boolean":
                return rng.random() < 0.5
            return rng.choice(attribute["values"])["code"]

        rule["attributes"] = [a["code"] for a in picked]
        rule["allowed" if rng.random() < 0.5 else "forbidden"] = [
            [cell(a) for a in picked] for _ in range(rng.randint(1, 4))]
    elif kind == "linear":
        numeric = [a for a in attributes if a["type"] in ("number", "proportions")]
        if not numeric:
            return None
        terms = []
        for attribute in rng.sample(numeric, min(len(numeric), rng.randint(1, 3))):
            term = {"attribute": attribute["code"], "coef": rng.choice([-2, -1, 1, 1, 3])}
            if attribute["type"] == "proportions":
                term = {"attribute": attribute["code"],
                        "part": rng.choice(attribute["parts"])["code"], "coef": term["coef"]}
            terms.append(term)
        rule.update(terms=terms, op=rng.choice(["<=", ">=", "=="]),
                    rhs=rng.choice([0, 1, 2.5, 4, 50, -1]))
        if rng.random() < 0.3:
            rule["when"] = conditions(1)
    elif kind == "cardinality":
        rule["of"] = conditions(rng.randint(2, 3))
        rule.update(rng.choice([{"max": 1}, {"min": 1}, {"min": 1, "max": 2}]))
    elif kind == "tier":
        tiers = [a for a in attributes if a["type"] == "choice"]
        if not tiers:
            return None
        tier = rng.choice(tiers)
        rule.update(when=conditions(1), attribute=tier["code"],
                    min_tier=rng.choice(tier["values"])["code"])
    else:
        targets = [a for a in attributes if a["type"] in ("choice", "boolean", "number")]
        if not targets:
            return None
        target = rng.choice(targets)
        if target["type"] == "choice":
            value: Any = rng.choice(target["values"])["code"]
        elif target["type"] == "boolean":
            value = rng.random() < 0.5
        else:
            value = rng.choice(_number_values(target))
        rule.update(when=conditions(1), set={"attribute": target["code"], "value": value})
    return rule


def random_product(seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    attributes = [_attribute(rng, i) for i in range(rng.randint(2, 5))]
    rules = [rule for i in range(rng.randint(1, 5))
             if (rule := _rule(rng, attributes, i)) is not None]
    return {"sku": f"RANDOM-{seed}", "name": "Random product", "description": "",
            "currency": "EUR", "base_price": 10000, "base_lead_time_days": 5,
            "modes": ["pre"], "job_template": "random", "attributes": attributes,
            "rules": rules, "presets": [],
            "pricing": {"payment_plan": {"deposit_percent": 100, "milestones": []},
                        "quote_valid_days": 14}}


# --- brute force with an independent naive evaluator ---------------------------------------


def domain(attribute: dict[str, Any]) -> list[Any]:
    kind = attribute["type"]
    optional = [None] if attribute.get("required") is False or kind == "text" else []
    if kind == "choice":
        return [v["code"] for v in attribute["values"]] + optional
    if kind == "multi":
        codes = [v["code"] for v in attribute["values"]]
        return [list(c) for n in range(attribute.get("min_count", 0),
                                       attribute.get("max_count", len(codes)) + 1)
                for c in itertools.combinations(codes, n)]
    if kind == "boolean":
        return [False, True]
    if kind == "number":
        return _number_values(attribute) + optional
    if kind == "proportions":
        step, parts = attribute["step"], [p["code"] for p in attribute["parts"]]
        shares = range(0, 101, step)
        return [dict(zip(parts, combo, strict=True))
                for combo in itertools.product(shares, repeat=len(parts)) if sum(combo) == 100]
    return ["AB", *optional]


def naive_condition(attribute: dict[str, Any], condition: dict[str, Any], value: Any) -> bool:
    if "set" in condition:
        return (value is not None) == condition["set"]
    if value is None:
        return False
    if "part" in condition:
        value = value[condition["part"]]
    if attribute["type"] in ("number", "proportions"):
        number = Decimal(str(value))
        if "is" in condition:
            return number == Decimal(str(condition["is"]))
        return (("min" not in condition or number >= Decimal(str(condition["min"])))
                and ("max" not in condition or number <= Decimal(str(condition["max"]))))
    if attribute["type"] == "multi":
        wanted = [condition["is"]] if "is" in condition else condition.get(
            "in", condition.get("not_in"))
        hit = any(w in value for w in wanted)
        return not hit if "not_in" in condition else hit
    if "is" in condition:
        return value == condition["is"]
    if "in" in condition:
        return value in condition["in"]
    return value not in condition["not_in"]


def naive_rule(product: dict[str, Any], rule: dict[str, Any], config: dict[str, Any]) -> bool:
    attributes = {a["code"]: a for a in product["attributes"]}

    def holds(condition: dict[str, Any]) -> bool:
        code = condition["attribute"]
        return naive_condition(attributes[code], condition, config.get(code))

    if not all(holds(c) for c in rule.get("when", [])):
        return True
    kind = rule["type"]
    if kind == "requires":
        return all(holds(c) for c in rule["then"])
    if kind == "excludes":
        return not any(holds(c) for c in rule["then"])
    if kind == "conditional_domain":
        return holds(rule["then"])
    if kind == "implies":
        target, value = rule["set"]["attribute"], rule["set"]["value"]
        actual = config.get(target)
        if attributes[target]["type"] == "number":
            return actual is not None and Decimal(str(actual)) == Decimal(str(value))
        return actual == value
    if kind == "tier":
        order = [v["code"] for v in attributes[rule["attribute"]]["values"]]
        actual = config.get(rule["attribute"])
        return actual is not None and order.index(actual) >= order.index(rule["min_tier"])
    if kind == "cardinality":
        count = sum(holds(c) for c in rule["of"])
        return rule.get("min", 0) <= count <= rule.get("max", len(rule["of"]))
    if kind == "linear":
        values = []
        for term in rule["terms"]:
            value = config.get(term["attribute"])
            if value is None:
                return True
            value = value[term["part"]] if "part" in term else value
            values.append(term["coef"] * Decimal(str(value)))
        total, rhs = sum(values), Decimal(str(rule["rhs"]))
        return {"<=": total <= rhs, ">=": total >= rhs, "==": total == rhs}[rule["op"]]
    chosen = [config.get(code) for code in rule["attributes"]]
    if any(v is None for v in chosen):
        return True
    rows = rule.get("allowed", rule.get("forbidden"))
    match = any(all(cell == "*" or cell == v for cell, v in zip(row, chosen, strict=True))
                for row in rows)
    return match if "allowed" in rule else not match


def all_valid(product: dict[str, Any], rules: list[dict[str, Any]] | None = None
              ) -> list[dict[str, Any]]:
    """Every complete configuration (over the attributes' domains) that obeys the rules."""
    rules = product["rules"] if rules is None else rules
    codes = [a["code"] for a in product["attributes"]]
    configs = (dict(zip(codes, combo, strict=True))
               for combo in itertools.product(*(domain(a) for a in product["attributes"])))
    return [c for c in configs if all(naive_rule(product, r, c) for r in rules)]


def completions(valid: list[dict[str, Any]], partial: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for c in valid if all(c[k] == v for k, v in partial.items())]


def _small(product: dict[str, Any]) -> bool:
    size = 1
    for attribute in product["attributes"]:
        size *= len(domain(attribute))
    return size <= 4000


_SETTINGS = settings(max_examples=200, deadline=None,
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
seeds = st.integers(0, 10**9).map(random_product).filter(_small)


# --- properties ---------------------------------------------------------------------------------


@_SETTINGS
@given(product=seeds, pick=st.randoms(use_true_random=False))
def test_validate_accepts_exactly_what_the_naive_evaluator_accepts(
        product: dict[str, Any], pick: random.Random) -> None:
    definition = ProductDefinition.from_dict(product)
    codes = [a["code"] for a in product["attributes"]]
    everything = [dict(zip(codes, combo, strict=True)) for combo in
                  itertools.product(*(domain(a) for a in product["attributes"]))]
    for config in pick.sample(everything, min(40, len(everything))):
        naive = all(naive_rule(product, r, config) for r in product["rules"])
        result = validate(definition, config)
        assert result.valid == naive, (config, result.violations)
        for violation in result.violations:
            rule = next(r for r in product["rules"] if r["id"] == violation.rule)
            assert not naive_rule(product, rule, config)


def _partial(pick: random.Random, product: dict[str, Any], valid: list[dict[str, Any]]
             ) -> dict[str, Any]:
    """A partial configuration: sometimes from a valid one, sometimes arbitrary."""
    codes = [a["code"] for a in product["attributes"]]
    fixed = pick.sample(codes, pick.randint(0, len(codes)))
    if valid and pick.random() < 0.5:
        source = pick.choice(valid)
        return {code: source[code] for code in fixed}
    attributes = {a["code"]: a for a in product["attributes"]}
    return {code: pick.choice(domain(attributes[code])) for code in fixed}


@_SETTINGS
@given(product=seeds, pick=st.randoms(use_true_random=False))
def test_propagate_is_exact(product: dict[str, Any], pick: random.Random) -> None:
    definition = ProductDefinition.from_dict(product)
    valid = all_valid(product)
    for _ in range(3):
        partial = _partial(pick, product, valid)
        reachable = completions(valid, partial)
        result = propagate(definition, partial)
        assert result.completable == bool(reachable), partial
        if not reachable:
            continue
        for attribute in product["attributes"]:
            code = attribute["code"]
            state = result.attributes[code]
            seen = [c[code] for c in reachable]
            assert state.can_be_unset == (None in seen), (partial, code)
            assert state.can_be_set == any(v is not None for v in seen), (partial, code)
            assert state.must_be_set == (None not in seen), (partial, code)
            present = [v for v in seen if v is not None]
            if attribute["type"] in ("choice", "boolean"):
                assert set(state.possible) == set(present), (partial, code)
                expected_forced = present[0] if len(set(present)) == 1 and len(
                    present) == len(seen) else None
                assert state.forced == expected_forced, (partial, code)
            elif attribute["type"] == "multi":
                assert set(state.possible) == set().union(*map(set, present)), (partial, code)
                assert set(state.forced) == set.intersection(*map(set, present)), (partial, code)
            elif attribute["type"] == "number" and present:
                numbers = [Decimal(str(v)) for v in present]
                assert Decimal(str(state.min)) == min(numbers), (partial, code)
                assert Decimal(str(state.max)) == max(numbers), (partial, code)
            elif attribute["type"] == "proportions":
                for part, bounds in state.parts.items():
                    shares = [v[part] for v in present]
                    assert bounds == {"min": min(shares), "max": max(shares)}, (partial, code)


def _option_price(definition: ProductDefinition, config: dict[str, Any]) -> int:
    return sum(line.amount.amount for line in option_lines(definition, config))


@_SETTINGS
@given(product=seeds, pick=st.randoms(use_true_random=False))
def test_complete_returns_a_valid_configuration_whenever_one_exists(
        product: dict[str, Any], pick: random.Random) -> None:
    definition = ProductDefinition.from_dict(product)
    valid = all_valid(product)
    partial = _partial(pick, product, valid)
    reachable = completions(valid, partial)
    for strategy in ("defaults", "cheapest"):
        completion = complete(definition, partial, strategy)
        assert completion.completed == bool(reachable)
        if not reachable:
            assert completion.explanation is not None
            continue
        config = dict(completion.configuration)
        for code in completion.needs_input:
            config[code] = "AB"  # the customer types the required text
        for code in product_codes(product):
            config.setdefault(code, None)
        assert all(naive_rule(product, r, config) for r in product["rules"]), config
        assert {k: config[k] for k in partial} == partial
        if strategy == "cheapest":
            cheapest = min(_option_price(definition, c) for c in reachable)
            assert _option_price(definition, config) == cheapest


def product_codes(product: dict[str, Any]) -> list[str]:
    return [a["code"] for a in product["attributes"]]


@_SETTINGS
@given(product=seeds, pick=st.randoms(use_true_random=False))
def test_explain_finds_a_minimal_conflict_exactly_when_nothing_fits(
        product: dict[str, Any], pick: random.Random) -> None:
    definition = ProductDefinition.from_dict(product)
    valid = all_valid(product)
    partial = _partial(pick, product, valid)
    explanation = explain(definition, partial)
    assert explanation.consistent == bool(completions(valid, partial))
    if explanation.consistent:
        return
    rules = [r for r in product["rules"] if r["id"] in explanation.rules]
    choices = {code: partial[code] for code in explanation.choices}

    def feasible(kept_rules: list[dict[str, Any]], kept_choices: dict[str, Any]) -> bool:
        return bool(completions(all_valid(product, kept_rules), kept_choices))

    assert not feasible(rules, choices)
    for rule in rules:
        assert feasible([r for r in rules if r is not rule], choices)
    for code in choices:
        assert feasible(rules, {k: v for k, v in choices.items() if k != code})
