from datetime import UTC, datetime

import pytest

from mcbackend.domain.errors import BusinessRuleViolation, Conflict, FieldProblem
from mcbackend.domain.units import Modification, ModificationKind, Unit, validate_modification

NOW = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
LATER = datetime(2025, 9, 1, 9, 0, tzinfo=UTC)


def kitchen_fits(as_built: dict, changes: dict) -> list[FieldProblem]:
    """A stand-in configurator: the wine module fits only metal frames."""
    problems = []
    if changes.get("module") == "wine_rack" and as_built.get("frame") != "metal":
        problems.append(FieldProblem("module", "requires", "wine_rack needs frame = metal",
                                     {"requires": {"frame": "metal"}}))
    if changes.get("worktop") == "glass":
        problems.append(FieldProblem("worktop", "not_offered", "glass is not offered"))
    return problems


def kitchen(frame: str = "wood") -> Unit:
    return Unit.produced("KIT-0042", "kitchen@2", {"frame": frame, "width": 2400},
                         "A-1001", NOW)


def test_a_produced_unit_starts_its_history_at_version_one():
    unit = kitchen()
    assert (unit.version, unit.as_built, unit.customer_owned) == (
        1, {"frame": "wood", "width": 2400}, False)
    assert unit.history[0].order_reference == "A-1001"


def test_an_incompatible_module_is_refused_with_every_problem():
    unit = kitchen("wood")
    modification = Modification(ModificationKind.MODULE,
                                {"module": "wine_rack", "worktop": "glass"}, 1)
    with pytest.raises(BusinessRuleViolation) as caught:
        validate_modification(unit, modification, kitchen_fits)
    assert caught.value.code == "incompatible_modification"
    assert [(p.field, p.code) for p in caught.value.errors] == [
        ("module", "requires"), ("worktop", "not_offered")]
    assert caught.value.extra == {"serial": "KIT-0042", "as_built_version": 1}


def test_a_fitting_module_is_checked_against_the_as_built_configuration():
    unit = kitchen("metal")
    validate_modification(unit, Modification(ModificationKind.MODULE,
                                              {"module": "wine_rack"}, 1), kitchen_fits)


def test_an_empty_modification_is_refused():
    with pytest.raises(BusinessRuleViolation) as caught:
        validate_modification(kitchen(), Modification(ModificationKind.UPGRADE, {}, 1),
                              kitchen_fits)
    assert [p.field for p in caught.value.errors] == ["changes"]


def test_delivering_a_modification_adds_a_configuration_version():
    unit = kitchen("metal")
    version = unit.apply_modification(
        Modification(ModificationKind.MODULE, {"module": "wine_rack"}, 1, "wine rack added"),
        "P-2001", LATER)
    assert (version.number, version.reason, version.order_reference) == (
        2, "wine rack added", "P-2001")
    assert unit.as_built == {"frame": "metal", "width": 2400, "module": "wine_rack"}
    assert unit.history[0].configuration == {"frame": "metal", "width": 2400}


def test_a_modification_checked_against_an_older_version_must_be_checked_again():
    unit = kitchen("metal")
    unit.apply_modification(Modification(ModificationKind.UPGRADE, {"frame": "steel"}, 1),
                            "P-2001", LATER)
    stale = Modification(ModificationKind.MODULE, {"module": "wine_rack"}, 1)
    for attempt in (lambda: validate_modification(unit, stale, kitchen_fits),
                    lambda: unit.apply_modification(stale, "P-2002", LATER)):
        with pytest.raises(Conflict) as caught:
            attempt()
        assert caught.value.code == "unit_changed"
        assert caught.value.extra["current_version"] == 2
    assert unit.version == 2


def test_a_customer_owned_item_is_registered_before_it_is_altered():
    jacket = Unit.register_customer_owned("CO-0007", "jacket@1", {"size": "M"},
                                          "denim jacket, worn", NOW)
    assert jacket.customer_owned and jacket.history[0].reason == "registered: denim jacket, worn"
    jacket.apply_modification(Modification(ModificationKind.ADD_ON, {"patch": "eagle"}, 1),
                              "P-3001", LATER)
    assert jacket.as_built == {"size": "M", "patch": "eagle"}
    with pytest.raises(BusinessRuleViolation) as caught:
        Unit.register_customer_owned(" ", "jacket@1", {}, "", NOW)
    assert caught.value.code == "invalid_serial"
