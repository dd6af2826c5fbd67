"""The analyses behind the process screens and API, on a source's log, filtered and cached.

Every public function takes the acting person, a process (a :mod:`~keel.processes.sources`
slug) and :class:`Filters`, and returns plain data (dataclasses, dicts and lists) that a
template or an API schema renders directly. The numbers come from the pure engine,
:mod:`keel.analytics.process_mining`; this module only loads, filters and caches.

Caching: the loaded frame is cached per (process, actor scope, source version) and each
analysis per (process, actor scope, source version, filters, options) in Django's default
cache. Keel's own log is versioned by :func:`keel.events.selectors.high_water_mark`, so a
new event makes the next request recompute, and nothing stale is ever served. The
default cache is a per-process LocMemCache (see config/settings/base.py): each web
process keeps its own copy (least recently used entries are evicted), which is correct
because keys carry the version; a shared cache (Redis, database) only changes the hit
rate.

:func:`compare` is the before/after comparison of two logs; improvement initiatives use
it with their baseline and current periods.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal, TypeVar

import polars as pl
from django.core.cache import cache

from keel.analytics.process_mining import (
    EventLog,
    bottleneck_changes,
    bottlenecks,
    case_durations,
    end_activities,
    filter_attribute_values,
    filter_case_duration_percentiles,
    filter_time_window,
    filter_variants,
    performance_dfg,
    rework,
    start_activities,
    throughput,
    variants,
)
from keel.analytics.process_mining.discovery import arcs
from keel.analytics.process_mining.log import seconds_between
from keel.core.errors import FieldProblem, NotFound, ValidationFailed
from keel.events.selectors import event_links
from keel.processes import sources
from keel.processes.sources import ProcessSource

__all__ = [
    "WEEKDAYS",
    "Comparison",
    "Filters",
    "ProcessLog",
    "arc_cases",
    "bottleneck_table",
    "case_duration_table",
    "case_timeline",
    "compare",
    "comparison",
    "dfg_table",
    "load",
    "parse_filters",
    "process_map_data",
    "rework_table",
    "throughput_table",
    "variant_id",
    "variant_table",
]

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
CACHE_SECONDS = 15 * 60
CACHE_PREFIX = "processes:v1"
EN_DASH = "\u2013"
RATIO_FLOOR_SECONDS = 60.0
RATIO_MIN_OCCURRENCES = 10
T = TypeVar("T")


# --- Filters --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Filters:
    """What narrows an analysis. Empty values mean "no filter".

    ``since``/``until`` keep the cases that *start* in those days (UTC, both inclusive).
    ``slowest`` keeps the slowest 10% of the remaining cases by duration. ``activity``
    keeps cases with at least one event of it. ``variant`` is a :func:`variant_id`.
    ``weekday`` (0 = Monday) narrows the hand-off analyses (map arcs, bottlenecks) to
    hand-offs that *start* on that day, in the site's local time.
    """

    site: str = ""
    channel: str = ""
    supplier: str = ""
    since: date | None = None
    until: date | None = None
    variant: str = ""
    activity: str = ""
    slowest: bool = False
    weekday: int | None = None

    def key(self) -> str:
        values = asdict(self)
        return json.dumps({k: (v.isoformat() if isinstance(v, date) else v) for k, v in values.items()},
                          sort_keys=True)

    def query(self) -> dict[str, str]:
        """The filters as query parameters (what :func:`parse_filters` reads back)."""
        params: dict[str, str] = {}
        for name in ("site", "channel", "supplier", "variant", "activity"):
            if getattr(self, name):
                params[name] = getattr(self, name)
        if self.since:
            params["since"] = self.since.isoformat()
        if self.until:
            params["until"] = self.until.isoformat()
        if self.slowest:
            params["slowest"] = "1"
        if self.weekday is not None:
            params["weekday"] = WEEKDAYS[self.weekday]
        return params

    @property
    def is_empty(self) -> bool:
        return self == Filters()


def parse_filters(params: Mapping[str, Any]) -> Filters:
    """Read filters from query parameters; a bad value is a 422 naming its field."""
    problems: list[FieldProblem] = []

    def text(name: str) -> str:
        value = params.get(name) or ""
        return str(value).strip()[:200]

    def day(name: str) -> date | None:
        raw = text(name)
        if not raw:
            return None
        try:
            return date.fromisoformat(raw)
        except ValueError:
            problems.append(FieldProblem(field=name, message=f"{raw!r} is not a date (use YYYY-MM-DD)"))
            return None

    weekday: int | None = None
    raw_weekday = text("weekday").lower()
    if raw_weekday:
        if raw_weekday in WEEKDAYS:
            weekday = WEEKDAYS.index(raw_weekday)
        else:
            problems.append(FieldProblem(field="weekday", message=f"{raw_weekday!r} is not a weekday (monday ... sunday)"))
    since, until = day("since"), day("until")
    if since and until and since > until:
        problems.append(FieldProblem(field="until", message="the end of the date range is before its start"))
    slowest = text("slowest").lower() in {"1", "true", "on", "yes"}
    if problems:
        raise ValidationFailed("The filters could not be read.", problems=problems)
    return Filters(site=text("site"), channel=text("channel"), supplier=text("supplier"), since=since, until=until,
                   variant=text("variant"), activity=text("activity"), slowest=slowest, weekday=weekday)


def variant_id(activities: list[str] | tuple[str, ...]) -> str:
    """A short stable id for an activity sequence (for links and the variant filter)."""
    return hashlib.sha1("\x1f".join(activities).encode(), usedforsecurity=False).hexdigest()[:12]


# --- Loading and caching ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProcessLog:
    """A source's log as one actor sees it, narrowed by filters."""

    source: ProcessSource
    log: EventLog
    filters: Filters
    cache_key: str

    @property
    def frame(self) -> pl.DataFrame:
        return self.log.frame


def _cached(key: str, compute: Callable[[], T]) -> T:
    hit = cache.get(key)
    if hit is not None:
        return hit
    value = compute()
    cache.set(key, value, CACHE_SECONDS)
    return value


def _base_log(source: ProcessSource, actor: Any, base_key: str) -> EventLog:
    def build() -> EventLog:
        frame = source.load(actor)
        return EventLog.from_frame(frame)

    return _cached(f"{base_key}:log", build)


def load(*, actor: Any, process: str, filters: Filters | None = None) -> ProcessLog:
    """The process log for ``actor``, filtered; :class:`NotFound` for an unknown process."""
    filters = filters or Filters()
    try:
        source = sources.get(process, actor=actor)
    except sources.UnknownProcess:
        raise NotFound(f"There is no process {process!r} that you may analyse.") from None
    base_key = f"{CACHE_PREFIX}:{source.slug}:{source.scope_key(actor)}:{source.version()}"
    base = _base_log(source, actor, base_key)
    key = f"{base_key}:{hashlib.sha1(filters.key().encode(), usedforsecurity=False).hexdigest()}"
    if filters.is_empty:
        return ProcessLog(source, base, filters, key)
    log = _cached(f"{key}:log", lambda: _apply(base, filters))
    return ProcessLog(source, log, filters, key)


def _apply(log: EventLog, filters: Filters) -> EventLog:
    """The case-level filters, in a fixed order: attributes, dates, activity, variant, slowest."""
    for column in ("site", "channel", "supplier"):
        value = getattr(filters, column)
        if value and column in log.frame.columns:
            log = filter_attribute_values(log, column, [value])
        elif value:
            log = EventLog(log.frame.clear())
    if (filters.since or filters.until) and log.event_count:
        start = datetime.combine(filters.since or date(1970, 1, 1), datetime.min.time(), tzinfo=UTC)
        end = datetime.combine((filters.until or date(9999, 12, 30)) + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
        log = filter_time_window(log, start=start, end=end, mode="started")
    if filters.activity:
        log = filter_attribute_values(log, "activity", [filters.activity])
    if filters.variant and log.event_count:
        chosen = [tuple(row) for row in variants(log).get_column("activities").to_list()
                  if variant_id(row) == filters.variant]
        log = filter_variants(log, chosen) if chosen else EventLog(log.frame.clear())
    if filters.slowest and log.event_count:
        log = filter_case_duration_percentiles(log, lower=0.9, upper=1.0)
    return log


def analysis(process_log: ProcessLog, name: str, compute: Callable[[], T]) -> T:
    """Compute (or reuse) one named analysis of a loaded log."""
    digest = hashlib.sha1(name.encode(), usedforsecurity=False).hexdigest()
    return _cached(f"{process_log.cache_key}:{digest}", compute)


def hand_off_log(process_log: ProcessLog) -> EventLog:
    """The log the hand-off analyses read: the log itself, or with a weekday filter, one
    two-event case per hand-off that starts on that weekday (local time of the case's site).

    The engine then computes arc statistics on exactly those hand-offs, with the same code
    and semantics as on whole cases.
    """
    log = process_log.log
    weekday = process_log.filters.weekday
    if weekday is None or not log.event_count:
        return log
    frame = log.frame
    if "time_zone" in frame.columns:
        local_parts = []
        for (zone,), part in frame.with_row_index("_row").group_by("time_zone"):
            local_parts.append(part.with_columns(
                pl.col("timestamp").dt.convert_time_zone(zone or "UTC").dt.weekday().alias("_weekday")
            ).select("_row", "_weekday"))
        local = pl.concat(local_parts).sort("_row").get_column("_weekday")
    else:
        local = frame.get_column("timestamp").dt.weekday()
    frame = frame.with_columns(local.alias("_weekday"))
    pairs = frame.select(
        pl.col("case_id"), pl.col("activity"), pl.col("timestamp"), pl.col("_weekday"),
        pl.col("activity").shift(-1).alias("_next_activity"), pl.col("timestamp").shift(-1).alias("_next_at"),
        (pl.col("case_id") == pl.col("case_id").shift(-1)).alias("_same"),
    ).with_row_index("_pair").filter(pl.col("_same") & (pl.col("_weekday") == weekday + 1))
    case = pl.concat_str(pl.col("case_id"), pl.lit("#"), pl.col("_pair").cast(pl.String))
    first = pairs.select(case.alias("case_id"), pl.col("activity"), pl.col("timestamp"), pl.lit(0).alias("_step"))
    second = pairs.select(case.alias("case_id"), pl.col("_next_activity").alias("activity"),
                          pl.col("_next_at").alias("timestamp"), pl.lit(1).alias("_step"))
    joined = pl.concat([first, second]).sort(["case_id", "_step"], maintain_order=True).drop("_step")
    return EventLog.from_frame(joined)


# --- Analyses -------------------------------------------------------------------------------


def _rows(frame: pl.DataFrame) -> list[dict[str, Any]]:
    return frame.to_dicts()


def dfg_table(process_log: ProcessLog) -> list[dict[str, Any]]:
    """Per hand-off: frequency and the time statistics (seconds), most frequent first."""
    return analysis(process_log, "performance", lambda: _rows(performance_dfg(hand_off_log(process_log))))


def start_end(process_log: ProcessLog) -> dict[str, dict[str, int]]:
    def compute() -> dict[str, dict[str, int]]:
        log = process_log.log
        return {"start": dict(start_activities(log).rows()), "end": dict(end_activities(log).rows())}

    return analysis(process_log, "start-end", compute)


def activity_counts(process_log: ProcessLog) -> dict[str, int]:
    def compute() -> dict[str, int]:
        frame = process_log.frame
        counts = frame.group_by("activity").agg(pl.len().alias("n"), pl.col("case_id").n_unique().alias("cases"))
        return {activity: int(n) for activity, n, _ in counts.rows()}

    return analysis(process_log, "activities", compute)


def variant_table(process_log: ProcessLog) -> list[dict[str, Any]]:
    """Variants with id, activities, count, share of cases and duration statistics."""
    def compute() -> list[dict[str, Any]]:
        log = process_log.log
        total = log.case_count or 1
        rows = _rows(variants(log)) if log.event_count else []
        for row in rows:
            row["id"] = variant_id(row["activities"])
            row["share"] = row["count"] / total
        return rows

    return analysis(process_log, "variants", compute)


def case_duration_table(process_log: ProcessLog) -> list[dict[str, Any]]:
    """Each case: id, start, end, events, duration (seconds); slowest first."""
    def compute() -> list[dict[str, Any]]:
        if not process_log.log.event_count:
            return []
        return _rows(case_durations(process_log.log).sort(["duration", "case_id"], descending=[True, False]))

    return analysis(process_log, "case-durations", compute)


def bottleneck_table(
    process_log: ProcessLog, baseline: ProcessLog | None = None, *, rank_by: Literal["extra", "ratio"] = "extra",
) -> list[dict[str, Any]]:
    """Hand-offs by total waiting time; with a baseline, by how much worse they got.

    Without a baseline: ``source, target, frequency, total, mean, share``. With one:
    ``source, target, frequency, baseline_mean, current_mean, change, extra, ratio`` (see
    :func:`keel.analytics.process_mining.bottleneck_changes`), ranked by ``extra`` (the
    seconds of waiting the change added) or by ``ratio`` (how many times slower the mean
    wait is than in the baseline). ``ratio`` adds one minute to both means, so that
    hand-offs that are instantaneous in the baseline do not divide by zero, and ranks only
    hand-offs seen at least ten times in both periods, so that a rare arc's noise does not
    top the list. Long external waits (a carrier's transit, say) dominate totals and
    absolute changes; the ratio shows where a step's own waiting changed most.
    """
    current = hand_off_log(process_log)
    if baseline is None:
        return analysis(process_log, "bottlenecks",
                        lambda: _rows(bottlenecks(current)) if current.event_count else [])

    def compute() -> list[dict[str, Any]]:
        if not current.event_count:
            return []
        changes = bottleneck_changes(hand_off_log(baseline), current).with_columns(
            ((pl.col("current_mean") + RATIO_FLOOR_SECONDS) / (pl.col("baseline_mean") + RATIO_FLOOR_SECONDS))
            .alias("ratio")
        )
        if rank_by == "ratio":
            counts = bottlenecks(hand_off_log(baseline)).select("source", "target", pl.col("frequency").alias("_seen"))
            changes = (
                changes.join(counts, on=["source", "target"], how="inner")
                .filter((pl.col("frequency") >= RATIO_MIN_OCCURRENCES) & (pl.col("_seen") >= RATIO_MIN_OCCURRENCES))
                .drop("_seen")
                .sort(["ratio", "source", "target"], descending=[True, False, False])
            )
        return _rows(changes)

    return analysis(process_log, f"bottleneck-changes:{rank_by}:{baseline.cache_key}", compute)


def rework_table(process_log: ProcessLog) -> list[dict[str, Any]]:
    """Activities repeated within a case: cases, rework cases, repetitions, share of cases."""
    return analysis(process_log, "rework",
                    lambda: _rows(rework(process_log.log).filter(pl.col("rework_cases") > 0))
                    if process_log.log.event_count else [])


def throughput_table(process_log: ProcessLog, *, every: Literal["1d", "1w", "1mo"] = "1d") -> list[dict[str, Any]]:
    """Cases completed per period: ``period`` (start, UTC) and ``completed``."""
    return analysis(process_log, f"throughput:{every}",
                    lambda: _rows(throughput(process_log.log, every=every)) if process_log.log.event_count else [])


def arc_cases(process_log: ProcessLog, *, source: str, target: str) -> list[dict[str, Any]]:
    """The cases behind one hand-off: case id, times it happened and the longest wait; slowest first."""
    def compute() -> list[dict[str, Any]]:
        log = hand_off_log(process_log)
        if not log.event_count:
            return []
        chosen = arcs(log).filter((pl.col("source") == source) & (pl.col("target") == target))
        if process_log.filters.weekday is not None:  # hand-off cases are "<case>#<n>"; see hand_off_log
            chosen = chosen.with_columns(pl.col("case_id").str.replace(r"#\d+$", ""))
        frame = (
            chosen.group_by("case_id").agg(pl.len().alias("times"), pl.col("seconds").max().alias("seconds"))
            .sort(["seconds", "case_id"], descending=[True, False])
        )
        return _rows(frame)

    return analysis(process_log, f"arc:{source}\x1f{target}", compute)


# --- The map --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MapData:
    """Everything a process map shows, before layout."""

    activities: dict[str, int]
    arcs: list[dict[str, Any]]
    hidden_arcs: int
    hidden_activities: int
    start: dict[str, int]
    end: dict[str, int]
    case_count: int
    event_count: int


def process_map_data(process_log: ProcessLog, *, coverage: float = 1.0) -> MapData:
    """Activities and hand-offs, keeping the most frequent arcs that cover ``coverage`` of
    all hand-offs (and the activities they touch), as the coverage slider asks."""
    coverage = min(max(coverage, 0.0), 1.0)
    performance = dfg_table(process_log)
    counts = activity_counts(process_log)
    total = sum(row["frequency"] for row in performance)
    kept: list[dict[str, Any]] = []
    running = 0
    for row in performance:  # most frequent first, as the engine's frequent_arcs
        if kept and running >= coverage * total:
            break
        kept.append(row)
        running += row["frequency"]
    boundary = start_end(process_log)
    touched = {row["source"] for row in kept} | {row["target"] for row in kept}
    touched |= set(boundary["start"]) & set(counts) if not kept else set()
    activities = {name: count for name, count in counts.items() if name in touched or not performance}
    return MapData(
        activities=activities,
        arcs=kept,
        hidden_arcs=len(performance) - len(kept),
        hidden_activities=len(counts) - len(activities),
        start={name: n for name, n in boundary["start"].items() if name in activities},
        end={name: n for name, n in boundary["end"].items() if name in activities},
        case_count=process_log.log.case_count,
        event_count=process_log.log.event_count,
    )


# --- Comparison ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Comparison:
    """Two logs side by side: KPIs and hand-offs before (``a``) and after (``b``)."""

    kpis: list[dict[str, Any]]
    arcs: list[dict[str, Any]]
    label_a: str = "before"
    label_b: str = "after"
    periods: dict[str, Any] = field(default_factory=dict)


def _kpis(log: EventLog) -> dict[str, float | None]:
    if not log.event_count:
        return {"cases": 0, "events": 0, "variants": 0, "median_duration": None, "mean_duration": None,
                "rework_share": None}
    durations = case_durations(log).get_column("duration")
    rework_cases = (
        log.frame.group_by("case_id", "activity").agg(pl.len().alias("n")).filter(pl.col("n") > 1)
        .get_column("case_id").n_unique()
    )
    return {
        "cases": log.case_count,
        "events": log.event_count,
        "variants": variants(log).height,
        "median_duration": float(durations.median() or 0.0),  # type: ignore[arg-type]
        "mean_duration": float(durations.mean() or 0.0),  # type: ignore[arg-type]
        "rework_share": rework_cases / log.case_count,
    }


KPI_LABELS = {
    "cases": "Cases", "events": "Events", "variants": "Variants", "median_duration": "Median case duration",
    "mean_duration": "Mean case duration", "rework_share": "Cases with rework",
}


def compare(log_a: EventLog | pl.DataFrame, log_b: EventLog | pl.DataFrame, *, label_a: str = "before",
            label_b: str = "after") -> Comparison:
    """Compare two logs (a period before and after a change, two sites...).

    Each side is an :class:`EventLog` or a frame with ``case_id, activity, timestamp``
    columns (as a source loads it).

    KPIs: cases, events, variants, median and mean case duration (seconds) and the share
    of cases with rework, each with ``a``, ``b`` and ``change`` (b - a, None when either
    side has none). Hand-offs: every arc in either log with frequency and mean time on
    both sides and their changes, the biggest added waiting first (change in mean x the
    after-frequency).
    """
    if isinstance(log_a, pl.DataFrame):
        log_a = EventLog.from_frame(log_a)
    if isinstance(log_b, pl.DataFrame):
        log_b = EventLog.from_frame(log_b)
    first, second = _kpis(log_a), _kpis(log_b)
    kpis = []
    for name, label in KPI_LABELS.items():
        a, b = first[name], second[name]
        kpis.append({"name": name, "label": label, "a": a, "b": b,
                     "change": None if a is None or b is None else b - a})
    empty = pl.DataFrame(schema={"source": pl.String, "target": pl.String, "frequency": pl.Int64, "mean": pl.Float64})
    before = performance_dfg(log_a).select("source", "target", "frequency", "mean") if log_a.event_count else empty
    after = performance_dfg(log_b).select("source", "target", "frequency", "mean") if log_b.event_count else empty
    joined = (
        before.join(after, on=["source", "target"], how="full", coalesce=True, suffix="_b")
        .rename({"frequency": "frequency_a", "mean": "mean_a"})
        .with_columns(
            pl.col("frequency_a").fill_null(0), pl.col("frequency_b").fill_null(0),
            (pl.col("mean_b") - pl.col("mean_a")).alias("mean_change"),
        )
        .with_columns(
            (pl.col("frequency_b") - pl.col("frequency_a")).alias("frequency_change"),
            (pl.col("mean_change") * pl.col("frequency_b")).alias("extra"),
        )
        .sort([pl.col("extra").fill_null(float("-inf")), "source", "target"], descending=[True, False, False],
              nulls_last=True)
    )
    return Comparison(kpis=kpis, arcs=joined.to_dicts(), label_a=label_a, label_b=label_b)


def comparison_periods(process_log: ProcessLog) -> tuple[date, date, date, date]:
    """This period (the filter's date range, or the last 30 days of the log) and the one
    just before it, of the same length: (a_since, a_until, b_since, b_until)."""
    filters = process_log.filters
    if filters.since and filters.until:
        b_since, b_until = filters.since, filters.until
    else:
        last = process_log.frame.get_column("timestamp").max() if process_log.log.event_count else None
        b_until = filters.until or (last.date() if isinstance(last, datetime) else datetime.now(tz=UTC).date())
        b_since = filters.since or (b_until - timedelta(days=29))
    days = (b_until - b_since).days + 1
    a_until = b_since - timedelta(days=1)
    a_since = a_until - timedelta(days=days - 1)
    return a_since, a_until, b_since, b_until


def comparison(*, actor: Any, process: str, filters: Filters) -> Comparison:
    """This period against the previous one of the same length, with the other filters kept."""
    current = load(actor=actor, process=process, filters=filters)
    a_since, a_until, b_since, b_until = comparison_periods(current)
    after = load(actor=actor, process=process, filters=replace(filters, since=b_since, until=b_until))
    before = load(actor=actor, process=process, filters=replace(filters, since=a_since, until=a_until))

    def compute() -> Comparison:
        result = compare(hand_off_log(before) if filters.weekday is not None else before.log,
                         hand_off_log(after) if filters.weekday is not None else after.log,
                         label_a=f"{a_since:%d %b} {EN_DASH} {a_until:%d %b %Y}",
                         label_b=f"{b_since:%d %b} {EN_DASH} {b_until:%d %b %Y}")
        return replace(result, periods={"a_since": a_since, "a_until": a_until, "b_since": b_since, "b_until": b_until})

    return analysis(after, f"compare:{before.cache_key}", compute)


def baseline_for(*, actor: Any, process: str, filters: Filters) -> ProcessLog:
    """The baseline of the bottleneck change ranking: with a weekday filter, the other
    days of the week (same other filters); otherwise the previous period."""
    if filters.weekday is not None:
        return _other_weekdays(actor=actor, process=process, filters=filters)
    current = load(actor=actor, process=process, filters=filters)
    a_since, a_until, _, _ = comparison_periods(current)
    return load(actor=actor, process=process, filters=replace(filters, since=a_since, until=a_until))


def _other_weekdays(*, actor: Any, process: str, filters: Filters) -> ProcessLog:
    whole = load(actor=actor, process=process, filters=replace(filters, weekday=None))

    def compute() -> EventLog:
        pairs = [hand_off_log(replace(whole, filters=replace(filters, weekday=day)))
                 for day in range(7) if day != filters.weekday]
        frames = [pair.frame for pair in pairs if pair.event_count]
        if not frames:
            return EventLog(whole.frame.clear().select("case_id", "activity", "timestamp"))
        return EventLog(pl.concat([frame.with_columns(pl.col("case_id") + f"@{n}") for n, frame in enumerate(frames)]))

    log = analysis(whole, f"other-weekdays:{filters.weekday}", compute)
    return ProcessLog(whole.source, log, replace(filters, weekday=None), f"{whole.cache_key}:other-weekdays:{filters.weekday}")


# --- Case timeline ----------------------------------------------------------------------------


def case_timeline(process_log: ProcessLog, *, case_id: str) -> list[dict[str, Any]]:
    """One case's events in order: activity, time, wait since the previous event, who,
    team, site, and the objects each event touched (one query for all of them).

    Read from the actor's scoped log, so a case outside the actor's scope is not found.
    """
    frame = process_log.frame.filter(pl.col("case_id") == case_id)
    if not frame.height:
        raise NotFound(f"There is no case {case_id!r} in {process_log.source.name} that you may see.")
    frame = frame.with_columns(
        seconds_between(pl.col("timestamp"), pl.col("timestamp").shift(1)).alias("wait"),
    )
    rows = frame.to_dicts()
    event_pks = [int(row["event_pk"]) for row in rows if row.get("event_pk") is not None]
    objects = event_links(event_pks) if event_pks else {}
    for row in rows:
        pk = row.get("event_pk")
        row["objects"] = [{"id": object_id, "type": type_name, "qualifier": qualifier}
                          for object_id, type_name, qualifier in objects.get(int(pk), [])] if pk is not None else []
    return rows
