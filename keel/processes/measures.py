"""Event logs for the process area's own screens, and the measures initiatives track.

``case_log`` reads one process as a Polars frame: Keel's event log with the objects of
one type as cases (sales orders, purchase orders), scoped to what the actor may see, or
an imported log. Each event carries ``resource`` (who did it), ``team`` (that person's
team, "<site code> <team>") and ``site`` (the event's site code).

``measure_value`` computes an initiative's measure over the cases that started in a
period; ``measure_series`` the same per week, for the before/after chart. Part A's
period comparison (``keel/processes/analysis.py``) can replace this once merged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import polars as pl

from keel.analytics.process_mining import (
    EventLog,
    PetriNet,
    arcs,
    case_durations,
    replay_log,
)
from keel.analytics.process_mining.log import ACTIVITY, CASE, TIMESTAMP
from keel.events.models import Event, EventObjectLink
from keel.organization.models import Person, Site
from keel.processes.choices import Measure, ProcessKind
from keel.processes.permissions import VIEW_PROCESS

EMPTY_SCHEMA: dict[str, Any] = {CASE: pl.String, ACTIVITY: pl.String, TIMESTAMP: pl.Datetime("us", "UTC"),
                "resource": pl.String, "team": pl.String, "site": pl.String}


def keel_frame(*, actor: Any, process: str) -> pl.DataFrame:
    """Keel's events on objects of type ``process`` as rows (case_id, activity, timestamp,
    resource, team, site), in time order; only events the actor may see.

    Four queries, whatever the size: the links, the people, the teams' sites, the sites.
    """
    visible = Event.objects.restrict(actor, VIEW_PROCESS.code)
    rows = list(
        EventObjectLink.objects.filter(object__object_type__name=process, event__in=visible)
        .order_by("event__occurred_at", "event_id")
        .values_list("object__ocel_id", "event__event_type__name", "event__occurred_at", "event__actor_id",
                     "event__site_id")
    )
    people = {
        pk: (name, team, site)
        for pk, name, team, site in Person.objects.filter(pk__in={row[3] for row in rows if row[3]})
        .values_list("pk", "full_name", "team__name", "team__site__code")
    }
    sites = dict(Site.objects.values_list("pk", "code"))
    if not rows:
        return pl.DataFrame(schema=EMPTY_SCHEMA)
    cases, activities, times, resources, teams, event_sites = [], [], [], [], [], []
    for ocel_id, activity, occurred_at, actor_id, site_id in rows:
        person = people.get(actor_id) if actor_id is not None else None
        cases.append(ocel_id)
        activities.append(activity)
        times.append(occurred_at)
        resources.append(person[0] if person else None)
        teams.append(" ".join(part for part in (person[2], person[1]) if part) if person and person[1] else None)
        event_sites.append(sites.get(site_id) if site_id is not None else None)
    return pl.DataFrame(
        {CASE: cases, ACTIVITY: activities, TIMESTAMP: times, "resource": resources, "team": teams,
         "site": event_sites},
        schema=EMPTY_SCHEMA,
    )


def case_log(*, actor: Any, process: str, imported_log: Any = None) -> EventLog:
    """The event log of one process as the engine's ``EventLog``."""
    if process == ProcessKind.IMPORTED:
        from keel.processes.imports import imported_frame

        if imported_log is None:
            raise ValueError("an imported process needs its imported log")
        return EventLog.from_frame(imported_frame(imported_log))
    return EventLog.from_frame(keel_frame(actor=actor, process=process))


def _started_between(log: EventLog, start: date, end: date) -> EventLog:
    """The cases whose first event falls on ``start`` .. ``end`` (inclusive, UTC days)."""
    low = datetime.combine(start, time.min, tzinfo=UTC)
    high = datetime.combine(end + timedelta(days=1), time.min, tzinfo=UTC)
    firsts = log.frame.group_by(CASE).agg(pl.col(TIMESTAMP).min().alias("_first"))
    keep = firsts.filter((pl.col("_first") >= low) & (pl.col("_first") < high)).get_column(CASE)
    return EventLog(log.frame.filter(pl.col(CASE).is_in(keep.implode())))


@dataclass(frozen=True, slots=True)
class MeasureSpec:
    """What to measure: the measure, and its activity or intended model when it needs one."""

    measure: str
    activity: str = ""
    net: PetriNet | None = None
    # Conformance counts finished cases only (those ending with one of these), as the
    # conformance view does: an open case has not skipped its remaining steps.
    finals: frozenset[str] = frozenset()


def _value(log: EventLog, spec: MeasureSpec) -> tuple[float | None, int]:
    """The measure over every case of ``log``, and the number of cases it is based on."""
    cases = log.case_count
    if cases == 0:
        return None, 0
    if spec.measure == Measure.MEDIAN_CASE_DURATION:
        durations = case_durations(log).get_column("duration")
        return float(durations.median()) / 3600.0, cases  # type: ignore[arg-type]
    if spec.measure == Measure.REWORK_RATE:
        counts = log.frame.group_by(CASE, ACTIVITY).agg(pl.len().alias("n"))
        if spec.activity:
            counts = counts.filter(pl.col(ACTIVITY) == spec.activity)
        reworked = counts.filter(pl.col("n") > 1).get_column(CASE).n_unique()
        return reworked / cases, cases
    if spec.measure == Measure.WAITING_TIME:
        waits = arcs(log).filter(pl.col("target") == spec.activity).get_column("seconds")
        if waits.len() == 0:
            return None, 0
        return float(waits.median()) / 3600.0, waits.len()  # type: ignore[arg-type]
    if spec.measure == Measure.CONFORMANCE_FITNESS:
        if spec.net is None:
            return None, 0
        if spec.finals:
            lasts = log.frame.group_by(CASE).agg(pl.col(ACTIVITY).last())
            done = lasts.filter(pl.col(ACTIVITY).is_in(list(spec.finals))).get_column(CASE)
            log = EventLog(log.frame.filter(pl.col(CASE).is_in(done.implode())))
            cases = log.case_count
            if cases == 0:
                return None, 0
        _, overall = replay_log(log, spec.net)
        return overall.log_fitness, cases
    raise ValueError(f"unknown measure {spec.measure!r}")


def measure_value(log: EventLog, spec: MeasureSpec, *, start: date, end: date) -> tuple[float | None, int]:
    """The measure over the cases that started between ``start`` and ``end`` (inclusive),
    and how many cases (or, for waiting time, how many waits) it rests on.

    >>> from keel.analytics.process_mining import EventLog
    >>> log = EventLog.from_rows([("a", "x", "2026-03-02T08:00Z"), ("a", "y", "2026-03-02T10:00Z"),
    ...                           ("b", "x", "2026-03-09T08:00Z"), ("b", "y", "2026-03-09T09:00Z")])
    >>> measure_value(log, MeasureSpec(Measure.MEDIAN_CASE_DURATION), start=date(2026, 3, 1), end=date(2026, 3, 3))
    (2.0, 1)
    """
    return _value(_started_between(log, start, end), spec)


def measure_series(log: EventLog, spec: MeasureSpec, *, start: date, end: date) -> list[tuple[date, float | None, int]]:
    """The measure per week (weeks starting on ``start``), for the before/after chart."""
    points: list[tuple[date, float | None, int]] = []
    week = start
    while week <= end:
        last = min(week + timedelta(days=6), end)
        value, count = measure_value(log, spec, start=week, end=last)
        points.append((week, value, count))
        week += timedelta(days=7)
    return points
