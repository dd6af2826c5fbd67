"""Importing orders from CSV or XLSX, all or nothing, and exporting lines in the same shape."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from conftest import row_counts
from keel.audit.models import AuditRecord
from keel.orders.models import Customer, SalesOrder, SalesOrderLine
from keel.organization.models import Person, Site
from keel.supply_chain.models import Item

from .conftest import q

pytestmark = pytest.mark.django_db
HEADER = "order_ref,customer,ship_from,channel,promised_ship_on,promised_delivery_on,sku,quantity,unit_price,currency"


def upload(client: Client, name: str, content: bytes, confirm: bool = True) -> Client:
    data: dict[str, object] = {"file": SimpleUploadedFile(name, content)}
    if confirm:
        data["confirm"] = "on"
    return client.post(reverse("orders:import"), data)  # type: ignore[return-value]


@pytest.fixture
def importer(make_person: Callable[..., Person], login: Callable[[Person], Client]) -> Client:
    """An Ecommerce Operations Manager at Dublin (supply chain: operate, site scope)."""
    return login(make_person("ecommerce-operations-manager"))


def test_a_good_file_creates_every_order(
    acme: Customer, bolt: Item, flour: Item, site_dublin: Site, importer: Client
) -> None:
    csv = "\n".join([
        HEADER,
        "WEB-1,acme,dub,web,2026-12-01,2026-12-03,BOLT-M8,4,2.40,EUR",
        "WEB-1,ACME,dub,web,2026-12-01,2026-12-03,FLOUR-25,2.5,,",
        "",
        "WEB-2,acme,dub,,,,BOLT-M8,1,,",
    ]).encode()
    response = upload(importer, "orders.csv", csv)
    assert response.status_code == 302
    orders = list(SalesOrder.objects.order_by("pk"))
    assert [(o.customer_reference, o.status, o.channel.code, str(o.promised_ship_on)) for o in orders] == [
        ("WEB-1", "confirmed", "web", "2026-12-01"), ("WEB-2", "confirmed", "web", "None")]
    assert [(line.order.customer_reference, line.item.sku, line.quantity, line.unit_price)
            for line in SalesOrderLine.objects.order_by("order_id", "line_number")] == [
        ("WEB-1", "BOLT-M8", q(4), q("2.40")), ("WEB-1", "FLOUR-25", q("2.5"), q("1.10")), ("WEB-2", "BOLT-M8", q(1), q("2.50"))]
    record = AuditRecord.objects.filter(action="import", object_type="sales_order").get()
    assert record.after == {"orders": 2, "rows": 3, "numbers": [orders[0].number, orders[1].number]}
    # And the same file again is refused: those refs were already imported
    again = upload(importer, "orders.csv", csv)
    assert again.status_code == 400
    assert f"WEB-1 of ACME was already imported as {orders[0].number}" in again.content.decode()
    assert SalesOrder.objects.count() == 2


def test_a_bad_file_reports_each_row_and_column_and_imports_nothing(
    acme: Customer, bolt: Item, site_dublin: Site, site_columbus: Site, importer: Client
) -> None:
    csv = "\n".join([
        HEADER,
        "A-1,ACME,dub,,,,BOLT-M8,1.5,,",            # row 2: fractions of a counted item
        "A-1,ACME,cmh,,,,BOLT-M8,1,,",              # row 3: another site within the same order
        "A-2,NOBODY,dub,,2026-13-01,,GHOST,x,3,",   # row 4: four problems
        "A-3,ACME,cmh,,,,BOLT-M8,1,,",              # row 5: a site outside the Dublin scope
        ",ACME,dub,,,,BOLT-M8,1,,",                 # row 6: no order ref
        "A-4,ACME,dub,,,,BOLT-M8,2,,",              # row 7: fine on its own
    ]).encode()
    before = (row_counts(), SalesOrder.objects.count())
    response = upload(importer, "orders.csv", csv)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Nothing was imported: correct the rows below and upload the file again." in page
    problems = page[page.index("<tbody>", page.index("Problem</th>")):]
    expected = [
        ("2", "quantity", "BOLT-M8 is counted in each: whole numbers only"),
        ("3", "ship_from", "differs from row 2, the first row of order A-1"),
        ("4", "customer", "unknown customer &#x27;NOBODY&#x27;"),
        ("4", "promised_ship_on", "a date as YYYY-MM-DD"),
        ("4", "sku", "unknown SKU &#x27;GHOST&#x27;"),
        ("4", "quantity", "&#x27;x&#x27; is not a number"),
        ("4", "currency", "a price needs its three-letter ISO currency, e.g. EUR"),
        ("5", "ship_from", "unknown site &#x27;cmh&#x27; in your scope"),
        ("6", "order_ref", "required: rows with the same order_ref form one order"),
    ]
    found = re.findall(r"<tr><td class=\"num\">(\d+)</td><td><code>(\w+)</code></td><td>(.*?)</td></tr>", problems)
    assert found == expected
    assert problems.count("<tr>") == len(expected)
    assert (row_counts(), SalesOrder.objects.count()) == before


def test_a_file_without_the_template_columns_is_refused(importer: Client) -> None:
    response = upload(importer, "orders.csv", b"order,customer\nX,Y\n")
    assert response.status_code == 400
    page = response.content.decode()
    assert "The header is not the import template&#x27;s; nothing was imported." in page
    for column in ("order_ref", "ship_from", "sku", "quantity"):
        assert f"<code>{column}</code></td><td>missing column</td>" in page


def test_exported_lines_import_elsewhere_and_the_template_matches(
    make_order: Callable[..., SalesOrder], acme: Customer, bolt: Item, flour: Item, importer: Client, admin: Person,
    login: Callable[[Person], Client],
) -> None:
    order = make_order((bolt, 3), (flour, "1.25"))
    client = login(admin)
    template = load_workbook(io.BytesIO(client.get(reverse("orders:import"), {"template": "xlsx"}).content)).active
    assert [cell.value for cell in next(template.iter_rows())] == HEADER.split(",")
    exported = client.get(reverse("orders:export-lines"), {"format": "xlsx", "q": order.number})
    sheet = load_workbook(io.BytesIO(exported.content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == [*HEADER.split(","), "order_number", "status", "allocated", "shipped"]
    assert [row[:10] for row in rows[1:]] == [
        [order.number, "ACME", "dub", "web", None, None, "BOLT-M8", 3, 2.5, "EUR"],
        [order.number, "ACME", "dub", "web", None, None, "FLOUR-25", 1.25, 1.1, "EUR"],
    ]
    assert AuditRecord.objects.filter(action="export", object_type="sales_order_line").get().after == {"rows": 2, "format": "xlsx"}
    # Re-imported under a new ref, the same lines make a second order
    workbook = Workbook()
    target = workbook.active
    target.append(HEADER.split(","))
    for row in rows[1:]:
        target.append(["COPY-1", *row[1:10]])
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert upload(importer, "copy.xlsx", buffer.getvalue(), confirm=False).status_code == 302
    copy = SalesOrder.objects.get(customer_reference="COPY-1")
    assert (copy.status, [(line.item.sku, line.quantity, line.unit_price) for line in copy.lines.order_by("line_number")]) == (
        "draft", [("BOLT-M8", q(3), q("2.5")), ("FLOUR-25", q("1.25"), q("1.1"))])
