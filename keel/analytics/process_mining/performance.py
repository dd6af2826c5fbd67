"""Where the time goes: time per activity, rework, bottlenecks and throughput.

Waiting time before an activity is the time from the previous event of the same case to
this one (the first event of a case has none); with a single timestamp per event it is
all the time the case spent on its way to that activity. Durations are seconds as float.

The example log used by the docstrings:

>>> log = EventLog.from_rows([
...     ("c1", "register", "2024-01-01T09:00:00Z"),
...     ("c1", "pick", "2024-01-01T10:00:00Z"),
...     ("c1", "pick", "2024-01-01T11:00:00Z"),
...     ("c1", "ship", "2024-01-01T12:00:00Z"),
...     ("c2", "register", "2024-01-08T09:00:00Z"),
...     ("c2", "pick", "2024-01-08T13:00:00Z"),
...     ("c2", "ship", "2024-01-08T14:00:00Z"),
... ])
"""

from __future__ import annotations

import polars as pl

from keel.analytics.process_mining.discovery import SECONDS, arcs, case_durations
from keel.analytics.process_mining.log import ACTIVITY, CASE, EventLog

__all__ = ["activity_times", "bottleneck_changes", "bottlenecks", "rework", "throughput"]


def activity_times(log: EventLog) -> pl.DataFrame:
    """Per activity: occurrences and the waiting time before it (count, mean, median, sum, max).

    >>> activity_times(log).select("activity", "occurrences", "waiting_mean").rows()
    [('pick', 3, 7200.0), ('register', 2, None), ('ship', 2, 3600.0)]
    """
    waits = arcs(log).group_by(pl.col("target").alias(ACTIVITY)).agg(
        pl.col(SECONDS).mean().alias("waiting_mean"),
        pl.col(SECONDS).median().alias("waiting_median"),
        pl.col(SECONDS).sum().alias("waiting_sum"),
        pl.col(SECONDS).max().alias("waiting_max"),
    )
    occurrences = log.frame.group_by(ACTIVITY).agg(pl.len().cast(pl.Int64).alias("occurrences"))
    return occurrences.join(waits, on=ACTIVITY, how="left").sort(ACTIVITY)


def rework(log: EventLog) -> pl.DataFrame:
    """Activities repeated within a case: how many cases repeat each, and their share.

    Columns ``activity, cases`` (cases with the activity), ``rework_cases`` (cases with it
    more than once), ``repetitions`` (occurrences beyond the first, summed over cases) and
    ``rework_share`` (rework cases over all cases in the log); most rework first.

    >>> rework(log).row(0)
    ('pick', 2, 1, 1, 0.5)
    """
    total = log.case_count
    per_case = log.frame.group_by(CASE, ACTIVITY).agg(pl.len().alias("times"))
    return (
        per_case.group_by(ACTIVITY)
        .agg(
            pl.len().cast(pl.Int64).alias("cases"),
            (pl.col("times") > 1).sum().cast(pl.Int64).alias("rework_cases"),
            (pl.col("times") - 1).sum().cast(pl.Int64).alias("repetitions"),
        )
        .with_columns((pl.col("rework_cases") / max(total, 1)).alias("rework_share"))
        .sort(["rework_cases", ACTIVITY], descending=[True, False])
    )


def bottlenecks(log: EventLog) -> pl.DataFrame:
    """Hand-offs ranked by the total waiting time they account for.

    Columns ``source, target, frequency, total, mean, share`` (of all waiting time).

    >>> bottlenecks(log).select("source", "target", "total", "share").row(0)
    ('register', 'pick', 18000.0, 0.625)
    """
    ranked = (
        arcs(log)
        .group_by("source", "target")
        .agg(
            pl.len().cast(pl.Int64).alias("frequency"),
            pl.col(SECONDS).sum().alias("total"),
            pl.col(SECONDS).mean().alias("mean"),
        )
        .sort(["total", "source", "target"], descending=[True, False, False])
    )
    overall = ranked.get_column("total").sum() or 1.0
    return ranked.with_columns((pl.col("total") / overall).alias("share"))


def bottleneck_changes(baseline: EventLog, current: EventLog) -> pl.DataFrame:
    """Hand-offs ranked by how much more waiting they cause now than in the baseline.

    ``extra`` = (current mean - baseline mean) x current frequency: the seconds of waiting
    the change added in the current period. Arcs new in the current period compare with a
    baseline mean of 0. Columns ``source, target, frequency, baseline_mean, current_mean,
    change, extra``.

    >>> early = EventLog.from_rows([("a", "pick", "2024-01-01T08:00Z"), ("a", "ship", "2024-01-01T09:00Z")])
    >>> late = EventLog.from_rows([("b", "pick", "2024-02-01T08:00Z"), ("b", "ship", "2024-02-01T11:00Z")])
    >>> bottleneck_changes(early, late).select("source", "change", "extra").row(0)
    ('pick', 7200.0, 7200.0)
    """
    before = bottlenecks(baseline).select(
        "source", "target", pl.col("mean").alias("baseline_mean")
    )
    after = bottlenecks(current).select(
        "source", "target", "frequency", pl.col("mean").alias("current_mean")
    )
    return (
        after.join(before, on=["source", "target"], how="left")
        .with_columns(
            (pl.col("current_mean") - pl.col("baseline_mean").fill_null(0.0)).alias("change")
        )
        .with_columns((pl.col("change") * pl.col("frequency")).alias("extra"))
        .select("source", "target", "frequency", "baseline_mean", "current_mean", "change", "extra")
        .sort(["extra", "source", "target"], descending=[True, False, False])
    )


def throughput(log: EventLog, *, every: str = "1d") -> pl.DataFrame:
    """Cases completed per period (``"1d"``, ``"1w"`` weeks from Monday, ``"1mo"``...).

    A case completes at its last event. Columns ``period`` (the period's start, UTC) and
    ``completed``; periods without completions are left out.

    >>> [(row[0].date().isoformat(), row[1]) for row in throughput(log, every="1w").rows()]
    [('2024-01-01', 1), ('2024-01-08', 1)]
    """
    return (
        case_durations(log)
        .group_by(pl.col("end").dt.truncate(every).alias("period"))
        .agg(pl.len().cast(pl.Int64).alias("completed"))
        .sort("period")
    )
