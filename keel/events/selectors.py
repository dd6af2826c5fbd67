"""Reading the operations event log, scoped to what the actor may see."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Count, Max, Q, QuerySet
from django.utils.dateparse import parse_datetime

from keel.events import ocel
from keel.events.models import (
    Event,
    EventObject,
    EventObjectLink,
    EventType,
    ObjectRelation,
    ObjectType,
)
from keel.events.permissions import EXPORT_EVENTS, VIEW_EVENT


def events(
    *,
    actor: Any,
    action: str = VIEW_EVENT.code,
    activity: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    source: str | None = None,
    since: date | None = None,
    until: date | None = None,
) -> QuerySet[Event]:
    rows: QuerySet[Event] = Event.objects.restrict(actor, action).select_related("event_type")
    if activity:
        rows = rows.filter(event_type__name=activity)
    if object_type:
        rows = rows.filter(object_links__object__object_type__name=object_type).distinct()
    if object_id:
        rows = rows.filter(object_links__object__ocel_id=object_id).distinct()
    if source:
        rows = rows.filter(source=source)
    if since:
        rows = rows.filter(occurred_at__date__gte=since)
    if until:
        rows = rows.filter(occurred_at__date__lte=until)
    return rows


def event_links(event_ids: list[int]) -> dict[int, list[tuple[str, str, str]]]:
    """(object id, object type, qualifier) per event, in one query for a page of events."""
    result: dict[int, list[tuple[str, str, str]]] = {event_id: [] for event_id in event_ids}
    rows = (
        EventObjectLink.objects.filter(event_id__in=event_ids)
        .order_by("event_id", "object__ocel_id")
        .values_list("event_id", "object__ocel_id", "object__object_type__name", "qualifier")
    )
    for event_id, object_id, type_name, qualifier in rows:
        result[event_id].append((object_id, type_name, qualifier))
    return result


def activity_counts(*, actor: Any) -> list[dict[str, Any]]:
    return list(
        Event.objects.restrict(actor, VIEW_EVENT.code)
        .values("event_type__name")
        .annotate(count=Count("id"))
        .order_by("-count", "event_type__name")
    )


def object_type_names() -> list[str]:
    return list(ObjectType.objects.values_list("name", flat=True))


def activity_names() -> list[str]:
    return list(EventType.objects.values_list("name", flat=True))


def _typed(value: object, kind: str) -> object:
    if kind == "time" and isinstance(value, str):
        parsed = parse_datetime(value)
        return parsed if parsed is not None else value
    return value


def export_log(*, actor: Any) -> ocel.OcelLog:
    """The part of the event log the actor may export, as an OCEL 2.0 log.

    A constant number of queries: types, events, objects, links and relations each once.
    """
    event_rows = list(
        Event.objects.restrict(actor, EXPORT_EVENTS.code)
        .order_by("occurred_at", "id")
        .values_list("pk", "ocel_id", "event_type__name", "occurred_at", "attributes")
    )
    event_pks = [row[0] for row in event_rows]
    links: dict[int, list[ocel.Relationship]] = {pk: [] for pk in event_pks}
    for event_pk, object_id, qualifier in (
        EventObjectLink.objects.filter(event__in=Event.objects.restrict(actor, EXPORT_EVENTS.code))
        .order_by("event_id", "id")
        .values_list("event_id", "object__ocel_id", "qualifier")
    ):
        links[event_pk].append(ocel.Relationship(target_id=object_id, qualifier=qualifier))
    exported_events = Event.objects.restrict(actor, EXPORT_EVENTS.code)
    visible_objects = EventObject.objects.restrict(actor, EXPORT_EVENTS.code)
    object_rows = list(
        EventObject.objects.filter(
            Q(pk__in=EventObjectLink.objects.filter(event__in=exported_events).values("object_id"))
            | Q(pk__in=visible_objects.values("pk"))
        ).values_list("pk", "ocel_id", "object_type__name", "attribute_values")
    )
    exported_pks = {row[0] for row in object_rows}
    relations: dict[int, list[ocel.Relationship]] = {row[0]: [] for row in object_rows}
    for source_pk, target_pk, target_id, qualifier in (
        ObjectRelation.objects.filter(source_id__in=exported_pks)
        .order_by("source_id", "id")
        .values_list("source_id", "target_id", "target__ocel_id", "qualifier")
    ):
        if target_pk in exported_pks:
            relations[source_pk].append(ocel.Relationship(target_id=target_id, qualifier=qualifier))

    object_types = {
        name: [ocel.AttributeDecl(name=a["name"], type=a["type"]) for a in attributes]
        for name, attributes in ObjectType.objects.values_list("name", "attributes")
    }
    event_types = {
        name: [ocel.AttributeDecl(name=a["name"], type=a["type"]) for a in attributes]
        for name, attributes in EventType.objects.values_list("name", "attributes")
    }
    used_object_types = {row[2] for row in object_rows}
    used_event_types = {row[2] for row in event_rows}
    objects = []
    for pk, object_id, type_name, values in sorted(object_rows, key=lambda row: row[1]):
        kinds = {decl.name: decl.type for decl in object_types.get(type_name, [])}
        objects.append(
            ocel.OcelObject(
                id=object_id,
                type=type_name,
                attributes=[
                    ocel.ObjectAttributeValue(
                        name=value["name"],
                        time=parse_datetime(value["time"]),  # type: ignore[arg-type]
                        value=_typed(value["value"], kinds.get(value["name"], "string")),
                    )
                    for value in values
                ],
                relationships=relations[pk],
            )
        )
    events_out = []
    for pk, event_id, type_name, occurred_at, attributes in event_rows:
        kinds = {decl.name: decl.type for decl in event_types.get(type_name, [])}
        events_out.append(
            ocel.OcelEvent(
                id=event_id,
                type=type_name,
                time=occurred_at,
                attributes={key: _typed(value, kinds.get(key, "string")) for key, value in attributes.items()},
                relationships=links[pk],
            )
        )
    return ocel.OcelLog(
        object_types={k: v for k, v in object_types.items() if k in used_object_types},
        event_types={k: v for k, v in event_types.items() if k in used_event_types},
        objects=objects,
        events=events_out,
    )


def high_water_mark() -> int:
    """The id of the newest event: a cache key for anything computed from Keel's data.

    Every state change writes an event in the same transaction (append-only, ids only
    grow), so an analysis or KPI computed at mark ``m`` is still current while the mark
    is ``m``. Not scoped: the mark reveals nothing but a number, and caches key on it
    together with the actor's scope.
    """
    return int(Event.objects.aggregate(mark=Max("id"))["mark"] or 0)
