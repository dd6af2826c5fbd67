"""Narrow a log before analysing it: time window, attribute values, activities, variants,
case-duration percentiles and path coverage. Each filter returns a new :class:`EventLog`
(still in pm4py order) and leaves its input alone.

The example log used by the docstrings:

>>> log = EventLog.from_rows([
...     ("c1", "register", "2024-01-01T09:00:00Z"),
...     ("c1", "ship", "2024-01-01T10:00:00Z"),
...     ("c2", "register", "2024-01-02T09:00:00Z"),
...     ("c2", "ship", "2024-01-02T19:00:00Z"),
...     ("c3", "register", "2024-01-03T09:00:00Z"),
...     ("c3", "check", "2024-01-03T09:30:00Z"),
...     ("c3", "ship", "2024-01-03T11:00:00Z"),
... ])
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Literal

import polars as pl

from keel.analytics.process_mining.discovery import case_durations, frequency_dfg, variants
from keel.analytics.process_mining.log import ACTIVITY, CASE, TIMESTAMP, EventLog, case_number

__all__ = [
    "filter_activities",
    "filter_attribute_values",
    "filter_case_duration_percentiles",
    "filter_time_window",
    "filter_variant_coverage",
    "filter_variants",
    "frequent_arcs",
]


def _keep_cases(log: EventLog, cases: pl.Series) -> EventLog:
    return EventLog(log.frame.filter(pl.col(CASE).is_in(cases.implode())))


def filter_time_window(
    log: EventLog,
    *,
    start: datetime,
    end: datetime,
    mode: Literal["contained", "intersecting", "started", "completed", "events"] = "contained",
) -> EventLog:
    """Keep what falls in ``[start, end)`` (aware datetimes).

    ``mode`` as in pm4py's timeframe filter: ``contained`` keeps cases wholly inside,
    ``intersecting`` cases with any event inside, ``started``/``completed`` cases that
    start/end inside, ``events`` only the events inside (cutting cases).

    >>> from datetime import UTC, datetime
    >>> window = dict(start=datetime(2024, 1, 2, tzinfo=UTC), end=datetime(2024, 1, 3, 10, tzinfo=UTC))
    >>> sorted(set(filter_time_window(log, **window).frame["case_id"]))
    ['c2']
    >>> filter_time_window(log, mode="events", **window).event_count
    4
    """
    inside = pl.col(TIMESTAMP).is_between(pl.lit(start), pl.lit(end), closed="left")
    if mode == "events":
        return EventLog(log.frame.filter(inside))
    cases = case_durations(log)
    in_window = {
        "contained": pl.col("start").is_between(pl.lit(start), pl.lit(end), closed="left")
        & pl.col("end").is_between(pl.lit(start), pl.lit(end), closed="left"),
        "intersecting": (pl.col("start") < pl.lit(end)) & (pl.col("end") >= pl.lit(start)),
        "started": pl.col("start").is_between(pl.lit(start), pl.lit(end), closed="left"),
        "completed": pl.col("end").is_between(pl.lit(start), pl.lit(end), closed="left"),
    }[mode]
    return _keep_cases(log, cases.filter(in_window).get_column(CASE))


def filter_attribute_values(
    log: EventLog,
    column: str,
    values: Collection[object],
    *,
    level: Literal["case", "event"] = "case",
    keep: bool = True,
) -> EventLog:
    """Keep (or drop, ``keep=False``) by an attribute's values.

    ``level="case"`` keeps whole cases with at least one event carrying one of the values;
    ``level="event"`` keeps only the matching events.

    >>> import polars as pl
    >>> teams = log.frame.with_columns(team=pl.when(pl.col("case_id") == "c3").then(pl.lit("B")).otherwise(pl.lit("A")))
    >>> sorted(set(filter_attribute_values(EventLog(teams), "team", ["B"]).frame["case_id"]))
    ['c3']
    """
    if column not in log.frame.columns:
        raise KeyError(f"no column {column!r}; the columns are {', '.join(log.frame.columns)}")
    matches = pl.col(column).is_in(pl.Series(list(values)).implode())
    if level == "event":
        return EventLog(log.frame.filter(matches if keep else ~matches))
    hit = log.frame.filter(matches).get_column(CASE).unique()
    if keep:
        return _keep_cases(log, hit)
    return EventLog(log.frame.filter(~pl.col(CASE).is_in(hit.implode())))


def filter_activities(log: EventLog, activities: Collection[str], *, keep: bool = True) -> EventLog:
    """Keep only (or drop, ``keep=False``) the events of the given activities.

    >>> filter_activities(log, ["check"], keep=False).event_count
    6
    """
    matches = pl.col(ACTIVITY).is_in(pl.Series(list(activities), dtype=pl.String).implode())
    return EventLog(log.frame.filter(matches if keep else ~matches))


def filter_variants(
    log: EventLog, chosen: Collection[Sequence[str]], *, keep: bool = True
) -> EventLog:
    """Keep (or drop) the cases whose activity sequence is one of ``chosen``.

    >>> filter_variants(log, [("register", "ship")]).case_count
    2
    """
    wanted = {tuple(variant) for variant in chosen}
    sequences = (
        log.frame.with_columns(case_number())
        .group_by("_case_number", maintain_order=True)
        .agg(pl.col(CASE).first(), pl.col(ACTIVITY))
        .drop("_case_number")
    )
    cases = [
        case
        for case, sequence in sequences.iter_rows()
        if (tuple(sequence) in wanted) == keep
    ]
    return _keep_cases(log, pl.Series(cases, dtype=pl.String))


def filter_case_duration_percentiles(log: EventLog, *, lower: float, upper: float) -> EventLog:
    """Keep the cases whose duration lies between two percentiles (0 to 1, inclusive).

    ``lower=0.9, upper=1.0`` keeps the slowest 10%. The cut points use linear
    interpolation between case durations.

    >>> sorted(set(filter_case_duration_percentiles(log, lower=0.9, upper=1.0).frame["case_id"]))
    ['c2']
    """
    if not 0.0 <= lower <= upper <= 1.0:
        raise ValueError("need 0 <= lower <= upper <= 1")
    durations = case_durations(log)
    column = durations.get_column("duration")
    low = column.quantile(lower, interpolation="linear")
    high = column.quantile(upper, interpolation="linear")
    if low is None or high is None:
        return log
    kept = durations.filter(pl.col("duration").is_between(low, high)).get_column(CASE)
    return _keep_cases(log, kept)


def filter_variant_coverage(log: EventLog, share: float) -> EventLog:
    """Keep the most frequent variants until they cover at least ``share`` of the cases.

    >>> filter_variant_coverage(log, 0.5).case_count
    2
    """
    counts = variants(log)
    needed = share * log.case_count
    kept: list[tuple[str, ...]] = []
    covered = 0
    for activities, count in counts.select("activities", "count").iter_rows():
        if covered >= needed and kept:
            break
        kept.append(tuple(activities))
        covered += count
    return filter_variants(log, kept)


def frequent_arcs(log: EventLog, share: float) -> pl.DataFrame:
    """The most frequent directly-follows arcs covering ``share`` of all arc traversals.

    What a process map's coverage slider shows: arcs are taken most frequent first until
    their frequencies add up to at least ``share`` of the total.

    >>> frequent_arcs(log, 0.6).rows()
    [('register', 'ship', 2), ('check', 'ship', 1)]
    """
    dfg = frequency_dfg(log)
    total = float(dfg.get_column("frequency").sum())
    before = pl.col("frequency").cum_sum() - pl.col("frequency")
    return dfg.filter(before < share * total)
