"""How a KPI value reads: "18.4 h", "96.2 %", "€ 12,340", "1,204"."""

from __future__ import annotations

from django.conf import settings

CURRENCY_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥"}


def reporting_currency() -> str:
    return str(getattr(settings, "KEEL_KPI_CURRENCY", "EUR"))


def format_value(value: float | None, unit: str) -> str:
    """``value`` with its unit, rounded for reading; the API carries the exact number.

    >>> format_value(18.44, "hours"), format_value(96.25, "percent"), format_value(2.5, "ratio")
    ('18.4 h', '96.2 %', '2.50')
    """
    if value is None:
        return "no data yet"
    if unit == "hours":
        return f"{value:,.1f} h"
    if unit == "days":
        return f"{value:,.1f} d"
    if unit == "percent":
        return f"{value:,.1f} %"
    if unit == "count":
        return f"{value:,.0f}"
    if unit == "money":
        code = reporting_currency()
        symbol = CURRENCY_SYMBOLS.get(code, code)
        return f"{symbol} {value:,.0f}" if abs(value) >= 100 else f"{symbol} {value:,.2f}"
    return f"{value:,.2f}"
