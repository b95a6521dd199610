"""Product definitions: parsing, every problem reported with its path, round trips."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from mcbackend.configurator import load_definition
from mcbackend.demo.catalog import DEMO_PRODUCTS
from mcbackend.domain.catalog import ProductDefinition
from mcbackend.domain.errors import BusinessRuleViolation


def _product(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "sku": "TABLE",
        "name": "Table",
        "description": "A table",
        "currency": "EUR",
        "base_price": 50000,
        "base_lead_time_days": 10,
        "modes": ["pre"],
        "job_template": "table",
        "attributes": [
            {"code": "top", "label": "Top", "type": "choice", "default": "oak",
             "values": [{"code": "oak", "label": "Oak"}, {"code": "glass", "label": "Glass"}]},
            {"code": "width", "label": "Width", "type": "number", "unit": "mm",
             "min": 1000, "max": 2400, "step": 100},
        ],
        "rules": [
            {"id": "glass-width", "type": "conditional_domain",
             "when": [{"attribute": "top", "is": "glass"}],
             "then": {"attribute": "width", "max": 1800}},
        ],
        "presets": [],
        "pricing": {"payment_plan": {"deposit_percent": 100, "milestones": []},
                    "quote_valid_days": 14},
    }
    base.update(changes)
    return base


def _problems(data: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(BusinessRuleViolation) as caught:
        load_definition(data)
    assert caught.value.code == "invalid_catalog"
    assert caught.value.status == 422
    return {p.field: p.code for p in caught.value.errors}


@pytest.mark.parametrize("data", DEMO_PRODUCTS, ids=lambda d: d["sku"])
def test_demo_products_load_and_round_trip_exactly(data: dict[str, Any]) -> None:
    definition = load_definition(data)
    assert definition.to_dict() == data
    assert ProductDefinition.from_dict(definition.to_dict()).to_dict() == data


def test_demo_catalog_has_a_large_benchmark_product() -> None:
    largest = max(DEMO_PRODUCTS, key=lambda d: len(d["rules"]))
    assert len(largest["attributes"]) >= 40
    assert len(largest["rules"]) >= 300
    shirt = next(d for d in DEMO_PRODUCTS if d["sku"] == "SHIRT-MTM")
    sizes = {a["code"]: len(a.get("values", [])) for a in shirt["attributes"]}
    assert sizes["fabric"] == 150 and sizes["collar"] == 10


def test_every_structural_problem_is_reported_with_its_path() -> None:
    data = _product(rules=[
        {"id": "a", "type": "requires", "when": [{"attribute": "colour", "is": "red"}],
         "then": [{"attribute": "top", "is": "marble"}]},
        {"id": "b", "type": "conditional_domain", "when": [{"attribute": "top", "is": "oak"}],
         "then": {"attribute": "top", "max": 3}},
        {"id": "c", "type": "linear", "terms": [{"attribute": "top", "coef": 1}],
         "op": "<=", "rhs": 5},
        {"id": "c", "type": "teleport"},
    ])
    problems = _problems(data)
    assert problems == {
        "rules[0].when[0].attribute": "unknown_attribute",
        "rules[0].then[0].is": "unknown_value",
        "rules[1].then": "type_mismatch",
        "rules[2].terms[0].attribute": "type_mismatch",
        "rules[3].type": "unknown_rule_type",
    }


def test_attribute_problems_are_reported_together() -> None:
    data = _product(attributes=[
        {"code": "top", "label": "Top", "type": "choice", "default": "steel",
         "values": [{"code": "oak", "label": "Oak"}, {"code": "oak", "label": "Oak again"}]},
        {"code": "width", "label": "Width", "type": "number", "min": 10, "max": 5, "step": 0},
        {"code": "Bad Code", "label": "x", "type": "text", "max_length": 3,
         "alphabet": "klingon"},
        {"code": "scan", "label": "Scan", "type": "file", "accept": ["stl"],
         "max_size_bytes": 10},
    ], rules=[])
    problems = _problems(data)
    assert problems["attributes[0].values[1].code"] == "duplicate"
    assert problems["attributes[1].max"] == "invalid_range"
    assert problems["attributes[1].step"] == "invalid_range"
    assert problems["attributes[2].code"] == "invalid_code"
    assert problems["attributes[2].alphabet"] == "unknown_alphabet"
    assert problems["attributes[3].accept[0]"] == "invalid_file_type"


def test_a_default_outside_the_domain_is_rejected() -> None:
    data = _product()
    data["attributes"][1]["default"] = 1050
    assert _problems(data) == {"attributes[1].default": "step_mismatch"}


def test_rules_that_make_the_product_impossible_are_rejected_with_an_explanation() -> None:
    data = _product(rules=[
        {"id": "only-glass", "type": "conditional_domain", "when": [],
         "then": {"attribute": "top", "is": "glass"}},
    ])
    data["rules"][0]["when"] = [{"attribute": "width", "min": 1000}]
    data["rules"].append({"id": "glass-wide", "type": "requires",
                          "when": [{"attribute": "top", "is": "glass"}],
                          "then": [{"attribute": "width", "min": 2000}]})
    data["rules"].append({"id": "narrow", "type": "linear",
                          "terms": [{"attribute": "width", "coef": 1}],
                          "op": "<=", "rhs": 1500})
    with pytest.raises(BusinessRuleViolation) as caught:
        load_definition(data)
    fields = {p.field for p in caught.value.errors}
    assert fields == {"rules[0]", "rules[1]", "rules[2]"}
    message = caught.value.errors[0].message
    assert "No configuration of this product satisfies every rule" in message
    assert "Width" in message


def test_a_preset_that_cannot_be_completed_is_rejected() -> None:
    data = _product(presets=[{"code": "wide_glass", "label": "Wide glass", "kind": "start",
                              "values": {"top": "glass", "width": 2200}}])
    with pytest.raises(BusinessRuleViolation) as caught:
        load_definition(data)
    [problem] = caught.value.errors
    assert problem.field == "presets[0]" and problem.code == "preset_invalid"
    assert problem.data["rules"] == ["glass-width"]


def test_payment_plan_over_100_percent_is_rejected() -> None:
    data = _product()
    data["pricing"]["payment_plan"] = {"deposit_percent": 60,
                                       "milestones": [{"event": "shipped", "percent": 50}]}
    assert _problems(data) == {"pricing.payment_plan": "invalid_plan"}


def test_unknown_fields_are_not_silently_ignored() -> None:
    data = copy.deepcopy(_product())
    data["attributes"][0]["colour"] = "red"
    data["flavour"] = 1
    assert _problems(data) == {"attributes[0].colour": "unknown_field",
                               "flavour": "unknown_field"}


def test_presets_start_a_configuration_or_add_a_package() -> None:
    car = ProductDefinition.from_dict(next(d for d in DEMO_PRODUCTS if d["sku"] == "CAR-INTERIOR"))
    sport = next(p for p in car.presets if p.code == "sport_package")
    mine = {"trim": "luxury", "seat_material": "nappa", "heated_seats": True}
    assert sport.apply(mine) == {**sport.values, "heated_seats": True}
    sofa = ProductDefinition.from_dict(DEMO_PRODUCTS[0])
    city = next(p for p in sofa.presets if p.code == "city")
    assert city.apply({"colour": "charcoal"}) == {**city.values, "colour": "charcoal"}
