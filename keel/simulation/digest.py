"""A fingerprint of the operations event log, independent of database keys.

Two runs of the same scenario and seed must produce the same company. Primary keys are
not part of that promise (PostgreSQL sequences move on after a rolled-back run), so
objects are renamed by their order of first appearance in the log, per type, and
attributes that repeat a key (order numbers) are left out. Everything else counts:
activities, times, the objects each event touches and how, attributes and actors.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict

from keel.events.models import Event, EventObjectLink
from keel.organization.models import Person

KEYED_ATTRIBUTES = {"number"}


def log_digest(source: str = "keel") -> str:
    """SHA-256 over the events of ``source`` in time order (ties in insertion order)."""
    names: dict[str, str] = {}
    per_type: dict[str, int] = defaultdict(int)
    emails = dict(Person.objects.values_list("pk", "email"))
    links: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for event_id, ocel_id, qualifier in EventObjectLink.objects.filter(event__source=source).values_list(
            "event_id", "object__ocel_id", "qualifier").order_by("event_id", "id"):
        links[event_id].append((ocel_id, qualifier))
    digest = hashlib.sha256()
    for pk, activity, occurred_at, attributes, actor_id in Event.objects.filter(source=source).values_list(
            "pk", "event_type__name", "occurred_at", "attributes", "actor_id").order_by("occurred_at", "pk"):
        objects = []
        for ocel_id, qualifier in links.get(pk, []):
            if ocel_id not in names:
                kind = ocel_id.split(":", 1)[0]
                per_type[kind] += 1
                names[ocel_id] = f"{kind}#{per_type[kind]}"
            objects.append(f"{names[ocel_id]}/{qualifier}")
        kept = {key: value for key, value in (attributes or {}).items() if key not in KEYED_ATTRIBUTES}
        line = json.dumps([activity, occurred_at.isoformat(), sorted(objects), kept, emails.get(actor_id, "")],
                          sort_keys=True, default=str)
        digest.update(line.encode())
        digest.update(b"\n")
    return digest.hexdigest()
