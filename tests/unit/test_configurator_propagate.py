"""propagate, explain and complete on the demo products."""

from __future__ import annotations

from typing import Any

from mcbackend.configurator import complete, explain, propagate, validate
from mcbackend.configurator.model import compiled
from mcbackend.demo.catalog import CAKE, CAR_INTERIOR, DEMO_PRODUCTS, HOOD, SHIRT, SNEAKER, SOFA
from mcbackend.domain.catalog import ProductDefinition


def _definition(data: dict[str, Any]) -> ProductDefinition:
    return ProductDefinition.from_dict(data)


def test_shirt_wing_collar_forces_french_cuffs_and_formal_fabrics() -> None:
    result = propagate(_definition(SHIRT), {"collar": "wing"})
    assert result.completable
    assert result.attributes["cuffs"].forced == "french"
    fabrics = result.attributes["fabric"].possible
    assert len(fabrics) == 60
    assert {f.split("_")[0] for f in fabrics} == {"poplin", "twill", "royal", "pinpoint"}


def test_sofa_u_shape_bounds_width_and_rules_out_a_chaise() -> None:
    states = propagate(_definition(SOFA), {"layout": "u_shape"}).attributes
    assert (states["width"].min, states["width"].max) == (300, 420)
    assert states["chaise_left"].forced is False
    assert states["chaise_right"].possible == [False]
    states = propagate(_definition(SOFA), {"chaise_left": True}).attributes
    assert states["chaise_right"].forced is False
    assert states["layout"].possible == ["straight", "l_shape"]


def test_linear_rules_bound_numbers_exactly() -> None:
    states = propagate(_definition(HOOD), {"height": 1200}).attributes
    assert states["width"].max == 1800  # 4200 - 2 x 1200
    states = propagate(_definition(HOOD), {"metal": "bronze", "height": 1000}).attributes
    assert (states["width"].min, states["width"].max) == (600, 1800)
    states = propagate(_definition(SHIRT), {"collar_size": 47.5}).attributes
    assert states["sleeve_length"].min == 64.5


def test_proportion_bounds_and_tier_gating() -> None:
    states = propagate(_definition(CAKE), {"filling": "ganache"}).attributes
    assert states["sponge"].parts["lemon"] == {"min": 0, "max": 0}
    assert states["sponge"].parts["vanilla"] == {"min": 0, "max": 100}
    states = propagate(_definition(CAR_INTERIOR), {"trim": "comfort"}).attributes
    assert states["heated_wheel"].possible == [False]
    assert "nappa" not in states["seat_material"].possible
    states = propagate(_definition(CAR_INTERIOR), {"massage_seats": True}).attributes
    assert states["trim"].forced == "luxury"
    assert states["heated_seats"].forced is True


def test_optional_attributes_report_whether_they_can_be_set() -> None:
    states = propagate(_definition(SNEAKER), {"base_model": "runner"}).attributes
    assert not states["initials"].can_be_set and states["initials"].can_be_unset
    assert all(states[f"{part}_colour"].forced == "stock"
               for part in ("laces", "toe", "lining", "tongue", "sole"))
    states = propagate(_definition(SHIRT), {"monogram": "AB"}).attributes
    assert states["monogram_position"].must_be_set
    assert states["monogram_position"].possible == ["cuff", "chest", "tail"]


def test_impossible_choices_are_not_completable_and_unknowns_are_reported() -> None:
    result = propagate(_definition(HOOD), {"metal": "bronze", "width": 2000, "flavour": 1})
    assert not result.completable
    assert [v.code for v in result.violations] == ["unknown_attribute"]
    assert result.to_dict()["attributes"]["width"]["can_be_set"] is False


def test_explain_names_the_choices_and_the_rule() -> None:
    explanation = explain(_definition(HOOD), {"metal": "bronze", "width": 2000})
    assert not explanation.consistent
    assert explanation.choices == ["metal", "width"]
    assert explanation.rules == ["bronze-width"]
    assert explanation.message == ("Bronze sheets allow a width of at most 1800 mm, "
                                   "but you chose Metal: Bronze and Width: 2000 mm.")


def test_explain_keeps_only_what_conflicts() -> None:
    car = _definition(CAR_INTERIOR)
    explanation = explain(car, {"trim": "comfort", "heated_wheel": True, "headliner": "grey",
                                "ambient_lighting": True, "dash_trim": "plastic"})
    assert explanation.choices == ["trim", "heated_wheel"]
    assert explanation.rules == ["heated-wheel-tier"]
    assert explain(car, {"trim": "premium", "heated_wheel": True}).consistent


def test_explain_a_chain_of_rules() -> None:
    explanation = explain(_definition(SHIRT), {"collar": "wing", "fabric": "linen_white"})
    assert explanation.choices == ["fabric", "collar"]
    assert explanation.rules == ["formal-collars"]
    # Massage seats need luxury trim, and luxury trim needs leather: not cloth.
    explanation = explain(_definition(CAR_INTERIOR),
                          {"massage_seats": True, "seat_material": "cloth"})
    assert explanation.choices == ["seat_material", "massage_seats"]
    assert set(explanation.rules) == {"massage-tier", "luxury-leather"}
    assert explanation.message.startswith(
        "You chose Seat material: Cloth and Massage front seats, but:")


def test_explain_returns_one_minimal_conflict_when_there_are_several() -> None:
    explanation = explain(_definition(SHIRT), {"collar": "wing", "monogram": "AB",
                                                "monogram_position": "cuff",
                                                "cuffs": "convertible"})
    assert (explanation.choices, explanation.rules) in [
        (["collar", "cuffs"], ["wing-french"]),
        (["cuffs", "monogram_position"], ["cuff-monogram"]),
    ]


def test_complete_with_defaults_keeps_choices_and_defaults() -> None:
    sofa = _definition(SOFA)
    completion = complete(sofa, {"layout": "u_shape"})
    assert completion.completed
    config = completion.configuration
    assert config["layout"] == "u_shape" and config["width"] == 300  # nearest to 240
    assert config["fabric"] == "wool_felt" and config["leg_style"] == "tapered_oak"
    assert validate(sofa, config).valid


def test_complete_cheapest_picks_the_cheapest_valid_options() -> None:
    car = _definition(CAR_INTERIOR)
    completion = complete(car, {"heated_wheel": True}, "cheapest")
    assert completion.configuration["trim"] == "premium"
    assert completion.configuration["seat_material"] == "cloth"
    hood = _definition(HOOD)
    completion = complete(hood, {}, "cheapest")
    assert completion.needs_input == ["specification"]
    # Sizes up to 900 x 600 mm cost the same; among them the defaults win.
    config = completion.configuration
    assert (config["width"], config["height"]) == (900, 600)


def test_complete_explains_when_nothing_fits() -> None:
    completion = complete(_definition(HOOD), {"metal": "bronze", "width": 2000})
    assert not completion.completed
    assert completion.explanation is not None
    assert completion.explanation.rules == ["bronze-width"]


def test_presets_propagate_and_compiled_models_are_cached() -> None:
    for data in DEMO_PRODUCTS:
        definition = _definition(data)
        assert compiled(definition) is compiled(definition)
        for preset in definition.presets:
            assert propagate(definition, preset.values).completable, preset.code

