"""Every API error is RFC 9457 problem+json, never a stack trace; the schema names actions."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from conftest import row_counts as counts
from keel.core.permissions import get_action
from keel.organization.models import Person

pytestmark = pytest.mark.django_db

PROBLEM_JSON = "application/problem+json"
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}




@pytest.fixture
def client_admin(admin: Person, api_client: Callable[..., Client]) -> Client:
    return api_client(admin)


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_unknown_api_path_is_a_404_problem(client_admin: Client, method: str) -> None:
    # Given an authenticated caller
    # When a path the API does not have is requested
    response = getattr(client_admin, method)("/api/v1/nope")

    # Then it is a 404 problem+json, not the web UI's HTML page
    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM_JSON
    assert response.json() == {
        "type": "about:blank", "title": "Not found", "status": 404, "detail": "No such resource.",
    }


def test_an_unknown_person_is_a_404_problem(client_admin: Client) -> None:
    # When a person id that does not exist is requested
    response = client_admin.get("/api/v1/people/999999")

    # Then the problem names it
    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM_JSON
    assert response.json() == {
        "type": "about:blank", "title": "Not found", "status": 404,
        "detail": "No person 999999 in your scope.",
    }


def test_a_read_only_field_in_a_new_person_is_refused(client_admin: Client) -> None:
    # Given a body that tries to set is_superuser, which the API does not accept
    before = counts()
    body = {
        "email": "eve@example.com", "full_name": "Eve Example", "title": "fulfillment-manager",
        "is_superuser": True,
    }

    # When the person is posted
    response = client_admin.post("/api/v1/people", body, content_type="application/json")

    # Then it is a 422 naming the field, and no person (or event, or audit record) is created
    assert response.status_code == 422
    assert response["Content-Type"] == PROBLEM_JSON
    assert response.json() == {
        "type": "about:blank", "title": "Validation failed", "status": 422,
        "detail": "The request has invalid fields.",
        "errors": [{"field": "is_superuser", "message": "Extra inputs are not permitted"}],
    }
    assert counts() == before
    assert not Person.objects.filter(email="eve@example.com").exists()

    # And without the extra field the same body creates a person who is not a superuser
    del body["is_superuser"]
    created = client_admin.post("/api/v1/people", body, content_type="application/json")
    assert created.status_code == 201
    assert Person.objects.get(email="eve@example.com").is_superuser is False


def test_a_wrong_type_in_a_patch_is_refused(client_admin: Client, make_person: Callable[..., Person]) -> None:
    # Given a person
    person = make_person("fulfillment-manager", full_name="Ann Lee")
    before = counts()

    # When a patch sends a number and a list where text is expected
    response = client_admin.patch(
        f"/api/v1/people/{person.pk}", {"full_name": 5, "time_zone": ["UTC"]}, content_type="application/json"
    )

    # Then both fields are named and nothing changes
    assert response.status_code == 422
    assert response["Content-Type"] == PROBLEM_JSON
    assert response.json() == {
        "type": "about:blank", "title": "Validation failed", "status": 422,
        "detail": "The request has invalid fields.",
        "errors": [
            {"field": "full_name", "message": "Input should be a valid string"},
            {"field": "time_zone", "message": "Input should be a valid string"},
        ],
    }
    assert counts() == before
    person.refresh_from_db()
    assert (person.full_name, person.time_zone) == ("Ann Lee", "UTC")


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/people", {"email": "big@example.com", "full_name": "B" * 2000, "title": "fulfillment-manager"}),
        ("/api/v1/ingest", {"source": "wms", "events": [{"activity": "A" * 2000}]}),
    ],
    ids=["people", "ingest"],
)
def test_a_body_larger_than_the_limit_is_a_413_problem(
    client_admin: Client, settings: Any, path: str, body: dict[str, Any]
) -> None:
    # Given a body limit of 1000 bytes
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    before = counts()

    # When a larger body is sent
    response = client_admin.post(path, body, content_type="application/json", headers={"Idempotency-Key": "k"})

    # Then it is a 413 problem+json (not a 500) without a trace, and nothing is written
    assert response.status_code == 413
    assert response["Content-Type"] == PROBLEM_JSON
    assert "Traceback" not in response.content.decode()
    assert response.json() == {
        "type": "about:blank", "title": "Content too large", "status": 413,
        "detail": "The request body is larger than 1000 bytes.",
    }
    assert counts() == before


def test_malformed_json_is_a_400_problem(client_admin: Client) -> None:
    # When a body that is not JSON is posted
    before = counts()
    response = client_admin.post("/api/v1/people", data="{not json", content_type="application/json")

    # Then it is a 400 problem+json and nothing is written
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM_JSON
    assert "Traceback" not in response.content.decode()
    assert response.json() == {
        "type": "about:blank", "title": "Request refused", "status": 400, "detail": "Cannot parse request body",
    }
    assert counts() == before


def test_the_openapi_schema_is_valid_and_every_operation_names_its_action(db: Any) -> None:
    # When the schema is fetched (it is public)
    response = Client().get("/api/v1/openapi.json")

    # Then it is OpenAPI 3 JSON
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "Keel API"

    # And every operation declares an action that the permission registry knows
    operations = {
        (method.upper(), path): operation.get("x-keel-action")
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    }
    assert len(operations) >= 12
    missing = sorted(key for key, action in operations.items() if not action)
    assert missing == []
    for action in operations.values():
        assert get_action(action).code == action
    # And the operations this project ships name the expected actions (others may be added)
    assert {
        ("GET", "/api/v1/me"): "organization.use_keel",
        ("GET", "/api/v1/people"): "organization.view_person",
        ("POST", "/api/v1/people"): "organization.create_person",
        ("GET", "/api/v1/people/{person_id}"): "organization.view_person",
        ("PATCH", "/api/v1/people/{person_id}"): "organization.change_person",
        ("POST", "/api/v1/people/{person_id}/deactivate"): "organization.deactivate_person",
        ("GET", "/api/v1/job-titles"): "organization.view_job_title",
        ("GET", "/api/v1/sites"): "organization.view_site",
        ("GET", "/api/v1/departments"): "organization.view_site",
        ("POST", "/api/v1/ingest"): "events.ingest_events",
        ("GET", "/api/v1/events"): "events.view_event",
        ("GET", "/api/v1/audit"): "audit.view_audit",
    }.items() <= operations.items()


def test_the_api_root_is_a_problem_404_not_a_server_error(client: Client) -> None:
    response = client.get("/api/v1/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["title"] == "Not found"
