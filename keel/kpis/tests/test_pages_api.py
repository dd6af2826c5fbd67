"""Pages, API and exports show the same numbers; queries stay constant; permissions hold."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from keel.core import clock
from keel.kpis.catalogue import CATALOGUE
from keel.kpis.models import KpiTarget
from keel.kpis.selectors import drill_down, tiles, visible_kpis
from keel.kpis.tests.conftest import Company, at
from keel.organization.models import Person

pytestmark = pytest.mark.django_db
NOW = at(11, 26, 12)


def _csv(response: Any) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_tile_drill_down_api_and_exports_show_the_same_number(company: Company, login: Callable[[Person], Client],
                                                               api_client: Callable[..., Client]) -> None:
    browser, api = login(company.buyer), api_client(company.buyer)
    with clock.simulated(NOW):
        tile = tiles(actor=company.buyer, keys=["revenue"])["revenue"]
        detail = drill_down(actor=company.buyer, key="revenue")
        value = api.get("/api/v1/kpis/values?keys=revenue").json()[0]["value"]
        single = api.get("/api/v1/kpis/revenue").json()["value"]
        history = api.get("/api/v1/kpis/revenue/history").json()["points"][-1]["value"]
        exported = {row["key"]: row for row in _csv(browser.get("/kpis/?export=csv"))}["revenue"]["value"]
        api_export = _csv(api.get("/api/v1/kpis/revenue/export.csv?what=history"))[-1]["value"]
        page = browser.get("/kpis/revenue/")
    # Hand-checked in test_values.py: 25.00 + 4.00 + 6.25 + 500.00.
    assert tile.value == 535.25
    assert detail is not None
    assert detail.value == value == single == history == 535.25
    assert float(exported) == float(api_export) == 535.25
    assert "€ 535" in page.content.decode()
    # The breakdown adds up: revenue is a sum, so its members sum to the value.
    assert sum(v for v in detail.breakdowns["site"].values() if v is not None) == pytest.approx(535.25)


def test_tiles_takes_a_bounded_number_of_queries_however_many_kpis(company: Company) -> None:
    from django.core.cache import cache

    from keel.analytics.kpi import SCHEMAS

    keys = [spec.key for spec in visible_kpis(actor=company.buyer)]
    counts = []
    for wanted in (keys[:1], keys[:12], keys, keys + keys):
        cache.clear()
        with clock.simulated(NOW), CaptureQueriesContext(connection) as queries:
            tiles(actor=company.buyer, keys=wanted)
        counts.append(len(queries))
    # At most one query per frame kind (orders, lines, shipments, order events, first orders,
    # receipts, stock, movements, shifts, marketing) plus the mark, the snapshots and the targets.
    assert max(counts) <= len(SCHEMAS) + 3
    assert counts[2] == counts[3]
    # Warm: the cache answers; only the high-water mark and the targets are read.
    with clock.simulated(NOW), CaptureQueriesContext(connection) as queries:
        tiles(actor=company.buyer, keys=keys)
    assert len(queries) == 2


def test_every_kpi_page_renders_for_the_coo(company: Company, login: Callable[[Person], Client]) -> None:
    client = login(company.buyer)
    with clock.simulated(NOW):
        catalogue = client.get("/kpis/")
        assert catalogue.status_code == 200
        for key in CATALOGUE:
            response = client.get(f"/kpis/{key}/")
            assert response.status_code == 200, key
            body = response.content.decode()
            assert CATALOGUE[key].name.replace("&", "&amp;") in body
            if not CATALOGUE[key].built:
                assert "no data yet" in body


def test_the_drill_down_lists_the_records_behind_the_number(company: Company,
                                                            login: Callable[[Person], Client]) -> None:
    with clock.simulated(NOW):
        body = login(company.buyer).get("/kpis/otif/").content.decode()
    # The three orders delivered this week with a promised date; O1 alone was on time in full.
    numbers = [company.orders[key].number for key in ("O1", "O2", "O3")]
    assert all(number in body for number in numbers)
    assert "3 records" in body


def test_people_see_only_the_kpis_their_role_allows(company: Company, make_person: Callable[..., Person],
                                                    login: Callable[[Person], Client],
                                                    api_client: Callable[..., Client]) -> None:
    # Director of Supply Chain: customer service none, so no CSAT.
    director = make_person("director-of-supply-chain", email="dsc@example.com")
    with clock.simulated(NOW):
        assert login(director).get("/kpis/csat/").status_code == 404
        assert api_client(director).get("/api/v1/kpis/csat").status_code == 404
        keys = [row["key"] for row in api_client(director).get("/api/v1/kpis").json()]
    assert "csat" not in keys
    assert "fill_rate" in keys
    assert Client().get("/kpis/").status_code == 302


def test_a_site_manager_cannot_ask_for_another_sites_numbers(company: Company, make_person: Callable[..., Person],
                                                              api_client: Callable[..., Client]) -> None:
    columbus = make_person("supply-chain-manager", site=company.columbus, email="cmh@example.com")
    with clock.simulated(NOW):
        refused = api_client(columbus).get(f"/api/v1/kpis/values?keys=orders&site={company.dublin.pk}")
        own = api_client(columbus).get(f"/api/v1/kpis/values?keys=orders&site={company.columbus.pk}")
        narrowed = api_client(company.buyer).get(f"/api/v1/kpis/values?keys=orders&site={company.dublin.pk}")
    assert refused.status_code == 404
    assert own.json()[0]["value"] == 1  # O3
    assert narrowed.json()[0]["value"] == 3  # O1, O2, O4


def test_the_target_form_saves_and_refuses_with_the_field_named(company: Company, make_person: Callable[..., Person],
                                                                 login: Callable[[Person], Client]) -> None:
    client = login(company.buyer)
    refused = client.post("/kpis/otif/target/", {"target": "95", "amber": "90", "red": "93"})
    assert refused.status_code == 400
    assert "red threshold must be at or below the amber one" in refused.content.decode()
    assert KpiTarget.objects.count() == 0
    saved = client.post("/kpis/otif/target/", {"target": "95", "amber": "90", "red": "80"})
    assert saved.status_code == 302
    assert KpiTarget.objects.get().red == 80
    # A Fulfillment Manager does not own OTIF (the Director of Logistics does).
    assert login(make_person("fulfillment-manager", email="ff@example.com")).get("/kpis/otif/target/").status_code == 403
