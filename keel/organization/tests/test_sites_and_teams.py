"""Sites can be edited, teams added, and the small lists page and filter like the big ones."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from keel.audit.models import AuditRecord
from keel.organization.models import Department, Person, Site, Team

pytestmark = pytest.mark.django_db


def test_editing_a_site_is_audited(admin: Person, site_dublin: Site, login: Callable[[Person], Client]) -> None:
    response = login(admin).post(reverse("organization:site-edit", kwargs={"pk": site_dublin.pk}), {
        "name": "Dublin fulfillment centre", "kind": "warehouse", "currency": "eur", "time_zone": "Europe/Dublin",
    })
    assert response.status_code == 302
    site = Site.objects.get(pk=site_dublin.pk)
    assert (site.name, site.currency, site.is_active) == ("Dublin fulfillment centre", "EUR", False)
    record = AuditRecord.objects.filter(object_type="site", action="change").latest("id")
    assert record.after == {"name": "Dublin fulfillment centre", "is_active": False}


def test_adding_a_team(admin: Person, site_dublin: Site, department_ops: Department, login: Callable[[Person], Client]) -> None:
    client = login(admin)
    response = client.post(reverse("organization:team-create"), {"name": "Packing", "department": department_ops.pk, "site": site_dublin.pk})
    assert response.status_code == 302
    again = client.post(reverse("organization:team-create"), {"name": "Packing", "department": department_ops.pk, "site": site_dublin.pk})
    assert again.status_code == 400
    assert "this team exists in that department and site" in again.content.decode()
    assert Team.objects.count() == 1


def test_the_small_api_lists_page_filter_and_order(admin: Person, api_client: Any, site_dublin: Site, site_columbus: Site) -> None:
    client = api_client(admin)
    titles = client.get("/api/v1/job-titles", {"limit": 5, "level": "executive"}).json()
    assert titles["count"] == 4
    assert [t["slug"] for t in titles["items"]] == [
        "chief-operating-officer", "chief-administrative-officer", "chief-supply-chain-officer", "chief-logistics-officer"
    ]
    sites = client.get("/api/v1/sites", {"ordering": "-code"}).json()
    assert [s["code"] for s in sites["items"]] == ["dub", "cmh"]
    assert client.get("/api/v1/sites", {"limit": 1000}).status_code == 422
    team = client.post("/api/v1/teams", {"name": "Inbound", "department": "operations", "site": "dub"}, content_type="application/json")
    assert team.status_code == 201
    assert client.get("/api/v1/teams").json()["items"] == [{"id": team.json()["id"], "name": "Inbound", "department": "operations", "site": "dub"}]
