"""Conformance on a simulated company: the planted skipped quality check is the top
deviation, by the team named in the scenario, with counts taken from the raw events."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from keel.events.models import EventObjectLink
from keel.organization.models import Person
from keel.processes import selectors, services
from keel.processes.choices import ProcessKind
from keel.simulation.scenario import Scenario

pytestmark = pytest.mark.django_db


def raw_orders() -> dict[str, list[tuple[str, int | None]]]:
    """Each sales order's (activity, actor id) in time order, straight from the event tables."""
    orders: dict[str, list[tuple[str, int | None]]] = defaultdict(list)
    for ocel_id, activity, actor in (
        EventObjectLink.objects.filter(object__object_type__name="sales_order")
        .order_by("event__occurred_at", "event_id")
        .values_list("object__ocel_id", "event__event_type__name", "event__actor_id")
    ):
        orders[ocel_id].append((activity, actor))
    return orders


def test_the_team_that_skips_the_quality_check_is_the_top_deviation(simulated: Any, improver: Person) -> None:
    # Given the default scenario's planted problem and the order workflow as intended model
    problem = next(item for item in Scenario.load().problems if item.kind == "skipped_quality_check")
    team_name = f"{problem.site} {problem.team}"
    skippers = set(Person.objects.filter(team__name=problem.team, team__site__code=problem.site)
                   .values_list("pk", flat=True))
    model = services.create_process_model(actor=improver, name="Order fulfillment", process=ProcessKind.SALES_ORDER,
                                          steps=services.keel_workflow_steps(ProcessKind.SALES_ORDER))

    # When conformance is checked (finished cases: delivered orders)
    result = selectors.conformance(actor=improver, model=model)

    # Then the top deviation is that team skipping the check, on exactly the delivered
    # orders it picked and packed without a check, counted from the raw events
    orders = raw_orders()
    delivered = {case: events for case, events in orders.items() if events[-1][0] == "Confirm delivery"}
    expected = sum(
        1 for events in delivered.values()
        if "Check quality" not in [activity for activity, _ in events]
        and next(actor for activity, actor in events if activity == "Confirm picks") in skippers
    )
    team_cases = sum(1 for events in delivered.values() if any(actor in skippers for _, actor in events))
    top = result.by_team.row(0, named=True)
    assert expected > 0
    assert (top["team"], top["category"], top["activity"], top["cases"]) == (
        team_name, "skipped", "Check quality", expected)
    assert top["group_cases"] == team_cases
    assert result.case_count == len(delivered)
    assert result.open_cases == len(orders) - len(delivered)
    # and no other team skips it
    others = result.by_team.filter((result.by_team["activity"] == "Check quality")
                                   & (result.by_team["team"] != team_name))
    assert others.height == 0
    # and by site, the same site leads
    assert result.by_site.row(0, named=True)["site"] == problem.site


def test_the_conformance_page_ranks_teams_charts_them_and_exports_the_deviations(
    simulated: Any, improver: Person, login: Callable[[Person], Client], django_assert_max_num_queries: Any,
) -> None:
    model = services.create_process_model(actor=improver, name="Order fulfillment", process=ProcessKind.SALES_ORDER,
                                          steps=services.keel_workflow_steps(ProcessKind.SALES_ORDER))
    client = login(improver)
    url = reverse("processes:conformance")
    client.get(url)  # warm the session and content types

    with django_assert_max_num_queries(14):
        page = client.get(url, {"model": model.pk})
    html = page.content.decode()

    result = selectors.conformance(actor=improver, model=model)
    top = result.by_team.row(0, named=True)
    assert page.status_code == 200
    assert 'data-chart="deviation-chart"' in html
    assert 'id="deviation-chart"' in html
    assert f"<td>{top['team']}</td><td>Skipped</td><td>Check quality</td>" in html
    assert f"of {result.case_count} finished cases" in html
    first_case = result.cases.row(0, named=True)["case_id"]
    assert f'href="/processes/order-fulfillment/cases/{first_case}/"' in html  # the case timeline

    # Click through: the team's skipped checks list exactly those cases
    listed = client.get(url, {"model": model.pk, "team": top["team"], "category": "skipped",
                              "activity": "Check quality"}).content.decode()
    assert f"{top['cases']} case{'s' if top['cases'] != 1 else ''}" in listed

    exported = client.get(url, {"model": model.pk, "export": "csv"})
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0] == ["Case", "Category", "Activity", "Team", "Site"]
    assert len(rows) - 1 == result.deviations.height
    xlsx = client.get(url, {"model": model.pk, "export": "xlsx", "team": top["team"]})
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")


def test_conformance_without_a_model_says_how_to_start(improver: Person, login: Callable[[Person], Client]) -> None:
    html = login(improver).get(reverse("processes:conformance")).content.decode()
    assert "There is no intended process model yet" in html
    assert "derive=workflow" in html


def test_a_site_scoped_viewer_sees_only_their_sites_cases(
    simulated: Any, improver: Person, viewer: Person,
) -> None:
    model = services.create_process_model(actor=improver, name="Order fulfillment", process=ProcessKind.SALES_ORDER,
                                          steps=services.keel_workflow_steps(ProcessKind.SALES_ORDER))
    everyone = selectors.conformance(actor=improver, model=model)
    dublin = selectors.conformance(actor=viewer, model=model)
    assert set(dublin.by_site.get_column("site").to_list()) <= {"dub"}
    assert 0 < dublin.case_count < everyone.case_count
