"""POST /api/v1/ingest (idempotent, all or nothing) and GET /api/v1/events over HTTP."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from conftest import row_counts as counts
from keel.audit.models import AuditRecord
from keel.events.models import (
    Event,
    EventObject,
    EventObjectLink,
    EventType,
    IngestBatch,
    ObjectRelation,
    ObjectType,
)
from keel.organization.models import Person

pytestmark = pytest.mark.django_db

INGEST = "/api/v1/ingest"
PROBLEM_JSON = "application/problem+json"
REFUSED = "The batch was refused; nothing was written."




def batch_body() -> dict[str, Any]:
    """Two objects (with attributes and an O2O relation) and three events linked to them."""
    return {
        "source": "wms",
        "objects": [
            {
                "id": "order:1042",
                "type": "order",
                "attributes": {"total": 99.5, "priority": "high"},
                "relationships": [{"objectId": "item:7", "qualifier": "contains"}],
            },
            {"id": "item:7", "type": "item", "attributes": {"sku": "SKU-7", "quantity": 3}},
        ],
        "events": [
            {
                "id": "wms:1",
                "activity": "Place order",
                "time": "2024-03-01T09:00:00Z",
                "attributes": {"channel": "web"},
                "objects": [
                    {"id": "order:1042", "qualifier": "placed"},
                    {"id": "item:7", "qualifier": "ordered"},
                ],
            },
            {
                "id": "wms:2",
                "activity": "Pick item",
                "time": "2024-03-01T10:30:00+01:00",
                "attributes": {"picker": "ann", "bin": 12},
                "objects": [{"id": "item:7", "qualifier": "picked"}],
            },
            {
                "id": "wms:3",
                "activity": "Pack order",
                "time": "2024-03-01T11:00:00+00:00",
                "objects": [
                    {"id": "order:1042", "qualifier": "packed"},
                    {"id": "item:7", "qualifier": "packed"},
                ],
            },
        ],
    }


def post(client: Client, body: Any, key: str | None = "batch-1") -> Any:
    headers = {"Idempotency-Key": key} if key is not None else {}
    return client.post(INGEST, body, content_type="application/json", headers=headers)


@pytest.fixture
def ingester(make_person: Callable[..., Person], api_client: Callable[..., Client]) -> Client:
    """A VP of Business Operations (automation=manage) holds events.ingest_events."""
    person = make_person("vp-of-business-operations")
    assert person.has_action("events.ingest_events")
    return api_client(person)


def assert_refused(response: Any, errors: list[dict[str, object]], detail: str = REFUSED) -> None:
    assert response.status_code == 422
    assert response["Content-Type"] == PROBLEM_JSON
    assert response.json() == {
        "type": "about:blank",
        "title": "Validation failed",
        "status": 422,
        "detail": detail,
        "errors": errors,
    }


# --- A valid batch --------------------------------------------------------------------


def test_a_valid_batch_is_written_with_times_attributes_and_relations(ingester: Client) -> None:
    # Given a caller allowed to ingest and an empty log apart from people events
    before = counts()
    started = timezone.now()

    # When a batch of 3 events and 2 objects is sent
    response = post(ingester, batch_body())

    # Then it is created and the body lists the event ids in the order sent
    assert response.status_code == 201
    batch = IngestBatch.objects.get()
    assert response.json() == {
        "batch_id": batch.pk,
        "idempotency_key": "batch-1",
        "event_count": 3,
        "object_count": 2,
        "replayed": False,
        "event_ids": ["wms:1", "wms:2", "wms:3"],
    }
    assert (batch.source, batch.event_count, batch.object_count) == ("wms", 3, 2)
    assert batch.result == {"event_ids": ["wms:1", "wms:2", "wms:3"]}

    # And the log holds exactly those events, with UTC times and their attributes
    events = Event.objects.filter(source="wms").order_by("occurred_at")
    assert [(e.ocel_id, e.event_type.name, e.occurred_at, e.attributes) for e in events] == [
        ("wms:1", "Place order", datetime(2024, 3, 1, 9, 0, tzinfo=UTC), {"channel": "web"}),
        ("wms:2", "Pick item", datetime(2024, 3, 1, 9, 30, tzinfo=UTC), {"picker": "ann", "bin": 12}),
        ("wms:3", "Pack order", datetime(2024, 3, 1, 11, 0, tzinfo=UTC), {}),
    ]
    assert all(e.occurred_at.utcoffset().total_seconds() == 0 for e in events)
    assert {e.site_id for e in events} == {None}

    # And each event is linked to its objects with the qualifiers sent
    links = EventObjectLink.objects.filter(event__source="wms").values_list(
        "event__ocel_id", "object__ocel_id", "qualifier"
    )
    assert sorted(links) == [
        ("wms:1", "item:7", "ordered"),
        ("wms:1", "order:1042", "placed"),
        ("wms:2", "item:7", "picked"),
        ("wms:3", "item:7", "packed"),
        ("wms:3", "order:1042", "packed"),
    ]

    # And the objects carry their typed attributes and the O2O relation
    order = EventObject.objects.get(ocel_id="order:1042")
    item = EventObject.objects.get(ocel_id="item:7")
    assert (order.object_type.name, item.object_type.name) == ("order", "item")
    assert [(v["name"], v["value"]) for v in order.attribute_values] == [("total", 99.5), ("priority", "high")]
    assert [(v["name"], v["value"]) for v in item.attribute_values] == [("sku", "SKU-7"), ("quantity", 3)]
    for value in order.attribute_values + item.attribute_values:
        stamped = datetime.fromisoformat(value["time"])
        assert started <= stamped <= timezone.now()
    assert list(ObjectRelation.objects.values_list("source__ocel_id", "target__ocel_id", "qualifier")) == [
        ("order:1042", "item:7", "contains")
    ]
    assert ObjectType.objects.get(name="order").attributes == [
        {"name": "total", "type": "float"}, {"name": "priority", "type": "string"},
    ]
    assert ObjectType.objects.get(name="item").attributes == [
        {"name": "sku", "type": "string"}, {"name": "quantity", "type": "integer"},
    ]
    assert EventType.objects.get(name="Pick item").attributes == [
        {"name": "picker", "type": "string"}, {"name": "bin", "type": "integer"},
    ]

    # And one import audit record was written, and nothing else
    record = AuditRecord.objects.get(action="import")
    assert (record.object_type, record.object_id, record.object_repr) == ("ingest_batch", str(batch.pk), "wms: batch-1")
    assert record.after == {"events": 3, "objects": 2}
    assert record.channel == "api"
    after = counts()
    assert after == {
        **before, "events": before["events"] + 3, "objects": before["objects"] + 2,
        "links": before["links"] + 5, "relations": before["relations"] + 1,
        "audit": before["audit"] + 1, "batches": before["batches"] + 1,
    }


def test_the_same_key_and_body_again_is_a_replay_that_writes_nothing(ingester: Client) -> None:
    # Given a batch that was accepted
    first = post(ingester, batch_body())
    assert first.status_code == 201
    before = counts()

    # When the same key and body are sent again
    again = post(ingester, batch_body())

    # Then the first result is returned with 200 and replayed true, and nothing is written
    assert again.status_code == 200
    assert again.json() == {**first.json(), "replayed": True}
    assert again.json()["batch_id"] == first.json()["batch_id"]
    assert counts() == before


def test_the_same_key_with_a_different_body_is_a_conflict(ingester: Client) -> None:
    # Given a batch that was accepted under key batch-1
    assert post(ingester, batch_body()).status_code == 201
    before = counts()
    changed = batch_body()
    changed["events"][0]["attributes"] = {"channel": "phone"}

    # When the key is reused for a different batch
    response = post(ingester, changed)

    # Then it is a 409 problem and nothing is written
    assert response.status_code == 409
    assert response["Content-Type"] == PROBLEM_JSON
    assert response.json() == {
        "type": "about:blank",
        "title": "Conflict",
        "status": 409,
        "detail": "Idempotency key 'batch-1' was already used for a different batch.",
    }
    assert counts() == before
    assert Event.objects.get(ocel_id="wms:1").attributes == {"channel": "web"}


def test_the_key_may_be_sent_in_the_body(ingester: Client) -> None:
    # Given a body carrying its idempotency key and no header
    body = {**batch_body(), "idempotency_key": "from-body"}

    # When it is sent twice
    first = post(ingester, body, key=None)
    again = post(ingester, body, key=None)

    # Then the key is used: created once, replayed once
    assert first.status_code == 201
    assert first.json()["idempotency_key"] == "from-body"
    assert again.status_code == 200
    assert again.json()["replayed"] is True
    assert list(IngestBatch.objects.values_list("idempotency_key", flat=True)) == ["from-body"]
    assert Event.objects.filter(source="wms").count() == 3


def test_a_missing_key_is_refused(ingester: Client) -> None:
    # Given a valid body but no key in the header or the body
    before = counts()

    # When it is sent
    response = post(ingester, batch_body(), key=None)

    # Then the caller is told to send the key, and nothing is written
    assert_refused(
        response,
        [{"field": "Idempotency-Key", "message": "send the header or idempotency_key"}],
        detail="An idempotency key is required.",
    )
    assert counts() == before


# --- Per-row problems refuse the whole batch ------------------------------------------


def test_a_time_without_a_time_zone_is_a_row_error(ingester: Client) -> None:
    # Given a batch whose second event has a naive time (the schema accepts it as a
    # datetime; the service refuses it because it has no offset)
    body = batch_body()
    body["events"][1]["time"] = "2024-03-01T10:30:00"
    before = counts()

    # When it is sent
    response = post(ingester, body)

    # Then the row is named and none of the valid rows are written
    assert_refused(
        response, [{"field": "events.time", "message": "required ISO 8601 time with a time zone", "row": 1}]
    )
    assert counts() == before


def test_an_unknown_object_without_a_type_is_a_row_error(ingester: Client) -> None:
    # Given an event that touches an object that is neither declared nor in the log
    body = batch_body()
    body["events"][1]["objects"] = [{"id": "ghost:1", "qualifier": "picked"}]
    before = counts()

    # When it is sent
    response = post(ingester, body)

    # Then the whole batch is refused, naming the row
    assert_refused(
        response,
        [{
            "field": "events.objects",
            "message": "unknown object 'ghost:1': declare it in 'objects' or give its 'type'",
            "row": 1,
        }],
    )
    assert counts() == before


def test_an_unknown_object_with_a_type_in_the_link_is_created(ingester: Client) -> None:
    # Given an event that names a new object's type in the link itself
    body = batch_body()
    body["events"][1]["objects"] = [{"id": "bin:12", "type": "bin", "qualifier": "from"}]

    # When it is sent
    response = post(ingester, body)

    # Then the object is created with that type
    assert response.status_code == 201
    assert response.json()["object_count"] == 3
    assert EventObject.objects.get(ocel_id="bin:12").object_type.name == "bin"


def test_a_duplicate_event_id_within_the_batch_is_a_row_error(ingester: Client) -> None:
    # Given a batch whose third event repeats the first event's id
    body = batch_body()
    body["events"][2]["id"] = "wms:1"
    before = counts()

    # When it is sent
    response = post(ingester, body)

    # Then the repeated row is named and nothing is written
    assert_refused(
        response, [{"field": "events.id", "message": "event 'wms:1' appears twice in the batch", "row": 2}]
    )
    assert counts() == before


def test_an_event_id_already_in_the_log_is_a_row_error(ingester: Client) -> None:
    # Given a batch that was accepted
    assert post(ingester, batch_body()).status_code == 201
    before = counts()
    # And a new batch (new key) whose second event reuses an id already in the log
    body = batch_body()
    body["objects"] = []
    body["events"][0]["id"] = "wms:10"
    body["events"][2]["id"] = "wms:30"

    # When it is sent
    response = post(ingester, body, key="batch-2")

    # Then that row is refused and the other two (valid) events are not written either
    assert_refused(response, [{"field": "events.id", "message": "event 'wms:2' is already in the log", "row": 1}])
    assert counts() == before
    assert not Event.objects.filter(ocel_id__in=["wms:10", "wms:30"]).exists()
    assert not IngestBatch.objects.filter(idempotency_key="batch-2").exists()


def test_a_relation_to_an_object_already_in_the_log_is_kept(ingester: Client) -> None:
    # Given a batch that put item:7 in the log
    assert post(ingester, batch_body()).status_code == 201
    # And a new batch declaring an order related to that existing item only
    body = {
        "source": "wms",
        "objects": [{
            "id": "order:2000", "type": "order",
            "relationships": [{"objectId": "item:7", "qualifier": "contains"}],
        }],
        "events": [{
            "id": "wms:4", "activity": "Place order", "time": "2024-03-02T09:00:00Z",
            "objects": [{"id": "order:2000", "qualifier": "placed"}],
        }],
    }

    # When it is sent
    response = post(ingester, body, key="batch-2")

    # Then the relation to the existing object is written, not silently dropped
    assert response.status_code == 201
    assert sorted(ObjectRelation.objects.values_list("source__ocel_id", "target__ocel_id", "qualifier")) == [
        ("order:1042", "item:7", "contains"),
        ("order:2000", "item:7", "contains"),
    ]


def test_a_relation_to_an_unknown_object_is_a_row_error(ingester: Client) -> None:
    # Given a batch whose first object relates to an object nobody declared
    body = batch_body()
    body["objects"][0]["relationships"] = [{"objectId": "ghost:9", "qualifier": "contains"}]
    before = counts()

    # When it is sent
    response = post(ingester, body)

    # Then the batch is refused, naming the object row, and nothing is written
    assert_refused(
        response,
        [{"field": "objects.relationships", "message": "unknown object 'ghost:9': declare it in 'objects'", "row": 0}],
    )
    assert counts() == before


# --- Schema problems -------------------------------------------------------------------


def test_an_unknown_field_is_refused_and_named(ingester: Client) -> None:
    # Given a valid batch with an extra top-level field and an extra field in an event
    body = batch_body()
    body["priority"] = "urgent"
    body["events"][0]["colour"] = "red"
    before = counts()

    # When it is sent
    response = post(ingester, body)

    # Then both fields are named as not permitted
    assert_refused(
        response,
        [
            {"field": "events.0.colour", "message": "Extra inputs are not permitted"},
            {"field": "priority", "message": "Extra inputs are not permitted"},
        ],
        detail="The request has invalid fields.",
    )
    assert counts() == before


def test_a_wrong_type_is_refused(ingester: Client) -> None:
    # Given events sent as text instead of a list
    before = counts()

    # When it is sent
    response = post(ingester, {"source": "wms", "events": "x"})

    # Then the field is named
    assert_refused(
        response,
        [{"field": "events", "message": "Input should be a valid list"}],
        detail="The request has invalid fields.",
    )
    assert counts() == before


def test_malformed_json_is_a_400_problem(ingester: Client) -> None:
    # Given a body that is not JSON
    before = counts()

    # When it is sent as application/json
    response = ingester.post(
        INGEST, data="{not json", content_type="application/json", headers={"Idempotency-Key": "k"}
    )

    # Then it is a 400 problem+json, not a stack trace, and nothing is written
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM_JSON
    assert response.json() == {
        "type": "about:blank",
        "title": "Request refused",
        "status": 400,
        "detail": "Cannot parse request body",
    }
    assert counts() == before


def test_more_events_than_the_maximum_is_refused(ingester: Client, settings: Any) -> None:
    # Given a maximum of 3 events per batch
    settings.KEEL_INGEST_MAX_EVENTS = 3
    body = batch_body()
    extra = copy.deepcopy(body["events"][2])
    extra["id"] = "wms:4"
    body["events"].append(extra)
    before = counts()

    # When 4 events are sent
    response = post(ingester, body)

    # Then the batch is refused and nothing is written
    assert_refused(
        response, [{"field": "events", "message": "at most 3 events per batch; send several batches"}]
    )
    assert counts() == before
    # And exactly 3 are accepted
    body["events"].pop()
    assert post(ingester, body).status_code == 201


# --- Access ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [pytest.param(batch_body(), id="valid-body"), pytest.param({"events": "x", "bogus": 1}, id="invalid-body")],
)
def test_a_role_without_ingest_is_refused_before_the_body_is_read(
    make_person: Callable[..., Person], api_client: Callable[..., Client], body: dict[str, Any]
) -> None:
    # Given a Fulfillment Manager (automation=view) with a token for all their actions
    person = make_person("fulfillment-manager")
    assert not person.has_action("events.ingest_events")
    client = api_client(person)
    before = counts()

    # When they send a batch, valid or not
    response = post(client, body)

    # Then it is a 403 (never a 422 that would reveal the schema) and only the refusal is audited
    assert response.status_code == 403
    assert response["Content-Type"] == PROBLEM_JSON
    assert response.json() == {
        "type": "about:blank",
        "title": "Forbidden",
        "status": 403,
        "detail": "Your role does not allow events.ingest_events.",
    }
    assert counts() == {**before, "audit": before["audit"] + 1}
    denied = AuditRecord.objects.order_by("-id").first()
    assert denied is not None
    assert (denied.action, denied.actor_id, denied.object_repr, denied.message) == (
        "access_denied", person.pk, INGEST, "Needed events.ingest_events",
    )


def test_an_anonymous_caller_is_asked_to_authenticate(db: Any) -> None:
    # Given no token and no session
    before = counts()

    # When a valid batch is sent
    response = post(Client(), batch_body())

    # Then it is a 401 with a WWW-Authenticate challenge and nothing is written
    assert response.status_code == 401
    assert response["Content-Type"] == PROBLEM_JSON
    assert response["WWW-Authenticate"] == 'Bearer realm="keel"'
    assert response.json() == {
        "type": "about:blank",
        "title": "Unauthorized",
        "status": 401,
        "detail": "Send 'Authorization: Bearer <token>' or log in.",
    }
    assert counts() == before


# --- Listing ---------------------------------------------------------------------------


@pytest.fixture
def ingested(ingester: Client) -> Client:
    assert post(ingester, batch_body()).status_code == 201
    return ingester


def test_events_are_listed_with_pagination(ingested: Client) -> None:
    # Given the three ingested events (plus the caller's own "Create person" event)
    # When the first page of two is asked for
    response = ingested.get("/api/v1/events", {"source": "wms", "limit": 2})

    # Then the count is 3 and the two earliest come first, with their objects
    assert response.status_code == 200
    assert response.json() == {
        "count": 3,
        "limit": 2,
        "offset": 0,
        "items": [
            {
                "id": "wms:1", "activity": "Place order", "time": "2024-03-01T09:00:00Z",
                "source": "wms", "attributes": {"channel": "web"},
                "objects": [
                    {"id": "item:7", "type": "item", "qualifier": "ordered"},
                    {"id": "order:1042", "type": "order", "qualifier": "placed"},
                ],
            },
            {
                "id": "wms:2", "activity": "Pick item", "time": "2024-03-01T09:30:00Z",
                "source": "wms", "attributes": {"picker": "ann", "bin": 12},
                "objects": [{"id": "item:7", "type": "item", "qualifier": "picked"}],
            },
        ],
    }
    # And the second page holds the last one
    second = ingested.get("/api/v1/events", {"source": "wms", "limit": 2, "offset": 2}).json()
    assert (second["count"], [item["id"] for item in second["items"]]) == (3, ["wms:3"])


def test_events_can_be_ordered_by_time_descending(ingested: Client) -> None:
    # When the events are listed newest first
    response = ingested.get("/api/v1/events", {"source": "wms", "ordering": "-time"})

    # Then they come in descending time
    assert response.status_code == 200
    assert [item["id"] for item in response.json()["items"]] == ["wms:3", "wms:2", "wms:1"]
    ascending = ingested.get("/api/v1/events", {"source": "wms", "ordering": "time"}).json()
    assert [item["id"] for item in ascending["items"]] == ["wms:1", "wms:2", "wms:3"]


def test_a_limit_above_500_is_refused(ingested: Client) -> None:
    # When more than the maximum page size is asked for
    response = ingested.get("/api/v1/events", {"limit": 501})

    # Then it is a 422 naming the limit, not a silent cap
    assert_refused(
        response,
        [{"field": "limit", "message": "Input should be less than or equal to 500"}],
        detail="The request has invalid fields.",
    )
    assert ingested.get("/api/v1/events", {"limit": 500}).status_code == 200


def test_an_unknown_ordering_is_refused(ingested: Client) -> None:
    # When the events are ordered by a field that is not allowed
    response = ingested.get("/api/v1/events", {"ordering": "bogus"})

    # Then it is a 422 naming the ordering field
    assert_refused(
        response,
        [{"field": "ordering", "message": "unknown field 'bogus'; use one of time"}],
        detail="The ordering is not supported.",
    )


@pytest.mark.django_db(transaction=True)
def test_the_same_batch_sent_twice_at_once_is_written_once(
    make_person: Callable[..., Person], api_client: Callable[..., Client]
) -> None:
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    # Given one integration sending the same batch on four connections at the same moment
    person = make_person("vp-of-business-operations")
    headers = api_client(person).defaults
    start = threading.Barrier(4)

    def send(_: int) -> tuple[int, int]:
        try:
            start.wait()
            response = post(Client(**headers), batch_body(), key="race-1")
            return response.status_code, response.json()["batch_id"]
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(send, range(4)))
    # Then exactly one request wrote it and the others were answered as replays of it
    statuses = sorted(status for status, _ in results)
    assert statuses == [200, 200, 200, 201]
    assert len({batch_id for _, batch_id in results}) == 1
    assert IngestBatch.objects.filter(idempotency_key="race-1").count() == 1
    assert Event.objects.filter(source="wms").count() == 3
