"""Imports by kind and action, the import API, write-phase progress and purging old jobs."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import row_counts
from keel import cli
from keel.audit.models import AuditRecord
from keel.core.models import ImportJob
from keel.events.models import Event
from keel.organization import services as org_services
from keel.organization.models import ApiToken, JobTitle, Person
from keel.supply_chain import imports, tasks
from keel.supply_chain.models import Item, Location, StockBalance, StockMovement
from keel.supply_chain.tests.conftest import q

ITEMS_CSV = b"sku,name,unit\nNUT-M8,Nut M8,each\nOIL-5,Oil,l\nCUP-1,Cup,each\n"
STOCK_CSV = b"sku,site,location,quantity\nBOLT-M8,DUB,A-01,500\nBOLT-M8,dub,B-01,20\n"


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


@pytest.fixture
def stocker(make_person: Callable[..., Person]) -> Person:
    """A Logistics Manager whose title may move stock but neither create items nor change suppliers."""
    title = JobTitle.objects.get(slug="logistics-manager")
    title.revoked_actions = ["supply_chain.create_item"]
    title.save()
    person = make_person("logistics-manager")
    assert (person.has_action("supply_chain.move_stock"), person.has_action("supply_chain.create_item"),
            person.has_action("supply_chain.change_supplier")) == (True, False, False)
    return person


def balances() -> list[tuple[str, str, Any]]:
    return sorted(StockBalance.objects.values_list("item__sku", "location__code", "on_hand"))


# --- Each kind of import needs its own action ------------------------------------------


@pytest.mark.django_db
def test_a_stock_mover_imports_opening_stock_but_not_items_or_suppliers(
    stocker: Person, login: Callable[[Person], Client], bolt: Item, bin_a: Location, bin_b: Location,
) -> None:
    client = login(stocker)
    page = client.get(reverse("supply_chain:stock-import"))
    assert page.status_code == 200
    assert '<input type="hidden" name="kind" value="opening_stock"' in page.content.decode()
    done = client.post(reverse("supply_chain:stock-import"), {"kind": "opening_stock",
                                                              "file": upload("open.csv", STOCK_CSV)})
    assert (done.status_code, done["Location"]) == (302, reverse("supply_chain:movements"))
    assert balances() == [("BOLT-M8", "A-01", q(500)), ("BOLT-M8", "B-01", q(20))]
    assert client.get(reverse("supply_chain:item-import")).status_code == 403
    assert client.get(reverse("supply_chain:supplier-import")).status_code == 403
    before = (row_counts(), Item.objects.count())
    # Another kind posted to the stock page is not one of its choices
    smuggled = client.post(reverse("supply_chain:stock-import"), {"kind": "items", "file": upload("i.csv", ITEMS_CSV)})
    assert smuggled.status_code == 400  # not a choice on this page
    assert (row_counts(), Item.objects.count()) == before


@pytest.mark.django_db
def test_the_item_page_imports_items_only(admin: Person, login: Callable[[Person], Client]) -> None:
    client = login(admin)
    wrong_kind = client.post(reverse("supply_chain:item-import"), {"kind": "opening_stock",
                                                                   "file": upload("o.csv", STOCK_CSV)})
    assert wrong_kind.status_code == 400
    assert "Select a valid choice" in wrong_kind.content.decode()
    done = client.post(reverse("supply_chain:item-import"), {"kind": "items", "file": upload("i.csv", ITEMS_CSV)})
    assert (done.status_code, done["Location"]) == (302, reverse("supply_chain:items"))
    assert sorted(Item.objects.values_list("sku", flat=True)) == ["CUP-1", "NUT-M8", "OIL-5"]


# --- The import API ---------------------------------------------------------------------


@pytest.mark.django_db
def test_the_api_imports_items_all_or_nothing(admin: Person, api_client: Callable[..., Client], bolt: Item) -> None:
    client = api_client(admin)
    bad = b"sku,name,unit\nNEW-1,New,each\nBOLT-M8,Exists,each\nNEW-2,Bad unit,crates\n"
    before = (row_counts(), Item.objects.count())
    refused = client.post("/api/v1/imports/items", {"file": upload("items.csv", bad)})
    assert refused.status_code == 422
    assert refused["Content-Type"] == "application/problem+json"
    body = refused.json()
    assert body["detail"] == "The file was not imported; nothing changed."
    assert [(error["row"], error["field"]) for error in body["errors"]] == [(3, "sku"), (4, "unit")]
    assert body["errors"][0]["message"] == "an item with SKU 'BOLT-M8' exists"
    assert (row_counts(), Item.objects.count()) == before
    done = client.post("/api/v1/imports/items", {"file": upload("items.csv", ITEMS_CSV)})
    assert done.status_code == 200
    assert done.json() == {"rows": 3, "created": 3, "updated": 0, "unchanged": 0}
    assert Item.objects.get(sku="OIL-5").unit == "l"


@pytest.mark.django_db
def test_the_api_import_needs_the_kinds_action(
    stocker: Person, api_client: Callable[..., Client], bolt: Item, bin_a: Location, bin_b: Location,
) -> None:
    client = api_client(stocker)
    assert client.post("/api/v1/imports/items", {"file": upload("i.csv", ITEMS_CSV)}).status_code == 403
    done = client.post("/api/v1/imports/opening-stock", {"file": upload("open.csv", STOCK_CSV)})
    assert (done.status_code, done.json()) == (200, {"rows": 2, "created": 2, "updated": 0, "unchanged": 0})
    assert balances() == [("BOLT-M8", "A-01", q(500)), ("BOLT-M8", "B-01", q(20))]
    no_file = client.post("/api/v1/imports/opening-stock", {})
    assert no_file.status_code == 422
    assert no_file.json()["errors"][0]["field"] == "file.file"


@pytest.mark.django_db
def test_a_background_api_import_returns_a_job_that_only_its_creator_reads(
    admin: Person, stocker: Person, api_client: Callable[..., Client], settings: Any, tmp_path: Path,
    bolt: Item, bin_a: Location, bin_b: Location,
) -> None:
    settings.MEDIA_ROOT = tmp_path
    client = api_client(stocker)
    queued = client.post("/api/v1/imports/opening-stock?background=true", {"file": upload("open.csv", STOCK_CSV)})
    assert queued.status_code == 202
    job = ImportJob.objects.get()
    body = queued.json()
    # Embedded mode runs the task inline, so the job has finished already
    assert {key: body[key] for key in ("id", "kind", "filename", "status", "phase", "total_rows", "processed_rows",
                                       "written_rows", "report", "url")} == {
        "id": job.pk, "kind": "opening_stock", "filename": "open.csv", "status": "succeeded", "phase": "",
        "total_rows": 2, "processed_rows": 2, "written_rows": 2,
        "report": {"rows": 2, "created": 2, "updated": 0, "unchanged": 0},
        "url": f"/api/v1/imports/opening-stock/{job.pk}"}
    status = client.get(body["url"])
    assert status.status_code == 200
    assert status.json()["status"] == "succeeded"
    assert client.get(f"/api/v1/imports/items/{job.pk}").status_code == 403  # not the stocker's kind of import
    assert api_client(admin).get(f"/api/v1/imports/items/{job.pk}").status_code == 404  # another kind
    assert api_client(admin).get(body["url"]).status_code == 200  # administrators see every job
    other = tasks.import_path(job.pk)
    assert not other.exists()
    # Large files go to the background without asking
    settings.KEEL_IMPORT_BACKGROUND_ROWS = 1
    large = client.post("/api/v1/imports/opening-stock", {"file": upload("open2.csv", STOCK_CSV)})
    assert large.status_code == 202
    assert balances() == [("BOLT-M8", "A-01", q(1000)), ("BOLT-M8", "B-01", q(40))]


@pytest.mark.django_db
def test_a_job_queued_through_a_token_runs_with_the_tokens_narrowed_actions(
    stocker: Person, api_client: Callable[..., Client], settings: Any, tmp_path: Path,
    bolt: Item, bin_a: Location, bin_b: Location,
) -> None:
    settings.MEDIA_ROOT = tmp_path
    client = api_client(stocker, ["supply_chain.move_stock"])
    queued = client.post("/api/v1/imports/opening-stock?background=true", {"file": upload("open.csv", STOCK_CSV)})
    assert queued.status_code == 202
    job = ImportJob.objects.get()
    assert (job.created_by_id, job.token_id, job.status) == (
        stocker.pk, ApiToken.objects.get(person=stocker).pk, "succeeded")
    assert balances() == [("BOLT-M8", "A-01", q(500)), ("BOLT-M8", "B-01", q(20))]


@pytest.mark.django_db
def test_a_token_job_fails_and_changes_nothing_when_the_token_lacks_the_action_or_is_revoked(
    stocker: Person, settings: Any, tmp_path: Path, bolt: Item, bin_a: Location, bin_b: Location,
) -> None:
    settings.MEDIA_ROOT = tmp_path
    narrow = org_services.create_api_token(actor=stocker, person=stocker, name="read only",
                                           actions=["supply_chain.view_item"], expires_in_days=30)
    wide = org_services.create_api_token(actor=stocker, person=stocker, name="stock",
                                         actions=["supply_chain.move_stock"], expires_in_days=30)
    org_services.revoke_api_token(actor=stocker, token=wide.token)

    def run(token_id: int) -> ImportJob:
        job = ImportJob.objects.create(kind="opening_stock", filename="open.csv", created_by_id=stocker.pk,
                                       token_id=token_id)
        tasks.store_import_file(job, STOCK_CSV)
        tasks.run_import_task.call(job_id=job.pk)
        job.refresh_from_db()
        assert not tasks.import_path(job.pk).exists()
        return job

    narrowed = run(narrow.token.pk)
    assert (narrowed.status, narrowed.report) == ("failed", {
        "detail": "Whoever queued this import may no longer do it (supply_chain.move_stock); nothing changed."})
    revoked = run(wide.token.pk)
    assert (revoked.status, revoked.report) == ("failed", {
        "detail": "The API token that queued this import was revoked or has expired; nothing changed."})
    assert balances() == []


# --- Progress while writing -----------------------------------------------------------


def watch_write_progress(monkeypatch: pytest.MonkeyPatch, actor: Person) -> list[tuple[str, str, int]]:
    """After each write-phase report, read the job the way its page and API do (from the
    database or the progress file, never from the import's open transaction)."""
    seen: list[tuple[str, str, int]] = []
    report = tasks.WriteProgress.__call__

    def reporting(self: tasks.WriteProgress, rows: int) -> None:
        report(self, rows)
        job = imports.import_job(actor=actor, pk=self.job_id)
        assert job is not None
        seen.append((job.status, job.phase, job.written_rows))

    monkeypatch.setattr(tasks.WriteProgress, "__call__", reporting)
    monkeypatch.setattr(imports, "PROGRESS_CHUNK", 1)
    return seen


def run_job(actor: Person, kind: str, name: str, content: bytes) -> ImportJob:
    job = ImportJob.objects.create(kind=kind, filename=name, created_by_id=actor.pk)
    tasks.store_import_file(job, content)
    tasks.run_import_task.call(job_id=job.pk)
    job.refresh_from_db()
    return job


@pytest.mark.django_db(transaction=True)
def test_item_import_progress_moves_during_the_write(
    admin: Person, settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings.MEDIA_ROOT = tmp_path
    seen = watch_write_progress(monkeypatch, admin)
    job = run_job(admin, "items", "items.csv", ITEMS_CSV)
    assert seen == [("running", "writing", 0), ("running", "writing", 1), ("running", "writing", 2),
                    ("running", "writing", 3)]
    assert (job.status, job.phase, job.processed_rows, job.written_rows, job.total_rows) == ("succeeded", "", 3, 3, 3)
    assert sorted(Item.objects.values_list("sku", flat=True)) == ["CUP-1", "NUT-M8", "OIL-5"]
    assert list(tmp_path.joinpath("imports").iterdir()) == []  # no upload, no progress file left


@pytest.mark.django_db(transaction=True)
def test_a_failing_write_reports_progress_then_changes_nothing(
    admin: Person, settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings.MEDIA_ROOT = tmp_path
    seen = watch_write_progress(monkeypatch, admin)
    # Rows that pass the checks but fail in the item service (a cost without its currency)
    content = b"sku,name,unit,standard_cost\nA-1,A,each,\nB-1,B,each,2\n"
    job = run_job(admin, "items", "items.csv", content)
    assert seen == [("running", "writing", 0), ("running", "writing", 1), ("running", "writing", 2)]
    assert (job.status, job.written_rows) == ("failed", 0)
    assert job.report["problems"] == [{"field": "cost_currency", "row": 3,
                                       "message": job.report["problems"][0]["message"]}]
    assert Item.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_opening_stock_reports_the_write_as_one_step(
    admin: Person, bolt: Item, bin_a: Location, bin_b: Location, settings: Any, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings.MEDIA_ROOT = tmp_path
    seen = watch_write_progress(monkeypatch, admin)
    job = run_job(admin, "opening_stock", "open.csv", STOCK_CSV)
    assert seen == [("running", "writing", 0), ("running", "writing", 2)]
    assert (job.status, job.written_rows) == ("succeeded", 2)
    assert StockMovement.objects.filter(reference="opening_stock:open.csv").count() == 2


@pytest.mark.django_db
def test_the_job_page_shows_the_write_phase(admin: Person, login: Callable[[Person], Client]) -> None:
    job = ImportJob.objects.create(kind="items", filename="big.csv", status="running", phase="writing",
                                   total_rows=4000, processed_rows=4000, written_rows=1500, created_by_id=admin.pk)
    partial = login(admin).get(reverse("supply_chain:import-job", kwargs={"pk": job.pk}),
                               headers={"HX-Request": "true"}).content.decode()
    assert "<strong>Writing</strong>: 1500 of 4000 rows written" in partial
    assert '<progress value="1500" max="4000">' in partial
    assert 'hx-trigger="every 1s"' in partial


# --- Purging old jobs -----------------------------------------------------------------


@pytest.mark.django_db
def test_purge_deletes_only_finished_jobs_older_than_the_cutoff(
    settings: Any, tmp_path: Path, django_capture_on_commit_callbacks: Any,
) -> None:
    settings.MEDIA_ROOT = tmp_path
    now = timezone.now()

    def job(status: str, finished_days_ago: int | None, created_days_ago: int = 60) -> ImportJob:
        return ImportJob.objects.create(
            kind="items", filename=f"{status}.csv", status=status, created_at=now - timedelta(days=created_days_ago),
            finished_at=None if finished_days_ago is None else now - timedelta(days=finished_days_ago))

    old_done, old_failed = job("succeeded", 40), job("failed", 31)
    recent, running, queued = job("succeeded", 29), job("running", None), job("queued", None)
    tasks.store_import_file(old_failed, b"left behind")
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("purge_import_jobs", older_than_days=30, stdout=out)
    assert out.getvalue() == "Deleted 2 import jobs finished more than 30 days ago.\n"
    assert sorted(ImportJob.objects.values_list("pk", flat=True)) == sorted([recent.pk, running.pk, queued.pk])
    assert not tasks.import_path(old_failed.pk).exists()
    record = AuditRecord.objects.get(object_type="import_job")
    assert (record.action, record.object_repr, record.before, record.after["deleted"],
            record.after["older_than_days"]) == ("delete", "2 import jobs", {"ids": [old_done.pk, old_failed.pk]}, 2, 30)
    assert Event.objects.get(event_type__name="Purge import jobs").attributes == {"deleted": 2, "older_than_days": 30}
    # Nothing left to purge: no audit, no event
    again = io.StringIO()
    call_command("purge_import_jobs", "--older-than-days", "30", stdout=again)
    assert again.getvalue() == "Deleted 0 import jobs finished more than 30 days ago.\n"
    assert AuditRecord.objects.filter(object_type="import_job").count() == 1


@pytest.mark.django_db
def test_purge_refuses_a_cutoff_below_one_day_and_keeps_everything() -> None:
    ImportJob.objects.create(kind="items", filename="a.csv", status="succeeded",
                             finished_at=timezone.now() - timedelta(days=3))
    before = (row_counts(), ImportJob.objects.count())
    with pytest.raises(CommandError) as error:
        call_command("purge_import_jobs", older_than_days=0)
    assert str(error.value) == "No import jobs were deleted. --older-than-days: a whole number of days, at least 1"
    assert (row_counts(), ImportJob.objects.count()) == before
    assert cli.COMMANDS["purge-import-jobs"][0] == "purge_import_jobs"
