"""Acceptance: the simulator's planted problems are found through the process screens'
analysis layer and API (issue 5, "Correctness"), on the default scenario."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from keel.events.models import EventObjectLink
from keel.organization.models import Person
from keel.processes import analysis
from keel.simulation.scenario import Scenario
from keel.simulation.signatures import check_signatures

from .conftest import START

pytestmark = pytest.mark.django_db


def problem(scenario: Scenario, kind: str) -> Any:
    return next(item for item in scenario.problems if item.kind == kind)


@pytest.fixture
def analyst(company: Scenario, make_person: Callable[..., Person]) -> Person:
    return make_person("chief-operating-officer")


def test_the_planted_problems_are_in_the_simulated_data(company: Scenario) -> None:
    signatures = {signature.kind: signature for signature in check_signatures(company, start=START)}
    assert signatures["packing_bottleneck"].holds, signatures["packing_bottleneck"].summary
    assert signatures["address_rework"].holds, signatures["address_rework"].summary


def test_the_monday_packing_bottleneck_ranks_first_on_mondays(company: Scenario, analyst: Person,
                                                              api_client: Callable[..., Client]) -> None:
    planted = problem(company, "packing_bottleneck")
    # Given hand-offs that start on the planted weekday at the planted site
    filters = analysis.parse_filters({"weekday": planted.weekday, "site": planted.site})
    monday = analysis.load(actor=analyst, process="order-fulfillment", filters=filters)
    baseline = analysis.baseline_for(actor=analyst, process="order-fulfillment", filters=filters)

    # When the bottlenecks are ranked against the other days of the week
    ranked = analysis.bottleneck_table(monday, baseline=baseline, rank_by="ratio")

    # Then the wait before packing ranks first, several times the other days'
    first = ranked[0]
    assert (first["source"], first["target"]) == ("Check quality", "Pack order")
    assert first["ratio"] >= planted.expect["waiting_ratio_min"]
    # And the API answers the same
    response = api_client(analyst).get(
        "/api/v1/processes/order-fulfillment/bottleneck-changes",
        {"weekday": planted.weekday, "site": planted.site, "rank_by": "ratio"})
    assert response.status_code == 200
    assert (response.json()[0]["source"], response.json()[0]["target"]) == ("Check quality", "Pack order")
    assert response.json()[0]["ratio"] == first["ratio"]


def test_the_address_correction_loop_shows_as_rework_in_about_five_percent_of_orders(
        company: Scenario, analyst: Person, login: Callable[[Person], Client],
        api_client: Callable[..., Client]) -> None:
    planted = problem(company, "address_rework")
    # Independently, from the raw event log: per sales order, how often it was confirmed
    confirmations: Counter[str] = Counter()
    orders: set[str] = set()
    corrected: set[str] = set()
    for object_id, activity in EventObjectLink.objects.filter(
            object__object_type__name="sales_order").values_list("object__ocel_id", "event__event_type__name"):
        orders.add(object_id)
        if activity == "Confirm order":
            confirmations[object_id] += 1
        if activity == "Correct address":
            corrected.add(object_id)
    looped = {object_id for object_id, times in confirmations.items() if times >= 2}
    expected_share = len(looped) / len(orders)

    # When the rework table is computed through the analysis layer
    rows = {row["activity"]: row for row in analysis.rework_table(
        analysis.load(actor=analyst, process="order-fulfillment"))}

    # Then "Confirm order" is reworked exactly in the orders whose address was corrected
    assert looped == corrected
    assert rows["Confirm order"]["rework_cases"] == len(looped)
    assert rows["Confirm order"]["rework_share"] == expected_share
    assert planted.expect["share_min"] <= expected_share <= planted.expect["share_max"]
    # And the API and the page report the same share
    api_rows = api_client(analyst).get("/api/v1/processes/order-fulfillment/rework").json()
    assert next(row for row in api_rows if row["activity"] == "Confirm order")["rework_share"] == expected_share
    page = login(analyst).get("/processes/order-fulfillment/bottlenecks/").content.decode()
    assert f'data-share="{expected_share}"' in page
    assert f"{expected_share * 100:.1f}%" in page
