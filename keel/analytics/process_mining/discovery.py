"""Process discovery on an :class:`EventLog`: directly-follows graphs, start and end
activities, variants and case durations.

All durations are seconds as ``float``; standard deviations are sample standard
deviations (``None`` for a single occurrence). The results equal pm4py's dataframe path
(``discover_dfg``, ``discover_performance_dfg``, ``get_start_activities``,
``get_end_activities``, ``get_variants`` and the case durations of ``case_statistics``).

The example log used by the docstrings:

>>> log = EventLog.from_rows([
...     ("c1", "register", "2024-01-01T09:00:00Z"),
...     ("c1", "pick", "2024-01-01T10:00:00Z"),
...     ("c1", "ship", "2024-01-01T12:00:00Z"),
...     ("c2", "register", "2024-01-01T09:00:00Z"),
...     ("c2", "pick", "2024-01-01T13:00:00Z"),
...     ("c2", "ship", "2024-01-01T14:00:00Z"),
...     ("c3", "register", "2024-01-02T09:00:00Z"),
...     ("c3", "ship", "2024-01-02T09:30:00Z"),
... ])
"""

from __future__ import annotations

import polars as pl

from keel.analytics.process_mining.log import (
    ACTIVITY,
    CASE,
    TIMESTAMP,
    EventLog,
    case_number,
    seconds_between,
)

__all__ = [
    "arcs",
    "case_durations",
    "end_activities",
    "frequency_dfg",
    "performance_dfg",
    "start_activities",
    "variants",
]

SOURCE = "source"
TARGET = "target"
SECONDS = "seconds"


def arcs(log: EventLog) -> pl.DataFrame:
    """Every pair of consecutive events within a case: ``case_id, source, target, seconds``.

    ``seconds`` is the time from the source event to the target event.

    >>> arcs(log).filter(pl.col("case_id") == "c3").rows()
    [('c3', 'register', 'ship', 1800.0)]
    """
    frame = log.frame
    return (
        frame.lazy()
        .select(
            pl.col(CASE),
            pl.col(ACTIVITY).alias(SOURCE),
            pl.col(ACTIVITY).shift(-1).alias(TARGET),
            seconds_between(pl.col(TIMESTAMP).shift(-1), pl.col(TIMESTAMP)).alias(SECONDS),
            (pl.col(CASE) == pl.col(CASE).shift(-1)).alias("_same_case"),
        )
        .filter(pl.col("_same_case"))
        .drop("_same_case")
        .collect()
    )


def frequency_dfg(log: EventLog) -> pl.DataFrame:
    """How often each activity directly follows another within a case.

    Columns ``source, target, frequency``; most frequent first, then by name.

    >>> frequency_dfg(log).rows()
    [('pick', 'ship', 2), ('register', 'pick', 2), ('register', 'ship', 1)]
    """
    return (
        arcs(log)
        .lazy()
        .group_by(SOURCE, TARGET)
        .agg(pl.len().cast(pl.Int64).alias("frequency"))
        .sort(["frequency", SOURCE, TARGET], descending=[True, False, False])
        .collect()
    )


def performance_dfg(log: EventLog) -> pl.DataFrame:
    """Time between directly-following activities, per arc, in seconds.

    Columns ``source, target, frequency, mean, median, min, max, sum, stdev``;
    ``stdev`` is the sample standard deviation, null for an arc seen once.

    >>> performance_dfg(log).filter(pl.col("source") == "register").with_columns(pl.col("stdev").round(1)).rows()
    [('register', 'pick', 2, 9000.0, 9000.0, 3600.0, 14400.0, 18000.0, 7636.8), ('register', 'ship', 1, 1800.0, 1800.0, 1800.0, 1800.0, 1800.0, None)]
    """
    seconds = pl.col(SECONDS)
    return (
        arcs(log)
        .lazy()
        .group_by(SOURCE, TARGET)
        .agg(
            pl.len().cast(pl.Int64).alias("frequency"),
            seconds.mean().alias("mean"),
            seconds.median().alias("median"),
            seconds.min().alias("min"),
            seconds.max().alias("max"),
            seconds.sum().alias("sum"),
            seconds.std(ddof=1).alias("stdev"),
        )
        .sort(["frequency", SOURCE, TARGET], descending=[True, False, False])
        .collect()
    )


def start_activities(log: EventLog) -> pl.DataFrame:
    """How many cases start with each activity: ``activity, count``, most frequent first.

    >>> start_activities(log).rows()
    [('register', 3)]
    """
    return _boundary_activities(log, first=True)


def end_activities(log: EventLog) -> pl.DataFrame:
    """How many cases end with each activity: ``activity, count``, most frequent first.

    >>> end_activities(log).rows()
    [('ship', 3)]
    """
    return _boundary_activities(log, first=False)


def _boundary_activities(log: EventLog, *, first: bool) -> pl.DataFrame:
    case = pl.col(CASE)
    edge = case != (case.shift(1) if first else case.shift(-1))
    return (
        log.frame.lazy()
        .filter(edge.fill_null(True))
        .group_by(ACTIVITY)
        .agg(pl.len().cast(pl.Int64).alias("count"))
        .sort(["count", ACTIVITY], descending=[True, False])
        .collect()
    )


def case_durations(log: EventLog) -> pl.DataFrame:
    """Each case's first and last event time, event count and duration in seconds.

    Columns ``case_id, start, end, events, duration``; in case id order.

    >>> case_durations(log).select("case_id", "events", "duration").rows()
    [('c1', 3, 10800.0), ('c2', 3, 18000.0), ('c3', 2, 1800.0)]
    """
    return _cases(log).drop("_variant")


def variants(log: EventLog) -> pl.DataFrame:
    """The distinct activity sequences, with how many cases follow each and their durations.

    Columns ``activities`` (list of str), ``count``, and the ``mean``, ``median``, ``min``
    and ``max`` case duration in seconds; most frequent first, ties by sequence.

    >>> [(row["activities"], row["count"], row["mean"]) for row in variants(log).to_dicts()]
    [(['register', 'pick', 'ship'], 2, 14400.0), (['register', 'ship'], 1, 1800.0)]
    """
    duration = pl.col("duration")
    grouped = (
        _cases(log, with_variant=True)
        .lazy()
        .group_by("_variant")
        .agg(
            pl.len().cast(pl.Int64).alias("count"),
            duration.mean().alias("mean"),
            duration.median().alias("median"),
            duration.min().alias("min"),
            duration.max().alias("max"),
        )
        .collect()
    )
    return (
        grouped.with_columns(pl.col("_variant").alias("activities"))
        .drop("_variant")
        .select("activities", "count", "mean", "median", "min", "max")
        .with_columns(pl.col("activities").list.join("\x1f").alias("_key"))
        .sort(["count", "_key"], descending=[True, False])
        .drop("_key")
    )


def _cases(log: EventLog, *, with_variant: bool = False) -> pl.DataFrame:
    """One row per case; with ``_variant`` (the activity list) when asked."""
    timestamp = pl.col(TIMESTAMP)
    aggregations = [
        timestamp.first().alias("start"),
        timestamp.last().alias("end"),
        pl.len().cast(pl.Int64).alias("events"),
    ]
    if with_variant:
        aggregations.append(pl.col(ACTIVITY).alias("_variant"))
    else:
        aggregations.append(pl.lit(None).alias("_variant"))
    return (
        log.frame.lazy()
        .with_columns(case_number())
        .group_by("_case_number", maintain_order=True)
        .agg(pl.col(CASE).first(), *aggregations)
        .with_columns(
            seconds_between(pl.col("end"), pl.col("start")).alias("duration")
        )
        .select(CASE, "start", "end", "events", "duration", "_variant")
        .sort(CASE)
        .collect()
    )
