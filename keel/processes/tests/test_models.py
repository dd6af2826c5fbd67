"""Intended process models: steps to Petri nets, versions, pages, events and audit."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from keel.analytics.process_mining import replay_trace
from keel.audit.models import AuditRecord
from keel.core.errors import ValidationFailed
from keel.events.models import Event
from keel.organization.models import Person
from keel.processes import flows, services
from keel.processes.choices import ProcessKind
from keel.processes.models import ProcessModel, ProcessModelVersion


def steps(*names: str, **flags: dict[str, object]) -> list[dict[str, object]]:
    return [{"activity": name, **flags.get(name, {})} for name in names]


def test_steps_become_a_workflow_with_optional_repeated_parallel_and_alternative_steps() -> None:
    drawn = flows.clean_steps([
        {"activity": "Create"}, {"activity": "Check", "optional": "on"}, {"activity": "Fix", "repeat": True},
        {"activity": "Pack"}, {"activity": "Invoice", "join": "parallel"},
        {"activity": "Ship"}, {"activity": "Collect", "join": "choice"}, {"activity": ""},
    ])
    assert flows.workflow(drawn) == {"sequence": [
        "Create", {"optional": "Check"}, {"repeat": "Fix"}, {"parallel": ["Pack", "Invoice"]},
        {"choice": ["Ship", "Collect"]}]}
    assert flows.final_activities(drawn) == {"Ship", "Collect"}
    net = flows.petri_net(drawn)
    fits = [
        ["Create", "Check", "Fix", "Pack", "Invoice", "Ship"],
        ["Create", "Fix", "Fix", "Fix", "Invoice", "Pack", "Collect"],
    ]
    for trace in fits:
        assert replay_trace(net, trace).is_fit, trace
    skipped = replay_trace(net, ["Create", "Pack", "Invoice", "Ship"])
    assert skipped.deviations == (("skipped", "Fix"),)
    assert skipped.positions == (1,)
    repeated = replay_trace(net, ["Create", "Fix", "Pack", "Invoice", "Ship", "Ship"])
    assert repeated.deviations == (("repeated", "Ship"),)


def test_final_activities_look_back_past_optional_steps() -> None:
    drawn = flows.clean_steps(steps("A", "B", "C", C={"optional": True}))
    assert flows.final_activities(drawn) == {"B", "C"}


def test_bad_steps_are_named_by_row_and_field() -> None:
    with pytest.raises(ValidationFailed) as failure:
        flows.clean_steps([{"activity": "A", "join": "parallel"}, {"activity": "B", "join": "sideways"},
                           {"activity": "C", "join": "parallel"}, {"activity": "D", "join": "choice"}])
    assert [(p.row, p.field) for p in failure.value.problems] == [(1, "join"), (2, "join"), (4, "join")]
    with pytest.raises(ValidationFailed, match="not saved") as empty:
        flows.clean_steps([{"activity": " "}])
    assert empty.value.problems[0].field == "steps"


def test_the_most_frequent_path_becomes_steps_with_repeats() -> None:
    assert flows.derive_from_variant(["A", "B", "B", "C"]) == [
        {"activity": "A", "optional": False, "repeat": False, "join": ""},
        {"activity": "B", "optional": False, "repeat": True, "join": ""},
        {"activity": "C", "optional": False, "repeat": False, "join": ""},
    ]


@pytest.mark.django_db
def test_a_model_is_created_then_versioned_with_events_and_audit(improver: Person) -> None:
    model = services.create_process_model(actor=improver, name="Purchasing", process=ProcessKind.PURCHASE_ORDER,
                                          steps=services.keel_workflow_steps(ProcessKind.PURCHASE_ORDER),
                                          source="Keel's workflow")
    version = services.change_process_model(actor=improver, model=model, note="approval optional",
                                            steps=steps("Create purchase order", "Approve purchase order",
                                                        **{"Approve purchase order": {"optional": True}}))
    model.refresh_from_db()
    assert (model.current_id, version.number) == (version.pk, 2)
    assert list(model.versions.values_list("number", flat=True)) == [2, 1]
    assert version.steps == [
        {"activity": "Create purchase order", "optional": False, "repeat": False, "join": ""},
        {"activity": "Approve purchase order", "optional": True, "repeat": False, "join": ""}]
    assert list(Event.objects.filter(event_type__name__in=["Create process model", "Change process model"])
                .order_by("pk").values_list("event_type__name", "attributes__version")) == [
        ("Create process model", 1), ("Change process model", 2)]
    audit = AuditRecord.objects.filter(object_type="process_model").order_by("pk")
    assert [record.action for record in audit] == ["create", "change"]
    assert audit[1].before["version"] == 1
    assert audit[1].after["version"] == 2


@pytest.mark.django_db
def test_a_refused_model_changes_nothing(improver: Person) -> None:
    services.create_process_model(actor=improver, name="Order fulfillment", process=ProcessKind.SALES_ORDER,
                                  steps=steps("A"))
    before = (ProcessModel.objects.count(), ProcessModelVersion.objects.count(), Event.objects.count(),
              AuditRecord.objects.count())
    with pytest.raises(ValidationFailed) as failure:
        services.create_process_model(actor=improver, name="order fulfillment", process="imported", steps=[])
    assert {p.field for p in failure.value.problems} == {"name", "imported_log", "steps"}
    assert (ProcessModel.objects.count(), ProcessModelVersion.objects.count(), Event.objects.count(),
            AuditRecord.objects.count()) == before


@pytest.mark.django_db
def test_the_model_pages_derive_save_show_and_version(improver: Person, login: Callable[[Person], Client]) -> None:
    client = login(improver)
    form = client.get(reverse("processes:model-create"), {"process": "sales_order", "derive": "workflow"})
    assert form.status_code == 200
    assert 'value="Check quality"' in form.content.decode()

    data = {"name": "Orders", "process": "sales_order", "description": "", "source": "drawn",
            "steps-TOTAL_FORMS": "3", "steps-INITIAL_FORMS": "0",
            "steps-0-activity": "Create order", "steps-1-activity": "Pack order",
            "steps-2-activity": "Ship order", "steps-2-join": "parallel"}
    created = client.post(reverse("processes:model-create"), data)
    model = ProcessModel.objects.get(name="Orders")
    assert created.status_code == 302
    assert created["Location"] == reverse("processes:model", args=[model.pk])
    page = client.get(created["Location"]).content.decode()
    assert "Version 1 (current)" in page
    assert "parallel with previous" in page

    bad = client.post(reverse("processes:model-edit", args=[model.pk]), {
        "note": "", "steps-TOTAL_FORMS": "2", "steps-INITIAL_FORMS": "0",
        "steps-0-activity": "Create order", "steps-0-join": "choice", "steps-1-activity": "Ship order"})
    assert bad.status_code == 400
    assert "the first step cannot run alongside" in bad.content.decode()
    assert model.versions.count() == 1

    changed = client.post(reverse("processes:model-edit", args=[model.pk]), {
        "note": "ship after pack", "description": "", "steps-TOTAL_FORMS": "2", "steps-INITIAL_FORMS": "0",
        "steps-0-activity": "Pack order", "steps-1-activity": "Ship order"})
    assert changed.status_code == 302
    assert model.versions.count() == 2
    listing = client.get(reverse("processes:models"), {"q": "Ord"}).content.decode()
    assert "Orders" in listing


@pytest.mark.django_db
def test_viewers_see_models_but_cannot_define_them(improver: Person, viewer: Person,
                                                   login: Callable[[Person], Client]) -> None:
    model = services.create_process_model(actor=improver, name="Orders", process=ProcessKind.SALES_ORDER,
                                          steps=steps("A"))
    client = login(viewer)
    assert client.get(reverse("processes:model", args=[model.pk])).status_code == 200
    assert client.get(reverse("processes:model-create")).status_code == 403
    assert client.post(reverse("processes:model-edit", args=[model.pk]), {}).status_code == 403
    assert model.versions.count() == 1


@pytest.mark.django_db
def test_the_list_pages_cost_the_same_queries_for_1_or_10_rows(
    improver: Person, login: Callable[[Person], Client],
) -> None:
    from datetime import date

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from keel.processes.models import ImportedLog, Initiative

    client = login(improver)
    urls = [reverse("processes:models"), reverse("processes:initiatives"), reverse("processes:logs")]

    def add(number: int) -> None:
        model = services.create_process_model(actor=improver, name=f"Model {number}",
                                              process=ProcessKind.SALES_ORDER, steps=steps("A", "B"))
        log = ImportedLog.objects.create(name=f"Log {number}", filename="x.csv", file_format="csv")
        Initiative.objects.create(name=f"Initiative {number}", owner=improver, process=ProcessKind.SALES_ORDER,
                                  process_model=model, measure="median_case_duration", baseline_value=1.0,
                                  baseline_from=date(2026, 1, 1), baseline_to=date(2026, 1, 7), target_value=0.5,
                                  change_on=date(2026, 2, 1))
        assert log.pk

    add(0)
    for url in urls:
        client.get(url)  # warm the session
    counts = []
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            for url in urls:
                assert client.get(url).status_code == 200
        counts.append(len(queries))
        for number in range(1, 10):
            add(number + len(counts) * 100)
    assert counts[0] == counts[1]
