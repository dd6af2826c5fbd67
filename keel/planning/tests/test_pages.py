"""The planning pages: what each role sees, site scope, approval and forms on the web,
exports, and a constant number of queries per page."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from keel.organization.models import Person, Site
from keel.planning import services
from keel.planning.choices import ProposalStatus
from keel.planning.models import ItemPlan, PlanningRun, PolicyOverride, ServiceTarget
from keel.planning.tests.conftest import PLAN_DAY, make_item
from keel.supply_chain import services as supply
from keel.supply_chain.models import Item, PurchaseOrder, Supplier

Seller = Callable[[Item, Site, Sequence[int]], None]
SHORT = [3, 5] * 5


def run_plan() -> PlanningRun:
    return services.run_planning(actor=None, today=PLAN_DAY)


@pytest.fixture
def planned(site_dublin: Site, site_columbus: Site, widget: Item, beans: Item, sell: Seller) -> PlanningRun:
    """Widget and beans sold at Dublin and Columbus."""
    for item in (widget, beans):
        for site in (site_dublin, site_columbus):
            sell(item, site, SHORT)
    return run_plan()


def text(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    return str(response.content.decode())


@pytest.mark.django_db
def test_the_workbench_lists_a_site_managers_own_site_only(
    planned: PlanningRun, planner: Person, director: Person, login: Callable[[Person], Client],
) -> None:
    # The director sees both sites, the Dublin manager Dublin only
    everywhere = text(login(director).get(reverse("planning:workbench")))
    assert "4 results" in everywhere
    dublin = text(login(planner).get(reverse("planning:workbench")))
    assert "2 results" in dublin
    assert ">cmh<" not in dublin
    # A Columbus plan is a 404 for the Dublin manager, its why panel too
    columbus_plan = ItemPlan.objects.get(run=planned, item__sku="WIDGET", site__code="cmh")
    assert login(planner).get(reverse("planning:why", args=[columbus_plan.pk])).status_code == 404
    assert login(director).get(reverse("planning:why", args=[columbus_plan.pk]),
                               headers={"HX-Request": "true"}).status_code == 200


@pytest.mark.django_db
def test_the_workbench_filters_and_exports_with_the_policy_numbers(
    planned: PlanningRun, director: Person, login: Callable[[Person], Client],
) -> None:
    client = login(director)
    beans_only = text(client.get(reverse("planning:workbench"), {"supplier": "BETA", "site": "dub"}))
    assert "1 result" in beans_only
    assert "BEANS" in beans_only
    assert "WIDGET" not in beans_only
    response = client.get(reverse("planning:workbench"), {"export": "csv", "q": "WIDGET"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["#", "SKU", "Item"]
    assert "Safety stock" in rows[0]
    assert "Min (reorder point)" in rows[0]
    assert [row[1] for row in rows[1:]] == ["WIDGET", "WIDGET"]


@pytest.mark.django_db
def test_approving_on_the_web_raises_drafts_and_marks_the_rows(
    planned: PlanningRun, director: Person, login: Callable[[Person], Client],
) -> None:
    plans = list(ItemPlan.objects.filter(run=planned, site__code="dub", status=ProposalStatus.PROPOSED))
    assert len(plans) == 2
    response = login(director).post(reverse("planning:approve"), {"plan": [plan.pk for plan in plans]}, follow=True)
    page = text(response)
    assert "2 proposals approved into 2 draft purchase orders" in page
    assert PurchaseOrder.objects.filter(status="draft").count() == 2
    assert page.count('<span class="badge ok">approved</span>') == 2
    # Approving again is refused with a message, and nothing more is created
    again = login(director).post(reverse("planning:approve"), {"plan": [plans[0].pk]})
    assert again.status_code == 409
    assert PurchaseOrder.objects.count() == 2


@pytest.mark.django_db
def test_who_may_run_approve_and_set_targets(
    planned: PlanningRun, make_person: Callable[..., Person], login: Callable[[Person], Client],
) -> None:
    # A Logistics Manager (supply chain: operate) sees the workbench and may run planning,
    # but may not approve or change targets
    operator = make_person("logistics-manager")
    client = login(operator)
    page = text(client.get(reverse("planning:workbench")))
    assert "Run planning" in page
    assert "Approve selected" not in page
    assert client.post(reverse("planning:approve"), {"plan": ["1"]}).status_code == 403
    assert client.post(reverse("planning:targets"), {"abc_class": "A"}).status_code == 404
    # A Customer Success Operations Manager has no supply chain access at all
    assert login(make_person("customer-success-operations-manager")).get(reverse("planning:workbench")).status_code == 403


@pytest.mark.django_db
def test_the_item_page_shows_the_chart_backtest_and_saves_an_override_with_its_trail(
    planned: PlanningRun, planner: Person, widget: Item, login: Callable[[Person], Client],
) -> None:
    client = login(planner)
    url = reverse("planning:item", args=["WIDGET"])
    page = text(client.get(url))
    assert 'data-chart="forecast-chart"' in page
    assert 'id="forecast-chart"' in page
    assert "Backtest per method" in page
    assert "chosen" in page
    # A bad override names its field and saves nothing
    bad = client.post(url, {"site": "dub", "method": "", "minimum": "10", "maximum": ""})
    assert bad.status_code == 400
    assert "give both min and max" in bad.content.decode()
    assert not PolicyOverride.objects.exists()
    # A good one is saved and shows in the audit trail on the page
    saved = client.post(url, {"site": "dub", "method": "ses", "service_level": "0.98", "note": "launch"}, follow=True)
    page = text(saved)
    assert PolicyOverride.objects.get().method == "ses"
    assert "WIDGET at dub" in page
    assert "service_level = 0.98" in page


@pytest.mark.django_db
def test_the_director_sets_a_target_on_the_settings_page(
    director: Person, login: Callable[[Person], Client],
) -> None:
    client = login(director)
    response = client.post(reverse("planning:targets"), {"site": "", "abc_class": "A", "xyz_class": "X",
                                                          "kind": "fill_rate", "level": "0.985"}, follow=True)
    assert "Target for class AX saved" in text(response)
    target = ServiceTarget.objects.get()
    assert (target.site, target.kind, str(target.level)) == (None, "fill_rate", "0.9850")
    bad = client.post(reverse("planning:targets"), {"site": "", "abc_class": "A", "xyz_class": "X",
                                                    "kind": "fill_rate", "level": "2"})
    assert bad.status_code == 400
    assert "strictly between 0 and 1" in bad.content.decode()
    assert str(ServiceTarget.objects.get().level) == "0.9850"


@pytest.mark.django_db
def test_empty_states_before_the_first_run(director: Person, login: Callable[[Person], Client]) -> None:
    client = login(director)
    assert "No plan yet" in text(client.get(reverse("planning:workbench")))
    assert "No planning run yet" in text(client.get(reverse("planning:accuracy")))
    assert client.get(reverse("planning:item", args=["WIDGET"])).status_code == 404


@pytest.mark.django_db
def test_starting_a_run_from_the_page_runs_it_and_shows_the_plan(
    site_dublin: Site, widget: Item, sell: Seller, director: Person, login: Callable[[Person], Client],
    django_capture_on_commit_callbacks: Any,
) -> None:
    sell(widget, site_dublin, SHORT)
    from keel.planning.tasks import run_planning_task

    # When the director presses "Run planning", a run is queued for after the commit
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = login(director).post(reverse("planning:run-start"))
    assert response.status_code == 302
    run = PlanningRun.objects.get()
    assert (run.status, run.trigger, run.requested_by_id) == ("queued", "page", director.pk)
    assert callbacks
    # and while it is queued the workbench shows its progress bar, polled by htmx
    page = text(login(director).get(reverse("planning:workbench")))
    assert f'hx-get="/planning/runs/{run.pk}/progress/"' in page
    assert "Run planning</button>" not in page
    # When the task runs it (as the worker, or in-process after the commit)
    outcome = run_planning_task.call(run_id=run.pk)
    run.refresh_from_db()
    assert outcome["status"] == run.status == "succeeded"
    assert run.item_count == 1
    assert run.progress == 100
    # Then the progress fragment tells htmx to reload the page
    fragment = login(director).get(reverse("planning:run-progress", args=[run.pk]), headers={"HX-Request": "true"})
    assert fragment["HX-Refresh"] == "true"


def _grow(site_dublin: Site, site_columbus: Site, acme: Supplier, sell: Seller, count: int) -> None:
    for number in range(count):
        item = make_item(f"EXTRA-{number:02d}")
        supply.save_supplier_item(actor=None, supplier=acme, item=item, minimum_order_quantity="0", order_multiple="1",
                                  price_breaks=[("0", "1.00")])
        sell(item, site_dublin, SHORT)
        sell(item, site_columbus, [1, 0] * 5)


@pytest.mark.django_db
def test_each_page_costs_the_same_queries_for_4_or_24_item_plans(
    planned: PlanningRun, site_dublin: Site, site_columbus: Site, acme: Supplier, sell: Seller, director: Person,
    login: Callable[[Person], Client],
) -> None:
    client = login(director)
    pages = [(reverse("planning:workbench"), {}), (reverse("planning:workbench"), {"sort": "-proposed_quantity"}),
             (reverse("planning:accuracy"), {}), (reverse("planning:targets"), {}), (reverse("planning:runs"), {}),
             (reverse("planning:item", args=["WIDGET"]), {})]

    def counts() -> list[int]:
        result = []
        for url, params in pages:
            client.get(url, params)  # warm caches (content types, sessions)
            with CaptureQueriesContext(connection) as captured:
                assert client.get(url, params).status_code == 200
            result.append(len(captured.captured_queries))
        return result

    few = counts()
    _grow(site_dublin, site_columbus, acme, sell, 10)
    run_plan()
    many = counts()
    assert ItemPlan.objects.filter(run=PlanningRun.objects.order_by("-pk").first()).count() == 24
    assert few == many
    assert max(many) <= 16, many
