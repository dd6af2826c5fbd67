"""Database triggers that make a table append-only, for use in migrations.

PostgreSQL refuses UPDATE and DELETE; SQLite refuses UPDATE (the test harness empties
tables with DELETE, and an embedded database is one file on the operator's own disk).
TRUNCATE stays with the database owner; in production the application role can be
denied it with REVOKE.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION keel_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% rows are append-only (% refused)', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def _statements(vendor: str, table: str) -> list[str]:
    if vendor == "postgresql":
        return [
            POSTGRES_FUNCTION,
            f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};",
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION keel_append_only();",
        ]
    if vendor == "sqlite":
        return [
            f"CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} rows are append-only (UPDATE refused)'); END;"
        ]
    return []


def _drop(vendor: str, table: str) -> list[str]:
    if vendor == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};"]
    if vendor == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {table}_no_update;"]
    return []


def append_only(table: str) -> migrations.RunPython:
    """A reversible migration operation that installs the triggers for ``table``."""

    def forwards(apps: Any, schema_editor: Any) -> None:
        for statement in _statements(schema_editor.connection.vendor, table):
            schema_editor.execute(statement, params=None)

    def backwards(apps: Any, schema_editor: Any) -> None:
        for statement in _drop(schema_editor.connection.vendor, table):
            schema_editor.execute(statement, params=None)

    return migrations.RunPython(forwards, backwards)
