"""Acceptance on a simulated company (issue 6): the planted item that is about to run out
(default scenario, "imminent_stockout") is at the top of the workbench."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from keel.organization.models import Person, Site
from keel.planning import selectors, services
from keel.simulation.runner import simulate
from keel.simulation.scenario import Scenario
from keel.simulation.signatures import surge_sku


@pytest.mark.django_db
def test_the_planted_imminent_stockout_tops_the_workbench(
    make_person: Callable[..., Person], login: Callable[[Person], Client],
) -> None:
    # Given four weeks of the demo company, whose third most popular item surges 4x for the
    # last three weeks while its reorder levels stay where they were
    scenario = Scenario.load(days=28, orders_per_day=16)
    simulate(scenario, start=timezone.localdate() - timedelta(days=scenario.days), until=timezone.now())
    sku = surge_sku(scenario, scenario.problem("imminent_stockout"))
    director = make_person("director-of-supply-chain", site=Site.objects.get(code="dub"))

    # When planning runs today
    run = services.run_planning(actor=director)
    assert run.status == "succeeded", run.message

    # Then the surging item is the most urgent plan, projected to run out, with an order proposed
    top = selectors.item_plans(actor=director, planning_run=run).first()
    assert top is not None
    assert (top.item.sku, top.urgency_rank) == (sku, 1)
    assert top.stockout_on is not None
    assert top.stockout_on <= run.planned_on + timedelta(days=14)
    assert top.proposed_quantity > 0
    assert top.order_by == run.planned_on
    # and the workbench page shows it in its first row
    page = login(director).get(reverse("planning:workbench")).content.decode()
    first_row = page.split('<tr id="plan-')[1].split("</tr>")[0]
    assert f"<code>{sku}</code>" in first_row
