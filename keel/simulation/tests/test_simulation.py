"""The simulator: same seed, same company; a simulated quarter keeps the ledger's
invariants; every planted problem is visible in the data with its declared signature."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import F

from keel.core.errors import Conflict
from keel.events.models import Event
from keel.orders.models import SalesOrder, Shipment
from keel.simulation.digest import log_digest
from keel.simulation.runner import simulate
from keel.simulation.scenario import Scenario, ScenarioError
from keel.simulation.signatures import check_signatures
from keel.supply_chain.models import PurchaseOrder, StockBalance
from keel.supply_chain.services import check_ledger

QUARTER = Path(__file__).resolve().parent / "quarter.toml"
START = date(2026, 3, 2)


def small(seed: int = 7) -> Scenario:
    return Scenario.from_dict({"days": 4, "orders_per_day": 12, "items": 20, "seed": seed})


def digest_of(scenario: Scenario) -> tuple[str, int]:
    """Simulate into the test database, fingerprint the log, then roll it all back."""
    with transaction.atomic():
        outcome = simulate(scenario, start=START)
        result = (log_digest(), outcome.world.totals.orders)
        transaction.set_rollback(True)
    return result


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_company() -> None:
    first, orders = digest_of(small())
    second, again = digest_of(small())
    other, _ = digest_of(small(seed=8))
    assert orders == again
    assert orders > 0
    assert first == second
    assert other != first


@pytest.mark.django_db
def test_a_simulated_quarter_keeps_the_ledger_and_shows_every_planted_problem() -> None:
    scenario = Scenario.load(QUARTER)
    world = simulate(scenario, start=START).world
    totals = world.totals

    # The ledger: cached balances equal the movements, nothing negative, reservations covered.
    assert check_ledger() == []
    assert not StockBalance.objects.filter(on_hand__lt=0).exists()
    assert not StockBalance.objects.filter(reserved__gt=F("on_hand")).exists()
    # The simulation's model of stock is what the ledger says, item by item.
    on_hand = Counter()
    for site_code, sku, quantity in StockBalance.objects.values_list("location__site__code", "item__sku", "on_hand"):
        on_hand[(site_code, sku)] += int(quantity)
    expected = {(scenario.sites[site].code, item.sku): int(world.on_hand[site, item.index])
                for site in range(len(scenario.sites)) for item in world.items}
    assert {key: value for key, value in on_hand.items() if value} == {k: v for k, v in expected.items() if v}

    # What the simulation did is what the system of record holds.
    assert SalesOrder.objects.count() == totals.orders
    assert Shipment.objects.count() == totals.shipped
    assert Shipment.objects.filter(status="delivered").count() == totals.delivered
    assert PurchaseOrder.objects.count() == totals.purchase_orders
    activities = Counter(Event.objects.filter(source="keel").values_list("event_type__name", flat=True))
    assert activities["Create order"] == totals.orders
    assert activities["Ship order"] == totals.shipped
    assert activities["Confirm delivery"] == totals.delivered
    assert activities["Correct address"] == totals.reworked
    assert activities["Confirm order"] == totals.orders + totals.reworked
    assert activities["Work shift"] == totals.shifts
    assert activities["Spend on marketing"] == scenario.days * len(scenario.channels)

    # Each planted problem, measured from the data alone, has its declared signature.
    signatures = {signature.kind: signature for signature in check_signatures(scenario, start=START)}
    assert sorted(signatures) == sorted(problem.kind for problem in scenario.problems)
    for signature in signatures.values():
        assert signature.holds, signature.summary
    assert signatures["address_rework"].figures["corrected"] == totals.reworked
    skipped = signatures["skipped_quality_check"].figures
    assert skipped["team_orders"] + activities["Check quality"] == activities["Pack order"]


def test_scenario_files_are_checked_key_by_key() -> None:
    with pytest.raises(ScenarioError, match="orders_per_dya: not a scenario key"):
        Scenario.from_dict({"orders_per_dya": 10})
    with pytest.raises(ScenarioError, match="days: expected a whole number"):
        Scenario.from_dict({"days": "ninety"})
    with pytest.raises(ScenarioError, match=r"problems\[0\].supplier: 'NOPE' is not one of the scenario's suppliers"):
        Scenario.from_dict({"problems": [{"kind": "supplier_lead_time_drift", "supplier": "NOPE"}]})
    with pytest.raises(ScenarioError, match="channels: the shares must add up to 1"):
        Scenario.from_dict({"channels": [{"code": "web", "name": "Web", "kind": "web_store", "share": 0.5,
                                          "daily_spend": 10}]})
    with pytest.raises(ScenarioError, match=r"problems\[0\].max_extra_days: more than 0"):
        Scenario.from_dict({"problems": [{"kind": "supplier_lead_time_drift", "supplier": "CASAHOME",
                                          "max_extra_days": 0}]})
    assert Scenario.load().problem("address_rework") is not None


def test_a_supplier_lead_time_drift_grows_weekly_up_to_its_limit() -> None:
    from keel.simulation.areas.purchasing import Purchasing
    from keel.simulation.engine import build
    from keel.simulation.sinks.memory import CountingSink

    # Given the demo scenario's drift: 1.5 days more every week from week 2, at most 14 days more
    scenario = Scenario.load(days=400)
    drift = scenario.problem("supplier_lead_time_drift")
    assert (drift.from_week, drift.extra_days_per_week, drift.max_extra_days) == (2, 1.5, 14.0)
    world = build(scenario, CountingSink(), start=START)
    purchasing = Purchasing()
    purchasing.start(world)
    casa = next(supplier.index for supplier in world.suppliers if supplier.code == "CASAHOME")
    other = next(supplier.index for supplier in world.suppliers if supplier.code != "CASAHOME")
    base, other_base = world.suppliers[casa].lead_time_days, world.suppliers[other].lead_time_days

    # Then its mean lead time is unchanged before week 2, grows 1.5 days a week, and stops at 14 days more
    extra = [purchasing.mean_lead_time(casa, week * 7) - base for week in (0, 1, 2, 3, 10, 11, 30, 52)]
    assert extra == [0.0, 0.0, 1.5, 3.0, 13.5, 14.0, 14.0, 14.0]
    assert purchasing.mean_lead_time(other, 52 * 7) == other_base


@pytest.mark.django_db
def test_keel_simulate_prints_a_summary_and_refuses_a_company_that_has_data(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("keel_simulate", "--days", "3", "--orders-per-day", "10", "--seed", "3", "--start", "2026-03-02",
                 "--no-progress")
    out = capsys.readouterr().out
    orders = SalesOrder.objects.count()
    assert f"  orders                       {orders:,} (" in out
    assert "Planted problems, as the data shows them:" in out
    with pytest.raises(CommandError, match="already holds items or orders"):
        call_command("keel_simulate", "--days", "3", "--no-progress")
    with pytest.raises(Conflict):
        simulate(small(), start=START)
    with pytest.raises(CommandError, match="days: from 1 to 3660"):
        call_command("keel_simulate", "--days", "0", "--no-progress")
