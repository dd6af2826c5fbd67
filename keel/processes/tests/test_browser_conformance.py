"""The process area in a real browser: conformance, an initiative and a log import work
without console errors; ``-m screenshots`` saves them to docs/screenshots/."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from keel.organization.models import Person
from keel.processes import services
from keel.processes.choices import Measure, ProcessKind
from keel.web.tests.browser import SCREENSHOTS, console_errors, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

CSV = (b"ticket,step,at,agent\nT1,Open ticket,2024-03-01 08:00,ann\nT1,Solve,2024-03-01 09:30,bob\n"
       b"T2,Open ticket,2024-03-02 10:00,ann\nT2,Reopen,2024-03-02 12:00,bob\nT2,Solve,2024-03-02 15:00,bob\n")


def demo_company(make_person: Callable[..., Person]) -> Person:
    from keel.events.services import forget_committed_types
    from keel.simulation.runner import simulate
    from keel.simulation.scenario import Scenario

    forget_committed_types()
    simulate(Scenario.load(days=21, orders_per_day=10), start=date(2026, 3, 2))
    improver = make_person("director-of-continuous-improvement", full_name="Grace Kim", email="grace@example.com")
    model = services.create_process_model(actor=improver, name="Order fulfillment", process=ProcessKind.SALES_ORDER,
                                          steps=services.keel_workflow_steps(ProcessKind.SALES_ORDER),
                                          source="Keel's workflow")
    services.create_initiative(
        actor=improver, name="Check every pick in Columbus", owner=improver, process=ProcessKind.SALES_ORDER,
        process_model=model, measure=Measure.CONFORMANCE_FITNESS, baseline_from=date(2026, 3, 2),
        baseline_to=date(2026, 3, 8), change_on=date(2026, 3, 9), target_value=0.99, status="active",
        description="Columbus picking checks quality again before packing.")
    return improver


def test_conformance_initiative_and_import_pages_work_in_a_browser(
    page: Page, make_person: Callable[..., Person], tmp_path: Path, settings: object,
) -> None:
    settings.KEEL_PROCESS_LOG_DIR = str(tmp_path)  # type: ignore[attr-defined]
    improver = demo_company(make_person)
    errors = console_errors(page)
    sign_in(page, improver.email)

    page.goto("/processes/conformance/")
    expect(page.locator("main h1")).to_have_text("Conformance")
    expect(page.locator("canvas[data-chart='deviation-chart']")).to_be_visible()
    first = page.locator("section.panel").first.locator("tbody tr").first
    expect(first).to_contain_text("cmh Picking")
    expect(first).to_contain_text("Check quality")
    first.locator("a").click()
    expect(page.locator("#cases")).to_contain_text("skipped Check quality")

    page.goto("/processes/initiatives/")
    page.get_by_role("link", name="Check every pick in Columbus").click()
    expect(page.locator("canvas[data-chart='initiative-chart']")).to_be_visible()

    page.goto("/processes/logs/import/")
    upload = tmp_path / "helpdesk.csv"
    upload.write_bytes(CSV)
    page.get_by_label("File").set_input_files(str(upload))
    page.get_by_label("Name").fill("Helpdesk tickets")
    page.get_by_label("CSV: case column").fill("ticket")
    page.get_by_label("CSV: activity column").fill("step")
    page.get_by_label("CSV: timestamp column").fill("at")
    page.get_by_label("CSV: resource column (optional)").fill("agent")
    page.get_by_role("button", name="Import").click()
    expect(page.locator("#log-progress")).to_contain_text("Imported 5 events in 2 cases")
    assert errors == []


@pytest.mark.screenshots
def test_process_screenshots(new_page: Callable[[], Page], make_person: Callable[..., Person], tmp_path: Path,
                             settings: object) -> None:
    settings.KEEL_PROCESS_LOG_DIR = str(tmp_path)  # type: ignore[attr-defined]
    improver = demo_company(make_person)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = new_page()
    errors = console_errors(page)
    sign_in(page, improver.email)

    def shoot(url: str, name: str) -> None:
        if url:
            page.goto(url)
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    shoot("/processes/conformance/", "process-conformance")
    page.goto("/processes/initiatives/")
    page.get_by_role("link", name="Check every pick in Columbus").click()
    shoot("", "process-initiative")
    bad = tmp_path / "helpdesk.csv"
    bad.write_bytes(CSV + b"T3,Open ticket,yesterday,ann\n,Solve,2024-03-03 10:00,bob\n")
    page.goto("/processes/logs/import/")
    page.get_by_label("File").set_input_files(str(bad))
    page.get_by_label("Name").fill("Helpdesk tickets")
    page.get_by_label("CSV: case column").fill("ticket")
    page.get_by_label("CSV: activity column").fill("step")
    page.get_by_label("CSV: timestamp column").fill("at")
    page.get_by_role("button", name="Import").click()
    expect(page.locator("#log-progress")).to_contain_text("nothing was stored")
    shoot("", "process-import")
    assert errors == []
    for name in ("process-conformance", "process-initiative", "process-import"):
        assert (SCREENSHOTS / f"{name}.png").stat().st_size > 10_000
