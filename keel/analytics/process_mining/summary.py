"""One entry point for a file of any supported format, and the summary ``keel mine`` prints.

>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "log.csv"
>>> _ = path.write_text("case_id,activity,timestamp\\nc1,pick,2024-01-01T08:00:00Z\\nc1,ship,2024-01-01T09:00:00Z\\n")
>>> summary = mining_summary(read_event_file(path))
>>> summary["dfg"], summary["case_durations"]
([{'source': 'pick', 'target': 'ship', 'frequency': 1}], {'c1': 3600.0})
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from keel.analytics.process_mining.discovery import (
    case_durations,
    end_activities,
    frequency_dfg,
    performance_dfg,
    start_activities,
    variants,
)
from keel.analytics.process_mining.formats import EventFileError, read_csv, read_xes
from keel.analytics.process_mining.log import EventLog
from keel.analytics.process_mining.object_centric import flatten
from keel.analytics.process_mining.ocel import OcelFormatError, read_json, read_sqlite

__all__ = ["file_kind", "mining_summary", "read_event_file"]

_KINDS = {
    ".xes": "xes", ".xes.gz": "xes", ".csv": "csv",
    ".json": "ocel-json", ".jsonocel": "ocel-json",
    ".sqlite": "ocel-sqlite", ".sqlite3": "ocel-sqlite", ".db": "ocel-sqlite",
}


def file_kind(path: Path | str) -> str:
    """The format a file name stands for: ``xes``, ``csv``, ``ocel-json`` or ``ocel-sqlite``.

    >>> file_kind("permits.xes.gz"), file_kind("orders.jsonocel")
    ('xes', 'ocel-json')
    """
    name = Path(path).name.lower()
    for suffix in sorted(_KINDS, key=len, reverse=True):
        if name.endswith(suffix):
            return _KINDS[suffix]
    known = ", ".join(sorted(_KINDS))
    raise EventFileError(f"{path}: unknown file type; use one of {known}")


def read_event_file(
    path: Path | str,
    *,
    case_notion: str | None = None,
    case: str = "case_id",
    activity: str = "activity",
    timestamp: str = "timestamp",
) -> EventLog:
    """Read XES, CSV (with the given columns) or OCEL 2.0 (flattened on ``case_notion``).

    Every problem raises EventFileError with a message fit to show a user.
    """
    kind = file_kind(path)
    if kind == "xes":
        return read_xes(path)
    if kind == "csv":
        return read_csv(path, case=case, activity=activity, timestamp=timestamp)
    if not Path(path).exists():
        raise EventFileError(f"{path}: no such file")
    try:
        ocel_log = read_json(path) if kind == "ocel-json" else read_sqlite(path)
    except OcelFormatError as error:
        raise EventFileError(f"{path}: {error}") from None
    types = sorted(ocel_log.object_types)
    if case_notion is None:
        raise EventFileError(
            f"{path}: an OCEL log needs a case notion (--case-notion); "
            f"its object types are {', '.join(types) or '(none)'}"
        )
    try:
        return flatten(ocel_log, case_notion)
    except KeyError as error:
        raise EventFileError(f"{path}: {error.args[0]}") from None


def mining_summary(log: EventLog) -> dict[str, Any]:
    """DFG, performance DFG, start and end activities, variants and case durations as JSON data.

    Seconds are floats; a standard deviation of a single occurrence is None.
    """
    return {
        "dfg": frequency_dfg(log).to_dicts(),
        "performance": performance_dfg(log)
        .select("source", "target", "mean", "median", "min", "max", "sum", "stdev")
        .to_dicts(),
        "start_activities": dict(start_activities(log).iter_rows()),
        "end_activities": dict(end_activities(log).iter_rows()),
        "variants": variants(log).select("activities", "count").to_dicts(),
        "case_durations": dict(case_durations(log).select("case_id", "duration").iter_rows()),
    }
