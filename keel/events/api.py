"""REST operations of the event log: ingest from other systems, list events."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Status

from keel.core.api import KeelRouter, Page, PageParams, apply_ordering, paginate
from keel.core.errors import FieldProblem, ValidationFailed
from keel.events import selectors, services
from keel.events.permissions import INGEST_EVENTS, VIEW_EVENT
from keel.events.schemas import EventOut, EventsQuery, IngestIn, IngestOut

router = KeelRouter(tags=["events"])


@router.post(
    "/ingest", response={201: IngestOut, 200: IngestOut}, action=INGEST_EVENTS.code,
    summary="Send a batch of events (idempotent, all or nothing)",
    description=(
        "Send `Idempotency-Key` (header) or `idempotency_key` (body). A repeated key with the "
        "same batch returns the first result with status 200 and creates nothing; with a "
        "different batch it is a 409. Any invalid row refuses the whole batch with a 422 "
        "listing each row's problems."
    ),
)
def ingest(request: HttpRequest, response: HttpResponse, payload: IngestIn) -> Status[dict[str, Any]]:
    key = request.headers.get("Idempotency-Key") or payload.idempotency_key
    if not key:
        raise ValidationFailed(
            "An idempotency key is required.",
            problems=[FieldProblem(field="Idempotency-Key", message="send the header or idempotency_key")],
        )
    data = payload.dict()
    events = [
        {**event, "time": event["time"].isoformat(), "id": event["id"] or None}
        for event in data["events"]
    ]
    for event in events:
        if event["id"] is None:
            del event["id"]
    result = services.ingest_batch(
        actor=request.auth,  # type: ignore[attr-defined]
        idempotency_key=key, source=payload.source, events=events, objects=data["objects"],
    )
    return Status(200 if result.replayed else 201, result.as_dict())


@router.get("/events", response=Page[EventOut], action=VIEW_EVENT.code, summary="List events in scope")
def list_events(
    request: HttpRequest, filters: Query[EventsQuery], page: Query[PageParams]
) -> dict[str, Any]:
    rows = selectors.events(
        actor=request.auth,  # type: ignore[attr-defined]
        activity=filters.activity, object_type=filters.object_type, object_id=filters.object_id,
        source=filters.source, since=filters.since, until=filters.until,
    )
    rows = apply_ordering(rows, filters.ordering, {"time": "occurred_at"}, "occurred_at")
    result = paginate(rows, page)
    links = selectors.event_links([row.pk for row in result["items"]])
    result["items"] = [
        {
            "id": row.ocel_id, "activity": row.event_type.name, "time": row.occurred_at,
            "source": row.source, "attributes": row.attributes,
            "objects": [{"id": o, "type": t, "qualifier": q} for o, t, q in links[row.pk]],
        }
        for row in result["items"]
    ]
    return result
