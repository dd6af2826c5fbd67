"""Bad input and hostile callers get clear 4xx answers and change nothing."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client, RequestFactory
from django.urls import reverse
from openpyxl import load_workbook

from conftest import row_counts
from keel.audit.models import AuditRecord
from keel.core.middleware import client_ip
from keel.organization.models import Person

pytestmark = pytest.mark.django_db
INGEST = "/api/v1/ingest"


def test_required_person_fields_cannot_be_emptied(admin: Person, make_person: Callable[..., Person], api_client: Any) -> None:
    person = make_person("fulfillment-manager")
    client = api_client(admin)
    before = row_counts()
    response = client.patch(f"/api/v1/people/{person.pk}", {"full_name": None, "time_zone": None},
                                       content_type="application/json")
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "full_name", "message": "required; it cannot be emptied"},
        {"field": "time_zone", "message": "required; it cannot be emptied"},
    ]
    assert row_counts() == before


@pytest.mark.parametrize("url", ["/events/?since=2024-02-30", "/audit/?until=yesterday"])
def test_a_bad_date_filter_is_a_clear_422(admin: Person, login: Callable[[Person], Client], url: str) -> None:
    response = login(admin).get(url)
    assert response.status_code == 422
    assert "is not a date (use YYYY-MM-DD)" in response.content.decode()


def test_the_audit_trail_exports_to_xlsx_with_its_changes(admin: Person, login: Callable[[Person], Client]) -> None:
    response = login(admin).get("/audit/", {"export": "xlsx"})
    assert response.status_code == 200
    rows = [[cell.value for cell in row] for row in load_workbook(io.BytesIO(response.content)).active.iter_rows()]
    assert rows[0][-2:] == ["Before", "After"]
    created = [row for row in rows[1:] if row[2] == "create" and row[3] == "person"]
    assert json.loads(created[0][-1])["email"] == admin.email
    assert AuditRecord.objects.filter(action="export", object_type="audit_record").count() == 1


def test_exporting_without_the_right_is_refused_and_audited(make_person: Callable[..., Person], login: Callable[[Person], Client]) -> None:
    person = make_person("director-of-supply-chain")  # risk: operate (view, not export)
    response = login(person).get("/audit/", {"export": "csv"})
    assert response.status_code == 403
    denial = AuditRecord.objects.filter(action="access_denied").latest("id")
    assert (denial.actor_id, denial.message) == (person.pk, "Needed audit.export_audit")


@pytest.mark.parametrize(("remote", "forwarded", "trusted", "expected"), [
    ("203.0.113.9", "198.51.100.1", [], "203.0.113.9"),  # no trusted proxy: the header is ignored
    ("10.0.0.2", "198.51.100.1", ["10.0.0.2"], "198.51.100.1"),
    ("10.0.0.2", "6.6.6.6, 198.51.100.1", ["10.0.0.2"], "198.51.100.1"),  # a forged left part loses
    ("10.0.0.2", "198.51.100.1, 10.0.0.3", ["10.0.0.2", "10.0.0.3"], "198.51.100.1"),
])
def test_the_client_address_honours_only_trusted_proxies(
    settings: Any, remote: str, forwarded: str, trusted: list[str], expected: str
) -> None:
    settings.KEEL_TRUSTED_PROXIES = trusted
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def ingester(make_person: Callable[..., Person], api_client: Any) -> Client:
    return api_client(make_person("vp-of-business-operations"))


@pytest.mark.parametrize(("body", "errors"), [
    ({"source": "KEEL", "events": [{"activity": "Deactivate person", "time": "2026-01-01T00:00:00Z",
                                    "objects": [{"id": "person:1", "type": "person"}]}]},
     [{"field": "source", "message": "'keel' is reserved for Keel's own events; name your system"}]),
    ({"source": "wms", "events": [{"id": "keel:forged", "activity": "Pick", "time": "2026-01-01T00:00:00Z",
                                   "objects": [{"id": "o1", "type": "order"}]}]},
     [{"field": "events.id", "message": "ids starting 'keel:' are reserved for Keel's own events", "row": 0}]),
    ({"source": "wms", "objects": [{"id": "o1", "type": "order"}],
      "events": [{"activity": "Pick", "time": "2026-01-01T00:00:00Z", "objects": [{"id": "o1", "type": "parcel"}]}]},
     [{"field": "events.objects", "message": "object 'o1' has type 'order', not 'parcel'", "row": 0}]),
])
def test_ingest_refuses_forged_keel_history_and_type_mismatches(
    make_person: Callable[..., Person], api_client: Any, body: dict[str, Any], errors: list[dict[str, Any]]
) -> None:
    client = ingester(make_person, api_client)
    before = row_counts()
    response = client.post(INGEST, body, content_type="application/json", headers={"Idempotency-Key": "k1"})
    assert response.status_code == 422
    assert response.json()["errors"] == errors
    assert row_counts() == before


def test_idempotency_keys_belong_to_their_caller(make_person: Callable[..., Person], api_client: Any) -> None:
    body = {"source": "wms", "events": [{"activity": "Pick", "time": "2026-01-01T00:00:00Z",
                                         "objects": [{"id": "o1", "type": "order"}]}]}
    first = ingester(make_person, api_client).post(INGEST, body, content_type="application/json", headers={"Idempotency-Key": "same"})
    other_body = {**body, "events": [{**body["events"][0], "activity": "Pack"}]}
    second = ingester(make_person, api_client).post(INGEST, other_body, content_type="application/json",
                                                    headers={"Idempotency-Key": "same"})
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["batch_id"] != second.json()["batch_id"]


def test_setpassword_prints_a_working_password_once(make_person: Callable[..., Person]) -> None:
    from django.contrib.auth import authenticate

    person = make_person("fulfillment-manager")
    out = io.StringIO()
    call_command("keel_setpassword", person.email, stdout=out)
    password = out.getvalue().strip().rsplit(" ", 1)[-1]
    assert authenticate(username=person.email, password=password) == person
    assert reverse("web:login")
