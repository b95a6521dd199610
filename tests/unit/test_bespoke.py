from decimal import Decimal

import pytest

from mcbackend.domain.bespoke import (
    Measurement,
    PlannedOperation,
    validate_measurements,
    validate_plan,
)
from mcbackend.domain.errors import BusinessRuleViolation
from mcbackend.domain.money import Money

GROUPS = {"cutting", "sewing", "pressing"}


def m(name: str, value: str, unit: str = "cm") -> Measurement:
    return Measurement(name, Decimal(value), unit)


def test_plausible_measurements_pass_in_any_length_unit():
    validate_measurements([m("chest", "102"), m("waist", "880", "mm"), m("sleeve", "25", "in")])
    assert m("sleeve", "25", "in").in_cm() == Decimal("63.5")


def test_every_measurement_problem_is_reported():
    with pytest.raises(BusinessRuleViolation) as caught:
        validate_measurements([m("chest", "40", "in"), m("chest", "100"), m("wingspan", "180"),
                               m("waist", "90", "ft"), m("neck", "61")])
    assert caught.value.code == "invalid_measurements"
    assert [(p.field, p.code) for p in caught.value.errors] == [  # 40 in = 101.6 cm is fine
        ("measurements[1].name", "duplicate"),
        ("measurements[2].name", "unknown_measurement"),
        ("measurements[3].unit", "unknown_unit"),
        ("measurements[4].value", "out_of_range"),
    ]
    assert caught.value.errors[-1].data == {"minimum_cm": "25", "maximum_cm": "60"}


def ops(*operations: PlannedOperation) -> list[PlannedOperation]:
    return list(operations)


def test_a_sound_plan_passes():
    validate_plan(Money(240000, "EUR"), ops(
        PlannedOperation("cut", "cutting", 90),
        PlannedOperation("baste", "sewing", 240, ("cut",)),
        PlannedOperation("press", "pressing", 0, ("baste",)),
    ), GROUPS, "EUR")


def test_every_plan_problem_is_reported():
    with pytest.raises(BusinessRuleViolation) as caught:
        validate_plan(Money(0, "EUR"), ops(
            PlannedOperation("cut", "laser", -5),
            PlannedOperation("cut", "sewing", 10, ("fit",)),
        ), GROUPS, "EUR")
    assert caught.value.code == "invalid_bespoke_plan"
    assert [(p.field, p.code) for p in caught.value.errors] == [
        ("price", "invalid_range"),
        ("operations[0].duration_minutes", "invalid_range"),
        ("operations[0].resource_group", "unknown_resource_group"),
        ("operations[1].name", "duplicate"),
        ("operations[1].after", "unknown_operation"),
    ]


def test_a_missing_price_and_empty_operations_are_reported():
    with pytest.raises(BusinessRuleViolation) as caught:
        validate_plan(None, [], GROUPS, "EUR")
    assert [p.field for p in caught.value.errors] == ["price", "operations"]
    with pytest.raises(BusinessRuleViolation) as currency:
        validate_plan(Money(5, "USD"), ops(PlannedOperation("cut", "cutting", 1)), GROUPS, "EUR")
    assert [p.code for p in currency.value.errors] == ["wrong_currency"]


def test_a_precedence_cycle_is_named():
    with pytest.raises(BusinessRuleViolation) as caught:
        validate_plan(Money(1, "EUR"), ops(
            PlannedOperation("cut", "cutting", 10),
            PlannedOperation("fit", "sewing", 10, ("cut", "sew")),
            PlannedOperation("sew", "sewing", 10, ("fit",)),
            PlannedOperation("press", "pressing", 10, ("sew",)),
        ), GROUPS, "EUR")
    (problem,) = caught.value.errors
    assert problem.code == "precedence_cycle"
    assert problem.data == {"cycle": ["fit", "sew", "fit"]}
    assert "fit -> sew -> fit" in problem.message


def test_an_operation_waiting_on_itself_is_a_cycle():
    with pytest.raises(BusinessRuleViolation) as caught:
        validate_plan(Money(1, "EUR"), ops(PlannedOperation("cut", "cutting", 10, ("cut",))),
                      GROUPS, "EUR")
    assert caught.value.errors[0].data == {"cycle": ["cut", "cut"]}


def test_a_longer_cycle_is_given_in_execution_order():
    with pytest.raises(BusinessRuleViolation) as caught:
        validate_plan(Money(1, "EUR"), ops(
            PlannedOperation("press", "pressing", 10, ("sew",)),
            PlannedOperation("sew", "sewing", 10, ("cut",)),
            PlannedOperation("cut", "cutting", 10, ("press",)),
        ), GROUPS, "EUR")
    assert caught.value.errors[0].data == {"cycle": ["cut", "sew", "press", "cut"]}
