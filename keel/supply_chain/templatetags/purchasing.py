"""Template filters of the purchasing pages."""

from __future__ import annotations

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def percent(rate: Decimal | None, places: int = 1) -> str:
    """A fraction as a percentage: ``0.6667`` -> ``66.7%``; nothing to measure -> an em dash."""
    if rate is None or rate == "":
        return "—"
    quantum = Decimal(1).scaleb(-int(places))
    return f"{(Decimal(rate) * 100).quantize(quantum)}%"


@register.filter
def plain(value: Decimal | None) -> str:
    """A quantity or price without trailing zeros: ``0.1000`` -> ``0.1``, ``500.0000`` -> ``500``."""
    if value is None or value == "":
        return "—"
    return f"{Decimal(value).normalize():f}"


@register.filter
def unit_price(value: Decimal | None) -> str:
    """A unit price with at least two decimals and no padding beyond the stored precision:
    ``10.0000`` -> ``10.00``, ``0.0800`` -> ``0.08``, ``2.1250`` -> ``2.125``."""
    if value is None or value == "":
        return "—"
    price = Decimal(value).normalize()
    return f"{price:.2f}" if -price.as_tuple().exponent <= 2 else f"{price:f}"  # type: ignore[operator]
