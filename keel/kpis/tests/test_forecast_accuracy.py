"""Forecast accuracy: 100 - WAPE over the item plans of the month's last successful planning
run, checked by hand on stored runs and on a run made by the real planning service."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from keel.core import clock
from keel.kpis.catalogue import CATALOGUE, EMPTY_REASONS, NO_DATA_REASONS
from keel.kpis.selectors import drill_down, tiles
from keel.orders import services as orders
from keel.organization.models import Person, Site
from keel.planning import services as planning
from keel.planning.choices import RunStatus
from keel.planning.models import ItemPlan, PlanningRun
from keel.supply_chain import services as supply
from keel.supply_chain.models import Item

pytestmark = pytest.mark.django_db

KEY = "forecast_accuracy"
NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)


def make_item(sku: str) -> Item:
    return supply.create_item(actor=None, sku=sku, name=f"Item {sku}", standard_cost="2.00", cost_currency="EUR",
                              list_price="3.00", price_currency="EUR")


def make_run(status: str, finished_at: datetime | None, plans: Sequence[tuple[Item, Site, float, float]] = ()
             ) -> PlanningRun:
    """A run and its item plans as the planning service stores them: per plan the backtest
    totals sum |forecast - actual| and sum |actual| (the other fields do not enter the KPI)."""
    created = (finished_at or NOW) - timedelta(minutes=5)
    run = PlanningRun.objects.create(status=status, created_at=created, started_at=created, finished_at=finished_at,
                                     item_count=len(plans))
    ItemPlan.objects.bulk_create([
        ItemPlan(run=run, item=item, site=site, abc_class="A", xyz_class="X", method="naive",
                 absolute_error_total=absolute, actual_total=actual, error_total=0.0,
                 wape=absolute / actual if actual else None, demand_mean=1.0, demand_sd=0.0, lead_time_days=5.0,
                 lead_time_source="supplier", target_kind="cycle_service_level", target_level=0.95,
                 safety_stock=0.0, reorder_point=0.0, order_up_to=0.0, order_quantity=0.0, urgency_rank=rank)
        for rank, (item, site, absolute, actual) in enumerate(plans, start=1)
    ])
    return run


def test_the_catalogue_declares_it_built_on_planning_runs() -> None:
    spec = CATALOGUE[KEY]
    assert spec.built is True
    assert KEY not in NO_DATA_REASONS
    assert any("PlanningRun" in source for source in spec.lineage)
    assert any("ItemPlan" in source for source in spec.lineage)


def test_the_months_last_successful_run_gives_the_number_everywhere(
        site_dublin: Site, site_columbus: Site, make_person: Callable[..., Person],
        login: Callable[[Person], Client], api_client: Callable[..., Client]) -> None:
    bolt, nut = make_item("BOLT"), make_item("NUT")
    # October: one run, Dublin BOLT missed 40 of 100 units.
    make_run(RunStatus.SUCCEEDED, datetime(2026, 10, 15, 6, tzinfo=UTC), [(bolt, site_dublin, 40.0, 100.0)])
    # November: run B (3 Nov) is superseded by run C (20 Nov); a later failed run and a
    # running one are not finished plans and do not count.
    make_run(RunStatus.SUCCEEDED, datetime(2026, 11, 3, 6, tzinfo=UTC), [(bolt, site_dublin, 50.0, 100.0)])
    latest = make_run(RunStatus.SUCCEEDED, datetime(2026, 11, 20, 6, tzinfo=UTC), [
        (bolt, site_dublin, 10.0, 100.0), (nut, site_dublin, 20.0, 50.0), (bolt, site_columbus, 60.0, 150.0)])
    make_run(RunStatus.FAILED, datetime(2026, 11, 24, 6, tzinfo=UTC))
    make_run(RunStatus.RUNNING, None)
    director = make_person("director-of-supply-chain", email="dsc@example.com")
    columbus = make_person("supply-chain-manager", site=site_columbus, email="cmh@example.com")

    # By hand, run C: WAPE = (10 + 20 + 60) / (100 + 50 + 150) = 30 %, accuracy 70.
    # Dublin: 100 - 30/150 x 100 = 80; Columbus: 100 - 60/150 x 100 = 60.
    # BOLT: 100 - 70/250 x 100 = 72; NUT: 100 - 20/50 x 100 = 60. October (run A): 100 - 40 = 60.
    company_wide = 100 - (10 + 20 + 60) / (100 + 50 + 150) * 100
    api = api_client(director)
    with clock.simulated(NOW):
        tile = tiles(actor=director, keys=[KEY])[KEY]
        detail = drill_down(actor=director, key=KEY)
        value = api.get(f"/api/v1/kpis/values?keys={KEY}").json()[0]["value"]
        single = api.get(f"/api/v1/kpis/{KEY}").json()["value"]
        by_site = api.get(f"/api/v1/kpis/{KEY}/breakdown?dimension=site").json()["members"]
        records = api.get(f"/api/v1/kpis/{KEY}/records").json()
        site_tile = tiles(actor=columbus, keys=[KEY])[KEY]
        site_api = api_client(columbus).get(f"/api/v1/kpis/{KEY}").json()["value"]
        narrowed = tiles(actor=director, keys=[KEY], site_id=site_dublin.pk)[KEY]
        page = login(director).get(f"/kpis/{KEY}/")

    assert tile.value == pytest.approx(company_wide) == pytest.approx(70.0)
    assert detail is not None
    assert detail.value == value == single == tile.value
    assert dict(tile.trend)[date(2026, 10, 1)] == pytest.approx(60.0)
    assert dict(tile.trend)[date(2026, 11, 1)] == tile.value
    assert detail.breakdowns["site"] == {site_dublin.pk: pytest.approx(80.0), site_columbus.pk: pytest.approx(60.0)}
    assert detail.breakdowns["item"] == {bolt.pk: pytest.approx(72.0), nut.pk: pytest.approx(60.0)}
    assert {member["label"]: member["value"] for member in by_site} == {"Dublin": pytest.approx(80.0),
                                                                          "Columbus": pytest.approx(60.0)}
    # The records are run C's three item plans with their backtest absolute error.
    assert records["count"] == 3
    assert sorted((row["record"], row["measure"]) for row in records["items"]) == [
        (f"BOLT (run {latest.pk})", 10.0), (f"BOLT (run {latest.pk})", 60.0), (f"NUT (run {latest.pk})", 20.0)]
    # A person who sees Columbus gets Columbus's own number: its line in the breakdown.
    assert site_tile.value == site_api == pytest.approx(60.0)
    assert narrowed.value == pytest.approx(80.0)
    assert page.status_code == 200
    assert "3 records" in page.content.decode()


def test_no_run_in_scope_is_no_data_with_its_reason(site_dublin: Site, site_columbus: Site,
                                                      make_person: Callable[..., Person]) -> None:
    director = make_person("director-of-supply-chain", email="dsc@example.com")
    with clock.simulated(NOW):
        before = tiles(actor=director, keys=[KEY])[KEY]
    assert (before.value, before.display, before.reason) == (None, "no data yet", EMPTY_REASONS[KEY])
    # The month's last run planned Dublin only: Columbus has no number this month.
    make_run(RunStatus.SUCCEEDED, datetime(2026, 11, 20, 6, tzinfo=UTC), [(make_item("BOLT"), site_dublin, 1.0, 4.0)])
    columbus = make_person("supply-chain-manager", site=site_columbus, email="cmh@example.com")
    with clock.simulated(NOW):
        company_tile = tiles(actor=director, keys=[KEY])[KEY]
        site_tile = tiles(actor=columbus, keys=[KEY])[KEY]
    assert company_tile.value == pytest.approx(75.0)
    assert (site_tile.value, site_tile.reason) == (None, EMPTY_REASONS[KEY])


# --- Through the real planning service ---------------------------------------------------

PLAN_DAY = date(2026, 3, 16)
ALTERNATING = [3, 5] * 14  # 28 days
STEADY = [4] * 28


def sell(item: Item, site: Site, quantities: Sequence[int], customer: Any) -> None:
    """One confirmed order a day, ending the day before PLAN_DAY."""
    first = PLAN_DAY - timedelta(days=len(quantities))
    for offset, quantity in enumerate(quantities):
        with clock.simulated(datetime.combine(first + timedelta(days=offset), datetime.min.time(), UTC)
                             + timedelta(hours=10)):
            orders.create_order(actor=None, customer=customer, ship_from=site, confirm=True,
                                lines=[orders.OrderLineInput(item=item, quantity=Decimal(quantity))])


def naive_backtest(history: Sequence[int], *, origins: int = 13, leads: int = 7) -> tuple[float, float]:
    """Sum |forecast - actual| and sum actual of the naive method's rolling-origin backtest as
    docs/planning.md describes it: forecasts made after T - 13, ..., T - 1 periods for leads 1
    to 7 whose target lies in the history; the naive forecast is the last observation."""
    absolute = actual = 0.0
    periods = len(history)
    for seen in range(periods - origins, periods):
        for lead in range(1, leads + 1):
            target = seen + lead - 1
            if target < periods:
                absolute += abs(history[seen - 1] - history[target])
                actual += history[target]
    return absolute, actual


def test_a_run_of_the_planning_service_gives_the_number(site_dublin: Site, site_columbus: Site,
                                                        make_person: Callable[..., Person]) -> None:
    # Dublin sells a steady 4 a day, Columbus alternates 3 and 5; the naive method is fixed
    # by an override so the backtest can be redone by hand.
    web = orders.create_sales_channel(actor=None, code="web", name="Web shop", kind="web_store")
    customer = orders.create_customer(actor=None, code="C1", name="Customer One", country="IE", channel=web)
    widget = make_item("WIDGET")
    sell(widget, site_dublin, STEADY, customer)
    sell(widget, site_columbus, ALTERNATING, customer)
    planning.set_policy_override(actor=None, item=widget, site=None, method="naive")
    with clock.simulated(datetime(2026, 3, 16, 6, tzinfo=UTC)):
        run = planning.run_planning(actor=None, today=PLAN_DAY)
    assert run.status == RunStatus.SUCCEEDED, run.message

    # By hand: Dublin never misses (accuracy 100). Columbus: the naive forecast repeats the
    # last day, so odd leads miss by 2 and even leads hit.
    dublin_error, dublin_actual = naive_backtest(STEADY)
    columbus_error, columbus_actual = naive_backtest(ALTERNATING)
    assert dublin_error == 0
    columbus = 100 - columbus_error / columbus_actual * 100
    company_wide = 100 - (dublin_error + columbus_error) / (dublin_actual + columbus_actual) * 100

    director = make_person("director-of-supply-chain", email="dsc@example.com")
    planner = make_person("supply-chain-manager", site=site_columbus, email="cmh@example.com")
    with clock.simulated(datetime(2026, 3, 20, 12, tzinfo=UTC)):
        tile = tiles(actor=director, keys=[KEY])[KEY]
        detail = drill_down(actor=director, key=KEY)
        site_tile = tiles(actor=planner, keys=[KEY])[KEY]
    assert detail is not None
    assert tile.value == detail.value == pytest.approx(company_wide, rel=1e-12)
    assert detail.breakdowns["site"] == {site_dublin.pk: pytest.approx(100.0),
                                         site_columbus.pk: pytest.approx(columbus, rel=1e-12)}
    assert site_tile.value == pytest.approx(columbus, rel=1e-12)
    # The run's own overall WAPE (the planning engine's ratio of totals) agrees.
    assert tile.value == pytest.approx(100 * (1 - run.accuracy["wape"]), rel=1e-12)
