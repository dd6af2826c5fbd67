"""The purchasing pages' number filters."""

from __future__ import annotations

from decimal import Decimal

import pytest

from keel.supply_chain.templatetags.purchasing import percent, plain, unit_price


@pytest.mark.parametrize(("value", "shown"), [
    (Decimal("10.0000"), "10.00"), (Decimal("0.0800"), "0.08"), (Decimal("2.1250"), "2.125"),
    (Decimal("1500"), "1500.00"), (Decimal("0.5"), "0.50"), (None, "—"),
])
def test_unit_prices_show_at_least_two_decimals(value: Decimal | None, shown: str) -> None:
    assert unit_price(value) == shown


def test_plain_and_percent() -> None:
    assert (plain(Decimal("500.0000")), plain(Decimal("0.1000")), percent(Decimal("0.6667")), percent(None)) == (
        "500", "0.1", "66.7%", "—")
