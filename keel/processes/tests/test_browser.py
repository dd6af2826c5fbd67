"""Browser tests of the process map: it draws without console errors, the coverage slider
changes how many arrows are drawn, and clicking an arrow lists its cases, then a case
its timeline. The screenshots test refreshes docs/screenshots/process-*.png and
case-timeline.png on a simulated company (``pytest -m screenshots keel/processes``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from keel.organization.models import Person, Site
from keel.web.tests.browser import SCREENSHOTS, console_errors, sign_in

from .test_screens import HAPPY, LOOP, add_order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def arrows(page: Page) -> int:
    return page.locator("#map svg a.arc").count()


def test_the_map_draws_the_slider_hides_rare_paths_and_an_arrow_drills_down(
        page: Page, make_person: Callable[..., Person], site_dublin: Site) -> None:
    for number in range(1, 9):
        add_order(number, site_dublin, HAPPY, hours=[0, 1, 2 + number, 3 + number])
    add_order(9, site_dublin, LOOP, hours=[0, 1, 2, 3, 10, 11])
    analyst = make_person("chief-operating-officer")
    errors = console_errors(page)
    sign_in(page, analyst.email)

    page.goto("/processes/order-fulfillment/")
    expect(page.locator("#map svg")).to_be_visible()
    assert arrows(page) == 5

    # When the slider narrows the map to the most frequent paths (htmx swaps the map)
    page.locator("#map input[name=coverage]").fill("40")
    expect(page.locator("#map")).to_have_attribute("data-arcs", "2")
    assert arrows(page) == 2
    page.locator("#map input[name=coverage]").fill("100")
    expect(page.locator("#map")).to_have_attribute("data-arcs", "5")
    # fill() fires "change" (swapped at once) and "input" (swapped 250 ms later): let the
    # second swap land before clicking, or the click can hit the map it replaces
    page.wait_for_timeout(400)
    page.wait_for_load_state("networkidle")
    expect(page.locator("#map")).to_have_attribute("data-arcs", "5")

    # And an arrow is clicked: its cases appear beside the map; a case shows its timeline
    page.locator('#map a.arc[data-source="Confirm order"][data-target="Pack order"] path.hit').click(force=True)
    expect(page.locator("#drill h2")).to_have_text("Confirm order → Pack order")
    expect(page.locator("#drill a.case-link")).to_have_count(9)
    page.locator("#drill a.case-link", has_text="sales_order:9").click()
    expect(page.locator("#case-timeline strong")).to_have_count(len(LOOP))
    assert errors == []


@pytest.mark.screenshots
def test_process_screenshots(new_page: Callable[[], Page], make_person: Callable[..., Person]) -> None:
    """The demo company's order fulfillment as a process improvement manager sees it."""
    from django.utils import timezone

    from keel.simulation.runner import simulate
    from keel.simulation.scenario import Scenario

    scenario = Scenario.load(days=28, orders_per_day=16)
    simulate(scenario, start=timezone.localdate() - timedelta(days=scenario.days), until=timezone.now())
    analyst = make_person("vp-of-process-improvement", full_name="Ines Duarte", email="ines.duarte@example.com",
                          site=Site.objects.get(code="dub"))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = new_page()
    errors = console_errors(page)
    sign_in(page, analyst.email)

    def shoot(name: str) -> None:
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    page.goto("/processes/order-fulfillment/?measure=performance&coverage=95")
    expect(page.locator("#map svg")).to_be_visible()
    page.locator('#map a.arc[data-source="Check quality"][data-target="Pack order"] path.hit').click(force=True)
    expect(page.locator("#drill a.case-link").first).to_be_visible()
    page.evaluate("window.scrollTo(0, 0)")
    shoot("process-map")
    page.goto(page.locator("#drill a.case-link").nth(3).get_attribute("href") or "/")
    expect(page.locator("#case-timeline")).to_be_visible()
    shoot("case-timeline")
    page.goto("/processes/order-fulfillment/variants/")
    expect(page.locator("main h1")).to_be_visible()
    shoot("process-variants")
    page.goto("/processes/order-fulfillment/bottlenecks/?weekday=monday&site=dub")
    expect(page.locator("canvas[data-chart]")).to_be_visible()
    shoot("process-bottlenecks")
    assert errors == []
    for name in ("process-map", "case-timeline", "process-variants", "process-bottlenecks"):
        assert (SCREENSHOTS / f"{name}.png").stat().st_size > 10_000
