"""Refuse changes to stock movements in the database itself (see keel.core.append_only)."""

from django.db import migrations

from keel.core.append_only import append_only


class Migration(migrations.Migration):
    dependencies = [("supply_chain", "0001_initial")]
    operations = [append_only("supply_chain_stockmovement")]
