"""The supply chain API and pages: scope, bad input, idempotency, exports."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from conftest import row_counts
from keel.organization.models import Person, Site
from keel.supply_chain import services
from keel.supply_chain.models import Item, Location, StockBalance, StockMovement
from keel.supply_chain.services import MovementLine

pytestmark = pytest.mark.django_db
POSTINGS = "/api/v1/stock/postings"


@pytest.fixture
def stocked(bolt: Item, bin_a: Location, site_columbus: Site) -> dict[str, Any]:
    far = services.create_location(actor=None, site=site_columbus, code="C-01")
    services.post_movements(actor=None, reason="receipt", lines=[
        MovementLine(item=bolt, location=bin_a, quantity=Decimal(40)),
        MovementLine(item=bolt, location=far, quantity=Decimal(60)),
    ])
    return {"far": far}


def line(**overrides: Any) -> dict[str, Any]:
    body = {"sku": "BOLT-M8", "site": "dub", "location": "A-01", "quantity": "5"}
    body.update(overrides)
    return body


def test_a_site_scoped_manager_sees_only_their_sites_stock(
    stocked: dict[str, Any], make_person: Callable[..., Person], api_client: Callable[..., Client]
) -> None:
    manager = api_client(make_person("logistics-manager"))  # site-scoped to Dublin
    item = manager.get("/api/v1/items/BOLT-M8").json()
    assert (Decimal(item["on_hand"]), Decimal(item["reserved"])) == (Decimal(40), Decimal(0))
    balances = manager.get("/api/v1/stock/balances").json()["items"]
    assert [(b["site"], b["location"]) for b in balances] == [("dub", "A-01")]
    # and cannot move stock in Columbus, which is outside their scope
    response = manager.post(POSTINGS, {"reason": "shipment", "lines": [line(site="cmh", location="C-01", quantity="-1")]},
                            content_type="application/json")
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "lines.location", "message": "unknown location cmh/C-01 in your scope", "row": 0}]


def test_posting_through_the_api_and_replaying_it(stocked: dict[str, Any], admin: Person, api_client: Callable[..., Client]) -> None:
    client = api_client(admin)
    body = {"reason": "shipment", "reference": "sales_order:9", "lines": [line(quantity="-15")]}
    first = client.post(POSTINGS, body, content_type="application/json", headers={"Idempotency-Key": "so-9"})
    again = client.post(POSTINGS, body, content_type="application/json", headers={"Idempotency-Key": "so-9"})
    other = client.post(POSTINGS, {**body, "note": "changed"}, content_type="application/json", headers={"Idempotency-Key": "so-9"})
    assert (first.status_code, again.status_code, other.status_code) == (201, 200, 409)
    assert first.json()["posting"] == again.json()["posting"]
    assert (first.json()["replayed"], again.json()["replayed"]) == (False, True)
    assert StockMovement.objects.filter(reference="sales_order:9").count() == 1
    assert StockBalance.objects.get(location__code="A-01").on_hand == Decimal(25)


@pytest.mark.parametrize(("payload", "errors"), [
    ({"reason": "receipt", "lines": [line(sku="NOPE")]}, [{"field": "lines.sku", "message": "unknown SKU 'NOPE'", "row": 0}]),
    ({"reason": "receipt", "lines": [line(quantity="-2")]}, [{"field": "quantity", "message": "must be positive for a receipt", "row": 0}]),
    ({"reason": "receipt", "lines": [line(quantity="2.5")]}, [{"field": "quantity", "message": "BOLT-M8 is counted in each: whole numbers only", "row": 0}]),
    ({"reason": "shipment", "lines": [line(quantity="-41")]}, [{"field": "quantity", "message": "only 40 available of BOLT-M8 at dub/A-01 (40 on hand, 0 reserved)", "row": 0}]),
    ({"reason": "teleport", "lines": [line()]}, [{"field": "reason", "message": "use one of adjustment, count_correction, receipt, release, reservation, return_to_stock, scrap, shipment, transfer_in, transfer_out"}]),
])
def test_bad_postings_name_the_field_and_row_and_change_nothing(
    stocked: dict[str, Any], admin: Person, api_client: Callable[..., Client], payload: dict[str, Any], errors: list[dict[str, Any]]
) -> None:
    client = api_client(admin)
    before = (row_counts(), StockMovement.objects.count(), list(StockBalance.objects.values_list("on_hand", flat=True)))
    response = client.post(POSTINGS, payload, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["errors"] == errors
    assert (row_counts(), StockMovement.objects.count(), list(StockBalance.objects.values_list("on_hand", flat=True))) == before


def test_adjustments_need_adjust_stock(stocked: dict[str, Any], make_person: Callable[..., Person], api_client: Callable[..., Client]) -> None:
    # The Logistics Manager may move stock (operate) but not adjust it (manage)
    client = api_client(make_person("logistics-manager"))
    response = client.post(POSTINGS, {"reason": "adjustment", "lines": [line(quantity="-1")]}, content_type="application/json")
    assert response.status_code == 403
    assert client.post(POSTINGS, {"reason": "receipt", "lines": [line()]}, content_type="application/json").status_code == 201


def test_a_price_without_currency_is_refused_by_the_api(admin: Person, api_client: Callable[..., Client]) -> None:
    response = api_client(admin).post("/api/v1/items", {"sku": "NUT", "name": "Nut", "list_price": "1.20"},
                                      content_type="application/json")
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "price_currency", "message": "a price needs its three-letter ISO currency, e.g. EUR"}]
    created = api_client(admin).post("/api/v1/items", {"sku": "NUT", "name": "Nut", "list_price": "1.20", "price_currency": "eur"},
                                     content_type="application/json")
    assert created.status_code == 201
    assert created.json()["list_price"] == {"amount": "1.20", "currency": "EUR"}


def test_item_pages_list_search_and_show_the_ledger(stocked: dict[str, Any], admin: Person, login: Callable[[Person], Client]) -> None:
    client = login(admin)
    page = client.get(reverse("supply_chain:items"), {"q": "bolt"}).content.decode()
    assert "BOLT-M8" in page
    assert ">100<" in page  # 40 + 60 on hand across both sites
    detail = client.get(reverse("supply_chain:item", kwargs={"sku": "BOLT-M8"})).content.decode()
    assert "dub/A-01" in detail
    assert "cmh/C-01" in detail
    assert "Receipt" in detail
    export = client.get(reverse("supply_chain:movements"), {"export": "csv"}).content.decode("utf-8-sig").splitlines()
    assert export[0] == "When,SKU,Location,Lot,Reason,On hand change,Reserved change,Reference,By"
    assert len(export) == 3


def test_posting_a_movement_through_the_form(stocked: dict[str, Any], bin_a: Location, admin: Person, login: Callable[[Person], Client]) -> None:
    client = login(admin)
    response = client.post(reverse("supply_chain:move"), {
        "reason": "scrap", "sku": "BOLT-M8", "location": bin_a.pk, "quantity": "3", "direction": "in", "note": "damaged",
    })
    assert response.status_code == 302
    assert StockBalance.objects.get(location=bin_a).on_hand == Decimal(37)
    refused = client.post(reverse("supply_chain:move"), {
        "reason": "shipment", "sku": "BOLT-M8", "location": bin_a.pk, "quantity": "999", "direction": "in",
    })
    assert refused.status_code == 400
    assert "only 37 available of BOLT-M8 at dub/A-01" in refused.content.decode()


def test_item_totals_agree_whether_computed_per_page_or_for_sorting(
    stocked: dict[str, Any], flour: Item, bin_a: Location, admin: Person, login: Callable[[Person], Client]
) -> None:
    services.post_movements(actor=None, reason="receipt", lines=[MovementLine(item=flour, location=bin_a, quantity=Decimal("250.5"))])
    client = login(admin)
    by_sku = client.get(reverse("supply_chain:items")).content.decode()
    by_stock = client.get(reverse("supply_chain:items"), {"sort": "-on_hand_total"}).content.decode()
    for page in (by_sku, by_stock):
        assert ">100<" in page
        assert ">250.5000<" in page
    assert by_stock.index("FLOUR-25") < by_stock.index("BOLT-M8")
    assert by_sku.index("BOLT-M8") < by_sku.index("FLOUR-25")


def test_items_sorted_by_stock_show_the_viewers_sites(
    stocked: dict[str, Any], flour: Item, vaccine: Item, bin_a: Location, admin: Person,
    make_person: Callable[..., Person], login: Callable[[Person], Client],
) -> None:
    # Given bolts in Dublin (40) and Columbus (60), flour only in Columbus (70, 5 reserved)
    services.post_movements(actor=None, reason="receipt", lines=[MovementLine(item=flour, location=stocked["far"], quantity=Decimal(70))])
    services.post_movements(actor=None, reason="reservation",
                            lines=[MovementLine(item=flour, location=stocked["far"], reserved_quantity=Decimal(5))])

    def rows(client: Client, sort: str) -> list[str]:
        page = client.get(reverse("supply_chain:items"), {"sort": sort}).content.decode()
        return sorted(["BOLT-M8", "FLOUR-25", "VAC-1"], key=page.index)

    # When the company-wide administrator sorts by on hand and by available
    company = login(admin)
    assert rows(company, "-on_hand_total") == ["BOLT-M8", "FLOUR-25", "VAC-1"]  # 100, 70, 0
    assert rows(company, "-available_total") == ["BOLT-M8", "FLOUR-25", "VAC-1"]  # 100, 65, 0
    assert rows(company, "reserved_total") == ["BOLT-M8", "VAC-1", "FLOUR-25"]  # 0, 0 (by key), 5
    page = company.get(reverse("supply_chain:items"), {"sort": "-on_hand_total"}).content.decode()
    assert ">100<" in page
    assert ">65<" in page
    # Then a Dublin-scoped manager sorts by Dublin's stock only
    dublin = login(make_person("logistics-manager"))
    page = dublin.get(reverse("supply_chain:items"), {"sort": "-on_hand_total"}).content.decode()
    assert ">40<" in page
    assert ">100<" not in page
    assert ">70<" not in page
    assert rows(dublin, "-on_hand_total")[0] == "BOLT-M8"
