"""OCEL 2.0 JSON and SQLite I/O for the event log.

The format code is framework-free and lives with the analytics engine
(:mod:`keel.analytics.process_mining.ocel`), which reads OCEL logs without a configured
project; this module keeps the name the event log's services, commands and tests use.
"""

from keel.analytics.process_mining.ocel import (
    AttributeDecl,
    ObjectAttributeValue,
    OcelEvent,
    OcelFormatError,
    OcelLog,
    OcelObject,
    Relationship,
    format_for,
    read_json,
    read_log,
    read_sqlite,
    write_json,
    write_log,
    write_sqlite,
)

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
