"""The planning API: runs, item plans with their trace, approval, targets, overrides, accuracy."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from django.test import Client

from keel.organization.models import Person, Site
from keel.planning import services
from keel.planning.models import ItemPlan, PlanningRun, PolicyOverride
from keel.planning.tests.conftest import PLAN_DAY
from keel.supply_chain.models import Item, PurchaseOrder

Seller = Callable[[Item, Site, Sequence[int]], None]


def body(response: Any) -> Any:
    return json.loads(response.content)


@pytest.fixture
def planned(site_dublin: Site, site_columbus: Site, widget: Item, beans: Item, sell: Seller) -> PlanningRun:
    for item in (widget, beans):
        for site in (site_dublin, site_columbus):
            sell(item, site, [3, 5] * 5)
    return services.run_planning(actor=None, today=PLAN_DAY)


@pytest.mark.django_db
def test_runs_and_item_plans_are_listed_scoped_and_explained(
    planner: Person, director: Person, planned: PlanningRun, api_client: Callable[..., Client],
) -> None:
    # (the people exist before the run: adding them later would make the plan stale)
    runs = body(api_client(planner).get("/api/v1/planning/runs"))
    assert runs["count"] == 1
    assert runs["items"][0]["status"] == "succeeded"
    assert runs["items"][0]["item_count"] == 4
    detail = body(api_client(planner).get(f"/api/v1/planning/runs/{planned.pk}"))
    assert detail["is_stale"] is False
    # The Dublin manager sees Dublin's two plans, most urgent first; the director all four
    mine = body(api_client(planner).get("/api/v1/planning/item-plans"))
    assert mine["count"] == 2
    assert {row["site"] for row in mine["items"]} == {"dub"}
    ranks = [row["urgency_rank"] for row in mine["items"]]
    assert ranks == sorted(ranks)
    assert body(api_client(director).get("/api/v1/planning/item-plans", {"supplier": "BETA"}))["count"] == 2
    # One plan with its series and its trace
    plan_id = mine["items"][0]["id"]
    one = body(api_client(planner).get(f"/api/v1/planning/item-plans/{plan_id}"))
    assert len(one["forecast"]) == 56
    assert len(one["history"]) == 10
    assert one["trace"]["formula"].startswith("quantity = S - IP")
    columbus = ItemPlan.objects.filter(run=planned, site__code="cmh").first()
    assert columbus is not None
    assert api_client(planner).get(f"/api/v1/planning/item-plans/{columbus.pk}").status_code == 404


@pytest.mark.django_db
def test_approving_through_the_api_and_again(
    planned: PlanningRun, director: Person, api_client: Callable[..., Client],
) -> None:
    ids = list(ItemPlan.objects.filter(run=planned, site__code="dub").values_list("pk", flat=True))
    response = api_client(director).post("/api/v1/planning/proposals/approve", {"proposals": ids},
                                         content_type="application/json")
    assert response.status_code == 201
    result = body(response)
    assert result["approved"] == 2
    assert sorted((order["supplier"], order["site"], order["lines"]) for order in result["purchase_orders"]) == [
        ("ACME", "dub", 1), ("BETA", "dub", 1)]
    again = api_client(director).post("/api/v1/planning/proposals/approve", {"proposals": ids[:1]},
                                      content_type="application/json")
    assert again.status_code == 409
    assert PurchaseOrder.objects.count() == 2


@pytest.mark.django_db
def test_starting_a_run_checks_parameters_and_one_at_a_time(
    director: Person, api_client: Callable[..., Client], django_capture_on_commit_callbacks: Any,
) -> None:
    bad = api_client(director).post("/api/v1/planning/runs", {"bucket": "month"}, content_type="application/json")
    assert bad.status_code == 422
    assert [problem["field"] for problem in body(bad)["errors"]] == ["bucket"]
    with django_capture_on_commit_callbacks(execute=False):
        started = api_client(director).post("/api/v1/planning/runs", {"bucket": "week", "horizon_days": 84},
                                            content_type="application/json")
        assert started.status_code == 202
        assert body(started)["status"] == "queued"
        assert body(started)["parameters"]["horizon_days"] == 84
        busy = api_client(director).post("/api/v1/planning/runs", {"bucket": "day"}, content_type="application/json")
    assert busy.status_code == 409


@pytest.mark.django_db
def test_targets_overrides_and_accuracy(
    planned: PlanningRun, director: Person, planner: Person, api_client: Callable[..., Client],
) -> None:
    put = api_client(director).put("/api/v1/planning/service-targets",
                                   {"abc_class": "A", "xyz_class": "X", "kind": "fill_rate", "level": "0.98"},
                                   content_type="application/json")
    assert put.status_code == 200
    assert body(put)["site"] is None
    # A site manager may not set a company-wide target
    refused = api_client(planner).put("/api/v1/planning/service-targets",
                                      {"abc_class": "A", "xyz_class": "X", "level": "0.9"},
                                      content_type="application/json")
    assert refused.status_code == 403
    assert len(body(api_client(planner).get("/api/v1/planning/service-targets"))) == 1
    override = api_client(planner).put("/api/v1/planning/overrides",
                                       {"sku": "WIDGET", "site": "dub", "method": "croston", "note": "intermittent"},
                                       content_type="application/json")
    assert override.status_code == 200
    assert body(override)["method"] == "croston"
    assert PolicyOverride.objects.count() == 1
    removed = api_client(planner).put("/api/v1/planning/overrides", {"sku": "WIDGET", "site": "dub"},
                                      content_type="application/json")
    assert removed.status_code == 204
    assert not PolicyOverride.objects.exists()
    accuracy = body(api_client(director).get("/api/v1/planning/accuracy"))
    assert accuracy["run"] == planned.pk
    assert accuracy["overall"][0]["plans"] == 4
    assert sorted(row["label"] for row in accuracy["by_site"]) == ["cmh", "dub"]
