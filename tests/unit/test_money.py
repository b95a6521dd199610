from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mcbackend.domain.money import Money, split_by_percent


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


@given(
    amount=st.integers(min_value=0, max_value=10**12),
    percents=st.lists(st.decimals(min_value=0, max_value=40, places=2), min_size=0, max_size=2),
)
def test_split_by_percent_never_drifts(amount, percents):
    percents = [*percents, Decimal(100) - sum(percents, Decimal(0))]  # the final balance
    shares = split_by_percent(amount, percents)
    assert all(share >= 0 for share in shares)
    assert sum(shares) == amount


def test_split_by_percent_rounds_half_up_on_the_running_total():
    assert split_by_percent(1001, [Decimal(30), Decimal(30), Decimal(40)]) == [300, 301, 400]
