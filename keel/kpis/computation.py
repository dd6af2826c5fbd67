"""Computing KPIs for a scope: the one code path behind tiles, drill-downs, API and exports.

``current()`` gives each KPI's value for the open period (the period of its grain that
contains now) and its trend over the last ``TREND_PERIODS[grain]`` periods. Closed
periods come from stored snapshots (``keel kpis snapshot``) where they exist; only the
periods after the last snapshot and the open period are computed, with one load of each
frame the batch needs. Results are cached under the event log's high-water mark and the
scope key: any committed change writes an event, moves the mark and so retires the entry.

``period()`` computes one period of one KPI in full: value, breakdown by each allowed
dimension and the records behind the number, from the same fact rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import polars as pl
from django.core.cache import cache

from keel.analytics.kpi import FORMULAS, Window, breakdown, records, values
from keel.analytics.kpi.periods import period_start, previous_start
from keel.core import clock
from keel.events.selectors import high_water_mark
from keel.kpis import loaders
from keel.kpis.catalogue import NO_DATA_REASONS, get_spec
from keel.kpis.models import KpiSnapshot
from keel.kpis.scope import Scope

TREND_PERIODS = {"day": 30, "week": 12, "month": 12}
CACHE_SECONDS = 60 * 60
EMPTY_REASON = "no records in this period yet"


@dataclass(frozen=True, slots=True)
class Result:
    """A KPI's value for the open period, the trend ending with it, or why there is none."""

    value: float | None
    trend: tuple[tuple[date, float | None], ...] = field(default_factory=tuple)
    reason: str = ""


@dataclass(frozen=True, slots=True)
class PeriodDetail:
    """One period of one KPI: value, breakdowns and the rows behind the number."""

    key: str
    period: date
    ends_at: datetime
    value: float | None
    breakdowns: dict[str, dict[Any, float | None]]
    records: pl.DataFrame


def now_utc() -> datetime:
    """Now as naive UTC, the engine's time axis."""
    moment = clock.now()
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


SITE_RECORDS_REASON = ("these records belong to sites and your data scope covers departments only "
                       "(an administrator can add sites to your scope)")
COMPANY_RECORDS_REASON = "marketing spend is recorded company-wide, outside any site's data"


def scope_reason(key: str, scope: Scope) -> str | None:
    """Why a scope can never hold a KPI's records, None when it can."""
    if scope.is_company_wide:
        return None
    if "marketing" in FORMULAS[key].needs:
        return COMPANY_RECORDS_REASON
    if not scope.site_ids:
        return SITE_RECORDS_REASON
    return None


def not_computed_reason(key: str) -> str | None:
    """Why a KPI is never computed (area or data not there yet), None when it is."""
    spec = get_spec(key)
    if spec.built and key in FORMULAS:
        return None
    return NO_DATA_REASONS.get(key, "no formula yet")


def trend_window(grain: str, now: datetime) -> Window:
    return Window.ending(now, grain=grain, count=TREND_PERIODS[grain])


def _cache_key(mark: int, scope: Scope, key: str, now: datetime) -> str:
    return f"kpis:v1:{mark}:{scope.key}:{now.date().isoformat()}:{key}"


def current(*, keys: Sequence[str], scope: Scope, now: datetime | None = None) -> dict[str, Result]:
    """Value and trend of each KPI in ``keys`` for ``scope`` (see the module docstring)."""
    now = now or now_utc()
    results: dict[str, Result] = {}
    computable: list[str] = []
    for key in keys:
        reason = not_computed_reason(key)
        if reason is None:
            reason = scope_reason(key, scope)
        if reason is None:
            computable.append(key)
        else:
            results[key] = Result(value=None, reason=reason)
    if not computable:
        return results
    mark = high_water_mark()
    cache_keys = {key: _cache_key(mark, scope, key, now) for key in computable}
    cached = cache.get_many(list(cache_keys.values()))
    missing = [key for key in computable if cache_keys[key] not in cached]
    for key in computable:
        if cache_keys[key] in cached:
            results[key] = cached[cache_keys[key]]
    if missing:
        fresh = _compute(missing, scope, now)
        cache.set_many({cache_keys[key]: result for key, result in fresh.items()}, CACHE_SECONDS)
        results.update(fresh)
    return {key: results[key] for key in keys}


def _snapshots(keys: Sequence[str], scope: Scope, since: date) -> dict[tuple[str, date], float | None]:
    rows = KpiSnapshot.objects.filter(kpi_key__in=list(keys), scope_key=scope.key, period_start__gte=since)
    return {(row.kpi_key, row.period_start): row.value
            for row in rows.only("kpi_key", "period_start", "value", "grain")
            if row.grain == get_spec(row.kpi_key).grain}


def _compute(keys: Sequence[str], scope: Scope, now: datetime) -> dict[str, Result]:
    windows = {key: trend_window(get_spec(key).grain, now) for key in keys}
    stored = _snapshots(keys, scope, min(window.starts[0] for window in windows.values()))
    # Per key: the first closed period without a snapshot; the open period always computes.
    starts: dict[str, date] = {}
    for key, window in windows.items():
        missing = [start for start in window.starts[:-1] if (key, start) not in stored]
        starts[key] = missing[0] if missing else window.starts[-1]
    begin = min(starts.values())
    needs = set().union(*(FORMULAS[key].needs for key in keys))
    inputs = loaders.load(needs=needs, scope=scope, start=datetime.combine(begin, datetime.min.time()))
    results: dict[str, Result] = {}
    for key, window in windows.items():
        computed_window = Window.of([s for s in window.starts if s >= starts[key]], grain=window.grain, now=now)
        computed = values(key, inputs, computed_window)
        # Stored closed periods are history and win; the open period is always computed.
        trend = tuple((start, stored[(key, start)] if (key, start) in stored and start != window.starts[-1]
                       else computed.get(start)) for start in window.starts)
        value = trend[-1][1]
        results[key] = Result(value=value, trend=trend, reason="" if value is not None else EMPTY_REASON)
    return results


def period(*, key: str, scope: Scope, start: date | None = None, now: datetime | None = None) -> PeriodDetail:
    """The period of ``key`` that begins on ``start`` (default: the open one), in full."""
    now = now or now_utc()
    spec = get_spec(key)
    start = period_start(start or now.date(), spec.grain)
    window = Window.of([start], grain=spec.grain, now=now)
    formula = FORMULAS[key]
    inputs = loaders.load(needs=formula.needs, scope=scope, start=datetime.combine(start, datetime.min.time()))
    rows = formula.facts(inputs, window)
    value = values(key, inputs, window, rows)[start]
    breakdowns = {dimension: breakdown(key, inputs, window, dimension, rows)[start]
                  for dimension in spec.dimensions if dimension in rows.columns}
    return PeriodDetail(key=key, period=start, ends_at=window.end_of(start), value=value, breakdowns=breakdowns,
                        records=records(key, inputs, window, rows))


def history(*, key: str, scope: Scope, count: int | None = None, now: datetime | None = None) -> Result:
    """The KPI's trend over ``count`` periods (default: the trend length of its grain)."""
    now = now or now_utc()
    spec = get_spec(key)
    reason = not_computed_reason(key) or scope_reason(key, scope)
    if reason is not None:
        return Result(value=None, reason=reason)
    if count is None or count == TREND_PERIODS[spec.grain]:
        return current(keys=[key], scope=scope, now=now)[key]
    window = Window.ending(now, grain=spec.grain, count=count)
    inputs = loaders.load(needs=FORMULAS[key].needs, scope=scope, start=window.begins_at)
    computed = values(key, inputs, window)
    trend = tuple(computed.items())
    return Result(value=trend[-1][1], trend=trend, reason="" if trend[-1][1] is not None else EMPTY_REASON)


def closed_periods(grain: str, *, after: date | None, now: datetime, count: int) -> list[date]:
    """Closed periods to snapshot: those after ``after`` (or the last ``count``) up to the open one."""
    open_start = period_start(now.date(), grain)
    starts: list[date] = []
    start = previous_start(open_start, grain)
    while len(starts) < count and (after is None or start > after):
        starts.append(start)
        start = previous_start(start, grain)
    return sorted(starts)


def closed_values(todo: dict[str, list[date]], *, scope: Scope, now: datetime) -> dict[str, dict[date, float | None]]:
    """Values of the given periods per KPI, with one load of each frame the KPIs need."""
    begin = min(min(starts) for starts in todo.values())
    needs = set().union(*(FORMULAS[key].needs for key in todo))
    inputs = loaders.load(needs=needs, scope=scope, start=datetime.combine(begin, datetime.min.time()))
    return {key: values(key, inputs, Window.of(starts, grain=get_spec(key).grain, now=now))
            for key, starts in todo.items()}
