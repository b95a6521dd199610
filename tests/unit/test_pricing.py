"""Quotes: lines, rounding, rush and revision fees, payment plans, reproducibility."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mcbackend.demo.catalog import CAKE, HOOD, SHIRT, SOFA
from mcbackend.domain.catalog import (
    Milestone,
    PaymentPlanPolicy,
    ProductDefinition,
    parse_payment_plan,
)
from mcbackend.domain.errors import BusinessRuleViolation
from mcbackend.domain.money import Money
from mcbackend.domain.pricing import (
    add_working_days,
    payment_plan,
    percent_of,
    price,
    working_days_between,
)

MONDAY = date(2026, 11, 23)
SOFA_CONFIG = {"layout": "l_shape", "chaise_left": False, "chaise_right": True, "width": 245,
               "leg_style": "walnut_block", "leg_height": 120, "fabric": "boucle",
               "colour": "stone", "cushion_shape": "boxed"}
HOOD_CONFIG = {"metal": "brass", "width": 1200, "height": 650, "finish": "patina",
               "strapping": False,
               "specification": {"name": "spec.pdf", "size": 1000}}


def _sofa() -> ProductDefinition:
    return ProductDefinition.from_dict(SOFA)


def _lines(quote: Any) -> dict[str, int]:
    return {line.code: line.amount.amount for line in quote.lines}


def test_base_and_option_lines() -> None:
    quote = price(_sofa(), SOFA_CONFIG, version=3, today=MONDAY)
    assert _lines(quote) == {
        "base": 189900,
        "layout=l_shape": 65000,
        "chaise_right": 39000,
        "width": 2250,  # 45.00 per 10 cm above 240 cm: 5 cm
        "leg_style=walnut_block": 6000,
        "fabric=boucle": 15192,  # 8 % of the base price
    }
    assert quote.total == Money(sum(_lines(quote).values()), "EUR")
    assert quote.unit_price == quote.total
    assert quote.price_list_version == 3
    assert quote.lead_time_days == 25 + 3 + 2


def test_rounding_is_half_up_on_minor_units() -> None:
    assert percent_of(5, 10) == 1  # 0.5 cent rounds up
    assert percent_of(4, 10) == 0
    assert percent_of(-5, 10) == -1  # half away from zero
    assert percent_of(189900, "7.5") == 14243  # 14242.5


def test_quantity_breaks_and_customization_fee() -> None:
    quote = price(_sofa(), SOFA_CONFIG, version=1, today=MONDAY, quantity=4, mode="post")
    lines = _lines(quote)
    goods = 4 * quote.unit_price.amount
    assert lines["base"] == 4 * 189900
    assert lines["quantity_discount"] == -percent_of(goods, 5)
    assert lines["customization_post"] == 9000
    assert quote.total.amount == goods + lines["quantity_discount"] + 9000


def test_rush_fee_by_tier_and_too_early_is_refused() -> None:
    definition = _sofa()
    standard = price(definition, SOFA_CONFIG, version=1, today=MONDAY)
    assert standard.ready_by == add_working_days(MONDAY, 30)
    four_days_early = add_working_days(MONDAY, 26)
    quote = price(definition, SOFA_CONFIG, version=1, today=MONDAY,
                  requested_date=four_days_early)
    assert _lines(quote)["rush"] == percent_of(standard.total.amount, 12)
    assert quote.ready_by == four_days_early
    eight_days_early = add_working_days(MONDAY, 22)
    quote = price(definition, SOFA_CONFIG, version=1, today=MONDAY,
                  requested_date=eight_days_early)
    assert _lines(quote)["rush"] == percent_of(standard.total.amount, 25)
    with pytest.raises(BusinessRuleViolation) as caught:
        price(definition, SOFA_CONFIG, version=1, today=MONDAY,
              requested_date=add_working_days(MONDAY, 19))
    assert caught.value.code == "rush_not_possible"


def test_fully_custom_cake_needs_three_more_days_and_has_no_rush() -> None:
    cake = ProductDefinition.from_dict(CAKE)
    config = {"design": "fully_custom", "tiers": 2, "sponge": {"vanilla": 50, "lemon": 50},
              "filling": "lemon_curd", "frosting_colour": "gold", "extras": [],
              "reference_image": {"name": "idea.png", "size": 5000}}
    quote = price(cake, config, version=1, today=MONDAY)
    assert quote.lead_time_days == 4
    with pytest.raises(BusinessRuleViolation) as caught:
        price(cake, config, version=1, today=MONDAY, requested_date=add_working_days(MONDAY, 2))
    assert caught.value.code == "rush_not_possible"


def test_extra_revision_rounds_and_payment_milestones() -> None:
    hood = ProductDefinition.from_dict(HOOD)
    quote = price(hood, HOOD_CONFIG, version=1, today=MONDAY, mode="co", revision_rounds=4)
    assert _lines(quote)["extra_revision_rounds"] == 2 * 15000
    assert _lines(quote)["customization_co"] == 25000
    plan = [(i.event, i.percent) for i in quote.payment_plan]
    assert plan == [("deposit", "40"), ("proof_approved", "30"), ("shipped", "20"),
                    ("final", "10")]
    assert sum(i.amount.amount for i in quote.payment_plan) == quote.total.amount


def test_revisions_and_modes_that_are_not_offered_are_refused() -> None:
    with pytest.raises(BusinessRuleViolation) as caught:
        price(_sofa(), SOFA_CONFIG, version=1, today=MONDAY, mode="bespoke", revision_rounds=2)
    assert {p.code for p in caught.value.errors} == {"mode_not_offered",
                                                     "revisions_not_offered"}


def test_the_same_inputs_give_the_same_quote() -> None:
    shirt = ProductDefinition.from_dict(SHIRT)
    config = {"fabric": "twill_sky", "collar": "cutaway", "cuffs": "french", "fit": "slim",
              "collar_size": 40.5, "sleeve_length": 64, "chest_pocket": False,
              "monogram": "ЖЮ", "monogram_position": "chest"}
    first = price(shirt, config, version=2, today=MONDAY, quantity=3)
    again = price(shirt, dict(config), version=2, today=MONDAY, quantity=3)
    assert first == again and first.to_dict() == again.to_dict()
    assert first.valid_until == date(2026, 12, 7)
    later = price(shirt, config, version=2, today=date(2026, 11, 24), quantity=3)
    assert later.key != first.key and later.total == first.total


def test_tenant_payment_plan_overrides_the_product() -> None:
    plan = parse_payment_plan({"deposit_percent": 50,
                               "milestones": [{"event": "shipped", "percent": 25}]})
    quote = price(_sofa(), SOFA_CONFIG, version=1, today=MONDAY, plan=plan)
    assert [i.event for i in quote.payment_plan] == ["deposit", "shipped", "final"]
    assert quote.payment_plan[0].amount.amount == percent_of(quote.total.amount, 50)


@settings(max_examples=200, deadline=None)
@given(total=st.integers(0, 10**12), deposit=st.decimals(0, 100, places=1),
       milestone=st.integers(0, 100))
def test_installments_always_sum_to_the_total(total: int, deposit: Any, milestone: int
                                              ) -> None:
    rest = min(Decimal(milestone), 100 - deposit)
    policy = PaymentPlanPolicy(str(deposit), (Milestone("shipped", str(rest)),))
    installments = payment_plan(policy, Money(total, "EUR"))
    assert sum(i.amount.amount for i in installments) == total
    assert all(i.amount.amount >= 0 for i in installments)


def test_working_days_skip_weekends() -> None:
    friday = date(2026, 11, 27)
    assert working_days_between(MONDAY, friday) == 4
    assert working_days_between(MONDAY, date(2026, 11, 30)) == 5
    assert add_working_days(friday, 1) == date(2026, 11, 30)
