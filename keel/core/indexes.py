"""Drop a foreign key's own index when a composite index already serves it, for use in migrations.

Django gives every foreign key a single-column index. Where a composite index or unique
constraint starts with the same column, that index only costs writes (the event log's
links table kept five B-trees for three). Changing the field to ``db_index=False`` with
``AlterField`` would make SQLite copy the whole table (and lose its triggers), so the
migration changes the state only and drops the index by name, whatever the backend
called it.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations


def _single_column_indexes(schema_editor: Any, table: str, column: str) -> list[str]:
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return sorted(name for name, info in constraints.items()
                  if info["index"] and not info["unique"] and not info["primary_key"] and info["columns"] == [column])


def without_index(model_name: str, name: str, field: Any, table: str, column: str) -> migrations.SeparateDatabaseAndState:
    """``AlterField(model_name, name, field)`` (a foreign key now ``db_index=False``) that
    drops the column's single-column index in place; reversed, it creates it again."""

    def forwards(apps: Any, schema_editor: Any) -> None:
        for index in _single_column_indexes(schema_editor, table, column):
            schema_editor.execute(f"DROP INDEX {schema_editor.quote_name(index)}", params=None)

    def backwards(apps: Any, schema_editor: Any) -> None:
        if not _single_column_indexes(schema_editor, table, column):
            index = schema_editor._create_index_name(table, [column])
            schema_editor.execute(f"CREATE INDEX {schema_editor.quote_name(index)} ON "
                                  f"{schema_editor.quote_name(table)} ({schema_editor.quote_name(column)})", params=None)

    return migrations.SeparateDatabaseAndState(
        state_operations=[migrations.AlterField(model_name=model_name, name=name, field=field)],
        database_operations=[migrations.RunPython(forwards, backwards)],
    )
