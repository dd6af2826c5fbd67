"""The operations event log, shaped as OCEL 2.0.

Object types and event types, objects (with time-stamped attribute values), events
(activity, time, attributes), event-to-object relations with a qualifier and
object-to-object relations with a qualifier. Domain services append to it through
``keel.events.services.record_event`` inside their own transaction.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from keel.core.scoping import RestrictedManager


class ObjectType(models.Model):
    """A kind of business object (order, item, shipment, ...) and its declared attributes."""

    name = models.CharField(max_length=120, unique=True)
    attributes = models.JSONField(default=list, help_text='[{"name": ..., "type": ...}]')

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class EventType(models.Model):
    """A kind of event (an activity such as "Pack order") and its declared attributes."""

    name = models.CharField(max_length=120, unique=True)
    attributes = models.JSONField(default=list, help_text='[{"name": ..., "type": ...}]')

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class EventObject(models.Model):
    """One business object in the log, identified by its OCEL id (e.g. ``order:1042``)."""

    ocel_id = models.CharField(max_length=200, unique=True)
    object_type = models.ForeignKey(ObjectType, on_delete=models.PROTECT, related_name="event_objects")
    attribute_values = models.JSONField(
        default=list, help_text='Time-stamped values: [{"name", "time", "value"}]'
    )
    site_id = models.BigIntegerField(null=True, blank=True)

    objects = RestrictedManager()
    scope_site_field = "site_id"

    class Meta:
        ordering = ["ocel_id"]

    def __str__(self) -> str:
        return self.ocel_id


class Event(models.Model):
    """Something that happened to one or more objects at a moment in time."""

    ocel_id = models.CharField(max_length=200, unique=True)
    # No index of its own: the (event_type, occurred_at) index below serves lookups by type.
    event_type = models.ForeignKey(EventType, on_delete=models.PROTECT, related_name="events", db_index=False)
    occurred_at = models.DateTimeField(db_index=True)
    attributes = models.JSONField(default=dict, blank=True)
    site_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    department_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    actor_id = models.BigIntegerField(null=True, blank=True)
    source = models.CharField(max_length=64, default="keel", help_text="keel, or the sending system")
    recorded_at = models.DateTimeField(default=timezone.now)

    objects = RestrictedManager()
    scope_site_field = "site_id"
    scope_department_field = "department_id"

    class Meta:
        ordering = ["occurred_at", "id"]
        indexes = [models.Index(fields=["event_type", "occurred_at"])]

    def __str__(self) -> str:
        return f"{self.event_type.name} at {self.occurred_at.isoformat()}"


class EventObjectLink(models.Model):
    """Event-to-object relation (E2O) with its qualifier."""

    # No single-column indexes: e2o_unique (event, object, qualifier) serves lookups by event and
    # the (object, event) index lookups by object. The log's largest table keeps three B-trees, not five.
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="object_links", db_index=False)
    object = models.ForeignKey(EventObject, on_delete=models.CASCADE, related_name="event_links", db_index=False)
    qualifier = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "object", "qualifier"], name="e2o_unique")
        ]
        indexes = [models.Index(fields=["object", "event"])]

    def __str__(self) -> str:
        return f"{self.event_id} -> {self.object_id} ({self.qualifier})"


class ObjectRelation(models.Model):
    """Object-to-object relation (O2O) with its qualifier."""

    # No index of its own: o2o_unique (source, target, qualifier) serves lookups by source.
    source = models.ForeignKey(EventObject, on_delete=models.CASCADE, related_name="relations_out", db_index=False)
    target = models.ForeignKey(EventObject, on_delete=models.CASCADE, related_name="relations_in")
    qualifier = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "target", "qualifier"], name="o2o_unique")
        ]

    def __str__(self) -> str:
        return f"{self.source_id} -> {self.target_id} ({self.qualifier})"


class IngestBatch(models.Model):
    """A batch of events received from another system, remembered by its idempotency key."""

    idempotency_key = models.CharField(max_length=200)
    payload_digest = models.CharField(max_length=64)
    source = models.CharField(max_length=64)
    received_at = models.DateTimeField(default=timezone.now)
    received_by_id = models.BigIntegerField(null=True, blank=True)
    event_count = models.PositiveIntegerField(default=0)
    object_count = models.PositiveIntegerField(default=0)
    result = models.JSONField(default=dict)

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            # Keys are per caller: one integration cannot read or block another's batches.
            models.UniqueConstraint(fields=["received_by_id", "idempotency_key"], name="ingest_key_per_caller")
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.idempotency_key}"
