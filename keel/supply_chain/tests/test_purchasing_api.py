"""The purchasing API: suppliers, idempotent orders and receipts, approval, scope, filters."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from conftest import row_counts
from keel.audit.models import AuditRecord
from keel.organization.models import Person, Site
from keel.supply_chain import services
from keel.supply_chain.models import (
    Item,
    Location,
    PurchaseOrder,
    Receipt,
    StockBalance,
    StockMovement,
    Supplier,
    SupplierItem,
)
from keel.supply_chain.services import OrderLineIn
from keel.supply_chain.tests.conftest import q

pytestmark = pytest.mark.django_db
ORDERS = "/api/v1/purchase-orders"


def post(client: Client, url: str, body: dict[str, Any] | None = None, key: str | None = None) -> Any:
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(url, body or {}, content_type="application/json", headers=headers)


def raised(actor: Any, site: Site, supplier: Supplier, bolt: Item, quantity: str = "500") -> PurchaseOrder:
    return services.create_purchase_order(actor=actor, supplier=supplier, site=site,
                                          lines=[OrderLineIn(item=bolt, quantity=q(quantity))])


def sent(buyer: Person, approver: Person, site: Site, supplier: Supplier, bolt: Item, quantity: str = "500") -> PurchaseOrder:
    order = raised(buyer, site, supplier, bolt, quantity)
    services.submit_purchase_order(actor=buyer, order=order)
    services.approve_purchase_order(actor=approver, order=order)
    services.send_purchase_order(actor=buyer, order=order)
    return order


def test_suppliers_and_their_items_through_the_api(admin: Person, api_client: Callable[..., Client], bolt: Item) -> None:
    client = api_client(admin)
    created = post(client, "/api/v1/suppliers", {"code": "nordic", "name": "Nordic Steel", "currency": "sek",
                                                 "lead_time_days": 21, "contact_email": "Sales@Nordic.example"})
    assert created.status_code == 201
    assert created.json() == {"code": "NORDIC", "name": "Nordic Steel", "currency": "SEK", "contact_name": "",
                              "contact_email": "sales@nordic.example", "contact_phone": "", "payment_terms_days": 30,
                              "lead_time_days": 21, "is_active": True}
    item = post(client, "/api/v1/suppliers/NORDIC/items", {
        "sku": "BOLT-M8", "minimum_order_quantity": "100", "order_multiple": "100",
        "price_breaks": [{"minimum_quantity": "100", "unit_price": "1.10"}, {"minimum_quantity": "1000", "unit_price": "0.95"}],
    })
    assert item.status_code == 201
    assert item.json()["price_breaks"] == [
        {"minimum_quantity": "100.0000", "unit_price": {"amount": "1.1000", "currency": "SEK"}},
        {"minimum_quantity": "1000.0000", "unit_price": {"amount": "0.9500", "currency": "SEK"}},
    ]
    assert item.json()["lead_time_days"] == 21  # the supplier's, no override
    again = post(client, "/api/v1/suppliers/NORDIC/items", {"sku": "BOLT-M8", "price_breaks": []})
    assert again.status_code == 200
    listed = client.get("/api/v1/suppliers/NORDIC/items").json()
    assert [(row["sku"], row["price_breaks"], row["minimum_order_quantity"]) for row in listed] == [("BOLT-M8", [], "0.0000")]
    assert client.get("/api/v1/suppliers", {"q": "nord"}).json()["count"] == 1
    assert client.get("/api/v1/suppliers/nordic").json()["code"] == "NORDIC"
    assert client.get("/api/v1/suppliers/NOPE").status_code == 404


def test_creating_an_order_is_idempotent(
    buyer: Person, api_client: Callable[..., Client], acme: Supplier, acme_bolt: SupplierItem, site_dublin: Site,
) -> None:
    client = api_client(buyer)
    body = {"supplier": "ACME", "site": "dub", "lines": [{"sku": "BOLT-M8", "quantity": "500"}]}
    first = post(client, ORDERS, body, key="po-1")
    before = (row_counts(), PurchaseOrder.objects.count())
    again = post(client, ORDERS, body, key="po-1")
    other = post(client, ORDERS, {**body, "notes": "changed"}, key="po-1")
    assert (first.status_code, again.status_code, other.status_code) == (201, 200, 409)
    assert (row_counts(), PurchaseOrder.objects.count()) == before == (before[0], 1)
    assert first.json()["id"] == again.json()["id"]
    assert (first.json()["replayed"], again.json()["replayed"]) == (False, True)
    order = first.json()
    assert (order["status"], order["total"], order["lines"][0]["unit_price"]) == (
        "draft", {"amount": "40.00", "currency": "EUR"}, {"amount": "0.0800", "currency": "EUR"})
    assert order["number"] == f"PO-{order['id']:06d}"


def test_bad_orders_name_each_problem_and_change_nothing(
    make_person: Callable[..., Person], api_client: Callable[..., Client], acme: Supplier, acme_bolt: SupplierItem,
    site_dublin: Site, site_columbus: Site,
) -> None:
    client = api_client(make_person("logistics-manager"))  # Dublin only
    before = (row_counts(), PurchaseOrder.objects.count())
    response = post(client, ORDERS, {"supplier": "NOPE", "site": "cmh", "lines": [
        {"sku": "BOLT-M8", "quantity": "500"}, {"sku": "GHOST", "quantity": "1"},
    ]})
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "supplier", "message": "unknown supplier 'NOPE'"},
        {"field": "site", "message": "unknown site 'cmh' in your scope"},
        {"field": "lines.sku", "message": "unknown SKU 'GHOST'", "row": 1},
    ]
    moq = post(client, ORDERS, {"supplier": "ACME", "site": "dub", "lines": [{"sku": "BOLT-M8", "quantity": "75"}]})
    assert moq.json()["errors"] == [
        {"field": "lines.quantity", "message": "ACME sells BOLT-M8 from 100 (minimum order quantity)", "row": 0},
        {"field": "lines.quantity", "message": "ACME sells BOLT-M8 in multiples of 50: order 50 or 100", "row": 0},
    ]
    assert (row_counts(), PurchaseOrder.objects.count()) == before


def test_the_lifecycle_through_the_api(
    buyer: Person, approver: Person, api_client: Callable[..., Client], acme: Supplier, acme_bolt: SupplierItem,
    site_dublin: Site, bolt: Item,
) -> None:
    order = raised(buyer, site_dublin, acme, bolt)
    as_buyer, as_approver = api_client(buyer), api_client(approver)
    assert post(as_buyer, f"{ORDERS}/{order.pk}/submit").json()["status"] == "submitted"
    # The buyer (operate) lacks the approve action: 403 before anything is read
    assert post(as_buyer, f"{ORDERS}/{order.pk}/approve").status_code == 403
    approved = post(as_approver, f"{ORDERS}/{order.pk}/approve").json()
    assert (approved["status"], approved["approved_by"]) == ("approved", approver.email)
    assert post(as_buyer, f"{ORDERS}/{order.pk}/send").json()["status"] == "sent"
    refused = post(as_buyer, f"{ORDERS}/{order.pk}/submit")
    assert refused.status_code == 409
    assert refused.json()["detail"] == f"{order.number} is sent; only draft orders can be submitted."
    cancelled = post(as_buyer, f"{ORDERS}/{order.pk}/cancel", {"reason": "wrong supplier"}).json()
    assert (cancelled["status"], cancelled["cancel_reason"]) == ("cancelled", "wrong supplier")


def test_self_approval_above_the_limit_is_a_403_through_the_api(
    approver: Person, api_client: Callable[..., Client], acme: Supplier, acme_bolt: SupplierItem, site_dublin: Site,
    bolt: Item,
) -> None:
    order = raised(approver, site_dublin, acme, bolt, "15000")  # 1200 EUR
    services.submit_purchase_order(actor=approver, order=order)
    client = api_client(approver)
    before = (row_counts(), list(PurchaseOrder.objects.values_list("status", "approved_by_id")))
    response = post(client, f"{ORDERS}/{order.pk}/approve")
    assert response.status_code == 403
    assert response.json()["detail"] == (f"{order.number} totals 1200 EUR, above the self-approval limit of 1000 EUR: "
                                          "somebody other than its author must approve it.")
    assert (row_counts(), list(PurchaseOrder.objects.values_list("status", "approved_by_id"))) == before


def test_receiving_is_idempotent_and_all_or_nothing(
    buyer: Person, approver: Person, api_client: Callable[..., Client], acme: Supplier, acme_bolt: SupplierItem,
    site_dublin: Site, bolt: Item, bin_a: Location, quarantine: Location,
) -> None:
    order = sent(buyer, approver, site_dublin, acme, bolt)
    client = api_client(buyer)
    body = {"note": "DN-77", "lines": [
        {"line": 1, "quantity": "300", "location": "A-01"},
        {"line": 1, "quantity": "20", "location": "q-01", "quality_hold": True, "rejected_quantity": "5"},
    ]}
    first = post(client, f"{ORDERS}/{order.pk}/receipts", body, key="dn-77")
    before = (row_counts(), Receipt.objects.count(), StockMovement.objects.count())
    again = post(client, f"{ORDERS}/{order.pk}/receipts", body, key="dn-77")
    assert (first.status_code, again.status_code) == (201, 200)
    assert (first.json()["replayed"], again.json()["replayed"]) == (False, True)
    assert (row_counts(), Receipt.objects.count(), StockMovement.objects.count()) == before == (before[0], 1, 2)
    answer = first.json()
    assert answer["status"] == "partially_received"
    assert [(line["received_quantity"], line["rejected_quantity"], line["open_quantity"]) for line in answer["lines"]] == [
        ("320.0000", "5.0000", "180.0000")
    ]
    assert answer["receipts"][0]["lines"] == [
        {"line_number": 1, "sku": "BOLT-M8", "accepted_quantity": "300.0000", "rejected_quantity": "0.0000",
         "location": "dub/A-01", "lot": "", "quality_hold": False},
        {"line_number": 1, "sku": "BOLT-M8", "accepted_quantity": "20.0000", "rejected_quantity": "5.0000",
         "location": "dub/Q-01", "lot": "", "quality_hold": True},
    ]
    assert StockBalance.objects.get(location=quarantine).on_hand == q(20)
    # An over-receipt names its row and changes nothing
    snapshot = (row_counts(), Receipt.objects.count(), list(StockBalance.objects.values_list("on_hand", flat=True)))
    over = post(client, f"{ORDERS}/{order.pk}/receipts", {"lines": [
        {"line": 1, "quantity": "100", "location": "A-01"}, {"line": 1, "quantity": "81", "location": "A-01"},
    ]}, key="dn-78")
    assert over.status_code == 422
    assert over.json()["errors"] == [{"field": "quantity", "row": 1, "message":
                                      "line 1 (BOLT-M8): 181 would be over-received; 500 ordered, 320 received so far, "
                                      "so at most 180 more"}]
    unknown = post(client, f"{ORDERS}/{order.pk}/receipts", {"lines": [{"line": 2, "quantity": "1", "location": "Z-9"}]})
    assert unknown.json()["errors"] == [
        {"field": "lines.line", "message": f"{order.number} has no line 2", "row": 0},
        {"field": "lines.location", "message": "unknown location 'Z-9' at dub", "row": 0},
    ]
    assert (row_counts(), Receipt.objects.count(), list(StockBalance.objects.values_list("on_hand", flat=True))) == snapshot


def test_a_site_scoped_manager_cannot_reach_another_sites_orders(
    buyer: Person, make_person: Callable[..., Person], api_client: Callable[..., Client], acme: Supplier,
    acme_bolt: SupplierItem, site_dublin: Site, site_columbus: Site, bolt: Item,
) -> None:
    # Given an order to Dublin, and a Supply Chain Manager at Columbus
    order = raised(buyer, site_dublin, acme, bolt)
    services.submit_purchase_order(actor=buyer, order=order)
    columbus = api_client(make_person("supply-chain-manager", site=site_columbus))
    before = (row_counts(), list(PurchaseOrder.objects.values_list("status", flat=True)))
    # Then they can neither see it nor act on it: 404, as if it did not exist
    assert columbus.get(f"{ORDERS}/{order.pk}").status_code == 404
    assert post(columbus, f"{ORDERS}/{order.pk}/approve").status_code == 404
    assert columbus.get(ORDERS).json()["count"] == 0
    assert (row_counts(), list(PurchaseOrder.objects.values_list("status", flat=True))) == before
    # While a Director of Supply Chain (company-wide) sees it
    director = api_client(make_person("director-of-supply-chain"))
    assert director.get(f"{ORDERS}/{order.pk}").json()["number"] == order.number


def test_listing_orders_filters_orders_and_pages(
    buyer: Person, approver: Person, admin: Person, api_client: Callable[..., Client], acme: Supplier,
    acme_bolt: SupplierItem, site_dublin: Site, bolt: Item,
) -> None:
    small = raised(buyer, site_dublin, acme, bolt, "100")     # 10 EUR, draft
    big = sent(buyer, approver, site_dublin, acme, bolt, "1000")  # 80 EUR, sent
    other = services.create_supplier(actor=None, code="ZED", name="Zed", currency="EUR")
    cancelled = services.create_purchase_order(actor=buyer, supplier=other, site=site_dublin,
                                               lines=[OrderLineIn(item=bolt, quantity=q(1), unit_price=q(5))])
    services.cancel_purchase_order(actor=buyer, order=cancelled)
    client = api_client(admin)

    def numbers(**query: Any) -> list[str]:
        return [row["number"] for row in client.get(ORDERS, query).json()["items"]]

    assert numbers(status="open", ordering="-total") == [big.number, small.number]
    assert numbers(status="cancelled") == [cancelled.number]
    assert numbers(status=["draft", "sent"], ordering="number") == [small.number, big.number]
    assert numbers(supplier="zed") == [cancelled.number]
    assert numbers(site="cmh") == []
    assert numbers(q="BOLT", ordering="total") == [cancelled.number, small.number, big.number]
    page = client.get(ORDERS, {"limit": 1, "offset": 1, "ordering": "total"}).json()
    assert (page["count"], [row["number"] for row in page["items"]]) == (3, [small.number])
    assert client.get(ORDERS, {"status": "lost"}).json()["errors"] == [{"field": "status", "message": (
        "unknown status 'lost'; use open or one of draft, submitted, approved, sent, partially_received, received, "
        "closed, cancelled")}]
    assert client.get(ORDERS, {"ordering": "colour"}).status_code == 422


def test_the_scorecard_through_the_api(
    buyer: Person, approver: Person, api_client: Callable[..., Client], acme: Supplier, acme_bolt: SupplierItem,
    site_dublin: Site, bolt: Item, bin_a: Location,
) -> None:
    order = sent(buyer, approver, site_dublin, acme, bolt, "500")
    services.receive_purchase_order(actor=buyer, order=order, lines=[services.ReceiveLine(order.lines.get(), q(500), bin_a)])
    card = api_client(buyer).get("/api/v1/suppliers/ACME/scorecard").json()
    assert len(card["months"]) == 12
    total = card["total"]
    # 0.08 paid against the bolt's standard cost of 0.12: (0.08 - 0.12) x 500 = -20.00 EUR, -33.33 %
    assert (total["deliveries"], total["on_time_rate"], total["in_full_rate"], total["lead_time_mean_days"]) == (
        1, "1.0000", "1.0000", "0.00")
    assert (total["price_variance"], total["price_variance_rate"], total["reject_rate"]) == (
        {"amount": "-20.00", "currency": "EUR"}, "-0.3333", "0.0000")
    empty = api_client(buyer).get("/api/v1/suppliers/ACME/scorecard", {"since": "2020-01-01", "until": "2020-02-29"}).json()
    assert [(m["month"], m["deliveries"], m["on_time_rate"]) for m in empty["months"]] == [
        ("2020-01-01", 0, None), ("2020-02-01", 0, None)]
    backwards = api_client(buyer).get("/api/v1/suppliers/ACME/scorecard", {"since": "2021-01-01", "until": "2020-01-01"})
    assert backwards.status_code == 422


def test_approving_writes_an_approve_audit_record_with_the_channel(
    buyer: Person, approver: Person, api_client: Callable[..., Client], acme: Supplier, acme_bolt: SupplierItem,
    site_dublin: Site, bolt: Item,
) -> None:
    order = raised(buyer, site_dublin, acme, bolt)
    services.submit_purchase_order(actor=buyer, order=order)
    post(api_client(approver), f"{ORDERS}/{order.pk}/approve")
    record = AuditRecord.objects.get(action="approve")
    assert (record.object_type, record.object_id, record.actor_id, record.channel) == (
        "purchase_order", str(order.pk), approver.pk, "api")
    assert Decimal(str(services.order_total(order))) == q(40)


def test_searching_by_sku_does_not_multiply_totals(
    buyer: Person, admin: Person, api_client: Callable[..., Client], acme: Supplier, site_dublin: Site, bolt: Item,
) -> None:
    # Given an order with two lines whose SKUs both match "M8"
    nut = services.create_item(actor=None, sku="NUT-M8", name="Nut M8")
    order = services.create_purchase_order(actor=buyer, supplier=acme, site=site_dublin, lines=[
        OrderLineIn(item=bolt, quantity=q(10), unit_price=q(1)), OrderLineIn(item=nut, quantity=q(10), unit_price=q(2)),
    ])
    # When the list is searched by that fragment, then the order appears once with its true total
    rows = api_client(admin).get(ORDERS, {"q": "m8"}).json()["items"]
    assert [(row["number"], row["total"]) for row in rows] == [(order.number, {"amount": "30.00", "currency": "EUR"})]
