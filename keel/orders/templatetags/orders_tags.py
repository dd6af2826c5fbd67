"""Small display helpers for the order pages."""

from __future__ import annotations

from decimal import Decimal

from django import template

register = template.Library()

GOOD = {"allocated", "packed", "picked", "shipped", "delivered"}
WATCH = {"partially_allocated", "picking", "partially_shipped", "in_transit"}
BAD = {"backordered", "on_hold", "cancelled"}


@register.filter
def status_class(status: str) -> str:
    """The badge colour of an order, line or shipment status."""
    if status in GOOD:
        return "ok"
    if status in WATCH:
        return "warn"
    if status in BAD:
        return "off"
    return ""


@register.filter
def qty(value: Decimal | int | None) -> str:
    """A quantity without trailing zeros: 5, 2.5."""
    if value is None:
        return "—"
    number = Decimal(value)
    return f"{number.normalize():f}" if number else "0"
