"""Item and opening stock imports: exact results, all-or-nothing problems by row and column."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook

from conftest import row_counts
from keel.audit.models import AuditRecord
from keel.core.errors import ValidationFailed
from keel.core.models import ImportJob
from keel.events.tests.test_tasks import reset_task_backends
from keel.organization.models import Person
from keel.supply_chain import imports, services
from keel.supply_chain.models import Item, Location, Lot, StockBalance, StockMovement
from keel.supply_chain.tests.conftest import q

ITEMS_CSV = (b"SKU,Name,Category,Unit,Pack size,Standard cost,Cost currency,List price,Price currency,Lifecycle,"
             b"Tracks lots,Tracks expiry\n"
             b"NUT-M8,Nut M8,Fasteners,each,100,0.05,eur,0.09,EUR,active,no,no\n"
             b"OIL-5,Oil 5 l,Fluids,l,1,,,,,,yes,yes\n")


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def xlsx(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def items() -> list[tuple[Any, ...]]:
    return list(Item.objects.order_by("sku").values_list(
        "sku", "name", "category", "unit", "pack_size", "standard_cost", "cost_currency", "list_price",
        "price_currency", "lifecycle", "tracks_lots", "tracks_expiry"))


def test_importing_items_from_csv_creates_exactly_those_items(admin: Person, login: Callable[[Person], Client]) -> None:
    response = login(admin).post(reverse("supply_chain:item-import"),
                                 {"kind": "items", "file": upload("items.csv", ITEMS_CSV)})
    assert response.status_code == 302
    assert items() == [
        ("NUT-M8", "Nut M8", "Fasteners", "each", 100, q("0.05"), "EUR", q("0.09"), "EUR", "active", False, False),
        ("OIL-5", "Oil 5 l", "Fluids", "l", 1, None, "", None, "", "active", True, True),
    ]
    record = AuditRecord.objects.get(action="import", object_type="item")
    assert record.after == {"rows": 2, "created": 2}


def test_importing_items_from_xlsx(admin: Person, login: Callable[[Person], Client]) -> None:
    content = xlsx([["sku", "name", "unit", "pack_size", "list_price", "price_currency"],
                    ["CUP-1", "Cup", "each", 6, 1.5, "USD"]])
    response = login(admin).post(reverse("supply_chain:item-import"),
                                 {"kind": "items", "file": upload("items.xlsx", content)})
    assert response.status_code == 302
    assert items() == [("CUP-1", "Cup", "", "each", 6, None, "", q("1.5"), "USD", "active", False, False)]


def test_three_bad_item_rows_are_reported_and_nothing_is_written(
    admin: Person, login: Callable[[Person], Client], bolt: Item,
) -> None:
    csv = (b"sku,name,unit,standard_cost,cost_currency,pack_size\n"
           b"GOOD-1,Good,each,1,EUR,1\n"
           b"BAD-1,Bad unit,crates,,,1\n"
           b"GOOD-1,Twice,each,,,1\n"
           b"BOLT-M8,Exists,each,abc,,x\n")
    before = (row_counts(), items())
    response = login(admin).post(reverse("supply_chain:item-import"), {"kind": "items", "file": upload("i.csv", csv)})
    assert response.status_code == 400
    html = response.content.decode()
    for line in ("Row 3: <strong>unit</strong>: use one of",
                 "Row 4: <strong>sku</strong>: &#x27;GOOD-1&#x27; is also on row 2",
                 "Row 5: <strong>sku</strong>: an item with SKU &#x27;BOLT-M8&#x27; exists"):
        assert line in html
    assert (row_counts(), items()) == before
    with pytest.raises(ValidationFailed) as failure:
        imports.import_items(actor=admin, rows=[
            {"row": "2", "sku": "A", "name": "A", "unit": "each", "list_price": "2"},
            {"row": "3", "sku": "B", "name": "B", "unit": "each", "pack_size": "1.5"},
            {"row": "4", "sku": "C", "name": "C", "unit": "each", "standard_cost": "x", "cost_currency": "EUR"},
        ])
    assert [(p.row, p.field) for p in failure.value.problems] == [
        (2, "price_currency"), (3, "pack_size"), (4, "standard_cost")]
    assert (row_counts(), items()) == before


def test_opening_stock_posts_exact_balances(
    admin: Person, login: Callable[[Person], Client], bolt: Item, vaccine: Item, flour: Item, bin_a: Location,
    bin_b: Location,
) -> None:
    csv = (b"sku,site,location,quantity,lot,expires_on\n"
           b"BOLT-M8,DUB,A-01,500,,\n"
           b"BOLT-M8,dub,B-01,20,,\n"
           b"VAC-1,DUB,A-01,10,L1,2027-03-31\n"
           b"FLOUR-25,DUB,B-01,12.5,,\n")
    response = login(admin).post(reverse("supply_chain:stock-import"),
                                 {"kind": "opening_stock", "file": upload("open.csv", csv)})
    assert response.status_code == 302, response.content.decode()
    balances = sorted(StockBalance.objects.values_list("item__sku", "location__code", "lot_code", "on_hand"))
    assert balances == [("BOLT-M8", "A-01", "", q(500)), ("BOLT-M8", "B-01", "", q(20)),
                        ("FLOUR-25", "B-01", "", q("12.5")), ("VAC-1", "A-01", "L1", q(10))]
    assert set(StockMovement.objects.values_list("reason", "reference")) == {("receipt", "opening_stock:open.csv")}
    assert Lot.objects.get(code="L1").expires_on == date(2027, 3, 31)
    assert services.check_ledger() == []


def test_bad_opening_stock_rows_are_reported_and_nothing_is_written(
    admin: Person, bolt: Item, vaccine: Item, bin_a: Location,
) -> None:
    before = row_counts()
    with pytest.raises(ValidationFailed) as failure:
        imports.import_opening_stock(actor=admin, filename="o.csv", rows=[
            {"row": "2", "sku": "NOPE", "site": "DUB", "location": "A-01", "quantity": "1"},
            {"row": "3", "sku": "BOLT-M8", "site": "DUB", "location": "Z-99", "quantity": "1"},
            {"row": "4", "sku": "BOLT-M8", "site": "DUB", "location": "A-01", "quantity": "1.5"},
            {"row": "5", "sku": "BOLT-M8", "site": "DUB", "location": "A-01", "quantity": "-2"},
        ])
    assert [(p.row, p.field) for p in failure.value.problems] == [
        (2, "sku"), (3, "location"), (4, "quantity"), (5, "quantity")]
    with pytest.raises(ValidationFailed) as failure:
        imports.import_opening_stock(actor=admin, filename="o.csv", rows=[
            {"row": "2", "sku": "BOLT-M8", "site": "DUB", "location": "A-01", "quantity": "1"},
            {"row": "3", "sku": "VAC-1", "site": "DUB", "location": "A-01", "quantity": "1"},
        ])
    assert [(p.row, p.field) for p in failure.value.problems] == [(3, "lot")]
    assert row_counts() == before
    assert StockBalance.objects.filter(on_hand__gt=0).count() == 0


def test_opening_stock_outside_the_actors_scope_is_an_unknown_location(
    clerk: Person, bolt: Item, bin_a: Location, site_columbus: Any,
) -> None:
    services.create_location(actor=None, site=site_columbus, code="A-01")
    with pytest.raises(ValidationFailed) as failure:
        imports.import_opening_stock(actor=clerk, rows=[
            {"row": "2", "sku": "BOLT-M8", "site": site_columbus.code, "location": "A-01", "quantity": "1"}])
    assert [(p.row, p.field) for p in failure.value.problems] == [(2, "location")]
    imports.import_opening_stock(actor=clerk, rows=[
        {"row": "2", "sku": "BOLT-M8", "site": "DUB", "location": "A-01", "quantity": "3"}])
    assert StockBalance.objects.get(item=bolt).on_hand == q(3)


def test_import_templates_download(admin: Person, login: Callable[[Person], Client]) -> None:
    client = login(admin)
    template = client.get(reverse("supply_chain:item-import"), {"download": "items"})
    assert template.content.decode().splitlines()[0].lstrip("\ufeff") == ",".join(imports.ITEM_COLUMNS)
    stock = client.get(reverse("supply_chain:stock-import"), {"download": "opening_stock", "format": "xlsx"})
    assert stock.status_code == 200
    assert stock["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "?download=opening_stock" in client.get(reverse("supply_chain:stock-import")).content.decode()
    assert "?download=items" in client.get(reverse("supply_chain:item-import")).content.decode()


# --- Background imports ---------------------------------------------------------------


@pytest.fixture
def database_queue(settings: Any, tmp_path: Path) -> Iterator[None]:
    settings.MEDIA_ROOT = tmp_path
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    reset_task_backends()
    yield
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    reset_task_backends()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("database_queue")
def test_a_large_import_is_queued_and_the_worker_runs_it(
    admin: Person, login: Callable[[Person], Client], settings: Any, tmp_path: Path,
) -> None:
    settings.KEEL_IMPORT_BACKGROUND_ROWS = 1
    client = login(admin)
    response = client.post(reverse("supply_chain:item-import"),
                           {"kind": "items", "file": upload("items.csv", ITEMS_CSV)})
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("supply_chain:import-job", kwargs={"pk": job.pk})
    assert (job.kind, job.filename, job.status, job.total_rows, job.processed_rows, job.created_by_id) == (
        "items", "items.csv", "queued", 2, 0, admin.pk)
    assert (tmp_path / "imports" / str(job.pk)).read_bytes() == ITEMS_CSV
    assert Item.objects.count() == 0
    page = client.get(response["Location"]).content.decode()
    assert '<progress value="0" max="2">' in page
    assert 'hx-trigger="every 1s"' in page
    call_command("keel_worker", batch=True, stdout=io.StringIO(), stderr=io.StringIO())
    job.refresh_from_db()
    assert (job.status, job.processed_rows, job.total_rows) == ("succeeded", 2, 2)
    assert job.report == {"rows": 2, "created": 2, "updated": 0, "unchanged": 0}
    assert job.finished_at is not None
    assert sorted(Item.objects.values_list("sku", flat=True)) == ["NUT-M8", "OIL-5"]
    assert not (tmp_path / "imports" / str(job.pk)).exists()
    partial = client.get(response["Location"], headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in partial
    assert '<progress value="2" max="2">' in partial
    assert "Imported 2 rows: 2 new" in partial


def test_a_failed_background_import_reports_its_rows_and_only_its_creator_sees_it(
    admin: Person, clerk: Person, login: Callable[[Person], Client], settings: Any, tmp_path: Path,
    make_person: Callable[..., Person],
) -> None:
    settings.MEDIA_ROOT = tmp_path
    settings.KEEL_IMPORT_BACKGROUND_ROWS = 1
    csv = b"sku,name,unit\nA-1,A,each\nB-1,B,crates\n"
    response = login(clerk).post(reverse("supply_chain:item-import"), {"kind": "items", "file": upload("i.csv", csv)})
    job = ImportJob.objects.get()  # embedded mode: the task ran inline
    assert (job.status, job.total_rows, job.created_by_id) == ("failed", 2, clerk.pk)
    assert job.report["problems"] == [{"field": "unit", "message": job.report["problems"][0]["message"], "row": 3}]
    assert Item.objects.count() == 0
    assert not (tmp_path / "imports" / str(job.pk)).exists()
    html = login(clerk).get(response["Location"]).content.decode()
    assert "Row 3: <strong>unit</strong>" in html
    assert login(admin).get(response["Location"]).status_code == 200
    assert login(make_person("supply-chain-manager")).get(response["Location"]).status_code == 404
