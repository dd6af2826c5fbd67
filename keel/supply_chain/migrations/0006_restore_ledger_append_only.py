"""Install the ledger's append-only trigger again: on SQLite, 0005's AlterField rebuilt the
table and the rebuild dropped the trigger of 0002 (PostgreSQL kept it; reinstalling is idempotent)."""

from django.db import migrations

from keel.core.append_only import append_only


class Migration(migrations.Migration):
    dependencies = [("supply_chain", "0005_domain_clock")]
    operations = [migrations.RunPython(append_only("supply_chain_stockmovement").code, migrations.RunPython.noop)]
