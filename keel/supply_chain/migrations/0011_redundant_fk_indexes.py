"""Drop the movement item's own index: (item, location, lot_code) serves it (keel.core.indexes)."""

import django.db.models.deletion
from django.db import migrations, models

from keel.core.indexes import without_index


class Migration(migrations.Migration):

    dependencies = [
        ('supply_chain', '0010_fill_item_stock_summary'),
    ]

    operations = [
        without_index('stockmovement', 'item', models.ForeignKey(
            db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='movements',
            to='supply_chain.item'), 'supply_chain_stockmovement', 'item_id'),
    ]
