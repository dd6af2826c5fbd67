"""Read and write OCEL 2.0 object-centric event logs in the standard JSON and SQLite formats.

OCEL 2.0 (https://www.ocel-standard.org) describes a log as typed objects whose attribute
values change over time, typed events at a point in time, and qualified relationships from
events to objects (E2O) and between objects (O2O). This module maps both standard file
formats onto one small in-memory model, :class:`OcelLog`, and back again.

It is plain Python (standard library only, no Django) so that the analytics engine,
command-line tools and tests can use it without a configured project.

Conventions this module settles:

* Every time in the model is an aware ``datetime`` in UTC. Times without an offset (the
  SQLite format stores naive text such as ``2022-01-09 16:30:00``) are taken to be UTC.
* Attribute values carry their declared OCEL type: ``string`` -> ``str``, ``integer`` ->
  ``int``, ``float`` -> ``float``, ``boolean`` -> ``bool``, ``time`` -> ``datetime``.
* A null value means "no value": it is left out of the model rather than kept as ``None``,
  because the SQLite format cannot tell a null value from an attribute that was never set.
* Readers check the whole file and raise one :class:`OcelFormatError` listing every problem;
  writers check the log the same way before they touch the target file.

Example::

    log = read_log("orders.jsonocel")
    write_log(log, "orders.sqlite")
"""

from __future__ import annotations

import json
import math
import re
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

__all__ = [
    "AttributeDecl",
    "ObjectAttributeValue",
    "OcelEvent",
    "OcelFormatError",
    "OcelLog",
    "OcelObject",
    "Relationship",
    "format_for",
    "read_json",
    "read_log",
    "read_sqlite",
    "write_json",
    "write_log",
    "write_sqlite",
]

# The five attribute types the OCEL 2.0 standard defines.
_ATTRIBUTE_TYPES = ("string", "time", "integer", "float", "boolean")

# OCEL tools write initial object attribute values at the Unix epoch ("known since always").
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

_JSON_EXTENSIONS = (".json", ".jsonocel")
_SQLITE_EXTENSIONS = (".sqlite", ".sqlite3", ".db")

# Columns with a fixed meaning in the per-type SQLite tables; attributes cannot use them.
_ID_COLUMN = "ocel_id"
_TIME_COLUMN = "ocel_time"
_CHANGED_COLUMN = "ocel_changed_field"
_RESERVED_COLUMNS = frozenset({_ID_COLUMN, _TIME_COLUMN, _CHANGED_COLUMN})

# SQLite column types the standard uses for each attribute type.
_SQLITE_COLUMN_TYPES = {
    "string": "TEXT",
    "time": "TIMESTAMP",
    "integer": "INTEGER",
    "float": "REAL",
    "boolean": "BOOLEAN",
}

# The tables every OCEL 2.0 SQLite file has, with the columns this module relies on.
_CORE_TABLES: dict[str, tuple[str, ...]] = {
    "event": ("ocel_id", "ocel_type"),
    "object": ("ocel_id", "ocel_type"),
    "event_object": ("ocel_event_id", "ocel_object_id", "ocel_qualifier"),
    "object_object": ("ocel_source_id", "ocel_target_id", "ocel_qualifier"),
    "event_map_type": ("ocel_type", "ocel_type_map"),
    "object_map_type": ("ocel_type", "ocel_type_map"),
}

# The fixed part of the SQLite schema, with the same keys as the files OCEL tools write.
_CORE_SCHEMA = (
    """CREATE TABLE "event_map_type" (
\t"ocel_type"\tTEXT,
\t"ocel_type_map"\tTEXT,
\tPRIMARY KEY("ocel_type")
)""",
    """CREATE TABLE "object_map_type" (
\t"ocel_type"\tTEXT,
\t"ocel_type_map"\tTEXT,
\tPRIMARY KEY("ocel_type")
)""",
    """CREATE TABLE "event" (
\t"ocel_id"\tTEXT,
\t"ocel_type"\tTEXT,
\tPRIMARY KEY("ocel_id"),
\tFOREIGN KEY("ocel_type") REFERENCES "event_map_type"("ocel_type")
)""",
    """CREATE TABLE "object" (
\t"ocel_id"\tTEXT,
\t"ocel_type"\tTEXT,
\tFOREIGN KEY("ocel_type") REFERENCES "object_map_type"("ocel_type"),
\tPRIMARY KEY("ocel_id")
)""",
    """CREATE TABLE "event_object" (
\t"ocel_event_id"\tTEXT,
\t"ocel_object_id"\tTEXT,
\t"ocel_qualifier"\tTEXT,
\tPRIMARY KEY("ocel_event_id","ocel_object_id","ocel_qualifier"),
\tFOREIGN KEY("ocel_event_id") REFERENCES "event"("ocel_id"),
\tFOREIGN KEY("ocel_object_id") REFERENCES "object"("ocel_id")
)""",
    """CREATE TABLE "object_object" (
\t"ocel_source_id"\tTEXT,
\t"ocel_target_id"\tTEXT,
\t"ocel_qualifier"\tTEXT,
\tPRIMARY KEY("ocel_source_id","ocel_target_id","ocel_qualifier"),
\tFOREIGN KEY("ocel_source_id") REFERENCES "object"("ocel_id"),
\tFOREIGN KEY("ocel_target_id") REFERENCES "object"("ocel_id")
)""",
)

# How many problems an OcelFormatError message spells out; .problems always has them all.
_PROBLEMS_IN_MESSAGE = 10

Problem = tuple[str, str]


# --------------------------------------------------------------------------------------------
# The model
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AttributeDecl:
    """An attribute an object type or event type declares: its name and OCEL type."""

    name: str
    type: str  # "string", "time", "integer", "float" or "boolean"


@dataclass(frozen=True, slots=True)
class ObjectAttributeValue:
    """The value an object attribute took at a point in time."""

    name: str
    time: datetime
    value: object


@dataclass(frozen=True, slots=True)
class Relationship:
    """A qualified link to an object (from an event, E2O, or from another object, O2O)."""

    target_id: str
    qualifier: str


@dataclass(slots=True)
class OcelObject:
    """An object with its attribute value history and its links to other objects."""

    id: str
    type: str
    attributes: list[ObjectAttributeValue]
    relationships: list[Relationship]


@dataclass(slots=True)
class OcelEvent:
    """An event: its type, when it happened, its attribute values and the objects involved."""

    id: str
    type: str
    time: datetime
    attributes: dict[str, object]
    relationships: list[Relationship]


@dataclass(slots=True)
class OcelLog:
    """A whole OCEL 2.0 log; type dictionaries map a type name to its declared attributes."""

    object_types: dict[str, list[AttributeDecl]]
    event_types: dict[str, list[AttributeDecl]]
    objects: list[OcelObject]
    events: list[OcelEvent]


class OcelFormatError(ValueError):
    """A file (or a log to write) that is not valid OCEL 2.0.

    ``.problems`` lists every (location, message) pair found, e.g.
    ``("events[3].time", "not an ISO 8601 time")``.
    """

    problems: list[tuple[str, str]]

    def __init__(self, problems: Iterable[tuple[str, str]]) -> None:
        self.problems = list(problems)
        shown = "; ".join(
            f"{where}: {what}" for where, what in self.problems[:_PROBLEMS_IN_MESSAGE]
        )
        hidden = len(self.problems) - _PROBLEMS_IN_MESSAGE
        more = f"; and {hidden} more" if hidden > 0 else ""
        count = len(self.problems)
        super().__init__(
            f"not valid OCEL 2.0 ({count} problem{'' if count == 1 else 's'}): {shown}{more}"
        )


# --------------------------------------------------------------------------------------------
# Public entry points
# --------------------------------------------------------------------------------------------


def format_for(path: Path | str) -> str:
    """Name the OCEL file format a path's extension stands for: ``"json"`` or ``"sqlite"``.

    Raises OcelFormatError for any other extension.

    >>> format_for("orders.jsonocel")
    'json'
    >>> format_for("orders.sqlite3")
    'sqlite'
    """
    suffix = Path(path).suffix.lower()
    if suffix in _JSON_EXTENSIONS:
        return "json"
    if suffix in _SQLITE_EXTENSIONS:
        return "sqlite"
    supported = ", ".join(_JSON_EXTENSIONS + _SQLITE_EXTENSIONS)
    raise OcelFormatError(
        [("file", f"unsupported extension {suffix or '(none)'!r}; use one of {supported}")]
    )


def read_log(path: Path | str) -> OcelLog:
    """Read an OCEL 2.0 log in the format its extension names (see :func:`format_for`).

    Example::

        log = read_log("orders.jsonocel")
        print(len(log.events), "events")
    """
    if format_for(path) == "json":
        return read_json(path)
    return read_sqlite(path)


def write_log(log: OcelLog, path: Path | str) -> None:
    """Write an OCEL 2.0 log in the format its extension names (see :func:`format_for`).

    Example::

        write_log(read_log("orders.jsonocel"), "orders.sqlite")
    """
    if format_for(path) == "json":
        write_json(log, path)
    else:
        write_sqlite(log, path)


def read_json(path: Path | str) -> OcelLog:
    """Read an OCEL 2.0 JSON file (``.json``/``.jsonocel``).

    Every problem in the file is collected and reported together in one OcelFormatError;
    a missing file raises FileNotFoundError as usual.

    Example::

        log = read_json("orders.jsonocel")
        first = log.events[0]
        print(first.type, first.time.isoformat())
    """
    content = Path(path).read_bytes()
    try:
        # Bytes rather than text so that json detects UTF-8 (with or without BOM), -16, -32.
        document = json.loads(content)
    except UnicodeDecodeError:
        raise OcelFormatError([("file", "not UTF-8 text")]) from None
    except json.JSONDecodeError as error:
        raise OcelFormatError([("file", f"not JSON: {error}")]) from None
    except RecursionError:
        raise OcelFormatError([("file", "not JSON: nested too deeply")]) from None
    return _log_from_json(document)


def write_json(log: OcelLog, path: Path | str) -> None:
    """Write a log as an OCEL 2.0 JSON file, replacing any existing file.

    Times are written in UTC as ``YYYY-MM-DDTHH:MM:SS[.ffffff]+00:00``, except the Unix epoch,
    which OCEL tools use for initial object attribute values and write as
    ``1970-01-01T00:00:00Z``. The log is checked first; a log that is not valid OCEL 2.0
    raises OcelFormatError and leaves the file alone.

    Example::

        write_json(log, "orders.jsonocel")
    """
    checked = _checked(log, for_sqlite=False)
    text = json.dumps(_json_document(checked), indent=2, ensure_ascii=False, allow_nan=False)
    Path(path).write_text(text + "\n", encoding="utf-8")


def read_sqlite(path: Path | str) -> OcelLog:
    """Read an OCEL 2.0 SQLite file (``.sqlite``/``.sqlite3``/``.db``).

    Naive times in the file are taken to be UTC. Every problem in the file is collected and
    reported together in one OcelFormatError; a missing file raises FileNotFoundError.

    Example::

        log = read_sqlite("orders.sqlite")
        print(sorted(log.object_types))
    """
    location = Path(path)
    if not location.is_file():
        # sqlite3.connect would quietly create an empty database instead.
        raise FileNotFoundError(f"No such OCEL file: {location}")
    # Read-only, so that reading can never change or create a file.
    uri = location.resolve().as_uri() + "?mode=ro"
    try:
        with closing(sqlite3.connect(uri, uri=True)) as connection:
            return _log_from_sqlite(connection)
    except sqlite3.DatabaseError as error:
        raise OcelFormatError([("file", f"not a readable SQLite database: {error}")]) from None


def write_sqlite(log: OcelLog, path: Path | str) -> None:
    """Write a log as an OCEL 2.0 SQLite file, replacing any existing file.

    The schema (tables, columns, primary and foreign keys) is the one the standard's example
    files use, so pm4py, ocpa and other OCEL tools can read the result. Each object's initial
    attribute values go in one row at its earliest attribute time (the epoch if it has no
    attributes); every later value goes in its own row naming the changed attribute. Times
    are stored as naive UTC text (``YYYY-MM-DD HH:MM:SS[.ffffff]``), booleans as 0/1.

    Example::

        write_sqlite(read_json("orders.jsonocel"), "orders.sqlite")
    """
    checked = _checked(log, for_sqlite=True)
    target = Path(path)
    # Build the database in memory first, so that an error never leaves half a file behind.
    with closing(sqlite3.connect(":memory:")) as memory:
        _fill_sqlite(memory, checked)
        memory.commit()
        target.unlink(missing_ok=True)
        with closing(sqlite3.connect(target)) as file:
            memory.backup(file)


# --------------------------------------------------------------------------------------------
# Values and times
# --------------------------------------------------------------------------------------------


class _BadValue(Exception):
    """A value that does not fit its declared attribute type; the message says why."""


_INTEGER_TEXT = re.compile(r"\s*[+-]?\d+\s*")


def _as_utc(moment: datetime) -> datetime:
    """The same instant as an aware UTC datetime; naive times are taken to be UTC already."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _parse_time(value: object) -> datetime | None:
    """An ISO 8601 text (or a datetime) as an aware UTC datetime, None if it is neither."""
    if isinstance(value, datetime):
        return _as_utc(value)
    if not isinstance(value, str):
        return None
    try:
        return _as_utc(datetime.fromisoformat(value.strip()))
    except ValueError:
        return None


def _json_time(moment: datetime) -> str:
    """A UTC time as the JSON format writes it (the epoch with "Z", as the standard examples do)."""
    utc = _as_utc(moment)
    if utc == _EPOCH:
        return "1970-01-01T00:00:00Z"
    return utc.isoformat()


def _sqlite_time(moment: datetime) -> str:
    """A time as naive UTC text, the way OCEL SQLite files store TIMESTAMP columns."""
    return _as_utc(moment).replace(tzinfo=None).isoformat(sep=" ")


def _coerce(value: object, attribute_type: str) -> object:
    """A value as the Python type its OCEL attribute type stands for; raises _BadValue."""
    if attribute_type == "string":
        return _as_string(value)
    if attribute_type == "integer":
        return _as_integer(value)
    if attribute_type == "float":
        return _as_float(value)
    if attribute_type == "boolean":
        return _as_boolean(value)
    if attribute_type == "time":
        moment = _parse_time(value)
        if moment is None:
            raise _BadValue("not an ISO 8601 time")
        return moment
    raise _BadValue(f"unknown attribute type {attribute_type!r}")


def _as_string(value: object) -> str:
    if isinstance(value, str):
        return value
    # Booleans before numbers: bool is an int subclass. Lower case, as JSON spells them.
    if isinstance(value, bool):
        return "true" if value else "false"
    # SQLite's column affinity can turn a numeric-looking text into a number.
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, datetime):
        return _json_time(value)
    raise _BadValue("not a string")


def _as_integer(value: object) -> int:
    if isinstance(value, bool):
        raise _BadValue("not an integer")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _INTEGER_TEXT.fullmatch(value):
        try:
            return int(value)
        except ValueError:  # longer than Python's integer-text limit
            pass
    raise _BadValue("not an integer")


def _as_float(value: object) -> float:
    number: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            number = float(value)
        except OverflowError:
            number = None
    elif isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            number = None
    if number is None:
        raise _BadValue("not a number")
    # NaN and infinities are not JSON and would break round trips (NaN != NaN).
    if not math.isfinite(number):
        raise _BadValue("not a finite number")
    return number


def _as_boolean(value: object) -> bool:
    if isinstance(value, bool):
        return value
    # SQLite has no boolean storage: files hold 0/1 or the words.
    if isinstance(value, int) and value in (0, 1):
        return value == 1
    if isinstance(value, str):
        word = value.strip().lower()
        if word in ("true", "1"):
            return True
        if word in ("false", "0"):
            return False
    raise _BadValue("not a boolean")


# --------------------------------------------------------------------------------------------
# Reading JSON
# --------------------------------------------------------------------------------------------


def _log_from_json(document: object) -> OcelLog:
    """Turn a parsed JSON document into a log, or raise OcelFormatError with every problem."""
    problems: list[Problem] = []
    if not isinstance(document, dict):
        raise OcelFormatError([("file", "the top level is not a JSON object")])
    object_types = _json_types(
        _json_list(document, "objectTypes", "", problems), "objectTypes", problems
    )
    event_types = _json_types(
        _json_list(document, "eventTypes", "", problems), "eventTypes", problems
    )
    raw_objects = _json_list(document, "objects", "", problems)
    raw_events = _json_list(document, "events", "", problems)

    # Every string id counts as known, even on an object with other problems, so that one
    # broken object is reported once rather than again at every reference to it.
    known_objects = {
        object_id
        for _, record in _json_records(raw_objects, "objects", [])
        if isinstance(object_id := record.get("id"), str)
    }
    objects = _json_objects(raw_objects, object_types, known_objects, problems)
    events = _json_events(raw_events, event_types, known_objects, problems)
    if problems:
        raise OcelFormatError(problems)
    return OcelLog(
        object_types=object_types, event_types=event_types, objects=objects, events=events
    )


def _here(parent: str, key: str) -> str:
    """The location of a key inside a parent location ("" is the top level)."""
    return f"{parent}.{key}" if parent else key


def _json_list(
    record: Mapping[str, object],
    key: str,
    location: str,
    problems: list[Problem],
    *,
    required: bool = True,
) -> list[object]:
    """A list member of a JSON object; an absent or null optional member is an empty list."""
    value = record.get(key)
    if value is None:
        if required:
            problems.append((_here(location, key), "missing"))
        return []
    if not isinstance(value, list):
        problems.append((_here(location, key), "not a list"))
        return []
    return value


def _json_records(
    items: Sequence[object], location: str, problems: list[Problem]
) -> Iterator[tuple[str, dict[str, object]]]:
    """The JSON objects in a list, each with its location; anything else is a problem."""
    for index, item in enumerate(items):
        here = f"{location}[{index}]"
        if isinstance(item, dict):
            yield here, item
        else:
            problems.append((here, "not a JSON object"))


def _json_string(
    record: Mapping[str, object], key: str, location: str, problems: list[Problem]
) -> str | None:
    """A required string member of a JSON object, or None after noting the problem."""
    if key not in record:
        problems.append((_here(location, key), "missing"))
        return None
    value = record[key]
    if not isinstance(value, str):
        problems.append((_here(location, key), "not a string"))
        return None
    return value


def _json_time_member(
    record: Mapping[str, object], key: str, location: str, problems: list[Problem]
) -> datetime | None:
    """A required ISO 8601 time member of a JSON object, as aware UTC, or None."""
    if key not in record:
        problems.append((_here(location, key), "missing"))
        return None
    moment = _parse_time(record[key]) if isinstance(record[key], str) else None
    if moment is None:
        problems.append((_here(location, key), "not an ISO 8601 time"))
    return moment


def _json_types(
    items: list[object], location: str, problems: list[Problem]
) -> dict[str, list[AttributeDecl]]:
    """Type declarations: [{"name": ..., "attributes": [{"name": ..., "type": ...}]}]."""
    types: dict[str, list[AttributeDecl]] = {}
    for here, record in _json_records(items, location, problems):
        name = _json_string(record, "name", here, problems)
        declarations: list[AttributeDecl] = []
        raw_attributes = _json_list(record, "attributes", here, problems, required=False)
        for attribute_here, attribute in _json_records(
            raw_attributes, f"{here}.attributes", problems
        ):
            attribute_name = _json_string(attribute, "name", attribute_here, problems)
            attribute_type = _json_string(attribute, "type", attribute_here, problems)
            if attribute_type is not None and attribute_type not in _ATTRIBUTE_TYPES:
                problems.append(
                    (f"{attribute_here}.type", f"unknown attribute type {attribute_type!r}")
                )
                continue
            if attribute_name is None or attribute_type is None:
                continue
            if any(declared.name == attribute_name for declared in declarations):
                problems.append(
                    (f"{attribute_here}.name", f"duplicate attribute {attribute_name!r}")
                )
                continue
            declarations.append(AttributeDecl(attribute_name, attribute_type))
        if name is None:
            continue
        if name in types:
            problems.append((f"{here}.name", f"duplicate type {name!r}"))
            continue
        types[name] = declarations
    return types


def _json_relationships(
    record: Mapping[str, object], location: str, known_objects: set[str], problems: list[Problem]
) -> list[Relationship]:
    """Relationships [{"objectId": ..., "qualifier": ...}] to objects the log has."""
    relationships: list[Relationship] = []
    raw = _json_list(record, "relationships", location, problems, required=False)
    for here, item in _json_records(raw, f"{location}.relationships", problems):
        target = _json_string(item, "objectId", here, problems)
        qualifier = _json_string(item, "qualifier", here, problems)
        if target is not None and target not in known_objects:
            problems.append((f"{here}.objectId", f"unknown object id {target!r}"))
            continue
        if target is None or qualifier is None:
            continue
        relationship = Relationship(target, qualifier)
        # The SQLite format keys relationships on (source, target, qualifier): they are a set.
        if relationship in relationships:
            problems.append((here, "duplicate relationship"))
            continue
        relationships.append(relationship)
    return relationships


def _json_objects(
    items: list[object],
    object_types: Mapping[str, list[AttributeDecl]],
    known_objects: set[str],
    problems: list[Problem],
) -> list[OcelObject]:
    """Objects [{"id", "type", "attributes": [{"name", "time", "value"}], "relationships"}]."""
    objects: list[OcelObject] = []
    seen: set[str] = set()
    for here, record in _json_records(items, "objects", problems):
        object_id = _json_string(record, "id", here, problems)
        type_name = _json_string(record, "type", here, problems)
        if object_id is not None:
            if object_id in seen:
                problems.append((f"{here}.id", f"duplicate object id {object_id!r}"))
            seen.add(object_id)
        declared: dict[str, str] | None = None
        if type_name is not None:
            if type_name in object_types:
                declared = {decl.name: decl.type for decl in object_types[type_name]}
            else:
                problems.append((f"{here}.type", f"unknown object type {type_name!r}"))
        values: list[ObjectAttributeValue] = []
        raw_values = _json_list(record, "attributes", here, problems, required=False)
        for value_here, item in _json_records(raw_values, f"{here}.attributes", problems):
            name = _json_string(item, "name", value_here, problems)
            moment = _json_time_member(item, "time", value_here, problems)
            if "value" not in item:
                problems.append((f"{value_here}.value", "missing"))
                continue
            # The value is checked even when the time is bad, so both problems are reported.
            if name is None or declared is None or item["value"] is None:
                continue
            if name not in declared:
                problems.append(
                    (
                        f"{value_here}.name",
                        f"attribute {name!r} is not declared for object type {type_name!r}",
                    )
                )
                continue
            try:
                value = _coerce(item["value"], declared[name])
            except _BadValue as error:
                problems.append((f"{value_here}.value", str(error)))
                continue
            if moment is not None:
                values.append(ObjectAttributeValue(name, moment, value))
        relationships = _json_relationships(record, here, known_objects, problems)
        if object_id is not None and type_name is not None:
            objects.append(OcelObject(object_id, type_name, values, relationships))
    return objects


def _json_events(
    items: list[object],
    event_types: Mapping[str, list[AttributeDecl]],
    known_objects: set[str],
    problems: list[Problem],
) -> list[OcelEvent]:
    """Events [{"id", "type", "time", "attributes": [{"name", "value"}], "relationships"}]."""
    events: list[OcelEvent] = []
    seen: set[str] = set()
    for here, record in _json_records(items, "events", problems):
        event_id = _json_string(record, "id", here, problems)
        type_name = _json_string(record, "type", here, problems)
        moment = _json_time_member(record, "time", here, problems)
        if event_id is not None:
            if event_id in seen:
                problems.append((f"{here}.id", f"duplicate event id {event_id!r}"))
            seen.add(event_id)
        declared: dict[str, str] | None = None
        if type_name is not None:
            if type_name in event_types:
                declared = {decl.name: decl.type for decl in event_types[type_name]}
            else:
                problems.append((f"{here}.type", f"unknown event type {type_name!r}"))
        attributes: dict[str, object] = {}
        raw_attributes = _json_list(record, "attributes", here, problems, required=False)
        for attribute_here, item in _json_records(raw_attributes, f"{here}.attributes", problems):
            name = _json_string(item, "name", attribute_here, problems)
            if "value" not in item:
                problems.append((f"{attribute_here}.value", "missing"))
                continue
            if name is None or declared is None or item["value"] is None:
                continue
            if name not in declared:
                problems.append(
                    (
                        f"{attribute_here}.name",
                        f"attribute {name!r} is not declared for event type {type_name!r}",
                    )
                )
                continue
            if name in attributes:
                problems.append((f"{attribute_here}.name", f"duplicate attribute {name!r}"))
                continue
            try:
                attributes[name] = _coerce(item["value"], declared[name])
            except _BadValue as error:
                problems.append((f"{attribute_here}.value", str(error)))
        relationships = _json_relationships(record, here, known_objects, problems)
        if event_id is not None and type_name is not None and moment is not None:
            events.append(OcelEvent(event_id, type_name, moment, attributes, relationships))
    return events


# --------------------------------------------------------------------------------------------
# Reading SQLite
# --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _TypeTable:
    """Where one event or object type keeps its rows, and which attribute columns it has."""

    type_name: str
    table: str | None  # None when the file lacks the table (already reported)
    attributes: list[AttributeDecl]
    has_time: bool
    has_changed_field: bool


def _quote(identifier: str) -> str:
    """An SQL identifier in double quotes, so any table or attribute name is safe to use."""
    return '"' + identifier.replace('"', '""') + '"'


def _select(
    connection: sqlite3.Connection, table: str, columns: Sequence[str]
) -> list[tuple[object, ...]]:
    """All rows of some columns of a table, in insertion (rowid) order where there is one."""
    names = ", ".join(_quote(column) for column in columns)
    # Identifiers are quoted by _quote and the statement takes no user values.
    query = f"SELECT {names} FROM {_quote(table)}"  # noqa: S608
    try:
        # Without ORDER BY, SQLite may scan a covering index and return rows in key order.
        return connection.execute(query + " ORDER BY rowid").fetchall()
    except sqlite3.OperationalError:  # a WITHOUT ROWID table: its own order will do
        return connection.execute(query).fetchall()


def _columns(connection: sqlite3.Connection, table: str) -> list[tuple[str, str]]:
    """A table's columns as (name, declared type), in table order."""
    rows = connection.execute(f"PRAGMA table_info({_quote(table)})").fetchall()
    return [(str(row[1]), str(row[2] or "")) for row in rows]


def _attribute_type_for_column(declared: str) -> str:
    """The OCEL attribute type a column's declared SQL type stands for."""
    upper = declared.upper()
    # Same spirit as SQLite's own affinity rules, with the OCEL-specific types checked first.
    if "BOOL" in upper:
        return "boolean"
    if "TIME" in upper or "DATE" in upper:
        return "time"
    if "INT" in upper:
        return "integer"
    if any(word in upper for word in ("REAL", "FLOA", "DOUB", "NUM", "DEC")):
        return "float"
    return "string"


def _log_from_sqlite(connection: sqlite3.Connection) -> OcelLog:
    """Turn an OCEL 2.0 SQLite database into a log, or raise OcelFormatError."""
    problems: list[Problem] = []
    tables = {
        str(name).casefold(): str(name)
        for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    }
    # Without the core tables there is nothing sensible left to check.
    for table, required in _CORE_TABLES.items():
        if table not in tables:
            problems.append((table, "missing table"))
            continue
        present = {name for name, _ in _columns(connection, table)}
        problems.extend(
            (f"{table}.{column}", "missing column") for column in required if column not in present
        )
    if problems:
        raise OcelFormatError(problems)

    object_tables = _sqlite_type_tables(connection, "object", tables, problems)
    event_tables = _sqlite_type_tables(connection, "event", tables, problems)
    objects = _sqlite_objects(connection, object_tables, problems)
    events = _sqlite_events(connection, event_tables, problems)
    # Every string id counts as known, even on a row with other problems, so that one broken
    # event or object is reported once rather than again at every reference to it.
    known_events = _sqlite_ids(connection, "event")
    known_objects = _sqlite_ids(connection, "object")
    objects_by_id = {item.id: item for item in objects}
    events_by_id = {item.id: item for item in events}
    _sqlite_relationships(
        connection,
        "event_object",
        ("ocel_event_id", "ocel_object_id"),
        (known_events, events_by_id),
        known_objects,
        problems,
    )
    _sqlite_relationships(
        connection,
        "object_object",
        ("ocel_source_id", "ocel_target_id"),
        (known_objects, objects_by_id),
        known_objects,
        problems,
    )
    if problems:
        raise OcelFormatError(problems)
    return OcelLog(
        object_types={name: table.attributes for name, table in object_tables.items()},
        event_types={name: table.attributes for name, table in event_tables.items()},
        objects=objects,
        events=events,
    )


def _sqlite_type_tables(
    connection: sqlite3.Connection, kind: str, tables: Mapping[str, str], problems: list[Problem]
) -> dict[str, _TypeTable]:
    """The types listed in <kind>_map_type, each with its <kind>_<map> table and attributes."""
    map_table = f"{kind}_map_type"
    type_tables: dict[str, _TypeTable] = {}
    for index, (type_name, type_map) in enumerate(
        _select(connection, map_table, ("ocel_type", "ocel_type_map"))
    ):
        here = f"{map_table}[{index}]"
        if not isinstance(type_name, str):
            problems.append((f"{here}.ocel_type", "not a string"))
            continue
        if type_name in type_tables:
            problems.append((f"{here}.ocel_type", f"duplicate type {type_name!r}"))
            continue
        if not isinstance(type_map, str):
            problems.append((f"{here}.ocel_type_map", "not a string"))
            continue
        table = tables.get(f"{kind}_{type_map}".casefold())
        if table is None:
            problems.append((f"{here}.ocel_type_map", f"no table {kind}_{type_map!s}"))
            type_tables[type_name] = _TypeTable(
                type_name, None, [], has_time=False, has_changed_field=False
            )
            continue
        columns = _columns(connection, table)
        names = {name for name, _ in columns}
        if _ID_COLUMN not in names:
            problems.append((f"{table}.{_ID_COLUMN}", "missing column"))
        # Event tables need the event time; object tables may omit it (initial values only).
        if kind == "event" and _TIME_COLUMN not in names:
            problems.append((f"{table}.{_TIME_COLUMN}", "missing column"))
        attributes = [
            AttributeDecl(name, _attribute_type_for_column(declared))
            for name, declared in columns
            if name not in _RESERVED_COLUMNS
        ]
        usable = _ID_COLUMN in names and (kind == "object" or _TIME_COLUMN in names)
        type_tables[type_name] = _TypeTable(
            type_name,
            table if usable else None,
            attributes,
            has_time=_TIME_COLUMN in names,
            has_changed_field=_CHANGED_COLUMN in names,
        )
    return type_tables


def _sqlite_base_rows(
    connection: sqlite3.Connection,
    table: str,
    type_tables: Mapping[str, _TypeTable],
    problems: list[Problem],
) -> list[tuple[str, str]]:
    """The (id, type) rows of the event or object table whose ids and types are sound."""
    rows: list[tuple[str, str]] = []
    seen: set[str] = set()
    for index, (item_id, type_name) in enumerate(
        _select(connection, table, ("ocel_id", "ocel_type"))
    ):
        here = f"{table}[{index}]"
        if not isinstance(item_id, str):
            problems.append((f"{here}.ocel_id", "not a string"))
            continue
        if item_id in seen:
            problems.append((f"{here}.ocel_id", f"duplicate {table} id {item_id!r}"))
            continue
        seen.add(item_id)
        if not isinstance(type_name, str) or type_name not in type_tables:
            problems.append((f"{here}.ocel_type", f"unknown {table} type {type_name!r}"))
            continue
        rows.append((item_id, type_name))
    return rows


def _sqlite_value(
    value: object, declaration: AttributeDecl, location: str, problems: list[Problem]
) -> object:
    """A stored value coerced to its declared type; None (noting why) if it does not fit."""
    try:
        return _coerce(value, declaration.type)
    except _BadValue as error:
        problems.append((location, str(error)))
        return None


def _sqlite_events(
    connection: sqlite3.Connection, type_tables: Mapping[str, _TypeTable], problems: list[Problem]
) -> list[OcelEvent]:
    """Events in `event` table order, with time and attributes from their type's table."""
    base_rows = _sqlite_base_rows(connection, "event", type_tables, problems)
    types_of = dict(base_rows)
    # Per type: event id -> (row index, row) of its one row in the type's table.
    details: dict[str, dict[str, tuple[int, tuple[object, ...]]]] = {}
    for type_name, type_table in type_tables.items():
        if type_table.table is None:
            continue
        names = [_ID_COLUMN, _TIME_COLUMN, *(decl.name for decl in type_table.attributes)]
        found = details.setdefault(type_name, {})
        for index, row in enumerate(_select(connection, type_table.table, names)):
            here = f"{type_table.table}[{index}].{_ID_COLUMN}"
            event_id = row[0]
            if not isinstance(event_id, str) or types_of.get(event_id) != type_name:
                problems.append((here, f"not an event of type {type_name!r}: {event_id!r}"))
            elif event_id in found:
                problems.append((here, f"duplicate row for event {event_id!r}"))
            else:
                found[event_id] = (index, row)

    events: list[OcelEvent] = []
    for position, (event_id, type_name) in enumerate(base_rows):
        type_table = type_tables[type_name]
        if type_table.table is None:
            continue  # the missing table is reported already
        if event_id not in details[type_name]:
            problems.append((f"event[{position}].ocel_id", f"no row in table {type_table.table}"))
            continue
        index, row = details[type_name][event_id]
        here = f"{type_table.table}[{index}]"
        moment = _parse_time(row[1])
        if moment is None:
            problems.append(
                (f"{here}.{_TIME_COLUMN}", "missing" if row[1] is None else "not an ISO 8601 time")
            )
            continue
        attributes: dict[str, object] = {}
        for declaration, value in zip(type_table.attributes, row[2:], strict=True):
            if value is not None:
                attributes[declaration.name] = _sqlite_value(
                    value, declaration, f"{here}.{declaration.name}", problems
                )
        events.append(OcelEvent(event_id, type_name, moment, attributes, []))
    return events


def _sqlite_objects(
    connection: sqlite3.Connection, type_tables: Mapping[str, _TypeTable], problems: list[Problem]
) -> list[OcelObject]:
    """Objects in `object` table order, with attribute histories from their type's table.

    A row without a changed field holds values (initial ones, normally) of every attribute
    that is not NULL; a row naming a changed field holds the new value of that one attribute.
    """
    base_rows = _sqlite_base_rows(connection, "object", type_tables, problems)
    types_of = dict(base_rows)
    histories: dict[str, list[ObjectAttributeValue]] = {object_id: [] for object_id, _ in base_rows}
    for type_name, type_table in type_tables.items():
        if type_table.table is None:
            continue
        table = type_table.table
        names = [_ID_COLUMN, *(decl.name for decl in type_table.attributes)]
        names += [_TIME_COLUMN] if type_table.has_time else []
        names += [_CHANGED_COLUMN] if type_table.has_changed_field else []
        width = 1 + len(type_table.attributes)
        by_name = {
            decl.name: position for position, decl in enumerate(type_table.attributes, start=1)
        }
        for index, row in enumerate(_select(connection, table, names)):
            here = f"{table}[{index}]"
            object_id = row[0]
            if not isinstance(object_id, str) or types_of.get(object_id) != type_name:
                problems.append(
                    (f"{here}.{_ID_COLUMN}", f"not an object of type {type_name!r}: {object_id!r}")
                )
                continue
            raw_time = row[width] if type_table.has_time else None
            changed_at = width + 1 if type_table.has_time else width
            changed = row[changed_at] if type_table.has_changed_field else None
            if changed in (None, ""):
                # Initial values without a time hold since the beginning, by OCEL convention.
                moment = _EPOCH if raw_time is None else _parse_time(raw_time)
                positions = list(by_name.values())
            elif isinstance(changed, str) and changed in by_name:
                moment = _parse_time(raw_time)
                positions = [by_name[changed]]
            else:
                problems.append((f"{here}.{_CHANGED_COLUMN}", f"unknown attribute {changed!r}"))
                continue
            if moment is None:
                problems.append(
                    (
                        f"{here}.{_TIME_COLUMN}",
                        "missing" if raw_time is None else "not an ISO 8601 time",
                    )
                )
                continue
            for position in positions:
                declaration = type_table.attributes[position - 1]
                if row[position] is not None:
                    value = _sqlite_value(
                        row[position], declaration, f"{here}.{declaration.name}", problems
                    )
                    histories[object_id].append(
                        ObjectAttributeValue(declaration.name, moment, value)
                    )
    return [
        OcelObject(object_id, type_name, histories[object_id], [])
        for object_id, type_name in base_rows
    ]


def _sqlite_ids(connection: sqlite3.Connection, table: str) -> set[str]:
    """Every string id in the event or object table."""
    return {
        item_id
        for (item_id,) in _select(connection, table, ("ocel_id",))
        if isinstance(item_id, str)
    }


def _sqlite_relationships(
    connection: sqlite3.Connection,
    table: str,
    columns: tuple[str, str],
    sources: tuple[set[str], Mapping[str, OcelEvent] | Mapping[str, OcelObject]],
    targets: set[str],
    problems: list[Problem],
) -> None:
    """Attach the qualified relationships in event_object or object_object to their sources.

    ``sources`` holds the ids the file has and the events or objects read without problems;
    links from a known source that had problems of its own are checked but not attached.
    """
    known_sources, built = sources
    seen: set[tuple[str, str, str]] = set()
    rows = _select(connection, table, (*columns, "ocel_qualifier"))
    for index, (source_id, target_id, qualifier) in enumerate(rows):
        here = f"{table}[{index}]"
        sound = True
        if not isinstance(source_id, str) or source_id not in known_sources:
            problems.append(
                (f"{here}.{columns[0]}", f"unknown {table.split('_')[0]} id {source_id!r}")
            )
            sound = False
        if not isinstance(target_id, str) or target_id not in targets:
            problems.append((f"{here}.{columns[1]}", f"unknown object id {target_id!r}"))
            sound = False
        if not isinstance(qualifier, str):
            problems.append(
                (f"{here}.ocel_qualifier", "missing" if qualifier is None else "not a string")
            )
            sound = False
        if not sound:
            continue
        key = (str(source_id), str(target_id), str(qualifier))
        if key in seen:
            problems.append((here, "duplicate relationship"))
            continue
        seen.add(key)
        if key[0] in built:
            built[key[0]].relationships.append(Relationship(key[1], key[2]))


# --------------------------------------------------------------------------------------------
# Checking a log before writing it
# --------------------------------------------------------------------------------------------


def _checked(log: OcelLog, *, for_sqlite: bool) -> OcelLog:
    """A copy of the log with values coerced to their declared types and times in UTC.

    Raises OcelFormatError listing everything that keeps the log from being valid OCEL 2.0
    (and, for SQLite, attribute names its tables cannot hold). Locations name the model's
    fields, e.g. ``events[3].relationships[0].target_id``.
    """
    problems: list[Problem] = []
    object_types = _checked_types(log.object_types, "object_types", for_sqlite, problems)
    event_types = _checked_types(log.event_types, "event_types", for_sqlite, problems)
    object_ids = {item.id for item in log.objects}

    objects: list[OcelObject] = []
    seen: set[str] = set()
    for index, item in enumerate(log.objects):
        here = f"objects[{index}]"
        _check_id(item.id, seen, "object", here, problems)
        declared = _declared(object_types, item.type, "object", here, problems)
        values: list[ObjectAttributeValue] = []
        for position, entry in enumerate(item.attributes):
            entry_here = f"{here}.attributes[{position}]"
            if not isinstance(entry.time, datetime):
                problems.append((f"{entry_here}.time", "not a datetime"))
                continue
            value = _checked_value(entry.name, entry.value, declared, entry_here, problems)
            if value is not None:
                values.append(ObjectAttributeValue(entry.name, _as_utc(entry.time), value))
        relationships = _checked_relationships(item.relationships, object_ids, here, problems)
        objects.append(OcelObject(item.id, item.type, values, relationships))

    events: list[OcelEvent] = []
    seen = set()
    for index, event in enumerate(log.events):
        here = f"events[{index}]"
        _check_id(event.id, seen, "event", here, problems)
        declared = _declared(event_types, event.type, "event", here, problems)
        if not isinstance(event.time, datetime):
            problems.append((f"{here}.time", "not a datetime"))
        attributes: dict[str, object] = {}
        for name, raw in event.attributes.items():
            value = _checked_value(name, raw, declared, f"{here}.attributes[{name!r}]", problems)
            if value is not None:
                attributes[name] = value
        relationships = _checked_relationships(event.relationships, object_ids, here, problems)
        if isinstance(event.time, datetime):
            events.append(
                OcelEvent(event.id, event.type, _as_utc(event.time), attributes, relationships)
            )

    if problems:
        raise OcelFormatError(problems)
    return OcelLog(
        object_types=object_types, event_types=event_types, objects=objects, events=events
    )


def _checked_types(
    types: Mapping[str, list[AttributeDecl]],
    location: str,
    for_sqlite: bool,
    problems: list[Problem],
) -> dict[str, list[AttributeDecl]]:
    """Type declarations with known attribute types and distinct attribute names."""
    for type_name, declarations in types.items():
        here = f"{location}[{type_name!r}]"
        if not isinstance(type_name, str):
            problems.append((here, "type name is not a string"))
        # SQLite column names ignore case, so "Amount" and "amount" would be one column.
        seen: set[str] = set()
        for index, declaration in enumerate(declarations):
            if declaration.type not in _ATTRIBUTE_TYPES:
                problems.append(
                    (f"{here}[{index}].type", f"unknown attribute type {declaration.type!r}")
                )
            key = declaration.name.casefold() if for_sqlite else declaration.name
            if key in seen:
                problems.append(
                    (f"{here}[{index}].name", f"duplicate attribute {declaration.name!r}")
                )
            seen.add(key)
            if for_sqlite and declaration.name.casefold() in _RESERVED_COLUMNS:
                problems.append(
                    (
                        f"{here}[{index}].name",
                        f"{declaration.name!r} is reserved in the SQLite format",
                    )
                )
    return {name: list(declarations) for name, declarations in types.items()}


def _check_id(
    item_id: object, seen: set[str], kind: str, location: str, problems: list[Problem]
) -> None:
    if not isinstance(item_id, str):
        problems.append((f"{location}.id", "not a string"))
    elif item_id in seen:
        problems.append((f"{location}.id", f"duplicate {kind} id {item_id!r}"))
    else:
        seen.add(item_id)


def _declared(
    types: Mapping[str, list[AttributeDecl]],
    type_name: str,
    kind: str,
    location: str,
    problems: list[Problem],
) -> dict[str, str] | None:
    """The declared attribute types of an item's type; None (noted) if the type is unknown."""
    if type_name not in types:
        problems.append((f"{location}.type", f"unknown {kind} type {type_name!r}"))
        return None
    return {declaration.name: declaration.type for declaration in types[type_name]}


def _checked_value(
    name: str,
    value: object,
    declared: Mapping[str, str] | None,
    location: str,
    problems: list[Problem],
) -> object:
    """A value coerced to its attribute's declared type; None when absent or unusable."""
    if declared is None or value is None:
        return None
    if name not in declared:
        problems.append((location, f"attribute {name!r} is not declared"))
        return None
    try:
        return _coerce(value, declared[name])
    except _BadValue as error:
        problems.append((location, str(error)))
        return None


def _checked_relationships(
    relationships: Iterable[Relationship],
    object_ids: set[str],
    location: str,
    problems: list[Problem],
) -> list[Relationship]:
    kept: list[Relationship] = []
    for index, relationship in enumerate(relationships):
        here = f"{location}.relationships[{index}]"
        if relationship.target_id not in object_ids:
            problems.append((f"{here}.target_id", f"unknown object id {relationship.target_id!r}"))
        elif not isinstance(relationship.qualifier, str):
            problems.append((f"{here}.qualifier", "not a string"))
        elif relationship in kept:
            problems.append((here, "duplicate relationship"))
        else:
            kept.append(relationship)
    return kept


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------


def _json_value(value: object) -> object:
    """A checked attribute value as JSON has it: times as ISO 8601 text, the rest unchanged."""
    return _json_time(value) if isinstance(value, datetime) else value


def _json_document(log: OcelLog) -> dict[str, object]:
    """The OCEL 2.0 JSON document for a checked log, keys in the standard's order."""

    def declarations(types: Mapping[str, list[AttributeDecl]]) -> list[dict[str, object]]:
        return [
            {
                "name": name,
                "attributes": [{"name": decl.name, "type": decl.type} for decl in attributes],
            }
            for name, attributes in types.items()
        ]

    def links(relationships: Iterable[Relationship]) -> list[dict[str, str]]:
        return [{"objectId": link.target_id, "qualifier": link.qualifier} for link in relationships]

    return {
        "objectTypes": declarations(log.object_types),
        "eventTypes": declarations(log.event_types),
        "objects": [
            {
                "id": item.id,
                "type": item.type,
                "attributes": [
                    {
                        "name": value.name,
                        "time": _json_time(value.time),
                        "value": _json_value(value.value),
                    }
                    for value in item.attributes
                ],
                "relationships": links(item.relationships),
            }
            for item in log.objects
        ],
        "events": [
            {
                "id": event.id,
                "type": event.type,
                "time": _json_time(event.time),
                "attributes": [
                    {"name": name, "value": _json_value(value)}
                    for name, value in event.attributes.items()
                ],
                "relationships": links(event.relationships),
            }
            for event in log.events
        ],
    }


def _type_table_names(type_names: Iterable[str]) -> dict[str, str]:
    """The table-name part (ocel_type_map) for each type: its name with only ASCII letters and
    digits kept ("Purchase Order" -> "PurchaseOrder"), plus 2, 3, ... where names would clash.

    Clashes are judged ignoring case, because SQLite table names ignore case. A suffixed name
    never takes a name that another type gets unsuffixed, whatever the order of the types.
    """
    names = list(type_names)
    bases = {name: re.sub(r"[^0-9A-Za-z]", "", name) or "type" for name in names}
    unsuffixed = {base.casefold() for base in bases.values()}
    taken: set[str] = set()
    result: dict[str, str] = {}
    for name in names:
        base = bases[name]
        candidate = base
        suffix = 2
        while candidate.casefold() in taken or (
            candidate != base and candidate.casefold() in unsuffixed
        ):
            candidate = f"{base}{suffix}"
            suffix += 1
        taken.add(candidate.casefold())
        result[name] = candidate
    return result


def _sqlite_value_for(value: object) -> object:
    """A checked attribute value as the SQLite format stores it."""
    if isinstance(value, datetime):
        return _sqlite_time(value)
    if isinstance(value, bool):
        return int(value)
    return value


def _object_rows(
    item: OcelObject, attributes: Sequence[AttributeDecl]
) -> tuple[list[object], list[list[object]]]:
    """One object's initial row and change rows (each without the changed-field column).

    The initial row holds the first value of every attribute set at the object's earliest
    attribute time; every other value becomes a change row of its own, in time order.
    """
    start = min((value.time for value in item.attributes), default=_EPOCH)
    initial: dict[str, object] = {}
    changes: list[ObjectAttributeValue] = []
    for value in item.attributes:
        if value.time == start and value.name not in initial:
            initial[value.name] = value.value
        else:
            changes.append(value)
    changes.sort(key=lambda value: value.time)
    initial_row: list[object] = [
        item.id,
        *(_sqlite_value_for(initial.get(decl.name)) for decl in attributes),
        _sqlite_time(start),
    ]
    change_rows: list[list[object]] = [
        [
            item.id,
            *(
                _sqlite_value_for(change.value) if decl.name == change.name else None
                for decl in attributes
            ),
            _sqlite_time(change.time),
            change.name,
        ]
        for change in changes
    ]
    return initial_row, change_rows


def _column_list(attributes: Sequence[AttributeDecl]) -> list[str]:
    return [f"\t{_quote(decl.name)}\t{_SQLITE_COLUMN_TYPES[decl.type]}" for decl in attributes]


def _fill_sqlite(connection: sqlite3.Connection, log: OcelLog) -> None:
    """Create the OCEL 2.0 tables in an empty database and insert a checked log."""
    event_maps = _type_table_names(log.event_types)
    object_maps = _type_table_names(log.object_types)
    for statement in _CORE_SCHEMA:
        connection.execute(statement)
    connection.executemany('INSERT INTO "event_map_type" VALUES (?, ?)', event_maps.items())
    connection.executemany('INSERT INTO "object_map_type" VALUES (?, ?)', object_maps.items())
    connection.executemany(
        'INSERT INTO "event" VALUES (?, ?)', ((event.id, event.type) for event in log.events)
    )
    connection.executemany(
        'INSERT INTO "object" VALUES (?, ?)', ((item.id, item.type) for item in log.objects)
    )
    connection.executemany(
        'INSERT INTO "event_object" VALUES (?, ?, ?)',
        (
            (event.id, link.target_id, link.qualifier)
            for event in log.events
            for link in event.relationships
        ),
    )
    connection.executemany(
        'INSERT INTO "object_object" VALUES (?, ?, ?)',
        (
            (item.id, link.target_id, link.qualifier)
            for item in log.objects
            for link in item.relationships
        ),
    )

    # Same layout as the standard's files: object tables, then event tables.
    for type_name, attributes in log.object_types.items():
        table = _quote(f"object_{object_maps[type_name]}")
        initial_rows: list[list[object]] = []
        change_rows: list[list[object]] = []
        for item in log.objects:
            if item.type == type_name:
                initial, changes = _object_rows(item, attributes)
                initial_rows.append(initial)
                change_rows.extend(changes)
        columns = [
            f'\t"{_ID_COLUMN}"\tTEXT',
            *_column_list(attributes),
            f'\t"{_TIME_COLUMN}"\tTIMESTAMP',
        ]
        # The changed-field column only where there are changes, as OCEL tools write it.
        if change_rows:
            columns.append(f'\t"{_CHANGED_COLUMN}"\tTEXT')
            initial_rows = [[*row, None] for row in initial_rows]
        columns.append(f'\tFOREIGN KEY("{_ID_COLUMN}") REFERENCES "object"("ocel_id")')
        connection.execute(f"CREATE TABLE {table} (\n" + ",\n".join(columns) + "\n)")
        placeholders = ", ".join("?" * (len(attributes) + (3 if change_rows else 2)))
        # Identifiers are quoted by _quote; the values go in as parameters.
        insert = f"INSERT INTO {table} VALUES ({placeholders})"  # noqa: S608
        connection.executemany(insert, initial_rows + change_rows)

    for type_name, attributes in log.event_types.items():
        table = _quote(f"event_{event_maps[type_name]}")
        columns = [
            f'\t"{_ID_COLUMN}"\tTEXT',
            f'\t"{_TIME_COLUMN}"\tTIMESTAMP',
            *_column_list(attributes),
            f'\tFOREIGN KEY("{_ID_COLUMN}") REFERENCES "event"("ocel_id")',
            f'\tPRIMARY KEY("{_ID_COLUMN}")',
        ]
        connection.execute(f"CREATE TABLE {table} (\n" + ",\n".join(columns) + "\n)")
        placeholders = ", ".join("?" * (len(attributes) + 2))
        insert = f"INSERT INTO {table} VALUES ({placeholders})"  # noqa: S608
        connection.executemany(
            insert,
            (
                [
                    event.id,
                    _sqlite_time(event.time),
                    *(_sqlite_value_for(event.attributes.get(decl.name)) for decl in attributes),
                ]
                for event in log.events
                if event.type == type_name
            ),
        )
