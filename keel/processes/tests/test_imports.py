"""Imported logs: CSV with a column mapping, XES, OCEL 2.0; all or nothing with every
problem named; Parquet storage read back by ``imported_frame``; exports; deletion."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from keel.analytics.process_mining import read_xes
from keel.audit.models import AuditRecord
from keel.core.errors import Conflict
from keel.events.models import Event
from keel.organization.models import Person
from keel.processes import imports, selectors, services
from keel.processes.choices import ImportStatus, ProcessKind
from keel.processes.models import ImportedLog

pytestmark = pytest.mark.django_db
DATA = Path(__file__).resolve().parents[2] / "analytics" / "process_mining" / "tests" / "data"
GOOD_CSV = (b"ticket,step,at,agent,priority\n"
            b"T1,open,2024-03-01 08:00,ann,high\nT1,solve,2024-03-01 09:30,bob,high\n"
            b"T2,open,2024-03-02T10:00:00+01:00,ann,low\nT2,reopen,2024-03-02 12:00,bob,low\n")
MAPPING = {"case": "ticket", "activity": "step", "timestamp": "at", "resource": "agent"}


def run_import(actor: Person, name: str, content: bytes, capture: Any, **options: Any) -> ImportedLog:
    with capture(execute=True):
        item = services.queue_log_import(actor=actor, name=name, filename=name, content=content, size=len(content),
                                         **options)
    item.refresh_from_db()
    return item


def test_a_mapped_csv_is_stored_as_parquet_and_read_back(
    improver: Person, django_capture_on_commit_callbacks: Any, log_dir: Path,
) -> None:
    item = run_import(improver, "tickets.csv", GOOD_CSV, django_capture_on_commit_callbacks, mapping=MAPPING)

    assert (item.status, item.event_count, item.case_count, item.activity_count) == (
        ImportStatus.SUCCEEDED, 4, 2, 3)
    assert item.percent == 100
    assert (log_dir / item.storage_name).exists()
    assert not imports.upload_path(item.pk).exists()
    frame = imports.imported_frame(item)
    assert frame.columns == ["case_id", "activity", "timestamp", "resource", "priority"]
    assert frame.select("case_id", "activity", "resource").rows() == [
        ("T1", "open", "ann"), ("T1", "solve", "bob"), ("T2", "open", "ann"), ("T2", "reopen", "bob")]
    assert str(frame.get_column("timestamp")[2]) == "2024-03-02 09:00:00+00:00"
    assert list(Event.objects.filter(event_type__name__in=["Queue log import", "Import log"])
                .order_by("pk").values_list("event_type__name", flat=True)) == ["Queue log import", "Import log"]
    assert AuditRecord.objects.filter(object_type="imported_log", action="import").count() == 2


def test_a_bad_csv_stores_nothing_and_names_every_row_and_column(
    improver: Person, django_capture_on_commit_callbacks: Any, log_dir: Path,
) -> None:
    content = (b"ticket,step,at\nT1,open,2024-03-01 08:00\n,solve,yesterday\nT2,,2024-03-02\n"
               b"T3,open,31/12/2024\n")
    item = run_import(improver, "bad.csv", content, django_capture_on_commit_callbacks,
                      mapping={"case": "ticket", "activity": "step", "timestamp": "at"})

    assert item.status == ImportStatus.FAILED
    assert item.report["detail"] == imports.FAILED
    assert item.report["problems"] == [
        {"field": "at", "message": "'yesterday' is not an ISO 8601 time", "row": 2},
        {"field": "ticket", "message": "the case is empty", "row": 2},
        {"field": "step", "message": "the activity is empty", "row": 3},
        {"field": "at", "message": "'31/12/2024' is not an ISO 8601 time", "row": 4},
    ]
    assert item.storage_name == ""
    assert not list(log_dir.glob("*.parquet"))


def test_a_csv_mapping_to_missing_columns_is_refused_per_field(
    improver: Person, django_capture_on_commit_callbacks: Any,
) -> None:
    item = run_import(improver, "t.csv", GOOD_CSV, django_capture_on_commit_callbacks,
                      mapping={"case": "case_id", "activity": "step", "timestamp": "at"})
    assert item.report["problems"] == [{"field": "case_column",
                                        "message": "no column 'case_id'; the file has ticket, step, at, agent, priority"}]


def test_xes_and_ocel_files_import_and_export_round_trip(
    improver: Person, django_capture_on_commit_callbacks: Any, tmp_path: Path, login: Callable[[Person], Client],
) -> None:
    xes = run_import(improver, "repair.xes.gz", (DATA / "03_repairExample.xes.gz").read_bytes(),
                     django_capture_on_commit_callbacks)
    expected = read_xes(DATA / "03_repairExample.xes.gz")
    assert (xes.status, xes.event_count, xes.case_count) == (ImportStatus.SUCCEEDED, expected.event_count,
                                                             expected.case_count)

    ocel = run_import(improver, "example.sqlite", (DATA / "ocel20_example.sqlite").read_bytes(),
                      django_capture_on_commit_callbacks, case_notion="Invoice")
    assert ocel.status == ImportStatus.SUCCEEDED
    assert imports.imported_frame(ocel).filter(pl.col("activity") == "Insert Invoice").height == 3

    client = login(improver)
    exported = client.get(reverse("processes:log-export", args=[xes.pk]), {"format": "xes"})
    path = tmp_path / "back.xes"
    path.write_bytes(exported.content)
    back = read_xes(path)
    assert (back.event_count, back.case_count) == (expected.event_count, expected.case_count)
    document = json.loads(client.get(reverse("processes:log-export", args=[ocel.pk]),
                                     {"format": "ocel-json"}).content)
    assert {item["type"] for item in document["objects"]} == {"Invoice"}


def test_an_ocel_file_needs_its_case_notion(improver: Person, django_capture_on_commit_callbacks: Any) -> None:
    from keel.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as refused:
        services.queue_log_import(actor=improver, name="x", filename="x.jsonocel", content=b"{}", size=2)
    assert refused.value.problems[0].field == "case_notion"
    wrong = run_import(improver, "example.jsonocel", (DATA / "ocel20_example.jsonocel").read_bytes(),
                       django_capture_on_commit_callbacks, case_notion="Parcel")
    assert wrong.status == ImportStatus.FAILED
    assert wrong.report["problems"][0]["field"] == "case_notion"
    broken = run_import(improver, "broken.xes", gzip.compress(b"<log><trace>"),
                        django_capture_on_commit_callbacks)
    assert broken.status == ImportStatus.FAILED
    assert broken.report["problems"][0]["field"] == "file"


def test_the_upload_page_follows_progress_and_the_log_can_be_modelled_and_deleted(
    improver: Person, viewer: Person, login: Callable[[Person], Client], django_capture_on_commit_callbacks: Any,
    log_dir: Path,
) -> None:
    client = login(improver)
    upload = SimpleUploadedFile("tickets.csv", GOOD_CSV, content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("processes:log-import"), {
            "file": upload, "name": "Helpdesk", "case_column": "ticket", "activity_column": "step",
            "timestamp_column": "at", "resource_column": "agent"})
    item = ImportedLog.objects.get(name="Helpdesk")
    assert response["Location"] == reverse("processes:log", args=[item.pk])
    page = client.get(response["Location"]).content.decode()
    assert "Imported 4 events in 2 cases" in page
    partial = client.get(response["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert partial.startswith('<section id="log-progress"')
    assert "hx-trigger" not in partial

    derived = client.get(reverse("processes:model-create"), {"process": "imported", "log": item.pk,
                                                              "derive": "variant"}).content.decode()
    assert 'value="open"' in derived
    model = services.create_process_model(actor=improver, name="Helpdesk", process=ProcessKind.IMPORTED,
                                          imported_log=item, steps=[{"activity": "open"}, {"activity": "solve"}])
    result = selectors.conformance(actor=improver, model=model, include_open=True)
    assert result.cases.select("case_id", "fitness").rows() == [("T2", 0.5), ("T1", 1.0)]
    assert result.deviations.rows() == [("T2", "unexpected", "reopen", "(no team)", "(no site)"),
                                        ("T2", "skipped", "solve", "(no team)", "(no site)")]

    assert login(viewer).post(reverse("processes:log-delete", args=[item.pk])).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        deleted = client.post(reverse("processes:log-delete", args=[item.pk]))
    assert deleted.status_code == 302
    assert not ImportedLog.objects.filter(pk=item.pk).exists()
    assert not list(log_dir.glob("*.parquet"))


def test_a_log_being_imported_cannot_be_deleted(improver: Person) -> None:
    item = services.queue_log_import(actor=improver, name="t", filename="t.csv", content=GOOD_CSV,
                                     size=len(GOOD_CSV), mapping=MAPPING)  # the task runs after commit: never here
    with pytest.raises(Conflict):
        services.delete_imported_log(actor=improver, log=item)


def test_an_imported_log_is_analysed_on_the_process_screens_and_api(
    improver: Person, django_capture_on_commit_callbacks: Any, log_dir: Path,
    login: Callable[[Person], Client], api_client: Callable[..., Client],
) -> None:
    item = run_import(improver, "tickets.csv", GOOD_CSV, django_capture_on_commit_callbacks, mapping=MAPPING)
    slug = f"log-{item.pk}"
    client = login(improver)

    listing = client.get(reverse("processes:list")).content.decode()
    assert f'href="/processes/{slug}/"' in listing
    assert "tickets.csv (imported)" in listing
    page = client.get(reverse("processes:map", args=[slug]))
    assert page.status_code == 200
    assert "2 of 2 cases" in page.content.decode()
    for name in ("variants", "bottlenecks", "compare"):
        assert client.get(reverse(f"processes:{name}", args=[slug])).status_code == 200
    timeline = client.get(reverse("processes:case", args=[slug, "T2"])).content.decode()
    assert timeline.index(">open<") < timeline.index(">reopen<")

    api = api_client(improver)
    dfg = api.get(f"/api/v1/processes/{slug}/dfg").json()
    assert sorted((row["source"], row["target"], row["frequency"]) for row in dfg["arcs"]) == [
        ("open", "reopen", 1), ("open", "solve", 1)]
    durations = api.get(f"/api/v1/processes/{slug}/case-durations").json()
    assert {row["case_id"]: row["duration"] for row in durations["items"]} == {"T1": 5400.0, "T2": 10800.0}  # T2: 09:00 UTC to 12:00
    assert client.get(reverse("processes:map", args=[f"log-{item.pk + 1}"])).status_code == 404
