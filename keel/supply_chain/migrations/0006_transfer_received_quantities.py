"""Transfers received before partial receipts existed received every line in full."""

from django.db import migrations
from django.db.models import F


def fill_received(apps, schema_editor):  # type: ignore[no-untyped-def]
    TransferLine = apps.get_model("supply_chain", "TransferLine")
    TransferLine.objects.filter(transfer__status="received").update(received_quantity=F("quantity"))


def clear_received(apps, schema_editor):  # type: ignore[no-untyped-def]
    TransferLine = apps.get_model("supply_chain", "TransferLine")
    TransferLine.objects.update(received_quantity=0)


class Migration(migrations.Migration):

    dependencies = [
        ("supply_chain", "0005_transfer_partial_receipt"),
    ]

    operations = [
        migrations.RunPython(fill_received, clear_received),
    ]
