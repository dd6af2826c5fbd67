"""Improvement initiatives: the baseline is measured from the data at creation, the
before/after and the weekly series are exact, updates are events and audit records."""

from __future__ import annotations

import itertools
import statistics
from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from keel.audit.models import AuditRecord
from keel.core.errors import ValidationFailed
from keel.events.models import Event, EventObjectLink
from keel.organization.models import Person
from keel.processes import selectors, services
from keel.processes.choices import InitiativeStatus, Measure, ProcessKind
from keel.processes.models import Initiative

pytestmark = pytest.mark.django_db


def order_times() -> dict[str, list[tuple[datetime, str]]]:
    cases: dict[str, list[tuple[datetime, str]]] = defaultdict(list)
    for ocel_id, at, activity in (EventObjectLink.objects.filter(object__object_type__name="sales_order")
                                  .values_list("object__ocel_id", "event__occurred_at", "event__event_type__name")):
        cases[ocel_id].append((at, activity))
    return cases


def by_hand(start: date, end: date) -> tuple[float, float, int]:
    """Median duration (hours) and rework share of the orders started in [start, end], by hand."""
    durations, reworked, count = [], 0, 0
    for events in order_times().values():
        first = min(at for at, _ in events)
        if not start <= first.date() <= end:
            continue
        count += 1
        durations.append((max(at for at, _ in events) - first).total_seconds() / 3600)
        names = [activity for _, activity in events]
        reworked += any(names.count(name) > 1 for name in set(names))
    return statistics.median(durations), reworked / count, count


def test_an_initiative_records_its_baseline_and_shows_before_and_after(
    simulated: Any, improver: Person, login: Callable[[Person], Client],
) -> None:
    baseline_from, baseline_to, change_on = date(2026, 3, 2), date(2026, 3, 4), date(2026, 3, 5)
    item = services.create_initiative(
        actor=improver, name="Faster packing", owner=improver, process=ProcessKind.SALES_ORDER,
        measure=Measure.MEDIAN_CASE_DURATION, baseline_from=baseline_from, baseline_to=baseline_to,
        target_value=24.0, change_on=change_on)

    median, _, count = by_hand(baseline_from, baseline_to)
    assert count > 0
    assert item.baseline_value == pytest.approx(median, rel=1e-12)
    event = Event.objects.get(event_type__name="Start initiative")
    assert event.attributes["baseline_cases"] == count
    assert AuditRecord.objects.get(object_type="initiative").after["baseline"] == item.baseline_value

    result = selectors.before_after(actor=improver, item=item, today=date(2026, 3, 8))
    after_median, _, after_count = by_hand(change_on, date(2026, 3, 8))
    assert result.after == pytest.approx(after_median, rel=1e-12)
    assert result.after_cases == after_count
    assert [week for week, _, _ in result.series] == [date(2026, 3, 2)]

    page = login(improver).get(reverse("processes:initiative", args=[item.pk])).content.decode()
    assert 'data-chart="initiative-chart"' in page
    assert f"{item.baseline_value:.3f}" in page
    assert "24.000" in page


def test_rework_and_waiting_time_initiatives_measure_from_the_data(simulated: Any, improver: Person) -> None:
    rework = services.create_initiative(
        actor=improver, name="Fewer address fixes", owner=improver, process=ProcessKind.SALES_ORDER,
        measure=Measure.REWORK_RATE, baseline_from=date(2026, 3, 2), baseline_to=date(2026, 3, 8),
        target_value=0.01, change_on=date(2026, 3, 9))
    _, share, _ = by_hand(date(2026, 3, 2), date(2026, 3, 8))
    assert rework.baseline_value == pytest.approx(share, rel=1e-12)
    waiting = services.create_initiative(
        actor=improver, name="Pack sooner", owner=improver, process=ProcessKind.SALES_ORDER,
        measure=Measure.WAITING_TIME, activity="Pack order", baseline_from=date(2026, 3, 2),
        baseline_to=date(2026, 3, 8), target_value=1.0, change_on=date(2026, 3, 9))
    waits = []
    for events in order_times().values():
        ordered = sorted(events)
        waits += [(later - earlier).total_seconds() / 3600 for (earlier, _), (later, name)
                  in itertools.pairwise(ordered) if name == "Pack order"]
    assert waiting.baseline_value == pytest.approx(statistics.median(waits), rel=1e-9)


def test_a_refused_initiative_names_each_field_and_changes_nothing(improver: Person) -> None:
    before = (Initiative.objects.count(), Event.objects.count(), AuditRecord.objects.count())
    with pytest.raises(ValidationFailed) as failure:
        services.create_initiative(
            actor=improver, name="", owner=None, process=ProcessKind.SALES_ORDER, measure=Measure.WAITING_TIME,
            baseline_from=date(2026, 3, 9), baseline_to=date(2026, 3, 2), target_value=None,
            change_on=date(2026, 3, 1))
    assert [p.field for p in failure.value.problems] == [
        "name", "owner", "activity", "baseline_to", "change_on", "target_value"]
    with pytest.raises(ValidationFailed, match="not saved") as empty:
        services.create_initiative(
            actor=improver, name="Nothing there", owner=improver, process=ProcessKind.SALES_ORDER,
            measure=Measure.MEDIAN_CASE_DURATION, baseline_from=date(2020, 1, 1), baseline_to=date(2020, 1, 7),
            target_value=1.0, change_on=date(2020, 2, 1))
    assert empty.value.problems[0].message.startswith("no cases started in the baseline period")
    assert (Initiative.objects.count(), Event.objects.count(), AuditRecord.objects.count()) == before


def test_initiative_pages_list_create_and_update(
    simulated: Any, improver: Person, viewer: Person, login: Callable[[Person], Client],
) -> None:
    client = login(improver)
    assert client.get(reverse("processes:initiative-create")).status_code == 200
    bad = client.post(reverse("processes:initiative-create"), {"name": "x"})
    assert bad.status_code == 400
    created = client.post(reverse("processes:initiative-create"), {
        "name": "Faster packing", "owner": improver.pk, "process": "sales_order",
        "measure": "median_case_duration", "baseline_from": "2026-03-02", "baseline_to": "2026-03-04",
        "change_on": "2026-03-05", "target_value": "20", "status": "active"})
    item = Initiative.objects.get(name="Faster packing")
    assert created["Location"] == reverse("processes:initiative", args=[item.pk])
    listing = client.get(reverse("processes:initiatives"), {"status": "active"}).content.decode()
    assert "Faster packing" in listing
    exported = client.get(reverse("processes:initiatives"), {"export": "csv"}).content.decode("utf-8-sig")
    assert exported.splitlines()[0] == "Name,Owner,Process,KPI,Baseline,Target,Change on,Status"

    updated = client.post(reverse("processes:initiative", args=[item.pk]),
                          {"status": "achieved", "target_value": "18", "change_on": "2026-03-05"})
    item.refresh_from_db()
    assert updated.status_code == 302
    assert (item.status, item.target_value) == (InitiativeStatus.ACHIEVED, 18.0)
    assert Event.objects.get(event_type__name="Update initiative").attributes == {
        "status": "achieved", "target": 18.0}

    refused = login(viewer).post(reverse("processes:initiative", args=[item.pk]),
                                 {"status": "stopped", "target_value": "1", "change_on": "2026-03-05"})
    item.refresh_from_db()
    assert refused.status_code == 403
    assert item.status == InitiativeStatus.ACHIEVED


def test_the_conformance_measure_counts_finished_cases_like_the_conformance_view(
    simulated: Any, improver: Person,
) -> None:
    import polars as pl

    from keel.analytics.process_mining import EventLog
    from keel.processes.measures import case_log

    model = services.create_process_model(actor=improver, name="Orders", process=ProcessKind.SALES_ORDER,
                                          steps=services.keel_workflow_steps(ProcessKind.SALES_ORDER))
    item = services.create_initiative(
        actor=improver, name="Conform", owner=improver, process=ProcessKind.SALES_ORDER, process_model=model,
        measure=Measure.CONFORMANCE_FITNESS, baseline_from=date(2026, 3, 2), baseline_to=date(2026, 3, 4),
        target_value=0.99, change_on=date(2026, 3, 5))
    log = case_log(actor=improver, process=ProcessKind.SALES_ORDER)
    firsts = log.frame.group_by("case_id").agg(pl.col("timestamp").min().dt.date().alias("first"))
    started = firsts.filter(pl.col("first").is_between(date(2026, 3, 2), date(2026, 3, 4))).get_column("case_id")
    view = selectors.conformance_of(EventLog(log.frame.filter(pl.col("case_id").is_in(started.implode()))),
                                    model.current)
    assert item.baseline_value == view.fitness.log_fitness


def test_the_initiative_measures_agree_with_the_period_comparison_of_the_screens(
    simulated: Any, improver: Person,
) -> None:
    from keel.processes import analysis
    from keel.processes.measures import MeasureSpec, case_log, measure_value

    log = case_log(actor=improver, process=ProcessKind.SALES_ORDER)
    kpis = {row["name"]: row["a"] for row in analysis.compare(log, log).kpis}
    start, end = date(2026, 1, 1), date(2026, 12, 31)
    duration, cases = measure_value(log, MeasureSpec(Measure.MEDIAN_CASE_DURATION), start=start, end=end)
    rework, _ = measure_value(log, MeasureSpec(Measure.REWORK_RATE), start=start, end=end)
    assert cases == kpis["cases"]
    assert duration == kpis["median_duration"] / 3600
    assert rework == kpis["rework_share"]


def test_the_demo_company_gets_both_models_and_an_initiative(simulated: Any, improver: Person) -> None:
    from keel.processes.demo import load_demo
    from keel.processes.models import ProcessModel

    load_demo(actor=improver, owner=improver, today=date(2026, 4, 6), days=35)

    assert sorted(ProcessModel.objects.values_list("name", flat=True)) == ["Order fulfillment", "Purchasing"]
    item = Initiative.objects.get()
    assert (item.baseline_from, item.baseline_to, item.change_on) == (
        date(2026, 3, 2), date(2026, 3, 15), date(2026, 3, 16))
    assert 0 < item.baseline_value < 1
