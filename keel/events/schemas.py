"""API schemas of the event log."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ninja import Field, Schema

from keel.core.api import InputSchema


class ObjectLinkIn(InputSchema):
    id: str = Field(..., min_length=1, max_length=200)
    type: str | None = Field(None, max_length=120, description="Needed when the object is new")
    qualifier: str = Field("", max_length=200)


class EventIn(InputSchema):
    id: str | None = Field(None, max_length=200, description="Your id for the event; generated if empty")
    activity: str = Field(..., min_length=1, max_length=120)
    time: datetime = Field(..., description="ISO 8601 with a time zone")
    attributes: dict[str, Any] = Field(default_factory=dict)
    objects: list[ObjectLinkIn] = Field(..., min_length=1)


class RelationshipIn(InputSchema):
    objectId: str = Field(..., min_length=1, max_length=200)
    qualifier: str = Field("", max_length=200)


class ObjectIn(InputSchema):
    id: str = Field(..., min_length=1, max_length=200)
    type: str = Field(..., min_length=1, max_length=120)
    attributes: dict[str, Any] = Field(default_factory=dict)
    relationships: list[RelationshipIn] = Field(default_factory=list)


class IngestIn(InputSchema):
    source: str = Field(..., min_length=1, max_length=64, description="The sending system, e.g. wms")
    idempotency_key: str | None = Field(
        None, max_length=200, description="Or send the Idempotency-Key header"
    )
    objects: list[ObjectIn] = Field(default_factory=list)
    events: list[EventIn] = Field(..., min_length=1)


class IngestOut(Schema):
    batch_id: int
    idempotency_key: str
    event_count: int
    object_count: int
    replayed: bool
    event_ids: list[str]


class EventObjectOut(Schema):
    id: str
    type: str
    qualifier: str


class EventOut(Schema):
    id: str
    activity: str
    time: datetime
    source: str
    attributes: dict[str, Any]
    objects: list[EventObjectOut]


class EventsQuery(Schema):
    activity: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    source: str | None = None
    since: date | None = None
    until: date | None = None
    ordering: str | None = Field(None, description="time or -time")
