"""Event log files: CSV with a column mapping, XES (``.xes`` and ``.xes.gz``) in and out.

Readers return an :class:`EventLog`; any problem raises :class:`EventFileError` with a
message that names the file and the row, trace or column at fault. OCEL 2.0 files are
read by :mod:`keel.analytics.process_mining.ocel` and flattened by
:mod:`keel.analytics.process_mining.object_centric`.

XES is read with the standard library's streaming ``iterparse`` (see ADR 0012 for why not
rustxes): memory stays flat in the size of one trace plus the columns being built. Trace
attributes become ``case:<key>`` columns, as in pm4py; the trace's ``concept:name`` is
the case id, the event's ``concept:name`` the activity and ``time:timestamp`` the time.

>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "log.xes.gz"
>>> write_xes(EventLog.from_rows([("c1", "pick", "2024-01-01T08:00:00Z")]), path)
>>> read_xes(path).frame.select("case_id", "activity").rows()
[('c1', 'pick')]
"""

from __future__ import annotations

import contextlib
import gzip
import io
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any
from xml.sax.saxutils import quoteattr

import polars as pl

from keel.analytics.process_mining.log import (
    ACTIVITY,
    CASE,
    TIMESTAMP,
    EventLog,
    EventLogError,
    parse_timestamps,
)

__all__ = ["EventFileError", "read_csv", "read_xes", "write_xes"]

XES_CASE = "case:concept:name"
XES_ACTIVITY = "concept:name"
XES_TIMESTAMP = "time:timestamp"
_ATTRIBUTE_TAGS = frozenset({"string", "date", "int", "float", "boolean", "id"})


class EventFileError(ValueError):
    """A file that cannot be read as an event log; the message names file and place."""


# --------------------------------------------------------------------------------------------
# CSV
# --------------------------------------------------------------------------------------------


def read_csv(
    path: Path | str,
    *,
    case: str = "case_id",
    activity: str = "activity",
    timestamp: str = "timestamp",
    separator: str = ",",
) -> EventLog:
    """Read a CSV event log whose case, activity and timestamp columns are named by the caller.

    Every column is read as text; timestamps are ISO 8601 (no offset means UTC). Other
    columns stay as text attributes. Row numbers in errors count data rows from 1.

    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "log.csv"
    >>> _ = path.write_text("order,step,at,team\\no1,pick,2024-01-01 08:00,A\\n")
    >>> read_csv(path, case="order", activity="step", timestamp="at").frame.row(0)[:2]
    ('o1', 'pick')
    """
    try:
        frame = pl.read_csv(path, separator=separator, infer_schema=False)
    except FileNotFoundError:
        raise EventFileError(f"{path}: no such file") from None
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError, UnicodeDecodeError) as error:
        raise EventFileError(f"{path}: not a readable CSV file: {_first_line(error)}") from None
    try:
        return EventLog.from_frame(frame, case=case, activity=activity, timestamp=timestamp)
    except EventLogError as error:
        raise EventFileError(f"{path}: {error}") from None


# --------------------------------------------------------------------------------------------
# XES
# --------------------------------------------------------------------------------------------


def read_xes(path: Path | str) -> EventLog:
    """Read an XES event log (``.xes``, or gzip-compressed ``.xes.gz``) into an EventLog.

    Example: ``read_xes("repair.xes.gz").frame`` (see the module doc for a runnable one).
    """
    path = Path(path)
    if not path.exists():
        raise EventFileError(f"{path}: no such file")
    builder = _ColumnBuilder()
    try:
        with _open(path) as stream:
            _parse_xes(stream, builder)
    except ET.ParseError as error:
        line, column = error.position
        raise EventFileError(f"{path}: line {line}, column {column}: not well-formed XML") from None
    except (OSError, EOFError) as error:
        raise EventFileError(f"{path}: cannot be read: {error}") from None
    except _XesProblem as problem:
        raise EventFileError(f"{path}: {problem}") from None
    frame = builder.frame()
    for column_name, description in ((XES_CASE, "case id (trace concept:name)"),
                                     (XES_ACTIVITY, "activity (event concept:name)"),
                                     (XES_TIMESTAMP, "time:timestamp")):
        if column_name not in frame.columns:
            if frame.height == 0:
                raise EventFileError(f"{path}: no events")
            raise EventFileError(f"{path}: no event has a {description}")
        missing = frame.get_column(column_name).is_null()
        if missing.any():
            row = int(missing.arg_max() or 0)
            raise EventFileError(f"{path}: {_where(builder, row)} has no {description}")
    try:
        times = parse_timestamps(frame.get_column(XES_TIMESTAMP), column_name=XES_TIMESTAMP)
    except EventLogError as error:
        row = int(str(error).split(":")[0].removeprefix("row ")) - 1
        raise EventFileError(
            f"{path}: {_where(builder, row)}: time:timestamp "
            f"{frame.get_column(XES_TIMESTAMP)[row]!r} is not an ISO 8601 time"
        ) from None
    frame = frame.with_columns(times)
    for name in builder.date_columns - {XES_TIMESTAMP}:
        # an odd optional date stays text rather than failing the whole log
        with contextlib.suppress(EventLogError):
            frame = frame.with_columns(parse_timestamps(frame.get_column(name), column_name=name))
    return EventLog.from_frame(frame, case=XES_CASE, activity=XES_ACTIVITY, timestamp=XES_TIMESTAMP)


def _open(path: Path) -> IO[bytes]:
    with path.open("rb") as probe:
        is_gzip = probe.read(2) == b"\x1f\x8b"
    if is_gzip:
        return gzip.GzipFile(path, "rb")  # type: ignore[return-value]
    return path.open("rb")


class _XesProblem(Exception):
    pass


class _ColumnBuilder:
    """Columns built one event at a time; sparse attributes are padded with None."""

    def __init__(self) -> None:
        self.columns: dict[str, list[Any]] = {}
        self.kinds: dict[str, set[str]] = {}
        self.rows = 0
        self.trace_of_row: list[int] = []
        self.date_columns: set[str] = set()

    def add(self, values: dict[str, tuple[str, Any]], trace: int) -> None:
        row = self.rows
        for key, (kind, value) in values.items():
            column = self.columns.get(key)
            if column is None:
                column = self.columns[key] = []
                self.kinds[key] = set()
            if len(column) < row:
                column.extend([None] * (row - len(column)))
            column.append(value)
            self.kinds[key].add(kind)
        self.trace_of_row.append(trace)
        self.rows += 1

    def frame(self) -> pl.DataFrame:
        series = []
        for key, column in self.columns.items():
            column.extend([None] * (self.rows - len(column)))
            kinds = self.kinds[key]
            if kinds == {"date"}:
                self.date_columns.add(key)
            dtype: Any = pl.String
            if len(kinds) == 1:
                dtype = {"int": pl.Int64, "float": pl.Float64, "boolean": pl.Boolean}.get(
                    next(iter(kinds)), pl.String
                )
            if dtype == pl.String:
                column = [None if value is None else str(value) for value in column]
            series.append(pl.Series(key, column, dtype=dtype, strict=False))
        return pl.DataFrame(series, height=self.rows)


def _where(builder: _ColumnBuilder, row: int) -> str:
    trace = builder.trace_of_row[row]
    first = builder.trace_of_row.index(trace)
    return f"trace {trace + 1}, event {row - first + 1}"


_LOCAL_NAMES: dict[str, str] = {}


def _local(tag: str) -> str:
    """The tag without its namespace (memoised: a log has a handful of distinct tags)."""
    name = _LOCAL_NAMES.get(tag)
    if name is None:
        name = _LOCAL_NAMES[tag] = tag.rpartition("}")[2]
    return name


def _value(kind: str, text: str | None, where: str) -> Any:
    if text is None:
        raise _XesProblem(f"{where}: a {kind} attribute without a value")
    if kind == "int":
        try:
            return int(text)
        except ValueError:
            raise _XesProblem(f"{where}: {text!r} is not an int") from None
    if kind == "float":
        try:
            return float(text)
        except ValueError:
            raise _XesProblem(f"{where}: {text!r} is not a float") from None
    if kind == "boolean":
        return text.strip().lower() == "true"
    return text


def _parse_xes(stream: IO[bytes], builder: _ColumnBuilder) -> None:
    """Stream the XES elements: trace attributes get ``case:``, event attributes as is."""
    depth_kinds: list[str] = []
    trace_number = -1
    trace_attributes: dict[str, tuple[str, Any]] = {}
    trace_events: list[dict[str, tuple[str, Any]]] = []
    event: dict[str, tuple[str, Any]] | None = None
    for action, element in ET.iterparse(stream, events=("start", "end")):  # noqa: S314
        tag = _local(element.tag)
        if action == "start":
            depth_kinds.append(tag)
            if tag == "trace":
                trace_number += 1
                trace_attributes = {}
                trace_events = []
            elif tag == "event":
                event = {}
            continue
        depth_kinds.pop()
        parent = depth_kinds[-1] if depth_kinds else ""
        if tag in _ATTRIBUTE_TAGS:
            key = element.get("key")
            if key is None:
                continue
            if parent == "event" and event is not None:
                where = f"trace {trace_number + 1}, event {len(trace_events) + 1}, attribute {key!r}"
                event[key] = (tag, _value(tag, element.get("value"), where))
            elif parent == "trace":
                where = f"trace {trace_number + 1}, attribute {key!r}"
                trace_attributes["case:" + key] = (tag, _value(tag, element.get("value"), where))
        elif tag == "event":
            if parent == "trace" and event is not None:
                trace_events.append(event)
            event = None
            element.clear()
        elif tag == "trace":
            if XES_CASE not in trace_attributes and trace_events:
                raise _XesProblem(f"trace {trace_number + 1} has no concept:name (case id)")
            for values in trace_events:
                values.update(trace_attributes)
                builder.add(values, trace_number)
            element.clear()


def write_xes(log: EventLog, path: Path | str) -> None:
    """Write a log as XES 1.0 (gzip-compressed when the name ends in ``.gz``).

    Attribute columns named ``case:<key>`` become trace attributes (their first value in
    the case); the others become event attributes typed by their column type.

    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "log.xes"
    >>> write_xes(EventLog.from_rows([("c1", "pick", "2024-01-01T08:00:00Z")]), path)
    >>> 'value="pick"' in path.read_text()
    True
    """
    path = Path(path)
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "wb") as raw, io.TextIOWrapper(raw, encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="UTF-8" ?>\n')
        out.write('<log xes.version="1.0" xmlns="http://www.xes-standard.org/">\n')
        for prefix, name in (("concept", "Concept"), ("time", "Time"), ("lifecycle", "Lifecycle"),
                             ("org", "Organizational")):
            out.write(f'\t<extension name="{name}" prefix="{prefix}" '
                      f'uri="http://www.xes-standard.org/{prefix}.xesext"/>\n')
        for chunk in _xes_traces(log):
            out.write(chunk)
        out.write("</log>\n")


def _xes_traces(log: EventLog) -> Iterator[str]:
    frame = log.frame
    case_columns = [name for name in frame.columns if name.startswith("case:") and name != XES_CASE]
    event_columns = [name for name in frame.columns
                     if name not in (CASE, ACTIVITY, TIMESTAMP) and name not in case_columns]
    types = {name: _xes_type(frame.schema[name]) for name in frame.columns}
    current: str | None = None
    for row in frame.iter_rows(named=True):
        if row[CASE] != current:
            if current is not None:
                yield "\t</trace>\n"
            current = row[CASE]
            yield "\t<trace>\n"
            yield _attribute("string", "concept:name", current, 2)
            for name in case_columns:
                if row[name] is not None:
                    yield _attribute(types[name], name.removeprefix("case:"), row[name], 2)
        yield "\t\t<event>\n"
        yield _attribute("string", "concept:name", row[ACTIVITY], 3)
        yield _attribute("date", "time:timestamp", row[TIMESTAMP], 3)
        for name in event_columns:
            if row[name] is not None:
                yield _attribute(types[name], name, row[name], 3)
        yield "\t\t</event>\n"
    if current is not None:
        yield "\t</trace>\n"


def _xes_type(dtype: Any) -> str:
    if dtype == pl.Boolean:
        return "boolean"
    if dtype.is_integer():
        return "int"
    if dtype.is_float():
        return "float"
    if isinstance(dtype, pl.Datetime):
        return "date"
    return "string"


def _attribute(kind: str, key: str, value: Any, depth: int) -> str:
    if kind == "date" and isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        text = value.astimezone(UTC).isoformat(timespec="milliseconds")
    elif kind == "boolean":
        text = "true" if value else "false"
    else:
        text = str(value)
    indent = "\t" * depth
    return f"{indent}<{kind} key={quoteattr(key)} value={quoteattr(text)}/>\n"


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
