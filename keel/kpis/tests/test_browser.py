"""KPI pages in headless Chromium: they render with values and without console errors.

    .venv/bin/pytest keel/kpis/tests/test_browser.py
    .venv/bin/pytest -m screenshots keel/kpis/tests/test_browser.py   (refreshes docs/screenshots)
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from keel.kpis.tests.conftest import Company
from keel.organization.models import Person
from keel.web.tests.browser import SCREENSHOTS, console_errors, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def page_problems(page: Page) -> Callable[[], list[str]]:
    """Console errors and failed requests from now on, except the browser's favicon probe
    (Keel serves no favicon; the console reports that 404 without its address)."""
    console = console_errors(page)
    failed: list[str] = []
    page.on("response", lambda response: failed.append(f"{response.status} {response.url}")
            if response.status >= 400 and not response.url.endswith("/favicon.ico") else None)
    return lambda: [*failed, *(text for text in console if "status of 404" not in text)]


def test_the_catalogue_and_a_drill_down_render_with_values(new_page: Callable[[], Page], company: Company,
                                                           make_person: Callable[..., Person]) -> None:
    page = new_page()
    errors = page_problems(page)
    sign_in(page, company.buyer.email)
    page.goto("/kpis/")
    expect(page.get_by_role("heading", level=1)).to_have_text("KPI catalogue")
    # Every KPI shows a value or says "no data yet".
    entries = page.locator("article.kpi-entry")
    assert entries.count() == 35
    for index in range(entries.count()):
        text = entries.nth(index).locator(".tile-value").inner_text()
        assert text == "no data yet" or any(ch.isdigit() for ch in text), text
    page.get_by_role("link", name="On time in full (OTIF)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("On time in full (OTIF)")
    expect(page.get_by_role("heading", name="By carrier")).to_be_visible()
    expect(page.locator("canvas[data-chart='kpi-trend']")).to_be_visible()
    assert errors() == []


@pytest.mark.screenshots
def test_screenshots(new_page: Callable[[], Page], make_person: Callable[..., Person]) -> None:
    from keel.core import clock
    from keel.kpis import services
    from keel.simulation.runner import simulate
    from keel.simulation.scenario import Scenario

    today = clock.localdate()
    simulate(Scenario.from_dict({"days": 35, "orders_per_day": 24, "items": 40, "seed": 7}),
             start=today - timedelta(days=35))
    coo = make_person("chief-operating-officer", full_name="Maya Okafor", email="maya.okafor@example.com",
                      is_superuser=True)
    services.set_target(actor=coo, key="otif", target=95, amber=90, red=80)
    services.set_target(actor=coo, key="order_to_ship_time", target=24, amber=24, red=36)
    services.set_target(actor=coo, key="fill_rate", target=95, amber=92, red=85)
    services.snapshot(actor=None)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = new_page()
    errors = page_problems(page)
    sign_in(page, coo.email)
    for path, name in (("/kpis/", "kpi-catalogue.png"), ("/kpis/otif/", "kpi-drill-down-otif.png"),
                       ("/kpis/order_to_ship_time/", "kpi-drill-down-order-to-ship.png"),
                       ("/kpis/fill_rate/target/", "kpi-target-form.png")):
        page.goto(path)
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(SCREENSHOTS / name), full_page=True)
    assert errors() == []
