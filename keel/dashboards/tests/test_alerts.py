"""KPI alerts: crossings between green, amber and red raise one alert per owner holder, once."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from keel.audit.models import AuditRecord
from keel.dashboards import selectors, services
from keel.dashboards.models import Alert, KpiStatus
from keel.events.models import Event
from keel.kpis.catalogue import CATALOGUE
from keel.kpis.selectors import Tile
from keel.organization.models import Person

pytestmark = pytest.mark.django_db

BACKLOG = CATALOGUE["order_backlog"]


def tile(value: float | None, status: str, target: float | None = 10.0) -> Tile:
    return Tile(spec=BACKLOG, value=value, display="no data yet" if value is None else f"{value:,.0f}",
                target=target, status=status, trend=[(date(2026, 11, 27), value)], no_data=value is None, reason="")


def record(value: float | None, status: str, recipients: list[Person]) -> int:
    return services.record_status(spec=BACKLOG, tile=tile(value, status), scope_key="company",
                                  scope_label="Company-wide", recipients=recipients, site_id=None)


def test_each_crossing_alerts_each_holder_once_and_repeats_raise_nothing(make_person: Callable[..., Person]) -> None:
    # Given two Fulfillment Managers (the owner title of the order backlog)
    holders = [make_person("fulfillment-manager"), make_person("fulfillment-manager")]
    # The first green raises nothing; it is the baseline
    assert record(8, "green", holders) == 0
    assert KpiStatus.objects.get(kpi_key="order_backlog", scope_key="company").status == "green"
    # Green -> amber alerts both holders, once: the same status again raises nothing
    events, audits = Event.objects.count(), AuditRecord.objects.count()
    assert record(12, "amber", holders) == 2
    assert record(13, "amber", holders) == 0
    assert (Event.objects.count(), AuditRecord.objects.count()) == (events + 1, audits + 1)
    # Amber -> red, then back to green: two more crossings
    assert record(20, "red", holders) == 2
    assert record(7, "green", holders) == 2
    rows = list(Alert.objects.filter(recipient=holders[0]).order_by("crossing").values_list(
        "crossing", "previous_status", "status", "display"))
    assert rows == [(1, "green", "amber", "12"), (2, "amber", "red", "20"), (3, "red", "green", "7")]
    # No data keeps the last known status and is not a crossing
    assert record(None, "none", holders) == 0
    assert record(6, "green", holders) == 0
    state = KpiStatus.objects.get(kpi_key="order_backlog", scope_key="company")
    assert (state.status, state.crossings, state.value) == ("green", 3, 6)
    event = Event.objects.filter(event_type__name="Raise KPI alert").latest("id")
    assert (event.attributes["from"], event.attributes["to"], event.attributes["recipients"]) == ("red", "green", 2)
    audit = AuditRecord.objects.filter(object_type="kpi_alert").latest("id")
    assert (audit.object_id, audit.before, audit.after["status"]) == ("order_backlog@company#3", {"status": "red"}, "green")


def test_a_first_status_of_amber_or_red_alerts(make_person: Callable[..., Person]) -> None:
    holder = make_person("fulfillment-manager")
    assert record(30, "red", [holder]) == 1
    alert = Alert.objects.get()
    assert (alert.previous_status, alert.status, alert.is_worse, alert.target) == ("none", "red", True, 10.0)


def test_the_same_crossing_can_never_be_stored_twice(make_person: Callable[..., Person]) -> None:
    # Given an alert already raised for crossing 1 (as a concurrent run would have written it)
    holder = make_person("fulfillment-manager")
    record(8, "green", [holder])
    Alert.objects.create(recipient=holder, kpi_key="order_backlog", kpi_name=BACKLOG.name, scope_key="company",
                         scope_label="Company-wide", crossing=1, previous_status="green", status="amber")
    # When this run finds the same crossing
    assert record(12, "amber", [holder]) == 0
    # Then the unique constraint refused the duplicate and this run changed nothing
    assert Alert.objects.count() == 1
    assert KpiStatus.objects.get().status == "green"


def test_evaluation_without_data_raises_nothing_and_the_command_says_so(
    make_person: Callable[..., Person], capsys: pytest.CaptureFixture[str]
) -> None:
    make_person("fulfillment-manager")
    call_command("keel_alerts", "evaluate", "--kpi", "order_backlog", "--snapshot")
    assert Alert.objects.count() == 0
    out = capsys.readouterr().out
    assert out.splitlines()[-1] == "Checked 1 KPI x scope pair: 0 crossings, 0 alerts raised."
    assert out.startswith("Stored ")
    with pytest.raises(CommandError, match="--kpi: unknown KPI nope"):
        call_command("keel_alerts", "evaluate", "--kpi", "nope")


def test_people_read_only_their_own_alerts_on_the_page_and_mark_them_read(
    make_person: Callable[..., Person], login: Callable[[Person], Client]
) -> None:
    ann, bob = make_person("fulfillment-manager"), make_person("fulfillment-manager")
    record(8, "green", [ann, bob])
    record(12, "amber", [ann])
    record(20, "red", [ann])
    client = login(ann)
    page = client.get(reverse("dashboards:alerts")).content.decode()
    assert "2 unread" in page
    assert 'aria-label="KPI alerts: 2 unread"' in page  # the top bar
    assert page.count("Mark as read</button>") == 2
    assert "No alerts yet" in login(bob).get(reverse("dashboards:alerts")).content.decode()
    # Filter by the status crossed into
    page = client.get(reverse("dashboards:alerts"), {"status": "red"}).content.decode()
    assert "1 result" in page
    # Mark one read, then all
    first = Alert.objects.filter(recipient=ann, status="red").get()
    client.post(reverse("dashboards:alerts-read"), {"alert": first.pk})
    assert selectors.unread_alert_count(actor=ann) == 1
    assert AuditRecord.objects.filter(object_type="kpi_alert", action="change").latest("id").after == {
        "read": True, "alerts": [first.pk]}
    client.post(reverse("dashboards:alerts-read"), {"all": "1"})
    assert selectors.unread_alert_count(actor=ann) == 0
    # Bob cannot mark Ann's alerts read
    other = Alert.objects.filter(recipient=ann).first()
    assert other is not None
    assert services.mark_alerts_read(actor=bob, alert_ids=[other.pk]) == 0


def test_alerts_export_as_csv(make_person: Callable[..., Person], login: Callable[[Person], Client]) -> None:
    ann = make_person("fulfillment-manager")
    record(8, "green", [ann])
    record(12, "amber", [ann])
    response = login(ann).get(reverse("dashboards:alerts"), {"export": "csv"})
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "Raised,KPI,Scope,From,To,Value,Read"
    assert lines[1].split(",")[1:] == ["Order backlog", "Company-wide", "Green", "Amber", "12", ""]


def test_the_api_lists_and_marks_alerts_and_arranges_the_dashboard(
    make_person: Callable[..., Person], api_client: Callable[..., Client]
) -> None:
    ann = make_person("fulfillment-manager")
    record(8, "green", [ann])
    record(12, "amber", [ann])
    client = api_client(ann)
    body = client.get("/api/v1/alerts?unread=true").json()
    assert body["count"] == 1
    assert {key: body["items"][0][key] for key in ("kpi_key", "previous_status", "status", "value", "read_at")} == {
        "kpi_key": "order_backlog", "previous_status": "green", "status": "amber", "value": 12.0, "read_at": None}
    response = client.post("/api/v1/alerts/read", data=json.dumps({}), content_type="application/json")
    assert response.status_code == 422
    response = client.post("/api/v1/alerts/read", data=json.dumps({"all": True}), content_type="application/json")
    assert response.json() == {"marked": 1}
    # The dashboard's layout: get, put, reset
    assert client.get("/api/v1/dashboards/me").json()["is_personal"] is False
    response = client.put("/api/v1/dashboards/me", data=json.dumps({"kpi_keys": ["order_backlog", "otif"]}),
                          content_type="application/json")
    assert response.json()["kpi_keys"] == ["order_backlog", "otif"]
    assert response.json()["tiles"][1] == {"key": "otif", "name": "On time in full (OTIF)", "url": "/kpis/otif/"}
    response = client.put("/api/v1/dashboards/me", data=json.dumps({"kpi_keys": ["csat", "ticket_first_response_time", "nope"]}),
                          content_type="application/json")
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "kpi_keys", "message": "'nope' is not a KPI in the catalogue", "row": 3}]
    assert client.delete("/api/v1/dashboards/me").json()["is_personal"] is False
