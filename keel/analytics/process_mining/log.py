"""The event table every analysis reads: one row per event, ordered the way pm4py orders it.

An :class:`EventLog` wraps a Polars frame with three canonical columns, ``case_id``
(string), ``activity`` (string) and ``timestamp`` (``Datetime("ns", "UTC")``), plus any
attribute columns (resource, team, site, ...). The rows are grouped by case; within a
case they are ordered by timestamp, then by their original position (a stable sort), so
events of a case that share a timestamp keep the order they had in the input. That is
pm4py's dataframe semantics, and the reason every analysis here agrees with pm4py's
exactly. (The order of the cases themselves is not alphabetical; see ``_in_case_order``.)

>>> log = EventLog.from_rows([
...     ("c2", "register", "2024-01-01T10:00:00Z"),
...     ("c1", "register", "2024-01-01T09:00:00Z"),
...     ("c1", "ship", "2024-01-01T09:00:00Z"),
... ])
>>> log.frame.filter(pl.col("case_id") == "c1").get_column("activity").to_list()
['register', 'ship']
>>> log.case_count, log.event_count
(2, 3)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import polars as pl

__all__ = [
    "ACTIVITY",
    "CASE",
    "TIMESTAMP",
    "EventLog",
    "EventLogError",
    "case_number",
    "seconds_between",
]

CASE = "case_id"
ACTIVITY = "activity"
TIMESTAMP = "timestamp"
_CORE = (CASE, ACTIVITY, TIMESTAMP)
_NANOSECONDS_PER_DAY = 86_400_000_000_000
_NANOSECONDS_PER_SECOND = 1_000_000_000


class EventLogError(ValueError):
    """An event table that cannot be analysed; the message names the column and the row."""


@dataclass(frozen=True, slots=True)
class EventLog:
    """An event table in pm4py order (case, timestamp, input order); see the module doc.

    Build one with :meth:`from_frame` or :meth:`from_rows`: they check, rename and sort.
    The constructor itself trusts its frame and is meant for the engine's own filters.
    """

    frame: pl.DataFrame

    @classmethod
    def from_frame(
        cls,
        frame: pl.DataFrame,
        *,
        case: str = CASE,
        activity: str = ACTIVITY,
        timestamp: str = TIMESTAMP,
    ) -> EventLog:
        """Check a frame, rename its case, activity and timestamp columns, and sort it.

        Timestamps may be Polars datetimes (naive ones are taken as UTC) or ISO 8601
        strings. Row numbers in errors count from 1 in the frame as given.

        >>> import polars as pl
        >>> frame = pl.DataFrame({"order": ["o1"], "step": ["pick"], "at": ["2024-03-01 08:00"]})
        >>> EventLog.from_frame(frame, case="order", activity="step", timestamp="at").frame.rows()
        [('o1', 'pick', datetime.datetime(2024, 3, 1, 8, 0, tzinfo=zoneinfo.ZoneInfo(key='UTC')))]
        """
        mapping = {case: CASE, activity: ACTIVITY, timestamp: TIMESTAMP}
        for source in mapping:
            if source not in frame.columns:
                raise EventLogError(
                    f"column {source!r} not found; the columns are {', '.join(frame.columns)}"
                )
        if len(set(mapping)) != len(mapping):
            raise EventLogError("the case, activity and timestamp columns must be different")
        clashes = [name for name in _CORE if name in frame.columns and name not in mapping]
        if clashes:
            raise EventLogError(
                f"column {clashes[0]!r} would be overwritten; rename it or map it as a core column"
            )
        renamed = frame.rename({source: target for source, target in mapping.items() if source != target})
        renamed = renamed.with_columns(
            pl.col(CASE).cast(pl.String),
            pl.col(ACTIVITY).cast(pl.String),
            _as_utc(renamed, timestamp),
        )
        for name, source in ((CASE, case), (ACTIVITY, activity), (TIMESTAMP, timestamp)):
            missing = renamed.get_column(name).is_null()
            if missing.any():
                row = int(missing.arg_max() or 0) + 1
                raise EventLogError(f"row {row}: column {source!r} has no value")
        return cls(_in_case_order(renamed.select(*_CORE, pl.exclude(*_CORE))))

    @classmethod
    def from_rows(cls, rows: Iterable[Sequence[object]]) -> EventLog:
        """Build a log from ``(case, activity, timestamp)`` tuples; handy for examples.

        >>> EventLog.from_rows([("c1", "a", "2024-01-01T00:00:00Z")]).event_count
        1
        """
        cases: list[object] = []
        activities: list[object] = []
        times: list[object] = []
        for row in rows:
            cases.append(row[0])
            activities.append(row[1])
            times.append(row[2])
        frame = pl.DataFrame(
            {CASE: cases, ACTIVITY: activities, TIMESTAMP: times},
            schema={
                CASE: pl.String,
                ACTIVITY: pl.String,
                TIMESTAMP: pl.Datetime("ns", "UTC")
                if times and isinstance(times[0], datetime)
                else pl.String,
            },
        )
        return cls.from_frame(frame)

    @property
    def case_count(self) -> int:
        """How many cases the log holds."""
        return int(self.frame.get_column(CASE).n_unique())

    @property
    def event_count(self) -> int:
        """How many events the log holds."""
        return self.frame.height

    @property
    def attributes(self) -> list[str]:
        """The attribute columns beyond case, activity and timestamp."""
        return [name for name in self.frame.columns if name not in _CORE]


def case_number() -> pl.Expr:
    """1, 2, 3... per case in EventLog order, flagged as sorted so group-bys take the fast path.

    >>> log = EventLog.from_rows([("b", "x", "2024-01-01T00:00Z"), ("b", "y", "2024-01-01T01:00Z")])
    >>> log.frame.select(case_number()).to_series().to_list()
    [1, 1]
    """
    changed = (pl.col(CASE) != pl.col(CASE).shift(1)).fill_null(True)
    return changed.cast(pl.UInt32).cum_sum().set_sorted().alias("_case_number")


def _in_case_order(frame: pl.DataFrame) -> pl.DataFrame:
    """Rows grouped by case; within a case by timestamp, ties in input order.

    Two stable sorts on numbers (time, then a 64-bit hash of the case id) are several
    times faster than one sort on the case id text. Cases then come in hash order, which
    no result depends on (per-case results are sorted by case id when they are built). A
    hash collision would interleave two cases; it is detected (equal hashes, different
    ids next to each other) and the text sort is used instead.
    """
    key = "_case_key"
    ordered = (
        frame.with_columns(pl.col(CASE).hash(seed=0).alias(key))
        .sort(TIMESTAMP, maintain_order=True)
        .sort(key, maintain_order=True)
    )
    collided = ordered.select(
        ((pl.col(key) == pl.col(key).shift(1)) & (pl.col(CASE) != pl.col(CASE).shift(1))).any()
    ).item()
    if collided:
        return frame.sort([CASE, TIMESTAMP], maintain_order=True)
    return ordered.drop(key)


def seconds_between(later: pl.Expr, earlier: pl.Expr) -> pl.Expr:
    """The time from ``earlier`` to ``later`` in seconds, as a float.

    Computed as days * 86400 + seconds + 1e-6 * microseconds + 1e-9 * nanoseconds, the
    way pm4py turns a pandas timedelta into seconds, so that whole-second durations come
    out exact and fractional ones equal pm4py's to the last bit.

    >>> frame = pl.DataFrame({"a": [datetime(2024, 1, 1)], "b": [datetime(2024, 1, 2, 0, 1, 5)]})
    >>> frame.select(seconds_between(pl.col("b"), pl.col("a"))).item()
    86465.0
    """
    nanoseconds = (later - earlier).dt.total_nanoseconds()
    days = nanoseconds.floordiv(_NANOSECONDS_PER_DAY)
    within_day = nanoseconds - days * _NANOSECONDS_PER_DAY
    whole_seconds = within_day.floordiv(_NANOSECONDS_PER_SECOND)
    fraction = within_day - whole_seconds * _NANOSECONDS_PER_SECOND
    microseconds = fraction.floordiv(1000)
    return (
        (days * 86_400 + whole_seconds).cast(pl.Float64)
        + pl.lit(1e-6) * microseconds.cast(pl.Float64)
        + pl.lit(1e-9) * (fraction - microseconds * 1000).cast(pl.Float64)
    )


def _as_utc(frame: pl.DataFrame, source: str) -> pl.Series:
    """The timestamp column as ``Datetime("ns", "UTC")``, parsing strings if need be."""
    column = frame.get_column(TIMESTAMP)
    dtype = column.dtype
    if isinstance(dtype, pl.Datetime):
        column = column.dt.cast_time_unit("ns")
        if dtype.time_zone is None:
            return column.dt.replace_time_zone("UTC")
        return column.dt.convert_time_zone("UTC")
    if dtype == pl.Date:
        return column.cast(pl.Datetime("ns")).dt.replace_time_zone("UTC")
    if dtype == pl.String:
        return parse_timestamps(column, column_name=source)
    raise EventLogError(f"column {source!r} holds {dtype}, not timestamps")


def parse_timestamps(values: pl.Series, *, column_name: str) -> pl.Series:
    """Parse ISO 8601 strings (with or without an offset; none means UTC) to UTC times.

    Raises EventLogError naming the first row (counting from 1) that is not a time.

    >>> parse_timestamps(pl.Series(["2024-01-01T10:00:00+02:00", "2024-01-01 09:30"]), column_name="t").to_list()
    [datetime.datetime(2024, 1, 1, 8, 0, tzinfo=zoneinfo.ZoneInfo(key='UTC')), datetime.datetime(2024, 1, 1, 9, 30, tzinfo=zoneinfo.ZoneInfo(key='UTC'))]
    """
    text = values.str.strip_chars().str.replace(r"Z$", "+00:00").str.replace(" ", "T", literal=True)
    has_offset = text.str.contains(r"[+-]\d\d:?\d\d$")
    with_offset = text.str.to_datetime(
        "%Y-%m-%dT%H:%M:%S%.f%z", time_unit="ns", strict=False
    ).fill_null(text.str.to_datetime("%Y-%m-%dT%H:%M%z", time_unit="ns", strict=False))
    without_offset = _naive(text)
    parsed = (
        pl.select(
            pl.when(has_offset)
            .then(with_offset.dt.convert_time_zone("UTC"))
            .otherwise(without_offset.dt.replace_time_zone("UTC"))
        )
        .to_series()
        .alias(values.name)
    )
    bad = parsed.is_null() & values.is_not_null()
    if bad.any():
        row = int(bad.arg_max() or 0)
        raise EventLogError(
            f"row {row + 1}: column {column_name!r} has {values[row]!r}, not an ISO 8601 time"
        )
    return parsed


def _naive(text: pl.Series) -> pl.Series:
    """Naive ISO times with seconds, fractions or only minutes, or bare dates."""
    result = text.str.to_datetime("%Y-%m-%dT%H:%M:%S%.f", time_unit="ns", strict=False)
    for pattern in ("%Y-%m-%dT%H:%M", "%Y-%m-%d"):
        result = result.fill_null(text.str.to_datetime(pattern, time_unit="ns", strict=False))
    return result
