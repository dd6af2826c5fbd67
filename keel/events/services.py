"""Writing to the operations event log.

``record_event`` is the one way domain services append an event: it must run inside the
caller's transaction, so an event exists if and only if its state change committed.
``ingest_batch`` takes events from other systems (idempotent, all-or-nothing), and
``import_log`` loads a whole OCEL 2.0 log.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils.dateparse import parse_datetime

from keel.audit.choices import AuditAction
from keel.audit.services import record_audit
from keel.core import clock
from keel.core.errors import Conflict, ProblemCollector
from keel.events import ocel
from keel.events.models import (
    Event,
    EventObject,
    EventObjectLink,
    EventType,
    IngestBatch,
    ObjectRelation,
    ObjectType,
)

# Keel's own events carry this source; other systems must name themselves.
RESERVED_SOURCE = "keel"


@dataclass(frozen=True, slots=True)
class ObjectRef:
    """A business object an event touches, with the relation's qualifier.

    Keel's own objects are identified as ``<type>:<primary key>``, e.g. ``person:12``.
    """

    object_type: str
    object_id: str
    qualifier: str = ""
    site_id: int | None = None

    @property
    def ocel_id(self) -> str:
        return f"{self.object_type}:{self.object_id}"


def attribute_type(value: object) -> str:
    """The OCEL 2.0 attribute type of a Python value."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "float"
    if isinstance(value, datetime):
        return "time"
    return "string"


def _json_value(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    return str(value)


# Types known to be committed, per database: name -> (key, attribute names declared).
# Filled only from on_commit callbacks, so a rolled-back transaction never leaves a type
# here that does not exist; attributes are only ever added, so a cached set is a subset
# of what is declared and an event with a new attribute takes the database path.
_COMMITTED: dict[tuple[str, str, str], tuple[int, frozenset[str]]] = {}


def forget_committed_types() -> None:
    _COMMITTED.clear()


def _remember(kind: str, row: EventType | ObjectType) -> None:
    alias = row._state.db or "default"
    key, names = (alias, kind, row.name), (row.pk, frozenset(entry["name"] for entry in row.attributes))
    transaction.on_commit(lambda: _COMMITTED.__setitem__(key, names), using=alias)


def _committed(kind: str, name: str, attributes: Iterable[str]) -> int | None:
    known = _COMMITTED.get(("default", kind, name))
    if known is not None and known[1].issuperset(attributes):
        return known[0]
    return None


class _TypeCache:
    """Event and object types looked up or created once per batch."""

    def __init__(self) -> None:
        self.event_types: dict[str, EventType] = {}
        self.object_types: dict[str, ObjectType] = {}

    def event_type_id(self, name: str, attributes: dict[str, object]) -> int:
        known = _committed("event", name, attributes)
        if known is not None and name not in self.event_types:
            return known
        return self.event_type(name, attributes).pk

    def event_type(self, name: str, attributes: dict[str, object]) -> EventType:
        event_type = self.event_types.get(name)
        if event_type is None:
            event_type, _ = EventType.objects.get_or_create(name=name)
            self.event_types[name] = event_type
        _declare(event_type, {key: attribute_type(value) for key, value in attributes.items()})
        _remember("event", event_type)
        return event_type

    def object_type_id(self, name: str) -> int:
        known = _committed("object", name, ())
        if known is not None and name not in self.object_types:
            return known
        return self.object_type(name).pk

    def object_type(self, name: str, declared: dict[str, str] | None = None) -> ObjectType:
        object_type = self.object_types.get(name)
        if object_type is None:
            object_type, _ = ObjectType.objects.get_or_create(name=name)
            self.object_types[name] = object_type
        if declared:
            _declare(object_type, declared)
        _remember("object", object_type)
        return object_type


def _declare(kind: EventType | ObjectType, attributes: dict[str, str]) -> None:
    known = {entry["name"] for entry in kind.attributes}
    missing = [{"name": name, "type": kind_} for name, kind_ in attributes.items() if name not in known]
    if missing:
        kind.attributes = [*kind.attributes, *missing]
        kind.save(update_fields=["attributes"])


def _require_transaction() -> None:
    if not connection.in_atomic_block:
        raise RuntimeError(
            "record_event() must be called inside the service's transaction.atomic() block"
        )


def record_event(
    *,
    activity: str,
    objects: Sequence[ObjectRef],
    occurred_at: datetime | None = None,
    attributes: dict[str, object] | None = None,
    site_id: int | None = None,
    department_id: int | None = None,
    actor: Any = None,
    source: str = "keel",
) -> Event:
    """Append one event, linked to the objects it touches, in the current transaction.

    >>> with transaction.atomic():  # doctest: +SKIP
    ...     record_event(activity="Create person", objects=[ObjectRef("person", "12")])
    """
    _require_transaction()
    if not activity.strip():
        raise ValueError("activity must not be empty")
    raw_attributes = attributes or {}
    attributes = {key: _json_value(value) for key, value in raw_attributes.items()}
    types = _TypeCache()
    event = Event.objects.create(
        ocel_id=f"{source}:{uuid.uuid4().hex}",
        # Declared from the values as given: a datetime is "time", not its stored text.
        event_type_id=types.event_type_id(activity, raw_attributes),
        occurred_at=occurred_at or clock.now(),
        attributes=attributes,
        site_id=site_id,
        department_id=department_id,
        actor_id=getattr(getattr(actor, "person", actor), "pk", None),
        source=source,
    )
    object_ids = _ensure_objects(types, objects)
    EventObjectLink.objects.bulk_create(
        [EventObjectLink(event=event, object_id=object_ids[ref.ocel_id], qualifier=ref.qualifier) for ref in objects],
        ignore_conflicts=True,
    )
    return event


def _ensure_objects(types: _TypeCache, refs: Sequence[ObjectRef]) -> dict[str, int]:
    """The primary keys of the referenced objects, creating the missing ones and placing
    objects that gain a site: a constant number of queries however many objects an event
    touches."""
    wanted = {ref.ocel_id: ref for ref in refs}
    rows = EventObject.objects.filter(ocel_id__in=list(wanted)).values_list("ocel_id", "pk", "site_id")
    found = {ocel_id: pk for ocel_id, pk, _ in rows}
    moved: dict[int, list[int]] = {}
    for ocel_id, pk, site_id in rows:
        new_site = wanted[ocel_id].site_id
        if new_site is not None and new_site != site_id:
            moved.setdefault(new_site, []).append(pk)
    for site_id, pks in moved.items():
        EventObject.objects.filter(pk__in=pks).update(site_id=site_id)
    missing = [ref for ocel_id, ref in wanted.items() if ocel_id not in found]
    if missing:
        EventObject.objects.bulk_create(
            [EventObject(ocel_id=ref.ocel_id, object_type_id=types.object_type_id(ref.object_type), site_id=ref.site_id)
             for ref in missing],
            ignore_conflicts=True,
        )
        found.update(
            EventObject.objects.filter(ocel_id__in=[ref.ocel_id for ref in missing]).values_list("ocel_id", "pk")
        )
    return found


def relate_objects(*, source: ObjectRef, target: ObjectRef, qualifier: str) -> None:
    """Record an object-to-object relation (e.g. an order line belongs to an order)."""
    _require_transaction()
    ids = _ensure_objects(_TypeCache(), [source, target])
    ObjectRelation.objects.get_or_create(
        source_id=ids[source.ocel_id], target_id=ids[target.ocel_id], qualifier=qualifier
    )


# --- Ingest from other systems -------------------------------------------------------


@dataclass(slots=True)
class IngestResult:
    batch_id: int
    idempotency_key: str
    event_count: int
    object_count: int
    replayed: bool = False
    event_ids: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "batch_id": self.batch_id,
            "idempotency_key": self.idempotency_key,
            "event_count": self.event_count,
            "object_count": self.object_count,
            "replayed": self.replayed,
            "event_ids": self.event_ids,
        }


def _digest(payload: dict[str, Any]) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _parse_time(value: object) -> datetime | None:
    if isinstance(value, datetime):
        parsed: datetime | None = value
    elif isinstance(value, str):
        try:
            parsed = parse_datetime(value)
        except ValueError:
            return None
    else:
        return None
    if parsed is None or parsed.tzinfo is None:
        return None
    return parsed


def _replay(batch: IngestBatch, digest: str) -> IngestResult:
    if batch.payload_digest != digest:
        raise Conflict(
            f"Idempotency key {batch.idempotency_key!r} was already used for a different batch."
        )
    result = dict(batch.result)
    return IngestResult(
        batch_id=batch.pk,
        idempotency_key=batch.idempotency_key,
        event_count=batch.event_count,
        object_count=batch.object_count,
        replayed=True,
        event_ids=list(result.get("event_ids", [])),
    )


def ingest_batch(
    *, actor: Any, idempotency_key: str, source: str, events: list[dict[str, Any]],
    objects: list[dict[str, Any]] | None = None,
) -> IngestResult:
    """Validate a whole batch, then write all of it or nothing.

    Each event is ``{"id"?, "activity", "time", "attributes"?, "objects": [{"id", "type"?,
    "qualifier"?}]}``; each object ``{"id", "type", "attributes"?, "relationships"?}``.
    A repeated idempotency key with the same payload returns the first result and writes
    nothing; with a different payload it is a conflict.
    """
    objects = objects or []
    payload = {"source": source, "events": events, "objects": objects}
    digest = _digest(payload)
    caller_id = getattr(getattr(actor, "person", actor), "pk", None)
    batches = IngestBatch.objects.filter(received_by_id=caller_id, idempotency_key=idempotency_key)
    existing = batches.first()
    if existing is not None:
        return _replay(existing, digest)

    problems = ProblemCollector()
    if not idempotency_key.strip():
        problems.add("idempotency_key", "must not be empty")
    if source.strip().lower() == RESERVED_SOURCE:
        problems.add("source", f"{RESERVED_SOURCE!r} is reserved for Keel's own events; name your system")
    if not events:
        problems.add("events", "the batch has no events")
    max_events = _max_events()
    if len(events) > max_events:
        problems.add("events", f"at most {max_events} events per batch; send several batches")
    problems.raise_if_any("The batch was refused; nothing was written.")

    declared_objects: dict[str, str] = {}
    for row, item in enumerate(objects):
        object_id, object_type = item.get("id"), item.get("type")
        if not isinstance(object_id, str) or not object_id:
            problems.add("objects.id", "required text", row)
            continue
        if not isinstance(object_type, str) or not object_type:
            problems.add("objects.type", "required text", row)
            continue
        if object_id in declared_objects:
            problems.add("objects.id", f"object {object_id!r} appears twice in the batch", row)
        declared_objects[object_id] = object_type
        if not isinstance(item.get("attributes", {}), dict):
            problems.add("objects.attributes", "must be an object of name: value", row)

    referenced: set[str] = set()
    related = {target for item in objects for target in _relation_targets(item)}
    event_ids: list[str] = []
    for row, item in enumerate(events):
        activity = item.get("activity")
        if not isinstance(activity, str) or not activity.strip():
            problems.add("events.activity", "required text", row)
        if _parse_time(item.get("time")) is None:
            problems.add("events.time", "required ISO 8601 time with a time zone", row)
        if not isinstance(item.get("attributes", {}), dict):
            problems.add("events.attributes", "must be an object of name: value", row)
        # Generated ids carry the caller too, since keys are per caller.
        event_id = item.get("id") or f"{source}:{caller_id or 'system'}:{idempotency_key}:{row}"
        if not isinstance(event_id, str):
            problems.add("events.id", "must be text", row)
            event_id = str(event_id)
        if event_id in event_ids:
            problems.add("events.id", f"event {event_id!r} appears twice in the batch", row)
        if event_id.lower().startswith(f"{RESERVED_SOURCE}:"):
            problems.add("events.id", f"ids starting {RESERVED_SOURCE + ':'!r} are reserved for Keel's own events", row)
        event_ids.append(event_id)
        links = item.get("objects")
        if not isinstance(links, list) or not links:
            problems.add("events.objects", "list at least one object the event touches", row)
            continue
        for link in links:
            if not isinstance(link, dict) or not isinstance(link.get("id"), str):
                problems.add("events.objects", "each object needs an id", row)
                continue
            referenced.add(link["id"])
            if link.get("type") and link["id"] not in declared_objects:
                declared_objects.setdefault(link["id"], str(link["type"]))
    problems.raise_if_any("The batch was refused; nothing was written.")

    known_objects = dict(
        EventObject.objects.filter(ocel_id__in=referenced | related | set(declared_objects)).values_list(
            "ocel_id", "object_type__name"
        )
    )
    for row, item in enumerate(objects):
        for target in _relation_targets(item):
            if target not in declared_objects and target not in known_objects:
                problems.add(
                    "objects.relationships", f"unknown object {target!r}: declare it in 'objects'", row
                )
    for row, item in enumerate(events):
        for link in item["objects"]:
            if link["id"] not in declared_objects and link["id"] not in known_objects:
                problems.add(
                    "events.objects",
                    f"unknown object {link['id']!r}: declare it in 'objects' or give its 'type'",
                    row,
                )
            stated = link.get("type")
            actual = known_objects.get(link["id"]) or declared_objects.get(link["id"])
            if stated and actual and stated != actual:
                problems.add("events.objects", f"object {link['id']!r} has type {actual!r}, not {stated!r}", row)
    taken = set(Event.objects.filter(ocel_id__in=event_ids).values_list("ocel_id", flat=True))
    for row, event_id in enumerate(event_ids):
        if event_id in taken:
            problems.add("events.id", f"event {event_id!r} is already in the log", row)
    for row, item in enumerate(objects):
        object_id = item.get("id")
        if object_id in known_objects and known_objects[object_id] != item.get("type"):
            problems.add(
                "objects.type",
                f"object {object_id!r} exists with type {known_objects[object_id]!r}",
                row,
            )
    if problems.problems:
        # A concurrent request with the same key may have committed since the first look;
        # its events would now read as "already in the log". Answer that as a replay.
        existing = batches.first()
        if existing is not None:
            return _replay(existing, digest)
    problems.raise_if_any("The batch was refused; nothing was written.")

    try:
        with transaction.atomic():
            batch = IngestBatch.objects.create(
                idempotency_key=idempotency_key,
                payload_digest=digest,
                source=source,
                received_by_id=getattr(getattr(actor, "person", actor), "pk", None),
            )
            object_count = _write_batch(
                source=source, events=events, event_ids=event_ids, objects=objects,
                declared_objects=declared_objects, known_objects=known_objects, actor=actor,
            )
            batch.event_count = len(events)
            batch.object_count = object_count
            batch.result = {"event_ids": event_ids}
            batch.save(update_fields=["event_count", "object_count", "result"])
            record_audit(
                actor=actor,
                action=AuditAction.IMPORT,
                object_type="ingest_batch",
                object_id=batch.pk,
                object_repr=f"{source}: {idempotency_key}",
                after={"events": len(events), "objects": object_count},
                message=f"Ingested {len(events)} events from {source}",
            )
    except IntegrityError:
        # A concurrent request with the same key won the race: answer as a replay.
        existing = batches.first()
        if existing is None:
            raise
        return _replay(existing, digest)
    return IngestResult(
        batch_id=batch.pk,
        idempotency_key=idempotency_key,
        event_count=len(events),
        object_count=object_count,
        event_ids=event_ids,
    )


def _max_events() -> int:
    from django.conf import settings

    return int(settings.KEEL_INGEST_MAX_EVENTS)


def _write_batch(
    *,
    source: str,
    events: list[dict[str, Any]],
    event_ids: list[str],
    objects: list[dict[str, Any]],
    declared_objects: dict[str, str],
    known_objects: dict[str, str],
    actor: Any,
) -> int:
    types = _TypeCache()
    now = clock.now()
    new_objects = []
    attributes_by_object = {item["id"]: item.get("attributes", {}) for item in objects}
    for object_id, object_type in declared_objects.items():
        if object_id in known_objects:
            continue
        values = attributes_by_object.get(object_id, {})
        declared = {name: attribute_type(value) for name, value in values.items()}
        new_objects.append(
            EventObject(
                ocel_id=object_id,
                object_type=types.object_type(object_type, declared),
                attribute_values=[
                    {"name": name, "time": now.isoformat(), "value": _json_value(value)}
                    for name, value in values.items()
                ],
            )
        )
    EventObject.objects.bulk_create(new_objects, batch_size=1000)
    ids = dict(
        EventObject.objects.filter(
            ocel_id__in=set(declared_objects) | set(known_objects) | _referenced(events)
        ).values_list("ocel_id", "pk")
    )
    actor_id = getattr(getattr(actor, "person", actor), "pk", None)
    new_events = []
    for item, event_id in zip(events, event_ids, strict=True):
        attributes = {key: _json_value(value) for key, value in item.get("attributes", {}).items()}
        new_events.append(
            Event(
                ocel_id=event_id,
                event_type=types.event_type(item["activity"].strip(), attributes),
                occurred_at=_parse_time(item["time"]) or clock.now(),
                attributes=attributes,
                actor_id=actor_id,
                source=source,
            )
        )
    Event.objects.bulk_create(new_events, batch_size=1000)
    event_pks = dict(Event.objects.filter(ocel_id__in=event_ids).values_list("ocel_id", "pk"))
    links = {
        (event_pks[event_id], ids[link["id"]], str(link.get("qualifier", "")))
        for item, event_id in zip(events, event_ids, strict=True)
        for link in item["objects"]
    }
    EventObjectLink.objects.bulk_create(
        [EventObjectLink(event_id=e, object_id=o, qualifier=q) for e, o, q in sorted(links)],
        batch_size=2000,
    )
    relations = set()
    for item in objects:
        for relation in item.get("relationships", []) or []:
            target = relation.get("objectId") or relation.get("id")
            if target in ids:
                relations.add((ids[item["id"]], ids[target], str(relation.get("qualifier", ""))))
    ObjectRelation.objects.bulk_create(
        [ObjectRelation(source_id=s, target_id=t, qualifier=q) for s, t, q in sorted(relations)],
        batch_size=2000,
        ignore_conflicts=True,
    )
    return len(new_objects)


def _relation_targets(item: dict[str, Any]) -> list[str]:
    """The object ids an ingested object's O2O relationships point to."""
    relations = item.get("relationships", []) or []
    return [
        str(relation.get("objectId") or relation.get("id"))
        for relation in relations
        if isinstance(relation, dict)
    ]


def _referenced(events: Iterable[dict[str, Any]]) -> set[str]:
    return {link["id"] for item in events for link in item["objects"]}


# --- Whole-log import ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ImportSummary:
    event_count: int
    object_count: int
    relation_count: int
    link_count: int


def import_log(*, actor: Any, log: ocel.OcelLog, source: str = "import", filename: str = "") -> ImportSummary:
    """Load an OCEL 2.0 log into the event log, all or nothing.

    Objects that already exist with the same type are reused; an event id that is
    already in the log is refused, so importing the same file twice changes nothing.
    """
    problems = ProblemCollector()
    existing_objects = {}
    object_ids = [item.id for item in log.objects]
    for start in range(0, len(object_ids), 5000):
        existing_objects.update(
            dict(
                EventObject.objects.filter(ocel_id__in=object_ids[start : start + 5000]).values_list(
                    "ocel_id", "object_type__name"
                )
            )
        )
    for row, item in enumerate(log.objects):
        if item.id in existing_objects and existing_objects[item.id] != item.type:
            problems.add("objects.type", f"object {item.id!r} exists with type {existing_objects[item.id]!r}", row)
    event_ids = [item.id for item in log.events]
    taken: set[str] = set()
    for start in range(0, len(event_ids), 5000):
        taken |= set(
            Event.objects.filter(ocel_id__in=event_ids[start : start + 5000]).values_list("ocel_id", flat=True)
        )
    for row, log_event in enumerate(log.events):
        if log_event.id in taken:
            problems.add("events.id", f"event {log_event.id!r} is already in the log", row)
        if len(problems.problems) >= 200:
            break
    problems.raise_if_any("The log was not imported; nothing was written.")

    with transaction.atomic():
        object_types = {}
        for name, declarations in log.object_types.items():
            object_type, _ = ObjectType.objects.get_or_create(name=name)
            _declare(object_type, {d.name: d.type for d in declarations})
            object_types[name] = object_type
        event_types = {}
        for name, declarations in log.event_types.items():
            event_type, _ = EventType.objects.get_or_create(name=name)
            _declare(event_type, {d.name: d.type for d in declarations})
            event_types[name] = event_type
        EventObject.objects.bulk_create(
            [
                EventObject(
                    ocel_id=item.id,
                    object_type=object_types[item.type],
                    attribute_values=[
                        {"name": value.name, "time": value.time.isoformat(), "value": _json_value(value.value)}
                        for value in item.attributes
                    ],
                )
                for item in log.objects
                if item.id not in existing_objects
            ],
            batch_size=2000,
        )
        ids: dict[str, int] = {}
        for start in range(0, len(object_ids), 5000):
            ids.update(
                dict(
                    EventObject.objects.filter(ocel_id__in=object_ids[start : start + 5000]).values_list(
                        "ocel_id", "pk"
                    )
                )
            )
        actor_id = getattr(getattr(actor, "person", actor), "pk", None)
        Event.objects.bulk_create(
            [
                Event(
                    ocel_id=item.id,
                    event_type=event_types[item.type],
                    occurred_at=item.time,
                    attributes={key: _json_value(value) for key, value in item.attributes.items()},
                    actor_id=actor_id,
                    source=source,
                )
                for item in log.events
            ],
            batch_size=2000,
        )
        event_pks: dict[str, int] = {}
        for start in range(0, len(event_ids), 5000):
            event_pks.update(
                dict(
                    Event.objects.filter(ocel_id__in=event_ids[start : start + 5000]).values_list(
                        "ocel_id", "pk"
                    )
                )
            )
        links = {
            (event_pks[item.id], ids[relation.target_id], relation.qualifier)
            for item in log.events
            for relation in item.relationships
        }
        EventObjectLink.objects.bulk_create(
            [EventObjectLink(event_id=e, object_id=o, qualifier=q) for e, o, q in sorted(links)],
            batch_size=5000,
        )
        relations = {
            (ids[item.id], ids[relation.target_id], relation.qualifier)
            for item in log.objects
            for relation in item.relationships
        }
        ObjectRelation.objects.bulk_create(
            [ObjectRelation(source_id=s, target_id=t, qualifier=q) for s, t, q in sorted(relations)],
            batch_size=5000,
            ignore_conflicts=True,
        )
        summary = ImportSummary(
            event_count=len(log.events),
            object_count=len(log.objects) - len(existing_objects),
            relation_count=len(relations),
            link_count=len(links),
        )
        record_audit(
            actor=actor,
            action=AuditAction.IMPORT,
            object_type="event_log",
            object_repr=filename or source,
            after={
                "events": summary.event_count,
                "objects": summary.object_count,
                "event_object_links": summary.link_count,
                "object_relations": summary.relation_count,
            },
            message=f"Imported an OCEL 2.0 log from {filename or source}",
        )
    return summary


def record_export(*, actor: Any, filename: str, event_count: int, object_count: int) -> None:
    """Audit an export of the event log."""
    with transaction.atomic():
        record_audit(
            actor=actor,
            action=AuditAction.EXPORT,
            object_type="event_log",
            object_repr=filename,
            after={"events": event_count, "objects": object_count},
            message=f"Exported the event log to {filename}",
        )
