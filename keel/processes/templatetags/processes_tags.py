"""Template filters of the process area."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def get(mapping: dict[str, Any], key: str) -> Any:
    """``{{ labels|get:key }}``: a value from a mapping."""
    return mapping.get(key, key)


@register.filter
def percent(value: float | None) -> str:
    """A share (0..1) as a percentage with one decimal."""
    if value is None:
        return "—"
    return f"{100 * float(value):.1f}%"


@register.filter
def measure(value: float | None, digits: int = 3) -> str:
    """A measure's value, or a dash when there is none."""
    if value is None:
        return "—"
    return f"{float(value):.{int(digits)}f}"
