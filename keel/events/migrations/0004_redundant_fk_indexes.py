"""Drop the foreign keys' own indexes that a composite index already serves (keel.core.indexes)."""

import django.db.models.deletion
from django.db import migrations, models

from keel.core.indexes import without_index


class Migration(migrations.Migration):

    dependencies = [
        ('events', '0003_add_event_department'),
    ]

    operations = [
        without_index('event', 'event_type', models.ForeignKey(
            db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='events', to='events.eventtype'),
            'events_event', 'event_type_id'),
        without_index('eventobjectlink', 'event', models.ForeignKey(
            db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='object_links', to='events.event'),
            'events_eventobjectlink', 'event_id'),
        without_index('eventobjectlink', 'object', models.ForeignKey(
            db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='event_links',
            to='events.eventobject'),
            'events_eventobjectlink', 'object_id'),
        without_index('objectrelation', 'source', models.ForeignKey(
            db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='relations_out',
            to='events.eventobject'),
            'events_objectrelation', 'source_id'),
    ]
