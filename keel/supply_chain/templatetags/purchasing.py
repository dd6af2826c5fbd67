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
