"""Which target line applies to a scope, and the red/amber/green status of a value."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from keel.kpis.models import KpiTarget
from keel.kpis.scope import Scope


@dataclass(frozen=True, slots=True)
class TargetLine:
    target: float | None
    amber: float | None
    red: float | None
    site_id: int | None


def _worse(value: float, limit: float, *, direction: str) -> bool:
    return value < limit if direction == "higher" else value > limit


def status_of(value: float | None, line: TargetLine | None, *, direction: str) -> str:
    """"red" when worse than the red threshold, "amber" when worse than the amber one (or
    the target when no amber is set), "green" otherwise; "none" without value or line.

    >>> line = TargetLine(target=95.0, amber=95.0, red=90.0, site_id=None)
    >>> [status_of(v, line, direction="higher") for v in (97.0, 92.0, 85.0, None)]
    ['green', 'amber', 'red', 'none']
    """
    if value is None or line is None:
        return "none"
    amber = line.amber if line.amber is not None else line.target
    if line.red is None and amber is None:
        return "none"
    if line.red is not None and _worse(value, line.red, direction=direction):
        return "red"
    if amber is not None and _worse(value, amber, direction=direction):
        return "amber"
    return "green"


def targets_for(*, keys: Sequence[str], scope: Scope) -> dict[str, TargetLine]:
    """The applicable line per KPI key in one query: the scope's own site line when the
    scope is one site and has one, else the company-wide line."""
    site_id = scope.single_site_id
    rows = KpiTarget.objects.filter(kpi_key__in=list(keys))
    lines: dict[str, TargetLine] = {}
    for row in rows:
        if row.site_id is not None and row.site_id != site_id:
            continue
        if row.site_id is None and row.kpi_key in lines:
            continue
        lines[row.kpi_key] = TargetLine(target=row.target, amber=row.amber, red=row.red, site_id=row.site_id)
    return lines
