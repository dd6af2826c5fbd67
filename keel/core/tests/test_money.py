"""Money keeps its currency and never passes through a float."""

from __future__ import annotations

import doctest
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from keel.core import money
from keel.core.money import CurrencyMismatch, Money, MoneyIn, MoneyOut


def test_the_module_examples_hold() -> None:
    assert doctest.testmod(money).failed == 0


def test_amounts_in_different_currencies_do_not_mix() -> None:
    with pytest.raises(CurrencyMismatch, match="cannot add EUR and USD"):
        Money.of("1", "EUR") - Money.of("1", "USD")


@pytest.mark.parametrize(("amount", "currency", "expected"), [
    ("2.345", "EUR", "2.34"), ("2.355", "EUR", "2.36"), ("1500.5", "JPY", "1500"), ("1.0005", "KWD", "1.000"),
])
def test_rounding_is_half_even_to_the_minor_unit(amount: str, currency: str, expected: str) -> None:
    assert Money.of(amount, currency).rounded().amount == Decimal(expected)


def test_bad_money_is_refused() -> None:
    with pytest.raises(TypeError):
        Money.of(0.1, "EUR")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="not a three-letter ISO 4217"):
        Money.of("1", "EURO")
    with pytest.raises(ValueError, match="not an amount"):
        Money.of("one", "EUR")
    with pytest.raises(ValueError, match="not a finite amount"):
        Money.of("NaN", "EUR")


def test_api_schemas_carry_the_currency_and_a_decimal_string() -> None:
    assert MoneyOut.of(Money.of("19.99", "usd")).model_dump() == {"amount": "19.99", "currency": "USD"}
    assert MoneyIn(amount=Decimal("5.10"), currency="gbp").to_money() == Money(Decimal("5.10"), "GBP")


@given(st.decimals(min_value=-10**9, max_value=10**9, places=4), st.decimals(min_value=-10**9, max_value=10**9, places=4))
def test_addition_is_exact(a: Decimal, b: Decimal) -> None:
    assert (Money.of(a, "EUR") + Money.of(b, "EUR")).amount == a + b
