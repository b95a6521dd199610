"""Money as integer minor units plus an ISO 4217 currency code."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

# Currencies whose minor unit is not 1/100. Everything else uses two decimals.
_MINOR_DIGITS = {"JPY": 0, "KRW": 0, "ISK": 0, "HUF": 2, "BHD": 3, "KWD": 3, "OMR": 3, "TND": 3}


def minor_digits(currency: str) -> int:
    return _MINOR_DIGITS.get(currency.upper(), 2)


@dataclass(frozen=True, order=True)
class Money:
    amount: int  # minor units (cents)
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, int) or isinstance(self.amount, bool):
            raise TypeError("Money.amount must be an int of minor units")
        if len(self.currency) != 3 or not self.currency.isalpha() or not self.currency.isupper():
            raise ValueError(f"not an ISO 4217 currency code: {self.currency!r}")

    def _same(self, other: Money) -> None:
        if self.currency != other.currency:
            raise ValueError(f"currency mismatch: {self.currency} vs {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def times(self, factor: int) -> Money:
        return Money(self.amount * factor, self.currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    def to_dict(self) -> dict[str, object]:
        return {"amount": self.amount, "currency": self.currency}

    def __str__(self) -> str:
        digits = minor_digits(self.currency)
        sign = "-" if self.amount < 0 else ""
        whole, frac = divmod(abs(self.amount), 10**digits)
        return (
            f"{sign}{whole}.{frac:0{digits}d} {self.currency}"
            if digits
            else f"{sign}{whole} {self.currency}"
        )


def split_by_percent(amount: int, percents: Iterable[Decimal]) -> list[int]:
    """Shares of ``amount`` minor units for consecutive ``percents`` of it.

    Each share is the rounded (half-up) running total minus the previous one, so rounding
    never drifts: the shares add up exactly to the rounded cumulative percentage, and to
    ``amount`` itself when the percentages reach 100.
    """
    shares: list[int] = []
    cumulative, boundary = Decimal(0), 0
    for percent in percents:
        cumulative += percent
        running = (Decimal(amount) * cumulative / 100).quantize(Decimal(1), ROUND_HALF_UP)
        shares.append(int(running) - boundary)
        boundary = int(running)
    return shares
