"""The purchasing pages: suppliers and scorecard, the board, order pages, receiving, imports."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from conftest import row_counts
from keel.audit.models import AuditRecord
from keel.organization.models import Person, Site
from keel.supply_chain import services
from keel.supply_chain.models import (
    Item,
    Location,
    PriceBreak,
    PurchaseOrder,
    Receipt,
    StockBalance,
    Supplier,
    SupplierItem,
)
from keel.supply_chain.services import OrderLineIn, ReceiveLine
from keel.supply_chain.tests.conftest import q

pytestmark = pytest.mark.django_db


def raised(actor: Any, site: Site, supplier: Supplier, bolt: Item, quantity: str = "500") -> PurchaseOrder:
    return services.create_purchase_order(actor=actor, supplier=supplier, site=site,
                                          lines=[OrderLineIn(item=bolt, quantity=q(quantity))])


def sent(buyer: Person, approver: Person, site: Site, supplier: Supplier, bolt: Item) -> PurchaseOrder:
    order = raised(buyer, site, supplier, bolt)
    services.submit_purchase_order(actor=buyer, order=order)
    services.approve_purchase_order(actor=approver, order=order)
    services.send_purchase_order(actor=buyer, order=order)
    return order


def page(response: Any) -> str:
    return response.content.decode()


# --- Suppliers ------------------------------------------------------------------------


def test_the_supplier_list_searches_filters_and_exports_safely(
    admin: Person, login: Callable[[Person], Client], acme: Supplier,
) -> None:
    services.create_supplier(actor=None, code="EVIL", name="=HYPERLINK(\"http://x\")", currency="USD")
    services.create_supplier(actor=None, code="OLD", name="Old Mill", currency="EUR", is_active=False)
    client = login(admin)
    listing = page(client.get(reverse("supply_chain:suppliers"), {"q": "acme"}))
    assert "Acme Fasteners" in listing
    assert "Old Mill" not in listing
    assert "Old Mill" in page(client.get(reverse("supply_chain:suppliers"), {"status": "inactive"}))
    assert "1 result" in page(client.get(reverse("supply_chain:suppliers"), {"currency": "USD"}))
    response = client.get(reverse("supply_chain:suppliers"), {"export": "xlsx", "sort": "code"})
    rows = [[cell.value for cell in row] for row in load_workbook(io.BytesIO(response.content)).active.iter_rows()]
    assert rows[0] == ["Code", "Name", "Currency", "Payment terms (days)", "Lead time (days)", "Contact name",
                       "Contact email", "Contact phone", "Active"]
    assert rows[1:] == [
        ["ACME", "Acme Fasteners", "EUR", 30, 10, "Rita Acme", "orders@acme.example", None, "yes"],
        ["EVIL", "'=HYPERLINK(\"http://x\")", "USD", 30, 0, None, None, None, "yes"],
    ]
    assert AuditRecord.objects.filter(action="export", object_type="supplier").get().after == {"rows": 2, "format": "xlsx"}


def test_the_supplier_page_shows_terms_prices_and_the_scorecard(
    buyer: Person, approver: Person, login: Callable[[Person], Client], acme: Supplier, acme_bolt: SupplierItem,
    site_dublin: Site, bolt: Item, bin_a: Location,
) -> None:
    order = sent(buyer, approver, site_dublin, acme, bolt)
    services.receive_purchase_order(actor=buyer, order=order, lines=[ReceiveLine(order.lines.get(), q(500), bin_a)])
    html = page(login(buyer).get(reverse("supply_chain:supplier", kwargs={"code": "ACME"})))
    assert "net 30 days" in html
    assert "from 100: 0.10 EUR</span>" in html
    assert "from 500: 0.08 EUR</span>" in html
    assert '<svg viewBox="0 0 864 172"' in html  # twelve bars
    assert ">100.0%<" in html  # on time
    assert order.number in html
    # The buyer (operate) may order but may not change supplier terms
    assert "New purchase order" in html
    assert "Add an item" not in html
    assert login(buyer).get(reverse("supply_chain:supplier", kwargs={"code": "NOPE"})).status_code == 404


def test_adding_and_changing_a_supplier_and_its_prices_through_forms(
    admin: Person, login: Callable[[Person], Client], bolt: Item,
) -> None:
    client = login(admin)
    refused = client.post(reverse("supply_chain:supplier-create"), {
        "code": "X Y", "name": "Xylo", "currency": "EURO", "payment_terms_days": 30, "lead_time_days": 5,
    })
    assert refused.status_code == 400
    assert "three-letter ISO currency code, e.g. EUR" in page(refused)
    assert Supplier.objects.count() == 0
    created = client.post(reverse("supply_chain:supplier-create"), {
        "code": "xylo", "name": "Xylo", "currency": "eur", "payment_terms_days": 45, "lead_time_days": 5, "is_active": "on",
    })
    assert created.status_code == 302
    client.post(reverse("supply_chain:supplier-edit", kwargs={"code": "XYLO"}), {
        "name": "Xylo Ltd", "currency": "EUR", "payment_terms_days": 60, "lead_time_days": 5, "is_active": "on",
    })
    assert Supplier.objects.values_list("code", "name", "payment_terms_days").get() == ("XYLO", "Xylo Ltd", 60)
    bad = client.post(reverse("supply_chain:supplier-item", kwargs={"code": "XYLO"}), {
        "sku": "BOLT-M8", "minimum_order_quantity": "0", "order_multiple": "1", "price_breaks": "10 for 2", "is_active": "on",
    })
    assert bad.status_code == 400
    assert "&#x27;10 for 2&#x27; is not &#x27;quantity=price&#x27; (e.g. 100=2.10)" in page(bad)
    good = client.post(reverse("supply_chain:supplier-item", kwargs={"code": "XYLO"}), {
        "sku": "BOLT-M8", "minimum_order_quantity": "10", "order_multiple": "5", "price_breaks": "10=0.20; 100=0.15",
        "is_active": "on",
    })
    assert good.status_code == 302
    assert list(PriceBreak.objects.values_list("minimum_quantity", "unit_price", "currency")) == [
        (q(10), q("0.20"), "EUR"), (q(100), q("0.15"), "EUR")]
    form = page(client.get(reverse("supply_chain:supplier-item", kwargs={"code": "XYLO"}), {"sku": "BOLT-M8"}))
    assert 'value="10=0.2; 100=0.15"' in form


# --- The board and the order pages ----------------------------------------------------


def test_the_board_shows_open_orders_by_status_and_the_list_exports(
    buyer: Person, approver: Person, login: Callable[[Person], Client], acme: Supplier, acme_bolt: SupplierItem,
    site_dublin: Site, bolt: Item,
) -> None:
    draft = raised(buyer, site_dublin, acme, bolt, "100")
    on_its_way = sent(buyer, approver, site_dublin, acme, bolt)
    gone = raised(buyer, site_dublin, acme, bolt, "150")
    services.cancel_purchase_order(actor=buyer, order=gone)
    client = login(buyer)
    board = page(client.get(reverse("supply_chain:purchase-orders")))
    assert draft.number in board
    assert on_its_way.number in board
    assert gone.number not in board  # cancelled orders are not on the board
    assert "40.00 EUR" in board
    tabs = page(client.get(reverse("supply_chain:purchase-orders"), {"view": "list", "status": "cancelled"}))
    assert gone.number in tabs
    assert draft.number not in tabs
    assert 'data-status="open" >Open<span class="count">2</span>' in tabs
    assert 'data-status="cancelled" class="active" aria-current="page">Cancelled<span class="count">1</span>' in tabs
    export = client.get(reverse("supply_chain:purchase-orders"), {"view": "list", "status": "all", "export": "csv",
                                                                  "sort": "number"})
    lines = export.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "Number,Supplier,Ship to,Status,Total,Currency,Expected,Created,By"
    assert [line.split(",")[:5] for line in lines[1:]] == [
        [draft.number, "ACME", "dub", "Draft", "10.00"],
        [on_its_way.number, "ACME", "dub", "Sent", "40.00"],
        [gone.number, "ACME", "dub", "Cancelled", "15.00"],
    ]
    assert AuditRecord.objects.filter(action="export", object_type="purchase_order").count() == 1


def test_the_order_page_offers_only_the_allowed_actions(
    buyer: Person, approver: Person, login: Callable[[Person], Client], acme: Supplier, acme_bolt: SupplierItem,
    site_dublin: Site, bolt: Item,
) -> None:
    order = raised(buyer, site_dublin, acme, bolt)
    url = reverse("supply_chain:purchase-order", kwargs={"pk": order.pk})
    as_buyer = page(login(buyer).get(url))
    assert "Submit for approval" in as_buyer
    assert "Cancel order" in as_buyer
    assert ">Approve</button>" not in as_buyer
    services.submit_purchase_order(actor=buyer, order=order)
    assert ">Approve</button>" not in page(login(buyer).get(url))  # no approve action
    as_approver = page(login(approver).get(url))
    assert ">Approve</button>" in as_approver
    assert "Submit for approval" not in as_approver


def test_approving_on_the_web_needs_the_action_and_respects_the_limit(
    buyer: Person, approver: Person, login: Callable[[Person], Client], acme: Supplier, acme_bolt: SupplierItem,
    site_dublin: Site, bolt: Item,
) -> None:
    order = raised(approver, site_dublin, acme, bolt, "15000")  # 1200 EUR by the approver
    services.submit_purchase_order(actor=approver, order=order)
    url = reverse("supply_chain:purchase-order-approve", kwargs={"pk": order.pk})
    before = (list(PurchaseOrder.objects.values_list("status", "approved_by_id")),
              AuditRecord.objects.exclude(action="access_denied").count())
    assert login(buyer).post(url).status_code == 403
    own = login(approver).post(url)
    assert own.status_code == 403
    assert "above the self-approval limit of 1000 EUR" in page(own)
    assert (list(PurchaseOrder.objects.values_list("status", "approved_by_id")),
            AuditRecord.objects.exclude(action="access_denied").count()) == before
    detail = page(login(approver).get(reverse("supply_chain:purchase-order", kwargs={"pk": order.pk})))
    assert "somebody else with the approve action must approve it" in detail
    assert ">Approve</button>" not in detail


def test_a_site_scoped_manager_gets_404_for_another_sites_order(
    buyer: Person, make_person: Callable[..., Person], login: Callable[[Person], Client], acme: Supplier,
    acme_bolt: SupplierItem, site_dublin: Site, site_columbus: Site, bolt: Item,
) -> None:
    order = raised(buyer, site_dublin, acme, bolt)
    columbus = login(make_person("supply-chain-manager", site=site_columbus))
    assert columbus.get(reverse("supply_chain:purchase-order", kwargs={"pk": order.pk})).status_code == 404
    assert columbus.post(reverse("supply_chain:purchase-order-submit", kwargs={"pk": order.pk})).status_code == 404
    assert PurchaseOrder.objects.get().status == "draft"
    assert order.number not in page(columbus.get(reverse("supply_chain:purchase-orders")))


def test_raising_an_order_through_the_form(
    buyer: Person, login: Callable[[Person], Client], acme: Supplier, acme_bolt: SupplierItem, site_dublin: Site,
    bolt: Item, flour: Item,
) -> None:
    client = login(buyer)
    form = {"supplier": acme.pk, "site": site_dublin.pk, "expected_on": "2026-12-01", "notes": "",
            "lines-TOTAL_FORMS": "3", "lines-INITIAL_FORMS": "0",
            "lines-0-sku": "BOLT-M8", "lines-0-quantity": "120",
            "lines-2-sku": "FLOUR-25", "lines-2-quantity": "5"}
    refused = client.post(reverse("supply_chain:purchase-order-create"), form)
    assert refused.status_code == 400
    html = page(refused)
    assert "ACME sells BOLT-M8 in multiples of 50: order 100 or 150" in html
    assert "ACME has no price for FLOUR-25: give a unit price" in html
    assert PurchaseOrder.objects.count() == 0
    created = client.post(reverse("supply_chain:purchase-order-create"),
                          {**form, "lines-0-quantity": "150", "lines-2-unit_price": "1.50"})
    assert created.status_code == 302
    order = PurchaseOrder.objects.get()
    assert created["Location"] == reverse("supply_chain:purchase-order", kwargs={"pk": order.pk})
    assert list(order.lines.values_list("item__sku", "ordered_quantity", "unit_price", "expected_on")) == [
        ("BOLT-M8", q(150), q("0.10"), date(2026, 12, 1)), ("FLOUR-25", q(5), q("1.50"), date(2026, 12, 1))]


def test_receiving_through_the_form(
    buyer: Person, approver: Person, login: Callable[[Person], Client], acme: Supplier, acme_bolt: SupplierItem,
    site_dublin: Site, bolt: Item, bin_a: Location, quarantine: Location,
) -> None:
    order = sent(buyer, approver, site_dublin, acme, bolt)
    client = login(buyer)
    url = reverse("supply_chain:purchase-order-receive", kwargs={"pk": order.pk})
    screen = page(client.get(url))
    assert 'name="lines-0-quantity" value="500"' in screen  # the open quantity is proposed
    form = {"lines-TOTAL_FORMS": "1", "lines-INITIAL_FORMS": "1", "lines-0-line": "1", "lines-0-quantity": "600",
            "lines-0-location": bin_a.pk, "note": "DN-1"}
    before = (row_counts(), Receipt.objects.count(), StockBalance.objects.count())
    over = client.post(url, form)
    assert over.status_code == 400
    assert ("line 1 (BOLT-M8): 600 would be over-received; 500 ordered, 0 received so far, so at most 500 more"
            in page(over))
    hold = client.post(url, {**form, "lines-0-quantity": "40", "lines-0-location": bin_a.pk, "lines-0-quality_hold": "on"})
    assert hold.status_code == 400
    assert "dub/A-01 is not a quarantine location" in page(hold)
    assert (row_counts(), Receipt.objects.count(), StockBalance.objects.count()) == before
    done = client.post(url, {**form, "lines-0-quantity": "40", "lines-0-location": quarantine.pk,
                             "lines-0-quality_hold": "on", "lines-0-rejected_quantity": "10"})
    assert done.status_code == 302
    order.refresh_from_db()
    assert order.status == "partially_received"
    assert StockBalance.objects.get(location=quarantine).on_hand == q(40)
    assert Receipt.objects.get().note == "DN-1"
    detail = page(client.get(reverse("supply_chain:purchase-order", kwargs={"pk": order.pk})))
    assert "on hold" in detail
    assert "Close short" in detail


# --- Imports --------------------------------------------------------------------------


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def test_importing_suppliers_from_csv_adds_and_updates(admin: Person, login: Callable[[Person], Client], acme: Supplier) -> None:
    csv = (b"Code,Name,Currency,Payment terms (days),Lead time (days),Active\n"
           b"ACME,Acme Fasteners Ltd,EUR,45,,yes\n"
           b"\n"
           b"nova,Nova Plastics,usd,,7,yes\n")
    response = login(admin).post(reverse("supply_chain:supplier-import"),
                                 {"kind": "suppliers", "file": upload("suppliers.csv", csv)})
    assert response.status_code == 302
    assert list(Supplier.objects.order_by("code").values_list("code", "name", "currency", "payment_terms_days",
                                                              "lead_time_days")) == [
        ("ACME", "Acme Fasteners Ltd", "EUR", 45, 10), ("NOVA", "Nova Plastics", "USD", 30, 7)]
    record = AuditRecord.objects.get(action="import", object_type="supplier")
    assert record.after == {"rows": 2, "created": 1, "updated": 1, "unchanged": 0}


def test_a_bad_import_lists_every_row_and_column_and_changes_nothing(
    admin: Person, login: Callable[[Person], Client], acme: Supplier,
) -> None:
    csv = (b"code,name,currency,contact_email\n"
           b"GOOD,Good Co,EUR,\n"
           b"BAD,,EURO,nobody\n"
           b"good,Twice,EUR,\n")
    client = login(admin)
    before = (row_counts(), list(Supplier.objects.values_list("code", "name")))
    response = client.post(reverse("supply_chain:supplier-import"), {"kind": "suppliers", "file": upload("s.csv", csv)})
    assert response.status_code == 400
    html = page(response)
    for line in ("Row 3: <strong>name</strong>: required", "Row 3: <strong>currency</strong>: three-letter ISO currency code",
                 "Row 3: <strong>contact_email</strong>: &#x27;nobody&#x27; is not an email address",
                 "Row 4: <strong>code</strong>: &#x27;GOOD&#x27; is also on row 2"):
        assert line in html
    assert (row_counts(), list(Supplier.objects.values_list("code", "name"))) == before
    wrong = client.post(reverse("supply_chain:supplier-import"), {"kind": "suppliers", "file": upload("s.txt", b"x")})
    assert "<strong>file</strong>: no rows below the header" in page(wrong)


def test_importing_supplier_items_from_xlsx_round_trips_with_the_export(
    admin: Person, login: Callable[[Person], Client], acme: Supplier, acme_bolt: SupplierItem, flour: Item,
) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(services.SUPPLIER_ITEM_COLUMNS))
    sheet.append(["ACME", "FLOUR-25", "AC-FL", 10, 5, 3, "10=2.00; 50=1.75", "yes"])
    sheet.append(["ACME", "BOLT-M8", "AC-B8", 100, 50, None, "100=0.10; 500=0.08", "yes"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    client = login(admin)
    response = client.post(reverse("supply_chain:supplier-import"),
                           {"kind": "supplier_items", "file": upload("items.xlsx", buffer.getvalue())})
    assert response.status_code == 302
    flour_terms = SupplierItem.objects.get(item=flour)
    assert (flour_terms.supplier_sku, flour_terms.minimum_order_quantity, flour_terms.order_multiple,
            flour_terms.lead_time_days) == ("AC-FL", q(10), q(5), 3)
    assert AuditRecord.objects.get(action="import", object_type="supplier_item").after == {
        "rows": 2, "created": 1, "updated": 0, "unchanged": 1}
    export = client.get(reverse("supply_chain:supplier-import"), {"download": "supplier_items"})
    assert export.content.decode("utf-8-sig").splitlines() == [
        ",".join(services.SUPPLIER_ITEM_COLUMNS),
        "ACME,BOLT-M8,AC-B8,100,50,,100=0.1; 500=0.08,yes",
        "ACME,FLOUR-25,AC-FL,10,5,3,10=2; 50=1.75,yes",
    ]
    template = client.get(reverse("supply_chain:supplier-import"), {"download": "suppliers", "format": "xlsx"})
    rows = list(load_workbook(io.BytesIO(template.content)).active.iter_rows(values_only=True))
    assert rows == [tuple(services.SUPPLIER_COLUMNS)]


def test_supplier_item_import_problems_name_row_and_column(
    admin: Person, login: Callable[[Person], Client], acme: Supplier, bolt: Item,
) -> None:
    csv = (b"supplier;sku;price_breaks;order_multiple\n"
           b"ACME;BOLT-M8;100=0.10;0\n"
           b"NOPE;GHOST;1=2;1\n"
           b"ACME;BOLT-M8;5 for 1;1\n")
    response = login(admin).post(reverse("supply_chain:supplier-import"),
                                 {"kind": "supplier_items", "file": upload("items.csv", csv)})
    html = page(response)
    assert response.status_code == 400
    for line in ("Row 2: <strong>order_multiple</strong>: must be more than zero",
                 "Row 3: <strong>supplier</strong>: unknown supplier &#x27;NOPE&#x27;",
                 "Row 3: <strong>sku</strong>: unknown SKU &#x27;GHOST&#x27;",
                 "Row 4: <strong>sku</strong>: ACME / BOLT-M8 is also on row 2"):
        assert line in html
    assert SupplierItem.objects.count() == 0
