"""The order pages: queue, lists with search/sort/filter/export, the order page and its buttons."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from keel.audit.models import AuditRecord
from keel.orders import services
from keel.orders.models import CarrierService, Customer, SalesOrder, Shipment
from keel.organization.models import Person, Site
from keel.supply_chain.models import Item, Location, StockBalance

from .conftest import q

pytestmark = pytest.mark.django_db


def test_the_queue_page_flags_late_and_at_risk_orders_in_promise_order(
    make_order: Callable[..., SalesOrder], bolt: Item, fulfiller: Person, login: Callable[[Person], Client],
    site_columbus: Site,
) -> None:
    today = timezone.localdate()
    late = make_order((bolt, 1), promised_ship_on=today - timedelta(days=2))
    at_risk = make_order((bolt, 1), promised_ship_on=today + timedelta(days=1))
    later = make_order((bolt, 1), promised_ship_on=today + timedelta(days=9))
    far = make_order((bolt, 1), site=site_columbus, promised_ship_on=today - timedelta(days=5))
    page = login(fulfiller).get(reverse("orders:queue")).content.decode()
    assert sorted([late.number, at_risk.number, later.number], key=page.index) == [
        late.number, at_risk.number, later.number]
    assert far.number not in page
    assert page.count('<span class="badge off">Late</span>') == 1
    assert page.count('<span class="badge warn">At risk</span>') == 1
    assert "3 results" in page
    late_only = login(fulfiller).get(reverse("orders:queue"), {"flag": "late"}).content.decode()
    assert (late.number in late_only, at_risk.number in late_only) == (True, False)


@pytest.mark.parametrize("params", [{}, {"flag": "at_risk"}, {"sort": "-quantity_total"}])
def test_the_queue_page_costs_the_same_queries_for_1_or_20_orders(
    params: dict[str, str], make_order: Callable[..., SalesOrder], bolt: Item, flour: Item, fulfiller: Person,
    login: Callable[[Person], Client],
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    today = timezone.localdate()
    client = login(fulfiller)
    make_order((bolt, 1), (flour, 2), promised_ship_on=today)
    client.get(reverse("orders:queue"), params)  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as one:
        first = client.get(reverse("orders:queue"), params).content.decode()
    for day in range(19):
        make_order((bolt, 1), (flour, 3), promised_ship_on=today + timedelta(days=day % 2))
    with CaptureQueriesContext(connection) as twenty:
        page = client.get(reverse("orders:queue"), params).content.decode()
    # Then the page costs the same queries: session, person, title, site, department, count,
    # summary, sites, the page's orders and, unless it is sorted by a total, their totals, and
    # the top bar's unread-alert count
    assert len(one) == len(twenty) == (10 if "sort" in params else 11), [q["sql"][:60] for q in twenty.captured_queries]
    assert "1 result" in first
    assert "20 results" in page
    assert page.count('<span class="badge warn">At risk</span>') == 20
    # and the totals are the orders' own: 1 + 2 on the first, 1 + 3 on the others
    assert page.count('<td class="num">3</td>') == 1
    assert page.count('<td class="num">4</td>') == 19


def test_every_list_exports_and_the_export_is_audited(
    make_order: Callable[..., SalesOrder], bolt: Item, acme: Customer, admin: Person, login: Callable[[Person], Client],
) -> None:
    order = make_order((bolt, 3))
    client = login(admin)
    expected = {
        "orders:queue": ("sales_order", ["Promised ship", "Order", "Customer", "Ship from", "Status", "Ordered", "Backordered", "Packed", "Flags"]),
        "orders:list": ("sales_order", ["Order", "Customer", "Channel", "Ship from", "Status", "Promised ship", "Ordered", "Shipped", "Created"]),
        "orders:shipments": ("shipment", ["Shipped", "Order", "Customer", "Carrier", "Tracking number", "Cost", "Status", "Delivered"]),
        "orders:customers": ("customer", ["Code", "Name", "Email", "Country", "Channel", "Open orders", "Orders"]),
    }
    for name, (object_type, header) in expected.items():
        response = client.get(reverse(name), {"export": "xlsx"})
        rows = [[cell.value for cell in row] for row in load_workbook(io.BytesIO(response.content)).active.iter_rows()]
        assert rows[0] == header, name
        record = AuditRecord.objects.filter(action="export").latest("id")
        assert (record.object_type, record.after) == (object_type, {"rows": len(rows) - 1, "format": "xlsx"})
    csv_rows = client.get(reverse("orders:list"), {"export": "csv", "q": order.number}).content.decode("utf-8-sig").splitlines()
    assert csv_rows[1].startswith(f"{order.number},Acme Retail,Web store,dub,Confirmed,,3,0,")
    customers = client.get(reverse("orders:customers"), {"export": "csv"}).content.decode("utf-8-sig").splitlines()
    assert customers[1] == "ACME,Acme Retail,orders@acme.example,IE,Web store,1,1"


def test_the_order_list_searches_filters_and_sorts(
    make_order: Callable[..., SalesOrder], bolt: Item, admin: Person, login: Callable[[Person], Client],
) -> None:
    first, second, draft = make_order((bolt, 1)), make_order((bolt, 2)), make_order((bolt, 1), confirm=False)
    client = login(admin)
    page = client.get(reverse("orders:list"), {"sort": "number"}).content.decode()
    assert sorted([first.number, second.number, draft.number], key=page.index) == [first.number, second.number, draft.number]
    page = client.get(reverse("orders:list"), {"status": "draft"}).content.decode()
    assert (draft.number in page, first.number in page) == (True, False)
    page = client.get(reverse("orders:list"), {"q": second.number}).content.decode()
    assert "1 result" in page


def test_working_an_order_from_its_page(
    make_order: Callable[..., SalesOrder], bolt: Item, bin_a: Location, receive: Callable[..., None],
    express: CarrierService, fulfiller: Person, login: Callable[[Person], Client],
) -> None:
    receive(bolt, bin_a, 3)
    order = make_order((bolt, 5))
    client = login(fulfiller)
    page = client.get(reverse("orders:detail", kwargs={"pk": order.pk})).content.decode()
    assert "Allocate</button>" in page
    assert "Cancel order" not in page  # cancelling needs supply chain: manage
    # Allocate: 3 of 5, 2 backordered
    response = client.post(reverse("orders:allocate", kwargs={"pk": order.pk}), follow=True)
    assert "Allocated 3; 2 backordered until stock arrives." in response.content.decode()
    assert "<td>A-01</td>" in response.content.decode()
    # Pick, confirm, pack 2 of the 3
    client.post(reverse("orders:pick", kwargs={"pk": order.pk}))
    pick_list = order.pick_lists.get()
    client.post(reverse("orders:pick-confirm", kwargs={"pk": order.pk, "pick_list_pk": pick_list.pk}))
    line = order.lines.get()
    response = client.post(reverse("orders:pack", kwargs={"pk": order.pk}), {f"line_{line.pk}": "2", "weight_kg": "0.5"})
    assert response.status_code == 302
    # Ship with carrier, tracking and cost
    form = client.get(reverse("orders:ship", kwargs={"pk": order.pk})).content.decode()
    assert "DHL Express" in form
    response = client.post(reverse("orders:ship", kwargs={"pk": order.pk}), {
        "carrier_service": express.pk, "tracking_number": "JD0099", "shipping_cost": "4.50", "currency": "EUR"})
    assert response.status_code == 302
    shipment = Shipment.objects.get()
    assert (shipment.tracking_number, str(shipment.cost), list(shipment.lines.values_list("quantity", flat=True))) == (
        "JD0099", "4.50 EUR", [q(2)])
    assert StockBalance.objects.get(item=bolt, location=bin_a).reserved == q(1)
    page = client.get(reverse("orders:detail", kwargs={"pk": order.pk})).content.decode()
    assert "Partially shipped" in page
    assert "JD0099" in page
    # Hold without a reason is refused with a message, and nothing changes
    response = client.post(reverse("orders:hold", kwargs={"pk": order.pk}), {"reason": ""}, follow=True)
    assert "The order was not put on hold. say why the order is held" in response.content.decode()
    assert SalesOrder.objects.get(pk=order.pk).status == "partially_shipped"
    client.post(reverse("orders:hold", kwargs={"pk": order.pk}), {"reason": "Customer called"})
    page = client.get(reverse("orders:detail", kwargs={"pk": order.pk})).content.decode()
    assert "<strong>On hold:</strong> Customer called." in page
    # And the delivery is confirmed from the shipments list
    client.post(reverse("orders:deliver", kwargs={"pk": shipment.pk}))
    assert Shipment.objects.get().status == "delivered"


def test_shipping_with_nothing_packed_is_refused_on_the_page(
    make_order: Callable[..., SalesOrder], bolt: Item, express: CarrierService, admin: Person,
    login: Callable[[Person], Client],
) -> None:
    order = make_order((bolt, 2))
    response = login(admin).post(reverse("orders:ship", kwargs={"pk": order.pk}), {
        "carrier_service": express.pk, "tracking_number": "X", "shipping_cost": "1", "currency": "EUR"})
    assert response.status_code == 400
    assert "Nothing is packed and waiting to ship." in response.content.decode()
    assert Shipment.objects.count() == 0


def test_a_dublin_fulfillment_manager_cannot_open_a_columbus_order(
    make_order: Callable[..., SalesOrder], bolt: Item, site_columbus: Site, fulfiller: Person,
    login: Callable[[Person], Client],
) -> None:
    order = make_order((bolt, 1), site=site_columbus)
    client = login(fulfiller)
    assert client.get(reverse("orders:detail", kwargs={"pk": order.pk})).status_code == 404
    assert client.post(reverse("orders:allocate", kwargs={"pk": order.pk})).status_code == 404
    assert order.number not in client.get(reverse("orders:list")).content.decode()


def test_creating_an_order_and_a_customer_from_the_forms(
    acme: Customer, bolt: Item, site_dublin: Site, make_person: Callable[..., Person], login: Callable[[Person], Client],
) -> None:
    client = login(make_person("ecommerce-operations-manager"))
    refused = client.post(reverse("orders:create"), {
        "customer": acme.pk, "ship_from": site_dublin.pk, "lines": "BOLT-M8 1.5\n\nNOPE 1", "confirm": "on"})
    assert refused.status_code == 400
    assert "Row 3: unknown SKU &#x27;NOPE&#x27;" in refused.content.decode()
    refused = client.post(reverse("orders:create"), {
        "customer": acme.pk, "ship_from": site_dublin.pk, "lines": "\nBOLT-M8 1.5", "confirm": "on"})
    assert "Row 2: BOLT-M8 is counted in each: whole numbers only" in refused.content.decode()
    assert SalesOrder.objects.count() == 0
    created = client.post(reverse("orders:create"), {
        "customer": acme.pk, "ship_from": site_dublin.pk, "lines": "bolt-m8 2 2.40 EUR", "confirm": "on",
        "promised_ship_on": "2026-12-03"})
    order = SalesOrder.objects.get()
    assert created["Location"] == reverse("orders:detail", kwargs={"pk": order.pk})
    assert (order.status, [(line.quantity, line.unit_price) for line in order.lines.all()]) == ("confirmed", [(q(2), q("2.40"))])
    # The Ecommerce Operations Manager (customer experience: operate) adds customers too
    response = client.post(reverse("orders:customer-create"), {"code": "zeta", "name": "Zeta", "country": "FR"})
    assert response.status_code == 302
    assert Customer.objects.filter(code="ZETA", country="FR").exists()
    services.create_sales_channel(actor=None, code="amazon", name="Amazon", kind="marketplace")
