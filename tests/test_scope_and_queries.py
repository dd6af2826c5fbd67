"""Every list stays within the viewer's scope, and pages cost a constant number of queries."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from keel.organization.models import Person, Site

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_sites(make_person: Callable[..., Person], site_dublin: Site, site_columbus: Site) -> dict[str, Person]:
    return {
        # Operations Manager: process operate, risk view; site scope
        "viewer": make_person("operations-manager", site=site_dublin, full_name="Dublin Viewer"),
        "near": make_person("fulfillment-manager", site=site_dublin, full_name="Dublin Neighbour"),
        "far": make_person("fulfillment-manager", site=site_columbus, full_name="Columbus Stranger"),
    }


def test_the_event_log_shows_only_events_at_the_viewers_sites(
    two_sites: dict[str, Person], login: Callable[[Person], Client], api_client: Any
) -> None:
    viewer, near, far = two_sites["viewer"], two_sites["near"], two_sites["far"]
    page = login(viewer).get(reverse("events:list")).content.decode()
    assert f"person:{near.pk}<" in page
    assert f"person:{far.pk}<" not in page
    listed = api_client(viewer).get("/api/v1/events", {"limit": 500}).json()["items"]
    objects = {link["id"] for event in listed for link in event["objects"]}
    assert f"person:{near.pk}" in objects
    assert f"person:{far.pk}" not in objects


def test_home_latest_activity_stays_in_scope(two_sites: dict[str, Person], login: Callable[[Person], Client]) -> None:
    page = login(two_sites["viewer"]).get(reverse("web:home")).content.decode()
    assert f"person:{two_sites['near'].pk}<" in page
    assert f"person:{two_sites['far'].pk}<" not in page


def test_the_audit_trail_shows_only_records_at_the_viewers_sites(
    two_sites: dict[str, Person], make_person: Callable[..., Person], login: Callable[[Person], Client], site_dublin: Site
) -> None:
    # Director of Supply Chain sees the audit trail company-wide; a CSCO-like site role is needed:
    auditor = make_person("operations-manager", site=site_dublin)
    from keel.organization import services

    title = auditor.title
    services.update_job_title(actor=None, title=title, area_levels={**title.area_levels, "risk": "operate"})
    page = login(auditor).get(reverse("audit:list"), {"size": 100}).content.decode()
    assert "Dublin Neighbour" in page
    assert "Columbus Stranger" not in page


def test_sites_list_is_scoped(two_sites: dict[str, Person], login: Callable[[Person], Client]) -> None:
    page = login(two_sites["viewer"]).get(reverse("organization:sites")).content.decode()
    assert "Dublin" in page
    assert "Columbus" not in page


PAGES = ["organization:people", "organization:titles", "audit:list", "events:list", "web:home", "supply_chain:items",
         "supply_chain:movements", "supply_chain:items?sort=-on_hand_total", "supply_chain:items?sort=available_total"]


@pytest.mark.parametrize("page", PAGES)
def test_list_pages_cost_the_same_queries_for_few_or_many_rows(
    page: str, admin: Person, make_person: Callable[..., Person], login: Callable[[Person], Client]
) -> None:
    from decimal import Decimal

    from keel.supply_chain import services as stock

    client = login(admin)
    site = admin.site
    place = stock.create_location(actor=None, site=site, code="Q-01")

    def add_rows(count: int, start: int) -> None:
        for number in range(start, start + count):
            make_person("fulfillment-manager")
            item = stock.create_item(actor=None, sku=f"Q-{number}", name="Query item")
            stock.post_movements(actor=None, reason="receipt",
                                 lines=[stock.MovementLine(item=item, location=place, quantity=Decimal(1))])

    name, _, query = page.partition("?")
    url = reverse(name) + (f"?{query}" if query else "")
    add_rows(2, 0)
    client.get(url)  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    add_rows(20, 2)
    client.get(url)  # warm again: the home page's KPI tiles are cached by the event log's high-water mark
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few), [query["sql"][:120] for query in many.captured_queries]


def test_a_department_scoped_title_sees_its_departments_events(
    make_person: Callable[..., Person], department_sales: Any, department_ops: Any, login: Callable[[Person], Client]
) -> None:
    # Product Operations Manager: process operate, department scope
    viewer = make_person("product-operations-manager", department=department_sales)
    colleague = make_person("sales-operations-manager", department=department_sales)
    outsider = make_person("fulfillment-manager", department=department_ops)
    page = login(viewer).get(reverse("events:list")).content.decode()
    assert f"person:{colleague.pk}<" in page
    assert f"person:{outsider.pk}<" not in page
