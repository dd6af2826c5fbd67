"""The orders API: idempotent create and ship, scope, permissions, clear refusals."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from conftest import row_counts
from keel.events.models import Event
from keel.orders import services
from keel.orders.models import CarrierService, Customer, SalesOrder, Shipment
from keel.organization.models import Person, Site
from keel.supply_chain.models import Item, Location, StockBalance, StockMovement

from .conftest import q

pytestmark = pytest.mark.django_db
ORDERS = "/api/v1/sales-orders"


def new_order_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "customer": "ACME", "ship_from": "dub", "promised_ship_on": "2026-12-01", "customer_reference": "WEB-1001",
        "confirm": True, "lines": [{"sku": "BOLT-M8", "quantity": "4"},
                                   {"sku": "FLOUR-25", "quantity": "1.5", "unit_price": {"amount": "1.20", "currency": "eur"}}],
    }
    body.update(overrides)
    return body


@pytest.fixture
def packed_order(make_order: Callable[..., SalesOrder], bolt: Item, bin_a: Location, receive: Callable[..., None]) -> SalesOrder:
    """A Dublin order of 5 bolts, allocated, picked and packed in full."""
    receive(bolt, bin_a, 10)
    order = make_order((bolt, 5))
    services.allocate_order(actor=None, order=order)
    services.confirm_picks(actor=None, pick_list=services.create_pick_list(actor=None, order=order))
    services.pack_order(actor=None, order=order, weight_kg=q("2.5"))
    return order


def test_creating_an_order_is_idempotent(
    acme: Customer, bolt: Item, flour: Item, site_dublin: Site, admin: Person, api_client: Callable[..., Client]
) -> None:
    client = api_client(admin)
    # When the same order is sent twice with one Idempotency-Key
    first = client.post(ORDERS, new_order_body(), content_type="application/json", headers={"Idempotency-Key": "web-1001"})
    after_first = (row_counts(), SalesOrder.objects.count())
    again = client.post(ORDERS, new_order_body(), content_type="application/json", headers={"Idempotency-Key": "web-1001"})
    # Then the first creates it and the repeat returns the same order, creating nothing
    assert (first.status_code, again.status_code) == (201, 200)
    assert (first.json()["replayed"], again.json()["replayed"]) == (False, True)
    assert first.json()["id"] == again.json()["id"]
    assert (row_counts(), SalesOrder.objects.count()) == after_first == (after_first[0], 1)
    body = first.json()
    assert (body["number"], body["status"], body["currency"], body["channel"], body["customer_reference"]) == (
        f"SO-{body['id']:06d}", "confirmed", "EUR", "web", "WEB-1001")
    assert [(line["sku"], line["quantity"], line["unit_price"], line["backordered"]) for line in body["lines"]] == [
        ("BOLT-M8", "4.0000", {"amount": "2.5000", "currency": "EUR"}, "4.0000"),
        ("FLOUR-25", "1.5000", {"amount": "1.2000", "currency": "EUR"}, "1.5000"),
    ]
    # And the same key with another body is a conflict
    other = client.post(ORDERS, new_order_body(customer_reference="WEB-1002"), content_type="application/json",
                        headers={"Idempotency-Key": "web-1001"})
    assert other.status_code == 409
    assert SalesOrder.objects.count() == 1


def test_a_bad_order_names_each_field_and_row_and_creates_nothing(
    acme: Customer, bolt: Item, site_columbus: Site, make_person: Callable[..., Person], api_client: Callable[..., Client]
) -> None:
    client = api_client(make_person("ecommerce-operations-manager"))  # site scope: Dublin
    before = (row_counts(), SalesOrder.objects.count())
    response = client.post(ORDERS, new_order_body(ship_from="cmh", customer="NOBODY", lines=[
        {"sku": "BOLT-M8", "quantity": "2.5"}, {"sku": "GHOST", "quantity": "1"},
    ]), content_type="application/json")
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "customer", "message": "unknown customer 'NOBODY'"},
        {"field": "ship_from", "message": "unknown site 'cmh' in your scope"},
        {"field": "lines.sku", "message": "unknown SKU 'GHOST'", "row": 1},
    ]
    response = client.post(ORDERS, new_order_body(ship_from="dub", lines=[{"sku": "BOLT-M8", "quantity": "2.5"}]),
                           content_type="application/json")
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "lines.quantity", "message": "BOLT-M8 is counted in each: whole numbers only", "row": 0},
    ]
    assert (row_counts(), SalesOrder.objects.count()) == before


def test_shipping_is_idempotent_and_consumes_the_reservation(
    packed_order: SalesOrder, bolt: Item, bin_a: Location, express: CarrierService, admin: Person,
    api_client: Callable[..., Client],
) -> None:
    client = api_client(admin)
    url = f"{ORDERS}/{packed_order.pk}/shipments"
    body = {"carrier": "dhl", "service": "express", "tracking_number": "JD014600003",
            "shipping_cost": {"amount": "7.95", "currency": "EUR"}}
    first = client.post(url, body, content_type="application/json", headers={"Idempotency-Key": "ship-1"})
    state = (row_counts(), StockMovement.objects.count(), Shipment.objects.count(),
             list(StockBalance.objects.values_list("on_hand", "reserved")))
    again = client.post(url, body, content_type="application/json", headers={"Idempotency-Key": "ship-1"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert again.json()["replayed"] is True
    assert (row_counts(), StockMovement.objects.count(), Shipment.objects.count(),
            list(StockBalance.objects.values_list("on_hand", "reserved"))) == state
    assert state[2:] == (1, [(q(5), q(0))])
    shipment = first.json()
    assert (shipment["order"], shipment["carrier"], shipment["service"], shipment["tracking_number"],
            shipment["shipping_cost"], shipment["status"], shipment["lines"]) == (
        packed_order.number, "dhl", "Express", "JD014600003", {"amount": "7.95", "currency": "EUR"}, "in_transit",
        [{"line_number": 1, "sku": "BOLT-M8", "quantity": "5.0000"}])
    detail = client.get(f"{ORDERS}/{packed_order.pk}").json()
    assert detail["status"] == "shipped"
    assert detail["packages"][0]["shipment"] == shipment["id"]
    # When the delivery is confirmed, the order is delivered
    delivered = client.post(f"/api/v1/shipments/{shipment['id']}/deliver", {}, content_type="application/json")
    assert (delivered.status_code, delivered.json()["status"]) == (200, "delivered")
    assert client.get(f"{ORDERS}/{packed_order.pk}").json()["status"] == "delivered"


def test_shipping_unallocated_stock_through_the_api_is_refused(
    make_order: Callable[..., SalesOrder], bolt: Item, bin_a: Location, receive: Callable[..., None],
    express: CarrierService, admin: Person, api_client: Callable[..., Client],
) -> None:
    receive(bolt, bin_a, 10)
    order = make_order((bolt, 2))
    client = api_client(admin)
    before = (row_counts(), StockMovement.objects.count(), Shipment.objects.count())
    response = client.post(f"{ORDERS}/{order.pk}/shipments", {
        "carrier": "dhl", "service": "Express", "tracking_number": "X1", "shipping_cost": {"amount": "5", "currency": "EUR"},
        "lines": [{"line_number": 1, "quantity": "2"}],
    }, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["detail"] == "Nothing was shipped."
    assert response.json()["errors"] == [{
        "field": "lines.quantity", "row": 0,
        "message": "BOLT-M8: only 0 allocated and not shipped; stock that is not allocated to the order cannot ship",
    }]
    assert (row_counts(), StockMovement.objects.count(), Shipment.objects.count()) == before


def test_the_whole_flow_through_the_api(
    acme: Customer, bolt: Item, flour: Item, bin_a: Location, receive: Callable[..., None], express: CarrierService,
    fulfiller: Person, make_person: Callable[..., Person], api_client: Callable[..., Client],
) -> None:
    receive(bolt, bin_a, 3)
    receive(flour, bin_a, 10)
    client = api_client(make_person("ecommerce-operations-manager"))
    order = client.post(ORDERS, new_order_body(), content_type="application/json").json()
    url = f"{ORDERS}/{order['id']}"
    worker = api_client(fulfiller)
    allocated = worker.post(f"{url}/allocate").json()
    assert (allocated["status"], [line["backordered"] for line in allocated["lines"]]) == ("partially_allocated", ["1.0000", "0.0000"])
    assert [(a["sku"], a["location"], a["quantity"]) for a in allocated["allocations"]] == [
        ("BOLT-M8", "A-01", "3.0000"), ("FLOUR-25", "A-01", "1.5000")]
    pick_list = worker.post(f"{url}/pick-lists")
    assert pick_list.status_code == 201
    picks = pick_list.json()["lines"]
    confirmed = worker.post(f"{url}/pick-lists/{pick_list.json()['id']}/confirm",
                            {"picked": {str(picks[0]["id"]): "2"}}, content_type="application/json")
    assert [(entry["sku"], entry["picked_quantity"]) for entry in confirmed.json()["lines"]] == [
        ("BOLT-M8", "2.0000"), ("FLOUR-25", "1.5000")]
    package = worker.post(f"{url}/packages", {"lines": [{"line_number": 1, "quantity": "2"}], "weight_kg": "0.8"},
                          content_type="application/json")
    assert (package.status_code, package.json()["lines"]) == (201, [{"line_number": 1, "sku": "BOLT-M8", "quantity": "2.0000"}])
    held = worker.post(f"{url}/hold", {"reason": "Payment review"}, content_type="application/json")
    assert (held.json()["status"], held.json()["hold_reason"]) == ("on_hold", "Payment review")
    refused = worker.post(f"{url}/shipments", {"carrier": "dhl", "service": "Express", "tracking_number": "T",
                                               "shipping_cost": {"amount": "4", "currency": "EUR"}},
                          content_type="application/json")
    assert (refused.status_code, refused.json()["detail"]) == (
        409, f"{order['number']} is on hold (Payment review); release the hold before shipping.")
    assert worker.post(f"{url}/release-hold").json()["status"] == "picking"
    shipped = worker.post(f"{url}/shipments", {"carrier": "dhl", "service": "Express", "tracking_number": "T",
                                               "shipping_cost": {"amount": "4", "currency": "EUR"}},
                          content_type="application/json")
    assert shipped.status_code == 201
    assert worker.get(url).json()["status"] == "partially_shipped"
    assert StockBalance.objects.get(item=bolt).on_hand == q(1)


@pytest.fixture
def columbus_order(make_order: Callable[..., SalesOrder], bolt: Item, bin_columbus: Location,
                   receive: Callable[..., None], site_columbus: Site) -> SalesOrder:
    receive(bolt, bin_columbus, 10)
    return make_order((bolt, 2), site=site_columbus)


def test_a_dublin_fulfillment_manager_never_sees_a_columbus_order(
    columbus_order: SalesOrder, make_order: Callable[..., SalesOrder], bolt: Item, fulfiller: Person,
    api_client: Callable[..., Client],
) -> None:
    dublin_order = make_order((bolt, 1))
    client = api_client(fulfiller)
    # Reading it by id is a 404, as if it did not exist
    response = client.get(f"{ORDERS}/{columbus_order.pk}")
    assert (response.status_code, response.json()["detail"]) == (404, f"No sales order {columbus_order.pk} in your scope.")
    # Lists and the queue never contain it
    assert [row["number"] for row in client.get(ORDERS).json()["items"]] == [dublin_order.number]
    assert [row["number"] for row in client.get("/api/v1/fulfillment-queue").json()["items"]] == [dublin_order.number]
    # And working on it is a 404 that changes nothing
    before = (row_counts(), list(StockBalance.objects.values_list("reserved", flat=True)))
    assert client.post(f"{ORDERS}/{columbus_order.pk}/allocate").status_code == 404
    assert before == (row_counts(), list(StockBalance.objects.values_list("reserved", flat=True)))


def test_cancelling_needs_supply_chain_manage(
    make_order: Callable[..., SalesOrder], bolt: Item, bin_a: Location, receive: Callable[..., None],
    fulfiller: Person, make_person: Callable[..., Person], api_client: Callable[..., Client],
) -> None:
    receive(bolt, bin_a, 10)
    order = make_order((bolt, 4))
    services.allocate_order(actor=None, order=order)
    worker, manager = api_client(fulfiller), api_client(make_person("supply-chain-manager"))
    before = (row_counts()["events"], list(StockBalance.objects.values_list("reserved", flat=True)))
    # The Fulfillment Manager (supply chain: operate) may not cancel; the refusal changes nothing
    refused = worker.post(f"{ORDERS}/{order.pk}/cancel", {"reason": "duplicate"}, content_type="application/json")
    assert refused.status_code == 403
    assert (row_counts()["events"], list(StockBalance.objects.values_list("reserved", flat=True))) == before
    assert SalesOrder.objects.get(pk=order.pk).status == "allocated"
    # The Supply Chain Manager (supply chain: manage) may
    cancelled = manager.post(f"{ORDERS}/{order.pk}/cancel", {"reason": "duplicate"}, content_type="application/json")
    assert (cancelled.status_code, cancelled.json()["status"], cancelled.json()["cancel_reason"]) == (200, "cancelled", "duplicate")
    assert StockBalance.objects.get(item=bolt).reserved == Decimal(0)


def test_customers_and_channels_belong_to_customer_experience(
    web_store: Any, fulfiller: Person, make_person: Callable[..., Person], api_client: Callable[..., Client]
) -> None:
    body = {"code": "beta", "name": "Beta Stores", "country": "de", "email": "buy@beta.example", "channel": "web"}
    # The Fulfillment Manager (customer experience: view) may list but not add customers
    assert api_client(fulfiller).post("/api/v1/customers", body, content_type="application/json").status_code == 403
    # The Customer Operations Manager (customer experience: manage) may
    client = api_client(make_person("customer-operations-manager"))
    created = client.post("/api/v1/customers", body, content_type="application/json")
    assert (created.status_code, created.json()) == (201, {
        "code": "BETA", "name": "Beta Stores", "email": "buy@beta.example", "country": "DE", "channel": "web",
        "is_active": True})
    duplicate = client.post("/api/v1/customers", body, content_type="application/json")
    assert duplicate.json()["errors"] == [{"field": "code", "message": "a customer with code 'BETA' exists"}]
    listed = api_client(fulfiller).get("/api/v1/customers", {"q": "beta"}).json()
    assert [row["code"] for row in listed["items"]] == ["BETA"]


def test_the_queue_api_takes_a_date_for_its_flags(
    make_order: Callable[..., SalesOrder], bolt: Item, fulfiller: Person, api_client: Callable[..., Client]
) -> None:
    from datetime import date

    late = make_order((bolt, 1), promised_ship_on=date(2026, 11, 20))
    soon = make_order((bolt, 1), promised_ship_on=date(2026, 11, 26))
    rows = api_client(fulfiller).get("/api/v1/fulfillment-queue", {"today": "2026-11-25"}).json()["items"]
    assert [(row["number"], row["is_late"], row["is_at_risk"], row["backordered"]) for row in rows] == [
        (late.number, True, False, "1.0000"), (soon.number, False, True, "1.0000")]


def test_an_address_correction_sends_the_order_back_for_confirmation(
    make_order: Callable[..., SalesOrder], bolt: Item, bin_a: Location, receive: Callable[..., None], fulfiller: Person,
    api_client: Callable[..., Client],
) -> None:
    receive(bolt, bin_a, 5)
    order = make_order((bolt, 1))
    client = api_client(fulfiller)
    url = f"{ORDERS}/{order.pk}"
    # An empty address is refused, naming the field, and changes nothing
    refused = client.post(f"{url}/correct-address", {"address": " "}, content_type="application/json")
    assert (refused.status_code, refused.json()["errors"]) == (
        422, [{"field": "address", "message": "the corrected address is required"}])
    corrected = client.post(f"{url}/correct-address", {"address": "12 Mill Lane, Cork", "reason": "Carrier check"},
                            content_type="application/json")
    assert (corrected.status_code, corrected.json()["status"], corrected.json()["ship_to_address"]) == (
        200, "draft", "12 Mill Lane, Cork")
    assert client.post(f"{url}/confirm").json()["status"] == "confirmed"
    activities = list(Event.objects.filter(object_links__object__ocel_id=f"sales_order:{order.pk}")
                      .order_by("occurred_at", "pk").values_list("event_type__name", flat=True))
    assert activities == ["Create order", "Confirm order", "Correct address", "Confirm order"]
    # Once stock is allocated the address can no longer be changed this way
    services.allocate_order(actor=None, order=order)
    late = client.post(f"{url}/correct-address", {"address": "1 Main Street"}, content_type="application/json")
    assert late.status_code == 409


def test_a_quality_check_needs_picked_goods_and_is_recorded(
    make_order: Callable[..., SalesOrder], bolt: Item, bin_a: Location, receive: Callable[..., None], fulfiller: Person,
    api_client: Callable[..., Client],
) -> None:
    receive(bolt, bin_a, 5)
    order = make_order((bolt, 2))
    client = api_client(fulfiller)
    url = f"{ORDERS}/{order.pk}/quality-check"
    services.allocate_order(actor=None, order=order)
    early = client.post(url, {}, content_type="application/json")
    assert (early.status_code, early.json()["detail"]) == (
        409, f"{order.number} has nothing picked and waiting to be packed; there is nothing to check.")
    services.confirm_picks(actor=None, pick_list=services.create_pick_list(actor=None, order=order))
    assert client.post(url, {"passed": True, "note": "seals intact"}, content_type="application/json").status_code == 200
    event = Event.objects.get(event_type__name="Check quality")
    assert (event.attributes["passed"], event.attributes["quantity"], event.attributes["note"]) == (True, "2", "seals intact")
