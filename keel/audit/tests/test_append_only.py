"""The audit trail cannot be changed or deleted, by the application or (on PostgreSQL) by SQL."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from keel.audit.choices import AuditAction
from keel.audit.models import AppendOnlyError, AuditRecord
from keel.audit.services import record_audit
from keel.organization.models import Person

pytestmark = pytest.mark.django_db


@pytest.fixture
def record(admin: Person) -> AuditRecord:
    with transaction.atomic():
        return record_audit(actor=admin, action=AuditAction.CHANGE, object_type="thing", object_id=1, message="original")


def test_the_model_refuses_to_change_a_record(record: AuditRecord) -> None:
    record.message = "rewritten"
    with pytest.raises(AppendOnlyError):
        record.save()
    with pytest.raises(AppendOnlyError):
        AuditRecord.objects.filter(pk=record.pk).update(message="rewritten")
    assert AuditRecord.objects.get(pk=record.pk).message == "original"


def test_the_model_refuses_to_delete_a_record(record: AuditRecord) -> None:
    with pytest.raises(AppendOnlyError):
        record.delete()
    with pytest.raises(AppendOnlyError):
        AuditRecord.objects.filter(pk=record.pk).delete()
    assert AuditRecord.objects.filter(pk=record.pk).exists()


def test_audit_records_carry_who_what_and_from_where(record: AuditRecord, admin: Person) -> None:
    assert (record.actor_id, record.actor_label, record.action, record.object_type, record.object_id) == (
        admin.pk, admin.email, "change", "thing", "1"
    )


def refused_statements() -> list[str]:
    """PostgreSQL refuses UPDATE and DELETE by trigger; SQLite refuses UPDATE."""
    statements = ["UPDATE audit_auditrecord SET message = 'x' WHERE id = %s"]
    if connection.vendor == "postgresql":
        statements.append("DELETE FROM audit_auditrecord WHERE id = %s")
    return statements


def test_the_database_refuses_raw_sql_changes(record: AuditRecord) -> None:
    statements = refused_statements()
    assert len(statements) == (2 if connection.vendor == "postgresql" else 1)
    for statement in statements:
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [record.pk])
    assert AuditRecord.objects.get(pk=record.pk).message == "original"
