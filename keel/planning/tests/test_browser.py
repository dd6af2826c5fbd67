"""The planning pages in Chromium: the why panel, approval, the item chart, no console
errors; screenshots of a simulated company for docs/screenshots (``make screenshots``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from keel.organization.models import Person, Site
from keel.planning import selectors, services
from keel.planning.models import ItemPlan
from keel.supply_chain.models import Item, PurchaseOrder
from keel.web.tests.browser import SCREENSHOTS, console_errors, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

Seller = Callable[[Item, Site, Sequence[int]], None]


def quiet(page: Page) -> list[str]:
    """Console errors from now on; the app has no favicon yet, which is not a page error."""
    page.route("**/favicon.ico", lambda route: route.fulfill(status=204, body=""))
    return console_errors(page)


def test_the_why_panel_approval_and_item_chart_work_without_console_errors(
    new_page: Callable[[], Page], director: Person, site_dublin: Site, widget: Item, beans: Item, sell: Seller,
) -> None:
    # Given two items short at Dublin and a plan made today
    for item in (widget, beans):
        sell(item, site_dublin, [3, 5] * 7)
    run = services.run_planning(actor=None, today=timezone.localdate())
    assert run.status == "succeeded", run.message
    page = new_page()
    errors = quiet(page)
    sign_in(page, director.email)
    page.goto("/planning/")
    expect(page.locator("main h1")).to_have_text("Replenishment workbench")

    # When the director opens the why panel of the first row
    first = ItemPlan.objects.filter(run=run).order_by("urgency_rank").select_related("item").first()
    assert first is not None
    page.locator(f"#plan-{first.pk}").get_by_role("link", name="Why").click()
    panel = page.locator("#why")
    expect(panel).to_contain_text(f"Why {first.item.sku} at dub?")
    expect(panel).to_contain_text("SS = z sd_P")
    panel.get_by_role("link", name="Close").click()
    expect(panel).to_be_empty()

    # and approves both proposals
    page.locator("input[name=plan]").nth(0).check()
    page.locator("input[name=plan]").nth(1).check()
    page.get_by_role("button", name="Approve selected → draft purchase orders").click()
    expect(page.locator(".messages")).to_contain_text("2 proposals approved into 2 draft purchase orders")
    assert PurchaseOrder.objects.filter(status="draft").count() == 2

    # Then the item page draws its charts
    page.goto(f"/planning/items/{first.item.sku}/")
    expect(page.locator("canvas[data-chart=forecast-chart]")).to_have_attribute("data-chart-ready", "1")
    expect(page.locator("canvas[data-chart=projection-chart]")).to_have_attribute("data-chart-ready", "1")
    page.goto("/planning/accuracy/")
    page.goto("/planning/service-targets/")
    expect(page.locator("main h1")).to_have_text("Service targets")
    assert errors == []


@pytest.mark.screenshots
def test_planning_screenshots_of_a_simulated_company(
    new_page: Callable[[], Page], make_person: Callable[..., Person],
) -> None:
    """The demo scenario, simulated for four weeks, planned today: the planted item that
    is about to run out tops the workbench."""
    from keel.simulation.runner import simulate
    from keel.simulation.scenario import Scenario
    from keel.simulation.signatures import surge_sku

    scenario = Scenario.load(days=28, orders_per_day=16)
    start = timezone.localdate() - timedelta(days=scenario.days)
    simulate(scenario, start=start, until=timezone.now())
    director = make_person("director-of-supply-chain", full_name="Marcus Reid", email="marcus.reid@example.com",
                           site=Site.objects.get(code="dub"))
    run = services.run_planning(actor=director)
    assert run.status == "succeeded", run.message
    sku = surge_sku(scenario, scenario.problem("imminent_stockout"))
    top = selectors.item_plans(actor=director, planning_run=run).first()
    assert top is not None
    assert top.item.sku == sku
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def shoot(page: Page, name: str) -> None:
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    page = new_page()
    errors = quiet(page)
    sign_in(page, director.email)
    page.goto("/planning/")
    page.locator(f"#plan-{top.pk}").get_by_role("link", name="Why").click()
    expect(page.locator("#why")).to_contain_text(f"Why {sku}")
    shoot(page, "replenishment-workbench")
    page.goto(f"/planning/items/{sku}/?site={top.site.code}")
    expect(page.locator("canvas[data-chart=forecast-chart]")).to_have_attribute("data-chart-ready", "1")
    shoot(page, "item-planning")
    page.goto("/planning/accuracy/")
    shoot(page, "forecast-accuracy")
    page.goto("/planning/service-targets/")
    shoot(page, "service-targets")
    assert errors == []
    for name in ("replenishment-workbench", "item-planning", "forecast-accuracy", "service-targets"):
        assert (SCREENSHOTS / f"{name}.png").stat().st_size > 10_000
