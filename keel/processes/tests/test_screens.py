"""The process screens and API on a small hand-built log: what each page shows, scope,
filters, drill-down, exports, permissions, caching and a constant number of queries."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction
from django.test import Client

from keel.events.services import ObjectRef, record_event
from keel.organization.models import JobTitle, Person, Site
from keel.processes import analysis

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # a Monday
HAPPY = ["Create order", "Confirm order", "Pack order", "Ship order"]
LOOP = ["Create order", "Confirm order", "Correct address", "Confirm order", "Pack order", "Ship order"]


@transaction.atomic
def add_order(number: int, site: Site, steps: list[str], *, hours: list[float], channel: str = "web") -> None:
    for activity, hour in zip(steps, hours, strict=True):
        record_event(activity=activity, objects=[ObjectRef("sales_order", str(number), "order", site_id=site.pk)],
                     occurred_at=T0 + timedelta(hours=hour), site_id=site.pk,
                     attributes={"channel": channel} if activity == "Create order" else {})


@pytest.fixture
def log(site_dublin: Site, site_columbus: Site) -> None:
    """Four Dublin orders (one with the address loop) and one Columbus order."""
    add_order(1, site_dublin, HAPPY, hours=[0, 1, 3, 4])
    add_order(2, site_dublin, HAPPY, hours=[0, 1, 5, 6])
    add_order(3, site_dublin, HAPPY, hours=[24, 25, 26, 27], channel="marketplace")
    add_order(4, site_dublin, LOOP, hours=[0, 1, 2, 3, 10, 11])
    add_order(5, site_columbus, ["Create order", "Confirm order", "Ship order"], hours=[0, 2, 30])


@pytest.fixture
def coo(make_person: Callable[..., Person]) -> Person:
    return make_person("chief-operating-officer")


@pytest.fixture
def dublin_analyst(make_person: Callable[..., Person], site_dublin: Site) -> Person:
    return make_person("process-improvement-manager", site=site_dublin)


def arcs_drawn(html: str) -> int:
    return int(re.search(r'data-arcs="(\d+)"', html).group(1))  # type: ignore[union-attr]


def test_the_map_shows_activities_hand_offs_and_markers(log: None, coo: Person, login: Callable[[Person], Client]) -> None:
    response = login(coo).get("/processes/order-fulfillment/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "5 of 5 sales orders (21 events)" in html
    # Create>Confirm, Confirm>Pack, Pack>Ship, Confirm>Correct, Correct>Confirm, Confirm>Ship
    assert arcs_drawn(html) == 6
    assert "<title>Confirm order → Pack order: 4 times; median 3.0 h, mean 3.5 h, max 7.0 h" in html
    assert "<title>Start: 5 cases</title>" in html
    assert "<title>End: 5 cases</title>" in html


def test_the_coverage_slider_hides_rare_paths_and_the_performance_view_labels_times(
        log: None, coo: Person, login: Callable[[Person], Client]) -> None:
    client = login(coo)
    narrow = client.get("/processes/order-fulfillment/", {"coverage": "50"}, HTTP_HX_TARGET="map").content.decode()
    timed = client.get("/processes/order-fulfillment/", {"measure": "performance"}).content.decode()

    assert narrow.startswith('<section id="map"')  # the htmx fragment only
    # 16 hand-offs: Create>Confirm 5 and Confirm>Pack 4 cover 9 >= 8
    assert arcs_drawn(narrow) == 2
    assert "4 rare ones hidden" in narrow
    assert ">3.5 h</text>" in timed  # Confirm > Pack, mean


def test_a_site_scoped_analyst_sees_only_their_sites_cases(
        log: None, dublin_analyst: Person, login: Callable[[Person], Client],
        api_client: Callable[..., Client]) -> None:
    client = login(dublin_analyst)

    assert "4 of 4 sales orders" in client.get("/processes/order-fulfillment/").content.decode()
    assert client.get("/processes/order-fulfillment/cases/sales_order:5/").status_code == 404
    dfg = api_client(dublin_analyst).get("/api/v1/processes/order-fulfillment/dfg").json()
    assert dfg["cases"] == 4
    assert dfg["start_activities"] == {"Create order": 4}
    assert ("Confirm order", "Ship order") not in {(arc["source"], arc["target"]) for arc in dfg["arcs"]}


def test_clicking_an_arc_lists_its_cases_and_a_case_shows_its_timeline(
        log: None, coo: Person, login: Callable[[Person], Client]) -> None:
    client = login(coo)
    cases = client.get("/processes/order-fulfillment/hand-off/",
                       {"source": "Confirm order", "target": "Pack order"}, HTTP_HX_REQUEST="true").content.decode()
    timeline = client.get("/processes/order-fulfillment/cases/sales_order:4/", HTTP_HX_REQUEST="true").content.decode()

    # Longest wait first: order 4 waited 7 h (Confirm again at 3 h, Pack at 10 h), order 2 4 h...
    assert re.findall(r'class="case-link"[^>]*>([^<]+)<', cases) == [
        "sales_order:4", "sales_order:2", "sales_order:1", "sales_order:3"]
    assert "7.0 h" in cases
    assert re.findall(r"<strong>([^<]+)</strong>", timeline) == LOOP
    assert "waited 7.0 h" in timeline
    assert 'title="sales_order · order">sales_order:4</span>' in timeline


def test_tables_export_as_csv_and_xlsx(log: None, coo: Person, login: Callable[[Person], Client]) -> None:
    client = login(coo)
    cases = client.get("/processes/order-fulfillment/hand-off/",
                       {"source": "Confirm order", "target": "Pack order", "export": "csv"})
    variants = client.get("/processes/order-fulfillment/variants/", {"export": "xlsx"})
    rework = client.get("/processes/order-fulfillment/bottlenecks/", {"table": "rework", "export": "csv"})

    rows = list(csv.reader(io.StringIO(cases.content.decode("utf-8-sig"))))
    assert rows[0] == ["Case", "Times", "Longest wait (seconds)"]
    assert rows[1] == ["sales_order:4", "1", "25200.0"]
    assert variants["Content-Type"].startswith("application/vnd.openxmlformats")
    rework_rows = list(csv.reader(io.StringIO(rework.content.decode("utf-8-sig"))))
    assert rework_rows[1] == ["Confirm order", "5", "1", "1", "0.2"]


def test_filters_narrow_every_analysis_and_a_bad_filter_names_its_field(
        log: None, coo: Person, login: Callable[[Person], Client], api_client: Callable[..., Client]) -> None:
    client = login(coo)
    variants = analysis.variant_table(analysis.load(actor=coo, process="order-fulfillment"))
    happy = next(row for row in variants if row["activities"] == HAPPY)

    assert "1 of 5 sales orders" in client.get("/processes/order-fulfillment/", {"channel": "marketplace"}).content.decode()
    assert "1 of 5 sales orders" in client.get("/processes/order-fulfillment/", {"site": "cmh"}).content.decode()
    assert "3 of 5 sales orders" in client.get("/processes/order-fulfillment/", {"variant": happy["id"]}).content.decode()
    assert "1 of 5 sales orders" in client.get("/processes/order-fulfillment/",
                                               {"activity": "Correct address"}).content.decode()
    assert "4 of 5 sales orders" in client.get("/processes/order-fulfillment/",
                                               {"until": "2026-03-02"}).content.decode()
    # Slowest 10% of five durations (4, 6, 3, 11, 30 h): at or above the 90th percentile
    assert "1 of 5 sales orders" in client.get("/processes/order-fulfillment/", {"slowest": "1"}).content.decode()
    bad = client.get("/processes/order-fulfillment/", {"since": "yesterday"})
    assert bad.status_code == 422
    assert "since" in bad.content.decode()
    assert "is not a date" in bad.content.decode()
    api = api_client(coo).get("/api/v1/processes/order-fulfillment/variants", {"since": "yesterday"})
    assert api.status_code == 422


def test_variants_list_paths_with_counts_shares_and_durations(log: None, coo: Person) -> None:
    rows = analysis.variant_table(analysis.load(actor=coo, process="order-fulfillment"))

    assert [(row["activities"], row["count"], row["share"], row["median"]) for row in rows] == [
        (HAPPY, 3, 0.6, 4 * 3600.0),
        (["Create order", "Confirm order", "Correct address", "Confirm order", "Pack order", "Ship order"], 1, 0.2,
         11 * 3600.0),
        (["Create order", "Confirm order", "Ship order"], 1, 0.2, 30 * 3600.0),
    ]


def test_compare_gives_kpis_and_hand_off_changes() -> None:
    from keel.analytics.process_mining import EventLog

    before = EventLog.from_rows([("a", "pick", "2024-01-01T08:00Z"), ("a", "ship", "2024-01-01T09:00Z"),
                                 ("b", "pick", "2024-01-01T08:00Z"), ("b", "ship", "2024-01-01T11:00Z")])
    after = EventLog.from_rows([("c", "pick", "2024-02-01T08:00Z"), ("c", "ship", "2024-02-01T12:00Z"),
                                ("c", "ship", "2024-02-01T13:00Z")])

    result = analysis.compare(before, after)

    kpis = {kpi["name"]: (kpi["a"], kpi["b"], kpi["change"]) for kpi in result.kpis}
    assert kpis["cases"] == (2, 1, -1)
    assert kpis["median_duration"] == (7200.0, 18000.0, 10800.0)
    assert kpis["rework_share"] == (0.0, 1.0, 1.0)
    assert [(row["source"], row["target"], row["frequency_a"], row["frequency_b"], row["mean_change"], row["extra"])
            for row in result.arcs] == [("pick", "ship", 2, 1, 7200.0, 7200.0),
                                        ("ship", "ship", 0, 1, None, None)]


def test_the_comparison_page_sets_this_period_against_the_previous_one(
        log: None, coo: Person, login: Callable[[Person], Client], api_client: Callable[..., Client]) -> None:
    result = api_client(coo).get("/api/v1/processes/order-fulfillment/comparison",
                                 {"since": "2026-03-03", "until": "2026-03-03"}).json()

    assert (result["a_since"], result["a_until"]) == ("2026-03-02", "2026-03-02")
    kpis = {kpi["name"]: (kpi["a"], kpi["b"]) for kpi in result["kpis"]}
    assert kpis["cases"] == (4, 1)
    page = login(coo).get("/processes/order-fulfillment/compare/", {"since": "2026-03-03", "until": "2026-03-03"})
    assert page.status_code == 200
    assert "03 Mar \u2013 03 Mar 2026 against 02 Mar \u2013 02 Mar 2026" in page.content.decode()


def test_a_new_event_is_in_the_next_answer(log: None, coo: Person, site_dublin: Site,
                                           login: Callable[[Person], Client]) -> None:
    client = login(coo)
    assert "5 of 5 sales orders" in client.get("/processes/order-fulfillment/").content.decode()

    add_order(6, site_dublin, ["Create order"], hours=[40])

    assert "6 of 6 sales orders" in client.get("/processes/order-fulfillment/").content.decode()


@pytest.mark.parametrize("path", [
    "/processes/order-fulfillment/", "/processes/order-fulfillment/variants/",
    "/processes/order-fulfillment/bottlenecks/", "/processes/order-fulfillment/compare/",
    "/processes/order-fulfillment/hand-off/?source=Create%20order&target=Confirm%20order",
    "/processes/order-fulfillment/cases/sales_order:1/", "/processes/purchasing/",
])
def test_each_page_takes_a_constant_number_of_queries(
        path: str, log: None, coo: Person, site_dublin: Site, login: Callable[[Person], Client],
        django_assert_max_num_queries: Callable[..., object]) -> None:
    client = login(coo)
    client.get(path)
    # warm: session, person, reach, high-water mark(s), the imported logs offered beside
    # the built-in processes, the top bar's unread-alert count
    with django_assert_max_num_queries(9):  # type: ignore[attr-defined]
        assert client.get(path).status_code == 200
    for number in range(10, 40):
        add_order(number, site_dublin, HAPPY, hours=[0, 1, 2, 3])
    with django_assert_max_num_queries(14):  # type: ignore[attr-defined]
        assert client.get(path).status_code == 200  # cold: the same few queries on a bigger log


def test_without_the_action_every_page_and_operation_is_refused(
        log: None, make_person: Callable[..., Person], login: Callable[[Person], Client],
        api_client: Callable[..., Client]) -> None:
    title = JobTitle.objects.get(slug="fulfillment-manager")
    title.revoked_actions = ["processes.view_process"]
    title.save()
    person = make_person("fulfillment-manager")

    for path in ["/processes/", "/processes/order-fulfillment/", "/processes/order-fulfillment/variants/",
                 "/processes/order-fulfillment/bottlenecks/", "/processes/order-fulfillment/compare/",
                 "/processes/order-fulfillment/cases/sales_order:1/"]:
        assert login(person).get(path).status_code == 403, path
    client = api_client(person)
    for operation in ["processes", "processes/order-fulfillment/dfg", "processes/order-fulfillment/variants",
                      "processes/order-fulfillment/cases/sales_order:1"]:
        assert client.get(f"/api/v1/{operation}").status_code == 403, operation


def test_an_unknown_process_is_not_found(coo: Person, login: Callable[[Person], Client],
                                         api_client: Callable[..., Client]) -> None:
    assert login(coo).get("/processes/claims/").status_code == 404
    assert api_client(coo).get("/api/v1/processes/claims/dfg").status_code == 404
