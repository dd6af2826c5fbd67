"""Money carries its currency: a Decimal amount and an ISO 4217 code, never a bare float.

>>> Money.of("12.50", "eur") + Money.of("0.75", "EUR")
Money(amount=Decimal('13.25'), currency='EUR')
>>> Money.of("1", "EUR") + Money.of("1", "USD")
Traceback (most recent call last):
...
keel.core.money.CurrencyMismatch: cannot add EUR and USD
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from ninja import Schema
from pydantic import field_validator

# Minor units of the currencies Keel's sites use; others default to 2.
MINOR_UNITS = {"JPY": 0, "KRW": 0, "BHD": 3, "KWD": 3, "TND": 3}


class CurrencyMismatch(ValueError):
    """Two amounts in different currencies were combined."""


def normalise_currency(code: str) -> str:
    code = code.strip().upper()
    if len(code) != 3 or not code.isalpha():
        raise ValueError(f"{code!r} is not a three-letter ISO 4217 currency code")
    return code


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str

    @classmethod
    def of(cls, amount: str | int | Decimal, currency: str) -> Money:
        if isinstance(amount, float):
            raise TypeError("use a string or Decimal for money, not a float")
        try:
            value = Decimal(amount)
        except InvalidOperation as error:
            raise ValueError(f"{amount!r} is not an amount") from error
        if not value.is_finite():
            raise ValueError(f"{amount!r} is not a finite amount")
        return cls(amount=value, currency=normalise_currency(currency))

    def _same(self, other: Money) -> None:
        if self.currency != other.currency:
            raise CurrencyMismatch(f"cannot add {self.currency} and {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __mul__(self, factor: int | Decimal) -> Money:
        if isinstance(factor, float):
            raise TypeError("multiply money by an int or Decimal, not a float")
        return Money(self.amount * factor, self.currency)

    def rounded(self) -> Money:
        """Round to the currency's minor unit, half to even (banker's rounding)."""
        places = MINOR_UNITS.get(self.currency, 2)
        quantum = Decimal(1).scaleb(-places)
        return Money(self.amount.quantize(quantum, rounding=ROUND_HALF_EVEN), self.currency)

    def __str__(self) -> str:
        return f"{self.rounded().amount} {self.currency}"


class MoneyOut(Schema):
    """Money in the API: the amount as a decimal string (no float rounding) and its currency."""

    amount: str
    currency: str

    @classmethod
    def of(cls, money: Money) -> MoneyOut:
        return cls(amount=str(money.amount), currency=money.currency)


class MoneyIn(Schema):
    amount: Decimal
    currency: str

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        return normalise_currency(value)

    def to_money(self) -> Money:
        return Money.of(self.amount, self.currency)
