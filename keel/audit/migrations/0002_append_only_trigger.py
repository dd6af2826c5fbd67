"""Refuse changes to audit records in the database itself (see keel.core.append_only)."""

from django.db import migrations

from keel.core.append_only import append_only


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [append_only("audit_auditrecord")]
