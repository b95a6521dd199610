"""validate: every violation at once, stable codes, labels in the messages."""

from __future__ import annotations

from typing import Any

import pytest

from mcbackend.configurator import complete, validate
from mcbackend.demo.catalog import CAKE, CAR_INTERIOR, HOOD, SHIRT, SNEAKER, SOFA
from mcbackend.domain.catalog import ProductDefinition

PDF = {"name": "hood.pdf", "content_type": "application/pdf", "size": 120000}


def _definition(data: dict[str, Any]) -> ProductDefinition:
    return ProductDefinition.from_dict(data)


def _codes(definition: ProductDefinition, config: dict[str, Any]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for violation in validate(definition, config).violations:
        out.setdefault(violation.code, []).extend(violation.attributes)
    return out


def _valid(definition: ProductDefinition, **values: Any) -> dict[str, Any]:
    return complete(definition, values).configuration


def test_a_completed_configuration_is_valid() -> None:
    hood = _definition(HOOD)
    config = _valid(hood, specification=PDF)
    result = validate(hood, config)
    assert result.valid and result.violations == []


def test_domain_violations_all_at_once() -> None:
    hood = _definition(HOOD)
    config = _valid(hood, specification=PDF) | {
        "metal": "gold", "width": 2405, "height": 615, "colour": "red",
        "specification": {"name": "hood.exe", "size": 99_000_000},
    }
    assert _codes(hood, config) == {
        "unknown_value": ["metal"],
        "out_of_range": ["width"],
        "step_mismatch": ["height"],
        "unknown_attribute": ["colour"],
        "file_type": ["specification"],
        "file_size": ["specification"],
    }


def test_missing_required_attributes() -> None:
    hood = _definition(HOOD)
    assert _codes(hood, {"metal": "copper"}) == {
        "missing_required": ["width", "height", "finish", "specification"]}


def test_text_length_and_alphabet() -> None:
    shirt = _definition(SHIRT)
    base = _valid(shirt)
    too_long = _codes(shirt, base | {"monogram": "ABCD", "monogram_position": "chest"})
    assert too_long == {"too_long": ["monogram"]}
    mixed = _codes(shirt, base | {"monogram": "AБ", "monogram_position": "chest"})
    assert mixed == {"alphabet": ["monogram"]}
    assert validate(shirt, base | {"monogram": "ЖЮ", "monogram_position": "chest"}).valid
    assert validate(shirt, base | {"monogram": "JFK", "monogram_position": "cuff"}).valid


def test_pattern_and_multi_choice_counts() -> None:
    data = {**CAKE, "attributes": [*CAKE["attributes"],
                                   {"code": "order_ref", "label": "Order reference",
                                    "type": "text", "max_length": 8,
                                    "pattern": "[A-Z]{2}-[0-9]{4}"}]}
    cake = _definition(data)
    base = _valid(cake)
    assert _codes(cake, base | {"order_ref": "ab-12"}) == {"pattern": ["order_ref"]}
    assert validate(cake, base | {"order_ref": "AB-1234"}).valid
    three = ["sparklers", "macarons", "fresh_berries"]
    assert _codes(cake, base | {"extras": three}) == {"too_many_choices": ["extras"]}


def test_proportions_must_sum_to_100() -> None:
    cake = _definition(CAKE)
    config = _valid(cake) | {"sponge": {"vanilla": 50, "chocolate": 25}}
    [violation] = validate(cake, config).violations
    assert violation.code == "proportion_sum"
    assert "add up to 100 %" in violation.message


@pytest.mark.parametrize(
    ("data", "changes", "code", "rule"),
    [
        (SOFA, {"layout": "u_shape", "chaise_left": True, "width": 320}, "rule_excludes",
         "u-no-chaise"),
        (SOFA, {"chaise_left": True, "chaise_right": True}, "rule_cardinality", "one-chaise"),
        (SOFA, {"fabric": "velvet", "colour": "cognac"}, "rule_combination", "fabric-colours"),
        (HOOD, {"metal": "bronze", "width": 2000, "height": 600}, "rule_conditional_domain",
         "bronze-width"),
        (HOOD, {"width": 2400, "height": 1000}, "rule_linear", "sheet-size"),
        (CAR_INTERIOR, {"heated_wheel": True, "trim": "comfort"}, "rule_tier",
         "heated-wheel-tier"),
        (CAR_INTERIOR, {"massage_seats": True, "trim": "luxury", "seat_material": "nappa",
                        "heated_seats": False}, "rule_implies", "massage-heated"),
        (SNEAKER, {"initials": "AB", "base_model": "runner"}, "rule_requires",
         "initials-court-only"),
    ],
)
def test_each_rule_type_reports_its_code(data: dict[str, Any], changes: dict[str, Any],
                                         code: str, rule: str) -> None:
    definition = _definition(data)
    config = _valid(definition, specification=PDF) if data is HOOD else _valid(definition)
    violations = validate(definition, config | changes).violations
    assert (code, rule) in {(v.code, v.rule) for v in violations}


def test_messages_use_labels_and_say_what_was_chosen() -> None:
    hood = _definition(HOOD)
    config = _valid(hood, specification=PDF) | {"metal": "bronze", "width": 2000,
                                                "height": 600}
    [violation] = validate(hood, config).violations
    assert violation.message == (
        "Bronze sheets allow a width of at most 1800 mm, but you chose 2000 mm.")
    car = _definition(CAR_INTERIOR)
    config = _valid(car) | {"heated_wheel": True, "trim": "comfort"}
    [violation] = validate(car, config).violations
    assert violation.message == (
        "Heated steering wheel is available only with Trim level Premium or above, "
        "but you chose Comfort.")
    assert violation.to_dict() == {"code": "rule_tier", "attributes": ["heated_wheel", "trim"],
                                   "message": violation.message, "rule": "heated-wheel-tier"}


def test_decimal_steps_are_exact() -> None:
    shirt = _definition(SHIRT)
    base = _valid(shirt)
    assert validate(shirt, base | {"collar_size": 40.5, "sleeve_length": "63.5"}).valid
    assert _codes(shirt, base | {"collar_size": 40.25}) == {"step_mismatch": ["collar_size"]}
