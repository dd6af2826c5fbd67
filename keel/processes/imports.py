"""Event logs from other systems: CSV (with a column mapping), XES (.xes, .xes.gz) and
OCEL 2.0 (JSON or SQLite, flattened on a chosen object type), stored as Parquet.

An import reads and checks the whole file first; the Parquet file is written to a
temporary name and renamed into place only when everything is right, so an import is all
or nothing. Problems are reported per row and field (CSV), per trace and event (XES) or
per place in the document (OCEL), up to ``MAX_PROBLEMS``.

``imported_frame(log)`` is how other parts read an imported log: a Polars frame with
``case_id``, ``activity``, ``timestamp`` (UTC) and the other attributes as columns.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
from django.conf import settings

from keel.analytics.process_mining import EventLog, EventLogError, flatten, read_xes
from keel.analytics.process_mining.formats import EventFileError
from keel.analytics.process_mining.log import ACTIVITY, CASE, TIMESTAMP, parse_timestamps
from keel.analytics.process_mining.ocel import (
    AttributeDecl,
    OcelEvent,
    OcelFormatError,
    OcelLog,
    OcelObject,
    Relationship,
    read_json,
    read_sqlite,
)
from keel.core.errors import FieldProblem, ValidationFailed
from keel.processes.choices import ImportFormat

MAX_PROBLEMS = 50
FAILED = "The log was not imported; nothing was stored."
XES_SUFFIXES = (".xes", ".xes.gz")
OCEL_JSON_SUFFIXES = (".json", ".jsonocel")
OCEL_SQLITE_SUFFIXES = (".sqlite", ".sqlite3", ".db")
CSV_SUFFIXES = (".csv",)

Progress = Callable[[str, int], None]


def log_dir() -> Path:
    """Where imported logs live (``KEEL_PROCESS_LOG_DIR``, under var/ by default)."""
    return Path(settings.KEEL_PROCESS_LOG_DIR)


def upload_path(log_id: int) -> Path:
    return log_dir() / "uploads" / str(log_id)


def parquet_path(storage_name: str) -> Path:
    return log_dir() / storage_name


def format_of(filename: str) -> str | None:
    """The import format a file name stands for, or None."""
    name = filename.lower()
    if name.endswith(XES_SUFFIXES):
        return ImportFormat.XES
    if name.endswith(CSV_SUFFIXES):
        return ImportFormat.CSV
    if name.endswith(OCEL_JSON_SUFFIXES + OCEL_SQLITE_SUFFIXES):
        return ImportFormat.OCEL
    return None


def imported_frame(log: Any) -> pl.DataFrame:
    """The events of a finished ImportedLog: ``case_id``, ``activity``, ``timestamp``
    (``Datetime("ns", "UTC")``) and its other attributes, in case order.

    Raises ``ValueError`` when the log has not finished importing.
    """
    if not log.storage_name:
        raise ValueError(f"imported log {log.pk} has no stored events (status {log.status})")
    return pl.read_parquet(parquet_path(log.storage_name))


def _problems_from_ocel(error: OcelFormatError) -> list[FieldProblem]:
    return [FieldProblem(field=where, message=what) for where, what in error.problems[:MAX_PROBLEMS]]


def _bad_timestamps(values: pl.Series, column: str) -> list[FieldProblem]:
    """Every row whose timestamp is not an ISO 8601 time (rows count from 1 after the
    header), up to MAX_PROBLEMS: the parser names the first bad row; parse again after it."""
    problems: list[FieldProblem] = []
    offset = 0
    rest = values
    while rest.len() and len(problems) < MAX_PROBLEMS:
        try:
            parse_timestamps(rest, column_name=column)
            break
        except EventLogError as error:
            match = re.match(r"row (\d+):", str(error))
            if match is None:
                problems.append(FieldProblem(field=column, message=str(error)))
                break
            index = int(match.group(1)) - 1
            problems.append(FieldProblem(field=column, row=offset + index + 1,
                                         message=f"{rest[index]!r} is not an ISO 8601 time"))
            offset += index + 1
            rest = rest.slice(index + 1)
    return problems


def read_csv_log(path: Path, mapping: dict[str, str]) -> EventLog:
    """Read a CSV file with the mapped columns; every problem named by row and column."""
    case, activity, timestamp = mapping.get("case", ""), mapping.get("activity", ""), mapping.get("timestamp", "")
    resource = mapping.get("resource", "")
    try:
        frame = pl.read_csv(path, infer_schema=False)
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError, UnicodeDecodeError) as error:
        raise ValidationFailed(FAILED, problems=[FieldProblem(field="file",
                               message=f"not a readable CSV file: {str(error).splitlines()[0]}")]) from None
    problems: list[FieldProblem] = []
    for role, column in (("case", case), ("activity", activity), ("timestamp", timestamp), ("resource", resource)):
        if role != "resource" and not column:
            problems.append(FieldProblem(field=f"{role}_column", message="choose the column"))
        elif column and column not in frame.columns:
            problems.append(FieldProblem(field=f"{role}_column",
                                         message=f"no column {column!r}; the file has {', '.join(frame.columns)}"))
    chosen = [column for column in (case, activity, timestamp, resource) if column]
    if len(set(chosen)) != len(chosen):
        problems.append(FieldProblem(field="mapping", message="each role needs a different column"))
    if problems:
        raise ValidationFailed(FAILED, problems=problems)
    for role, column in (("case", case), ("activity", activity)):
        empty = frame.get_column(column).str.strip_chars().fill_null("") == ""
        for index in empty.arg_true().head(MAX_PROBLEMS - len(problems)).to_list():
            problems.append(FieldProblem(field=column, row=index + 1, message=f"the {role} is empty"))
    problems.extend(_bad_timestamps(frame.get_column(timestamp), timestamp)[: max(0, MAX_PROBLEMS - len(problems))])
    if problems:
        problems.sort(key=lambda problem: (problem.row or 0, problem.field))
        raise ValidationFailed(FAILED, problems=problems)
    renames = {resource: "resource"} if resource and resource != "resource" else {}
    if renames and "resource" in frame.columns:
        frame = frame.drop("resource")
    try:
        return EventLog.from_frame(frame.rename(renames), case=case, activity=activity, timestamp=timestamp)
    except EventLogError as error:
        raise ValidationFailed(FAILED, problems=[FieldProblem(field="file", message=str(error))]) from None


def ocel_object_types(path: Path, filename: str) -> list[str]:
    """The object types of an OCEL 2.0 file (to choose the case notion)."""
    return sorted(_read_ocel(path, filename).object_types)


def _read_ocel(path: Path, filename: str) -> OcelLog:
    try:
        if filename.lower().endswith(OCEL_SQLITE_SUFFIXES):
            return read_sqlite(path)
        return read_json(path)
    except OcelFormatError as error:
        raise ValidationFailed(FAILED, problems=_problems_from_ocel(error)) from None


def read_log(path: Path, *, filename: str, file_format: str, mapping: dict[str, str], case_notion: str,
             progress: Progress | None = None) -> EventLog:
    """Read an uploaded file into an EventLog, or raise ValidationFailed naming each problem."""
    if progress:
        progress("reading", 10)
    if file_format == ImportFormat.CSV:
        return read_csv_log(path, mapping)
    if file_format == ImportFormat.XES:
        try:
            return read_xes(path)
        except EventFileError as error:
            message = str(error).removeprefix(f"{path}: ")
            raise ValidationFailed(FAILED, problems=[FieldProblem(field="file", message=message)]) from None
    ocel_log = _read_ocel(path, filename)
    if progress:
        progress("flattening", 40)
    types = sorted(ocel_log.object_types)
    if not case_notion:
        raise ValidationFailed(FAILED, problems=[FieldProblem(
            field="case_notion", message=f"choose the object type that is the case: {', '.join(types) or '(none)'}")])
    try:
        return flatten(ocel_log, case_notion)
    except KeyError as error:
        raise ValidationFailed(FAILED, problems=[FieldProblem(field="case_notion", message=str(error.args[0]))]) from None


def store(log: EventLog, *, log_id: int) -> str:
    """Write the events as Parquet under a temporary name, then rename it into place
    (readers never see half a file). Returns the storage name."""
    name = f"log-{log_id}.parquet"
    target = parquet_path(name)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".parquet.partial")
    frame = log.frame.with_columns(pl.col(TIMESTAMP).dt.cast_time_unit("ns"))
    frame.write_parquet(partial)
    os.replace(partial, target)
    return name


def remove_files(*, log_id: int, storage_name: str) -> None:
    upload_path(log_id).unlink(missing_ok=True)
    if storage_name:
        parquet_path(storage_name).unlink(missing_ok=True)


def keep_upload(*, log_id: int, source: Any) -> None:
    """Copy an uploaded file (a Django UploadedFile or bytes) where the task reads it."""
    path = upload_path(log_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(source, bytes):
        path.write_bytes(source)
        return
    with path.open("wb") as out:
        for chunk in source.chunks():
            out.write(chunk)


# --- Export ---------------------------------------------------------------------------


def as_ocel(log: EventLog, *, object_type: str) -> OcelLog:
    """A flat log as OCEL 2.0: one object per case (of ``object_type``), each event linked
    to its case; other attributes become string event attributes."""
    extra = [name for name in log.frame.columns if name not in (CASE, ACTIVITY, TIMESTAMP)]
    declared = [AttributeDecl(name=name, type="string") for name in extra]
    events = []
    for index, row in enumerate(log.frame.iter_rows(named=True)):
        events.append(OcelEvent(
            id=f"e{index + 1}", type=row[ACTIVITY], time=row[TIMESTAMP],
            attributes={name: str(row[name]) for name in extra if row[name] is not None},
            relationships=[Relationship(target_id=str(row[CASE]), qualifier="case")],
        ))
    cases = log.frame.get_column(CASE).unique(maintain_order=True).to_list()
    return OcelLog(
        object_types={object_type: []},
        event_types={name: list(declared) for name in log.frame.get_column(ACTIVITY).unique().sort().to_list()},
        objects=[OcelObject(id=str(case), type=object_type, attributes=[], relationships=[]) for case in cases],
        events=events,
    )


def copy_to(source: Path, target: Path) -> None:
    shutil.copyfile(source, target)
