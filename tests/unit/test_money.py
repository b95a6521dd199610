import pytest

from mcbackend.domain.money import Money


def test_arithmetic_in_minor_units():
    assert Money(1050, "EUR") + Money(250, "EUR") == Money(1300, "EUR")
    assert Money(1050, "EUR").times(3) == Money(3150, "EUR")
    assert str(Money(-1205, "EUR")) == "-12.05 EUR"
    assert str(Money(1500, "JPY")) == "1500 JPY"


def test_currencies_do_not_mix_and_floats_are_refused():
    with pytest.raises(ValueError):
        Money(1, "EUR") + Money(1, "USD")
    with pytest.raises(TypeError):
        Money(10.5, "EUR")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Money(1, "euro")
