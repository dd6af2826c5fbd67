"""Computing KPIs for a scope: current values with their trend (stub, being filled in)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from keel.kpis.catalogue import NO_DATA_REASONS, get_spec
from keel.kpis.scope import Scope


@dataclass(frozen=True, slots=True)
class Result:
    """A KPI's value for the current period, the trend leading to it, or why there is none."""

    value: float | None
    trend: tuple[tuple[date, float | None], ...] = field(default_factory=tuple)
    reason: str = ""


def current(*, keys: Sequence[str], scope: Scope) -> dict[str, Result]:
    results: dict[str, Result] = {}
    for key in keys:
        spec = get_spec(key)
        reason = NO_DATA_REASONS.get(key) if not spec.built else "the formula is being written"
        results[key] = Result(value=None, reason=reason or "no data yet")
    return results
