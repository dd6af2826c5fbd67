"""The replenishment replay: the policy hook, Keel's policy and the outcome metrics.

- The hook's default is the original min/max rule: the same seed gives the same event log
  as the rule written out as it stood in the purchasing area before the hook.
- Keel's policy orders, for one item and day, exactly what an independent calculation
  from the raw simulated data gives (demand from the orders, lead times from the receipts,
  the textbook (s, S) formulas with a root finder instead of the engine's Newton steps).
- The metrics on a tiny hand-made history.
- The planted imminent stockout is the most urgent item when planning at the end.
"""

from __future__ import annotations

import doctest
import math
from datetime import date
from types import ModuleType

import numpy as np
import pytest
from django.db import transaction
from scipy.optimize import brentq
from scipy.stats import norm

from keel.analytics import forecasting
from keel.simulation import policies
from keel.simulation import replay as replay_module
from keel.simulation.digest import log_digest
from keel.simulation.policies import KeelPolicy
from keel.simulation.replay import Replay, plan_at_end, replay, replay_metrics
from keel.simulation.runner import simulate
from keel.simulation.scenario import Scenario
from keel.simulation.signatures import surge_sku
from keel.simulation.world import World, ceil_to

START = date(2026, 3, 2)


class OriginalRule:
    """The purchasing area's min/max rule as it was written inline before the policy hook."""

    def start(self, world: World) -> None:
        pass

    def order(self, world: World, site: int, day: int, position: np.ndarray) -> list[tuple[int, int]]:
        due = np.nonzero(position <= world.min_level[site])[0]
        lines = []
        for item_index in due:
            item = world.items[int(item_index)]
            quantity = ceil_to(world.max_level[site, item_index] - position[item_index], item.moq, item.pack)
            lines.append((item.index, quantity))
        return lines


def small() -> Scenario:
    # Short min/max levels so that the rule orders, and receipts and backorders happen, in 10 days.
    return Scenario.from_dict({"days": 10, "orders_per_day": 12, "items": 20, "seed": 7,
                               "warehouse": {"min_days": 2, "max_days": 4}})


def digest_with(policy: OriginalRule | None) -> tuple[str, int]:
    with transaction.atomic():
        outcome = simulate(small(), start=START, replenishment=policy)
        result = (log_digest(), outcome.world.totals.purchase_orders)
        transaction.set_rollback(True)
    return result


@pytest.mark.django_db
def test_the_default_policy_is_the_original_min_max_rule() -> None:
    default, orders = digest_with(None)
    original, again = digest_with(OriginalRule())
    assert orders == again
    assert orders > 0
    assert default == original


def test_keel_policy_orders_by_min_max_until_it_has_history() -> None:
    scenario = Scenario.from_dict({"days": 21, "orders_per_day": 20, "items": 20, "seed": 3,
                                   "warehouse": {"min_days": 4, "max_days": 8}})
    plain = replay(scenario, start=START, measure_from_day=0)
    keel = replay(scenario, start=START, policy=KeelPolicy(warmup_days=14), measure_from_day=0)

    def orders_before(run: Replay, day: int) -> list[tuple[int, int, float, list[tuple[int, int]]]]:
        return [(po.site, po.supplier, po.sent_at, [(line.item, line.quantity) for line in po.lines])
                for po in run.world.purchase_orders if po.sent_at < day * 1440]

    assert orders_before(keel, 14) == orders_before(plain, 14)
    assert len(orders_before(plain, 14)) > 0


def independent_quantity(run: Replay, policy: KeelPolicy, site: int, day: int, item: int, position: int,
                         horizon: int) -> tuple[float, float, int]:
    """Reorder point, order-up-to level and quantity from the raw data, by the textbook."""
    world = run.world
    calendar = world.calendars[site]
    # Demand: units ordered per local day, from the orders themselves.
    daily = np.zeros(day)
    for order in world.orders:
        placed = calendar.local_day(order.placed_at)
        if order.site == site and placed < day:
            daily[placed] += sum(line.quantity for line in order.lines if line.item == item)
    history = daily[max(0, day - policy.history_days):]
    weeks = len(history) // 7
    weekly = history[len(history) - 7 * weeks:].reshape(weeks, 7).sum(axis=1)
    candidates = [method for family in policy.method.split("+")
                  for method in forecasting.candidate_methods(family=family)]
    result = forecasting.forecast(weekly[None, :], horizon=horizon, candidates=candidates)
    demand = float(result.forecast[0, :2].clip(min=0).mean())
    # Lead times: receipts of this item's supplier within the window, as the sink saw them.
    supplier = world.items[item].supplier
    now = calendar.at(day, world.scenario.warehouse.replenish_hour) / 1440
    seen = [(at - lead, lead) for _, number, at, lead in run.sink.receipts
            if number == supplier and now - policy.lead_time_window_days <= at <= now]
    sent = np.array([row[0] for row in seen])
    taken = np.array([row[1] for row in seen])
    assert len(taken) >= 3
    slope, intercept = np.polyfit(sent, taken, 1)
    if slope > 0:
        lead = intercept + slope * now
        lead_sd = math.sqrt(((taken - (intercept + slope * sent)) ** 2).sum() / (len(taken) - 2))
    else:
        lead, lead_sd = taken.mean(), taken.std(ddof=1)
    # (s, S) in weeks: protection interval R + L, fill-rate safety factor by a root finder.
    review = (7 / 6) / 7
    interval = lead / 7 + review
    # Demand spread: root mean squared backtest error over the leads the interval spans.
    leads = math.ceil(interval)
    demand_sd = math.sqrt(float((result.sigma[0, :leads] ** 2).mean()))
    sigma = math.sqrt(interval * demand_sd**2 + demand**2 * (lead_sd / 7) ** 2)
    moq, pack = world.items[item].moq, world.items[item].pack
    quantity = math.ceil(max(demand * policy.order_cycle_days / 7, moq) / pack - 1e-9) * pack
    loss = (1 - policy.fill_rate) * quantity / sigma
    z = brentq(lambda k: norm.pdf(k) - k * norm.sf(k) - loss, -10, 10, xtol=1e-14)
    reorder_point = demand * interval + z * sigma
    order_up_to = reorder_point + quantity
    assert position <= reorder_point
    return reorder_point, order_up_to, ceil_to(order_up_to - position, moq, pack)


def test_keel_policy_orders_what_an_independent_calculation_gives() -> None:
    scenario = Scenario.from_dict({"days": 49, "orders_per_day": 30, "items": 20, "seed": 5})
    policy = KeelPolicy(warmup_days=28)
    run = replay(scenario, start=START, policy=policy, measure_from_day=28)
    site, day, item, position, quantity = policy.decisions[0]  # its first order after the warm-up
    levels = next(levels for number, levels in policy.plans if number == site and levels.day == day)
    # The forecast horizon covers every item's protection interval (weeks); the same here.
    horizon = max(2, math.ceil(float((levels.lead_time + levels.review_period).max())))
    reorder_point, order_up_to, expected = independent_quantity(run, policy, site, day, item, position, horizon)
    assert levels.reorder_point[item] == pytest.approx(reorder_point, rel=1e-9)
    assert levels.order_up_to[item] == pytest.approx(order_up_to, rel=1e-9)
    assert quantity == expected
    # By hand (weeks): D = 27.927, sd = 9.9485 (over leads 1 and 2), L = 11.7727 days = 1.6818,
    # sd_L = 0.2272, R = 1/6, so R + L = 1.8485 and
    # sigma = sqrt(1.8485 x 9.9485^2 + 27.927^2 x 0.2272^2) = sqrt(182.95 + 40.27) = 14.94;
    # Q = 2 weeks x 27.927 = 55.85, raised to the multiple of 10: 60; G(z) = 0.05 x 60 / 14.94
    # = 0.2008 gives z = 0.490, SS = 7.326; s = 27.927 x 1.8485 + 7.326 = 58.948, S = 118.948;
    # the position 50 is at or below s: order 118.948 - 50 = 68.95, rounded up to 70.
    assert (site, day, item, position, quantity) == (0, 28, 3, 50, 70)
    assert round(float(levels.demand_mean[item]), 3) == 27.927
    assert round(float(levels.demand_sd[item]), 4) == 9.9485
    assert round(float(levels.safety_stock[item]), 3) == 7.326
    assert round(float(levels.reorder_point[item]), 3) == 58.948
    assert float(levels.order_quantity[item]) == 60.0


def test_metrics_on_a_hand_made_history() -> None:
    # Two sites, two items, four days. Item 0 costs 2.0, item 1 costs 5.0.
    available = [[[3, 0], [2, 2]],
                 [[0, 0], [2, 1]],
                 [[0, 4], [0, 0]],
                 [[5, 4], [0, 3]]]
    on_hand = [[[3, 1], [2, 2]],
               [[1, 0], [2, 1]],
               [[0, 4], [0, 0]],
               [[5, 4], [1, 3]]]
    metrics = replay_metrics(demanded=[[10, 4], [6, 0]], filled=[[7, 4], [5, 0]], lines_backordered=3,
                             available=available, on_hand=on_hand, unit_cost=[2.0, 5.0])
    assert metrics.days == 4
    assert metrics.units_demanded == 20.0
    assert metrics.units_filled == 16.0
    assert metrics.fill_rate == 0.8
    assert metrics.units_backordered == 4.0
    assert metrics.lines_backordered == 3
    # Out of stock: (0,1) on days 0-1; (0,0) days 1-2; (1,0) days 2-3; (1,1) day 2.
    assert metrics.stockout_item_days == 7
    # Runs: (0,1) days 0-1 (already out on the first day), (0,0) days 1-2, (1,0) days 2-3, (1,1) day 2.
    assert metrics.stockout_events == 4
    # Daily values: 3*2+1*5+2*2+2*5 = 25; 1*2+0+2*2+1*5 = 11; 0+4*5+0+0 = 20; 5*2+4*5+1*2+3*5 = 47.
    assert metrics.average_inventory_value == (25 + 11 + 20 + 47) / 4


def test_metrics_refuse_snapshots_of_different_shapes() -> None:
    with pytest.raises(ValueError, match="same shape"):
        replay_metrics(demanded=[[1]], filled=[[1]], lines_backordered=0, available=[[[1]]], on_hand=[[[1, 2]]],
                       unit_cost=[1.0])


def test_the_planted_imminent_stockout_is_the_most_urgent_item_at_the_end() -> None:
    scenario = Scenario.load()
    run = replay(scenario, start=START, measure_from_day=28)
    plan = plan_at_end(run)
    most_urgent = plan.most_urgent(3)
    assert most_urgent[0]["sku"] == surge_sku(scenario, scenario.problem("imminent_stockout"))
    assert most_urgent[0]["stockout_day"] == 0


@pytest.mark.parametrize("module", [policies, replay_module])
def test_the_examples_in_the_docstrings_run(module: ModuleType) -> None:
    assert doctest.testmod(module).failed == 0
