"""Periods of a KPI's grain: days, ISO weeks (Monday first) and calendar months.

A window is a run of consecutive periods ending with the open one that contains ``now``;
facts are placed in a period by one timestamp, truncated to the grain.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import polars as pl

GRAIN_EVERY = {"day": "1d", "week": "1w", "month": "1mo"}


def period_start(day: date, grain: str) -> date:
    """The first day of the period of ``grain`` that contains ``day``.

    >>> period_start(date(2026, 11, 26), "week"), period_start(date(2026, 11, 26), "month")
    (datetime.date(2026, 11, 23), datetime.date(2026, 11, 1))
    """
    if grain == "day":
        return day
    if grain == "week":
        return day - timedelta(days=day.weekday())
    if grain == "month":
        return day.replace(day=1)
    raise ValueError(f"unknown grain {grain!r}")


def next_start(start: date, grain: str) -> date:
    """The first day of the period after the one starting on ``start``.

    >>> next_start(date(2026, 12, 1), "month"), next_start(date(2026, 11, 23), "week")
    (datetime.date(2027, 1, 1), datetime.date(2026, 11, 30))
    """
    if grain == "day":
        return start + timedelta(days=1)
    if grain == "week":
        return start + timedelta(days=7)
    if start.month == 12:
        return date(start.year + 1, 1, 1)
    return date(start.year, start.month + 1, 1)


def previous_start(start: date, grain: str) -> date:
    """The first day of the period before the one starting on ``start``.

    >>> previous_start(date(2026, 1, 1), "month")
    datetime.date(2025, 12, 1)
    """
    return period_start(start - timedelta(days=1), grain)


@dataclass(frozen=True, slots=True)
class Window:
    """Consecutive periods of one grain; the last one is open and ends at ``now``.

    >>> window = Window.ending(datetime(2026, 11, 26, 9), grain="week", count=3)
    >>> window.starts
    (datetime.date(2026, 11, 9), datetime.date(2026, 11, 16), datetime.date(2026, 11, 23))
    >>> window.end_of(window.starts[0]), window.end_of(window.starts[-1])
    (datetime.datetime(2026, 11, 16, 0, 0), datetime.datetime(2026, 11, 26, 9, 0))
    """

    grain: str
    starts: tuple[date, ...]
    now: datetime

    @classmethod
    def ending(cls, now: datetime, *, grain: str, count: int) -> Window:
        starts = [period_start(now.date(), grain)]
        while len(starts) < count:
            starts.append(previous_start(starts[-1], grain))
        return cls(grain=grain, starts=tuple(reversed(starts)), now=now)

    @classmethod
    def of(cls, starts: list[date], *, grain: str, now: datetime) -> Window:
        return cls(grain=grain, starts=tuple(sorted(starts)), now=now)

    @property
    def begins_at(self) -> datetime:
        return datetime.combine(self.starts[0], datetime.min.time())

    def end_of(self, start: date) -> datetime:
        """Exclusive end of the period: the next period's start, or ``now`` for the open one."""
        end = datetime.combine(next_start(start, self.grain), datetime.min.time())
        return min(end, self.now)

    def days_in(self, start: date) -> float:
        """Length of the period in days; the open period counts up to ``now``."""
        begin = datetime.combine(start, datetime.min.time())
        return max((self.end_of(start) - begin).total_seconds() / 86400, 1 / 24)

    def frame(self) -> pl.DataFrame:
        """One row per period: ``period`` (start), ``ends_at`` (exclusive) and ``days``."""
        return pl.DataFrame(
            {
                "period": list(self.starts),
                "ends_at": [self.end_of(start) for start in self.starts],
                "days": [self.days_in(start) for start in self.starts],
            },
            schema={"period": pl.Date, "ends_at": pl.Datetime("us"), "days": pl.Float64},
        )


def assign(frame: pl.DataFrame, at: str, window: Window) -> pl.DataFrame:
    """``frame`` with a ``period`` column from the timestamp column ``at``; rows outside
    the window (or without a timestamp) are dropped.

    >>> window = Window.ending(datetime(2026, 11, 26, 9), grain="week", count=2)
    >>> rows = pl.DataFrame({"at": [datetime(2026, 11, 10), datetime(2026, 11, 17), datetime(2026, 11, 26, 10)]})
    >>> assign(rows, "at", window)["period"].to_list()
    [datetime.date(2026, 11, 16)]
    """
    every = GRAIN_EVERY[window.grain]
    return (
        frame.filter(pl.col(at).is_not_null() & (pl.col(at) >= window.begins_at) & (pl.col(at) < window.now))
        .with_columns(period=pl.col(at).dt.truncate(every).dt.date())
        .filter(pl.col("period").is_in(list(window.starts)))
    )
