"""Browser tests of the dashboards: every title's home dashboard in headless Chromium, drag
and drop, and the screenshots in docs/screenshots/.

    .venv/bin/pytest keel/dashboards/tests/test_browser.py
    .venv/bin/pytest -m screenshots keel/dashboards/tests/test_browser.py   # refresh the screenshots
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from keel.dashboards import selectors, services
from keel.dashboards.demo import set_demo_targets
from keel.organization import services as organization_services
from keel.organization.models import JobTitle, Person, Site
from keel.web.tests.browser import SCREENSHOTS, console_errors, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

def simulate_company(days: int, orders_per_day: int) -> None:
    from keel.simulation.runner import simulate
    from keel.simulation.scenario import Scenario

    scenario = Scenario.load(days=days, orders_per_day=orders_per_day)
    simulate(scenario, start=timezone.localdate() - timedelta(days=scenario.days), until=timezone.now())


def test_every_title_signs_in_to_a_dashboard_whose_tiles_show_a_value_or_no_data_yet(
    new_page: Callable[[], Page], make_person: Callable[..., Person]
) -> None:
    # Given a small simulated company and one person for each of the 31 titles at Dublin
    simulate_company(days=10, orders_per_day=6)
    dublin = Site.objects.get(code="dub")
    titles = list(JobTitle.objects.filter(is_catalogue=True).order_by("sort_order"))
    assert len(titles) == 31
    people = [make_person(title.slug, site=dublin, email=f"{title.slug}@example.com") for title in titles]
    failures: list[str] = []
    for person in people:
        expected = selectors.layout(actor=person).keys
        page = new_page()
        errors = console_errors(page)
        # When they sign in
        sign_in(page, person.email)
        expect(page.locator("h1")).to_contain_text(person.full_name)
        page.wait_for_load_state("networkidle")
        # Then their dashboard shows their layout, each tile a value or "no data yet"
        shown = page.locator("article.kpi").evaluate_all("tiles => tiles.map(tile => tile.dataset.kpi)")
        values = page.locator("article.kpi .kpi-value").all_inner_texts()
        if not expected or shown != expected:
            failures.append(f"{person.title.slug}: tiles {shown}, expected {expected}")
        blank = [key for key, value in zip(shown, values, strict=True) if not value.strip()]
        if blank:
            failures.append(f"{person.title.slug}: tiles without a value: {blank}")
        # Sparklines drew (Chart.js marks each canvas it rendered)
        canvases = page.locator("canvas[data-chart]")
        drawn = page.locator("canvas[data-chart][data-chart-ready='1']")
        if canvases.count() != drawn.count():
            failures.append(f"{person.title.slug}: {canvases.count() - drawn.count()} sparklines not drawn")
        if errors:
            failures.append(f"{person.title.slug}: console errors {errors}")
        page.context.close()
    assert failures == []


def test_dragging_a_tile_reorders_the_dashboard(page: Page, make_person: Callable[..., Person]) -> None:
    # Given a Fulfillment Manager on the arrange page
    person = make_person("fulfillment-manager")
    errors = console_errors(page)
    sign_in(page, person.email)
    page.get_by_role("link", name="Arrange").click()
    items = page.locator("li.layout-item")
    expect(items.first).to_contain_text("Order cycle time")
    # When they drag the third tile (order backlog) onto the first
    with page.expect_navigation():
        items.nth(2).drag_to(items.nth(0), target_position={"x": 20, "y": 2})
    # Then the order is saved: order backlog first, and the home page follows it
    expect(page.locator("li.layout-item").first).to_contain_text("Order backlog")
    assert selectors.layout(actor=Person.objects.get(pk=person.pk)).keys[:3] == [
        "order_backlog", "order_cycle_time", "on_time_shipment_rate"]
    page.goto("/")
    expect(page.locator("article.kpi").first).to_have_attribute("data-kpi", "order_backlog")
    assert errors == []


@pytest.mark.screenshots
def test_dashboard_screenshots(new_page: Callable[[], Page], make_person: Callable[..., Person], admin: Person) -> None:
    """Five titles' dashboards over the simulated demo company, with the demo's KPI targets."""
    simulate_company(days=28, orders_per_day=16)
    set_demo_targets(actor=admin)
    dublin = Site.objects.get(code="dub")
    shots = (
        ("chief-operating-officer", "Grace Okafor", None),
        ("fulfillment-manager", "Fiona Gallagher", dublin),
        ("director-of-supply-chain", "Marcus Reid", None),
        ("revenue-operations-manager", "Priya Raman", None),
        ("process-improvement-manager", "Tomás Ruiz", dublin),
    )
    people = {slug: make_person(slug, full_name=name, email=f"{slug}@example.com", **({"site": site} if site else {}))
              for slug, name, site in shots}
    # Orders sit in sites, not departments: the department-scoped Revenue Operations Manager
    # is given both fulfillment sites, as an administrator would, to see their revenue.
    organization_services.grant_scope(actor=admin, person=people["revenue-operations-manager"],
                                      sites=list(Site.objects.filter(code__in=["dub", "cmh"])), departments=[])
    # The owners hear about their KPIs that are off target (the top bar's unread count)
    services.evaluate_alerts()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for slug, person in people.items():
        page = new_page()
        errors = console_errors(page)
        sign_in(page, person.email)
        page.wait_for_load_state("networkidle")
        expect(page.locator("article.kpi").first).to_be_visible()
        page.screenshot(path=str(SCREENSHOTS / f"dashboard-{slug}.png"), full_page=True)
        assert errors == []
        if slug == "fulfillment-manager":
            page.goto("/dashboard/alerts/")
            expect(page.locator("#listing tbody tr").first).to_be_visible()
            page.screenshot(path=str(SCREENSHOTS / "kpi-alerts.png"), full_page=True)
            page.goto("/dashboard/")
            page.screenshot(path=str(SCREENSHOTS / "dashboard-arrange.png"), full_page=True)
    for slug, _, _ in shots:
        assert (SCREENSHOTS / f"dashboard-{slug}.png").stat().st_size > 10_000
