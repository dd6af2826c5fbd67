"""Browser tests: the system Chromium drives the real pages through Playwright.

They run against pytest-django's ``live_server`` (a real HTTP server in a thread), so
htmx, redirects, cookies and CSRF all take the same path as in production.

    .venv/bin/pytest keel/web/tests/test_browser.py
    KEEL_SCREENSHOTS=1 .venv/bin/pytest keel/web/tests/test_browser.py -k screenshots

Chromium comes from the system (``apt-get install chromium chromium-driver``); Playwright
never downloads a browser here. Without Chromium the tests skip, except on CI (``CI=true``)
where a missing browser is a failure rather than a silent skip.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from conftest import DepartmentFactory, SiteFactory
from keel.core.context import RequestMeta, request_meta
from keel.organization.models import Person, Site
from keel.web.tests.browser import SCREENSHOTS, path_of, sign_in

# Every test here drives a browser against the live server, which needs real commits
# (transactional_db). The transactional flush empties every table after each test, and
# that would take the job-title catalogue (seeded by a data migration) with it, so
# serialized_rollback restores the migrated data before each test.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SAMPLE_LOG = Path(__file__).resolve().parents[2] / "events" / "samples" / "ocel20_example.jsonocel"
AREA_NAMES = (
    "Process optimization",
    "Supply chain & logistics",
    "Resources & costs",
    "Risk & compliance",
    "Technology & automation",
    "Customer experience",
)
WRONG_PASSWORD = "That email and password do not match an active account."



def test_a_wrong_password_keeps_you_on_the_login_page(page: Page, make_person: Callable[..., Person]) -> None:
    # Given an active account
    person = make_person("fulfillment-manager")
    # When the login page opens
    page.goto("/login/")
    # Then it shows the sign-in form
    expect(page).to_have_title("Sign in · Keel")
    expect(page.get_by_label("Email")).to_be_visible()
    expect(page.get_by_label("Password")).to_be_visible()
    # When the right email arrives with a wrong password
    sign_in(page, person.email, "not the password")
    # Then the page says so and stays on /login/, keeping the email typed
    expect(page.get_by_role("alert")).to_have_text(WRONG_PASSWORD)
    assert path_of(page) == "/login/"
    expect(page.get_by_label("Email")).to_have_value(person.email)


def test_a_fulfillment_manager_signs_in_to_their_home_page(
    page: Page, make_person: Callable[..., Person]
) -> None:
    # Given a Fulfillment Manager (risk & compliance: none)
    person = make_person("fulfillment-manager")
    # When they sign in through the form
    sign_in(page, person.email)
    # Then they land on their home page, greeted by name, with their title
    expect(page).to_have_title("Home · Keel")
    assert path_of(page) == "/"
    expect(page.get_by_role("heading", level=1)).to_contain_text(person.full_name)
    expect(page.locator(".who-title")).to_have_text("Fulfillment Manager")
    expect(page.get_by_text("Fulfillment Manager: Order processing and delivery")).to_be_visible()
    # And the sidebar shows the six operations areas and administration
    sidebar = page.get_by_role("navigation", name="Main")
    for name in (*AREA_NAMES, "Administration"):
        expect(sidebar.get_by_role("link", name=name, exact=True)).to_be_visible()
    # But no link to the audit trail, which needs risk & compliance access
    expect(page.get_by_role("link", name="Audit trail")).to_have_count(0)


def test_the_coo_home_page_links_to_the_audit_trail(
    page: Page, make_person: Callable[..., Person]
) -> None:
    # Given a COO (manage in every area), not an administrator
    coo = make_person("chief-operating-officer")
    # When they sign in
    sign_in(page, coo.email)
    # Then the sidebar links to the audit trail, and the link opens it
    audit_link = page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit trail")
    expect(audit_link).to_be_visible()
    audit_link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit trail")
    assert path_of(page) == "/audit/"


def test_people_live_search_narrows_the_table(
    page: Page, admin: Person, make_person: Callable[..., Person]
) -> None:
    # Given an administrator and three more people
    make_person("fulfillment-manager", full_name="Aoife Brennan", email="aoife@example.com")
    make_person("logistics-manager", full_name="Carlos Mendes", email="carlos@example.com")
    make_person("supply-chain-manager", full_name="Dana Okafor", email="dana@example.com")
    sign_in(page, admin.email)
    page.goto("/organization/people/")
    rows = page.locator("#listing tbody tr")
    expect(rows).to_have_count(4)
    # When the administrator types part of a name into the search box
    with page.expect_response(lambda response: "q=mend" in response.url) as answer:
        page.get_by_role("searchbox", name="Search people").press_sequentially("mend", delay=30)
    # Then htmx fetched the listing (no page load) and the table narrows to that one person
    assert answer.value.request.headers.get("hx-request") == "true"
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Carlos Mendes")
    expect(rows.first).to_contain_text("carlos@example.com")
    expect(page).to_have_url(re.compile(r"/organization/people/\?.*q=mend"))
    # And a fragment that matches nobody says so instead of an empty table
    with page.expect_response(lambda response: "q=zzz" in response.url):
        page.get_by_role("searchbox", name="Search people").fill("zzz")
    expect(rows).to_have_count(0)
    expect(page.locator("#listing .empty")).to_contain_text("No people match “zzz”")


def test_sign_out_returns_to_the_login_page(page: Page, make_person: Callable[..., Person]) -> None:
    # Given a signed-in person
    person = make_person("operations-manager")
    sign_in(page, person.email)
    expect(page.get_by_role("heading", level=1)).to_contain_text(person.full_name)
    # When they sign out
    page.get_by_role("button", name="Sign out").click()
    # Then they are on the login page, and the home page sends them back to it
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    assert path_of(page) == "/login/"
    page.goto("/")
    assert path_of(page) == "/login/"
    expect(page.get_by_label("Email")).to_be_visible()


# Screenshots for docs/screenshots/ (run with KEEL_SCREENSHOTS=1).

PEOPLE = (
    # (title, full name, email, site code, department code)
    ("chief-operating-officer", "Maeve Gallagher", "maeve.gallagher@example.com", "dub", "operations"),
    ("fulfillment-manager", "Aoife Brennan", "aoife.brennan@example.com", "dub", "operations"),
    ("logistics-manager", "Carlos Mendes", "carlos.mendes@example.com", "cmh", "operations"),
    ("supply-chain-manager", "Dana Okafor", "dana.okafor@example.com", "cmh", "operations"),
    ("operations-manager", "Tomás Ó Briain", "tomas.obriain@example.com", "dub", "operations"),
    ("vp-of-customer-experience", "Priya Raman", "priya.raman@example.com", "rtm", "service"),
    ("revenue-operations-manager", "Jonas Weber", "jonas.weber@example.com", "rtm", "revenue"),
    ("process-improvement-manager", "Grace Kim", "grace.kim@example.com", "cmh", "operations"),
    ("director-of-logistics", "Samuel Adeyemi", "samuel.adeyemi@example.com", "rtm", "operations"),
    ("customer-operations-manager", "Lucía Fernández", "lucia.fernandez@example.com", "dub", "service"),
)


@pytest.mark.screenshots
def test_screenshots(new_page: Callable[[], Page], make_person: Callable[..., Person]) -> None:
    from keel.events import ocel
    from keel.events import services as events

    sites = {
        "dub": SiteFactory(code="dub", name="Dublin"),
        "cmh": SiteFactory(code="cmh", name="Columbus", country="US", currency="USD", time_zone="America/New_York"),
        "rtm": SiteFactory(code="rtm", name="Rotterdam DC", country="NL", time_zone="Europe/Amsterdam"),
    }
    departments = {
        "operations": DepartmentFactory(code="operations", name="Operations"),
        "revenue": DepartmentFactory(code="revenue", name="Revenue & Sales"),
        "service": DepartmentFactory(code="service", name="Customer Service"),
    }
    people = {}
    for title, name, email, site, department in PEOPLE:
        people[title] = make_person(
            title, full_name=name, email=email, site=sites[site], department=departments[department]
        )
    with request_meta(RequestMeta(channel="test")):
        events.import_log(actor=None, log=ocel.read_log(SAMPLE_LOG), source="ocel-example")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def shoot(page: Page, name: str) -> None:
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(SCREENSHOTS / name), full_page=True)

    login = new_page()
    login.goto("/login/")
    shoot(login, "login.png")

    manager = new_page()
    sign_in(manager, people["fulfillment-manager"].email)
    expect(manager.get_by_role("heading", level=1)).to_contain_text("Aoife Brennan")
    shoot(manager, "home-fulfillment-manager.png")

    coo = new_page()
    sign_in(coo, people["chief-operating-officer"].email)
    expect(coo.get_by_role("heading", level=1)).to_contain_text("Maeve Gallagher")
    shoot(coo, "home-coo.png")
    for url, name in (
        ("/organization/people/", "people.png"),
        ("/organization/titles/", "job-titles.png"),
        ("/events/", "event-log.png"),
        ("/supply-chain/locations/", "locations.png"),
        ("/organization/tokens/", "api-tokens.png"),
    ):
        coo.goto(url)
        expect(coo.locator("main h1")).to_be_visible()
        shoot(coo, name)
    coo.goto(f"/organization/titles/{people['fulfillment-manager'].title_id}/")
    coo.get_by_text("Grant extra actions").click()
    expect(coo.get_by_text("Supply chain & logistics", exact=True).first).to_be_visible()
    shoot(coo, "job-title-preset.png")
    for name in ("login", "home-fulfillment-manager", "home-coo", "people", "job-titles", "event-log", "locations",
                 "api-tokens", "job-title-preset"):
        assert (SCREENSHOTS / f"{name}.png").stat().st_size > 10_000


@pytest.mark.screenshots
def test_supply_chain_screenshots(new_page: Callable[[], Page], make_person: Callable[..., Person]) -> None:
    """A transfer received in part and a cycle count being counted, with their new-forms."""
    from decimal import Decimal

    from keel.supply_chain import services
    from keel.supply_chain import transfers as t

    dublin = SiteFactory(code="dub", name="Dublin")
    columbus = SiteFactory(code="cmh", name="Columbus", country="US", currency="USD", time_zone="America/New_York")
    director = make_person("director-of-supply-chain", full_name="Niamh Walsh", email="niamh.walsh@example.com",
                           site=dublin, department=DepartmentFactory(code="operations", name="Operations"))
    counter = make_person("supply-chain-manager", full_name="Tom Byrne", email="tom.byrne@example.com", site=dublin)
    with request_meta(RequestMeta(channel="test")):
        bolt = services.create_item(actor=None, sku="BOLT-M8", name="Hex bolt M8 x 40", unit="each",
                                    standard_cost="0.12", cost_currency="EUR")
        flour = services.create_item(actor=None, sku="FLOUR-25", name="Flour, 25 kg sack", unit="kg",
                                     standard_cost="0.80", cost_currency="EUR")
        gloves = services.create_item(actor=None, sku="GLOVE-L", name="Nitrile gloves, large", unit="box",
                                      standard_cost="6.50", cost_currency="EUR")
        a01 = services.create_location(actor=None, site=dublin, code="A-01", zone="A")
        a02 = services.create_location(actor=None, site=dublin, code="A-02", zone="A")
        services.create_location(actor=None, site=columbus, code="RCV-1", zone="R", kind="receiving")
        c01 = services.create_location(actor=None, site=columbus, code="C-01", zone="C")
        services.post_movements(actor=None, reason="receipt", lines=[
            services.MovementLine(item=bolt, location=a01, quantity=Decimal(2400)),
            services.MovementLine(item=flour, location=a01, quantity=Decimal("812.5")),
            services.MovementLine(item=gloves, location=a02, quantity=Decimal(64)),
        ])
        transfer = t.create_transfer(actor=director, from_site=dublin, to_site=columbus, notes="Weekly top-up", lines=[
            t.TransferLineIn(item=bolt, quantity=Decimal(600), from_location=a01, to_location=c01),
            t.TransferLineIn(item=flour, quantity=Decimal(250), from_location=a01),
            t.TransferLineIn(item=gloves, quantity=Decimal(12), from_location=a02, to_location=c01),
        ])
        t.ship_transfer(actor=director, transfer=transfer)
        t.receive_transfer(actor=director, transfer=transfer, lines=[
            t.ReceiveLineIn(line=1, quantity=Decimal(400)), t.ReceiveLineIn(line=3)])
        count = t.create_count(actor=counter, site=dublin, locations=[a01, a02])
        t.record_counts(actor=counter, count=count, counts=[
            t.CountIn(line=1, counted_quantity=Decimal(1796), reason="damaged"),
            t.CountIn(line=2, counted_quantity=Decimal("562.5")),
        ])
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def shoot(page: Page, name: str) -> None:
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(SCREENSHOTS / name), full_page=True)

    page = new_page()
    sign_in(page, director.email)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Niamh Walsh")
    page.goto(f"/supply-chain/transfers/{transfer.pk}/")
    expect(page.locator("main h1")).to_contain_text(transfer.number)
    shoot(page, "transfer.png")
    page.goto("/supply-chain/transfers/new/")
    expect(page.locator("main h1")).to_have_text("New transfer")
    shoot(page, "transfer-new.png")
    page.goto(f"/supply-chain/counts/{count.pk}/")
    expect(page.locator("main h1")).to_contain_text(count.number)
    shoot(page, "cycle-count.png")
    page.goto("/supply-chain/counts/new/")
    shoot(page, "cycle-count-new.png")
    for name in ("transfer", "transfer-new", "cycle-count", "cycle-count-new"):
        assert (SCREENSHOTS / f"{name}.png").stat().st_size > 10_000


@pytest.mark.screenshots
def test_demo_company_screenshots(new_page: Callable[[], Page], make_person: Callable[..., Person]) -> None:
    """The simulated company as its managers see it: queue, purchasing, stock, the log."""
    from datetime import timedelta

    from django.utils import timezone

    from keel.orders.models import SalesOrder
    from keel.simulation.runner import simulate
    from keel.simulation.scenario import Scenario
    from keel.simulation.signatures import surge_sku

    scenario = Scenario.load(days=28, orders_per_day=16)
    start = timezone.localdate() - timedelta(days=scenario.days)
    simulate(scenario, start=start, until=timezone.now())
    director = make_person("director-of-supply-chain", full_name="Marcus Reid", email="marcus.reid@example.com",
                           site=SiteFactory(code="rtm", name="Rotterdam DC", country="NL", time_zone="Europe/Amsterdam"))
    manager = make_person("fulfillment-manager", full_name="Fiona Gallagher", email="fiona.gallagher@example.com",
                          site=Site.objects.get(code="dub"))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def shoot(page: Page, name: str) -> None:
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(SCREENSHOTS / name), full_page=True)

    page = new_page()
    sign_in(page, manager.email)
    shoot(page, "home-fulfillment-manager.png")
    page.goto("/orders/queue/")
    expect(page.locator("main h1")).to_be_visible()
    shoot(page, "fulfillment-queue.png")
    order = SalesOrder.objects.filter(ship_from__code="dub", status="delivered").order_by("-pk").first()
    assert order is not None
    page.goto(f"/orders/{order.pk}/")
    shoot(page, "sales-order.png")

    page = new_page()
    sign_in(page, director.email)
    for url, name in (("/supply-chain/purchase-orders/", "purchase-orders.png"),
                      ("/supply-chain/suppliers/CASAHOME/", "supplier-scorecard.png"),
                      ("/supply-chain/items/", "items.png"),
                      (f"/supply-chain/items/{surge_sku(scenario, scenario.problem('imminent_stockout'))}/", "item-ledger.png"),
                      ("/events/", "event-log.png")):
        page.goto(url)
        expect(page.locator("main h1")).to_be_visible()
        shoot(page, name)
    for name in ("fulfillment-queue", "sales-order", "purchase-orders", "supplier-scorecard", "items", "item-ledger"):
        assert (SCREENSHOTS / f"{name}.png").stat().st_size > 10_000
