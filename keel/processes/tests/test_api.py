"""The process area's API: models, conformance, initiatives, imported logs, exports."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from keel.organization.models import Person
from keel.processes.models import ImportedLog, ProcessModel

pytestmark = pytest.mark.django_db
CSV = b"case_id,activity,timestamp\nA,open,2024-03-01 08:00\nA,close,2024-03-01 09:00\nB,open,2024-03-02 08:00\n"


def test_models_conformance_and_initiatives_through_the_api(
    simulated: Any, improver: Person, api_client: Callable[..., Client],
) -> None:
    client = api_client(improver)
    created = client.post("/api/v1/process-models", {"name": "Orders", "process": "sales_order",
                                                     "derive": "workflow"}, content_type="application/json")
    assert created.status_code == 201
    model = created.json()
    assert model["version"] == 1
    assert "Check quality" in [step["activity"] for step in model["steps"]]

    versioned = client.post(f"/api/v1/process-models/{model['id']}/versions",
                            {"steps": model["steps"], "note": "same again"}, content_type="application/json")
    assert versioned.json()["version"] == 2

    conformance = client.get(f"/api/v1/process-models/{model['id']}/conformance", {"limit": 5}).json()
    assert conformance["by_team"][0]["group"] == "cmh Picking"
    assert conformance["by_team"][0]["activity"] == "Check quality"
    assert len(conformance["case_results"]) == 5

    refused = client.post("/api/v1/process-models", {"name": "", "process": "nope", "steps": []},
                          content_type="application/json")
    assert refused.status_code == 422
    assert {problem["field"] for problem in refused.json()["errors"]} == {"name", "process", "steps"}

    initiative = client.post("/api/v1/initiatives", {
        "name": "Conform", "owner": improver.pk, "process": "sales_order", "process_model": model["id"],
        "measure": "conformance_fitness", "baseline_from": "2026-03-02", "baseline_to": "2026-03-04",
        "target_value": 0.99, "change_on": "2026-03-05"}, content_type="application/json")
    assert initiative.status_code == 201
    detail = client.get(f"/api/v1/initiatives/{initiative.json()['id']}").json()
    assert 0 < detail["before"] <= 1
    patched = client.patch(f"/api/v1/initiatives/{initiative.json()['id']}", {"status": "active"},
                           content_type="application/json")
    assert patched.json()["status"] == "active"


def test_logs_upload_progress_export_and_delete_through_the_api(
    improver: Person, viewer: Person, api_client: Callable[..., Client], django_capture_on_commit_callbacks: Any,
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = api_client(improver)
    with django_capture_on_commit_callbacks(execute=True):
        queued = client.post("/api/v1/process-logs", {
            "file": SimpleUploadedFile("t.csv", CSV), "case_column": "case_id", "activity_column": "activity",
            "timestamp_column": "timestamp"})
    assert queued.status_code == 202
    log_id = queued.json()["id"]
    status = client.get(f"/api/v1/process-logs/{log_id}").json()
    assert (status["status"], status["percent"], status["event_count"], status["case_count"]) == (
        "succeeded", 100, 3, 2)
    xes = client.get(f"/api/v1/process-logs/{log_id}/export", {"format": "xes"})
    assert xes.status_code == 200
    assert b"<log" in xes.content
    assert client.get(f"/api/v1/process-logs/{log_id}/export", {"format": "pdf"}).status_code == 422
    assert api_client(viewer).delete(f"/api/v1/process-logs/{log_id}").status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        assert client.delete(f"/api/v1/process-logs/{log_id}").status_code == 204
    assert not ImportedLog.objects.exists()
    assert not ProcessModel.objects.exists()


def test_keel_processes_export_as_xes_and_ocel(simulated: Any, improver: Person,
                                               api_client: Callable[..., Client]) -> None:
    client = api_client(improver)
    xes = client.get("/api/v1/processes/sales_order/export", {"format": "xes"})
    assert xes.status_code == 200
    assert xes.content.count(b"<trace>") > 10
    ocel = client.get("/api/v1/processes/purchase_order/export", {"format": "ocel-json"}).json()
    assert {item["type"] for item in ocel["objects"]} == {"purchase_order"}
    assert client.get("/api/v1/processes/tickets/export").status_code == 404
