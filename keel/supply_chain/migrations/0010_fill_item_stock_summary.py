"""Fill the stock summary from the existing balances: one company-wide row per item and
one row per item and site that holds a balance. Set-based, so it is quick on large ledgers."""

from typing import Any

from django.db import migrations
from django.utils import timezone

SITE_ROWS = """
INSERT INTO {summary} (item_id, site_id, on_hand, reserved, updated_at)
SELECT b.item_id, loc.site_id, SUM(b.on_hand), SUM(b.reserved), %s
FROM {balance} b JOIN {location} loc ON loc.id = b.location_id
GROUP BY b.item_id, loc.site_id
"""
COMPANY_ROWS = """
INSERT INTO {summary} (item_id, site_id, on_hand, reserved, updated_at)
SELECT i.id, NULL, COALESCE(SUM(b.on_hand), 0), COALESCE(SUM(b.reserved), 0), %s
FROM {item} i LEFT JOIN {balance} b ON b.item_id = i.id
GROUP BY i.id
"""


def fill(apps: Any, schema_editor: Any) -> None:
    tables = {name.lower(): apps.get_model("supply_chain", name)._meta.db_table
              for name in ("Item", "Location", "StockBalance", "ItemStock")}
    names = {"item": tables["item"], "location": tables["location"], "balance": tables["stockbalance"],
             "summary": tables["itemstock"]}
    now = timezone.now()
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(SITE_ROWS.format(**names), [now])
        cursor.execute(COMPANY_ROWS.format(**names), [now])


def empty(apps: Any, schema_editor: Any) -> None:
    apps.get_model("supply_chain", "ItemStock").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("supply_chain", "0009_item_stock_summary")]

    operations = [migrations.RunPython(fill, empty)]
