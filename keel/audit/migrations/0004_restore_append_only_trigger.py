"""Install the append-only trigger again: on SQLite, 0003's AlterField rebuilt the table
and the rebuild dropped the trigger of 0002 (PostgreSQL kept it; reinstalling is idempotent)."""

from django.db import migrations

from keel.core.append_only import append_only


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_domain_clock")]
    operations = [migrations.RunPython(append_only("audit_auditrecord").code, migrations.RunPython.noop)]
