"""Inventory formulas against textbook results and plain per-item references."""

from __future__ import annotations

import doctest
import math
from statistics import NormalDist

import numpy as np
import pytest

from keel.analytics import inventory
from keel.analytics.forecasting import methods, metrics, selection
from keel.analytics.inventory import classification, lot_sizing, policies, proposals, safety_stock

STANDARD = NormalDist()


@pytest.mark.parametrize("module", [methods, metrics, selection, safety_stock, lot_sizing, policies,
                                    classification, proposals])
def test_documented_examples_run(module) -> None:
    assert doctest.testmod(module).failed == 0


def test_eoq_textbook() -> None:
    # K = 8, h = 0.225, D = 1300: Q* = sqrt(2 K D / h), cost sqrt(2 K D h)
    result = inventory.eoq(demand=1300, ordering_cost=8, holding_cost=0.225)
    assert round(float(result.quantity), 4) == 304.0468
    assert round(float(result.cost), 4) == 68.4105


def test_normal_newsvendor_textbook() -> None:
    # h = 0.18, p = 0.7, demand N(50, 8): critical ratio 0.7 / 0.88
    result = inventory.newsvendor_normal(demand_mean=50, demand_sd=8, holding_cost=0.18, stockout_cost=0.7)
    assert round(float(result.order_up_to), 4) == 56.6040
    assert round(float(result.expected_cost), 4) == 1.9976
    # The closed form (h + p) sigma phi(z) agrees with h E[(S-D)+] + p E[(D-S)+]
    z = STANDARD.inv_cdf(0.7 / 0.88)
    assert math.isclose(float(result.expected_cost), 0.88 * 8 * STANDARD.pdf(z), rel_tol=1e-12)


def test_normal_loss_function_table_values_and_inverse() -> None:
    # Standard tables: G(0) = 0.3989, G(1) = 0.0833, G(2) = 0.0085
    assert inventory.normal_loss([0.0, 1.0, 2.0]).round(4).tolist() == [0.3989, 0.0833, 0.0085]
    targets = np.array([1e-6, 0.01, 0.08, 0.3989, 1.0, 3.0])
    z = inventory.inverse_normal_loss(targets)
    assert np.allclose(inventory.normal_loss(z), targets, rtol=1e-12, atol=0)


def test_safety_stock_for_cycle_service_with_lead_time_variability() -> None:
    # D = 100, sd 20 per period, L = 4 +- 1: sigma = sqrt(4 * 400 + 100^2 * 1) = 107.7033
    policy = inventory.reorder_point_policy(demand_mean=100, demand_sd=20, lead_time=4, lead_time_sd=1,
                                            holding_cost=0.5, ordering_cost=50, service_level=0.95)
    sigma = math.sqrt(4 * 400 + 10000)
    assert math.isclose(float(policy.safety_stock), STANDARD.inv_cdf(0.95) * sigma, rel_tol=1e-12)
    assert math.isclose(float(policy.reorder_point), 400 + STANDARD.inv_cdf(0.95) * sigma, rel_tol=1e-12)
    assert math.isclose(float(policy.order_up_to), float(policy.reorder_point) + math.sqrt(20000), rel_tol=1e-12)


def test_fill_rate_safety_stock_meets_its_defining_equation() -> None:
    # (r, Q): expected units short per cycle sigma G(z) = (1 - beta) Q
    policy = inventory.reorder_point_policy(demand_mean=[100.0, 100.0], demand_sd=[20.0, 20.0],
                                            lead_time=[4.0, 4.0], holding_cost=0.5, order_quantity=[200.0, 2000.0],
                                            fill_rate=0.98)
    sigma = 40.0
    assert np.allclose(sigma * inventory.normal_loss(policy.z), [0.02 * 200, 0.02 * 2000], rtol=1e-12)
    # A large order quantity meets the fill rate alone: the safety stock comes out negative
    assert policy.safety_stock[1] < 0 < policy.safety_stock[0]
    # Periodic review: shortage per review period = (1 - beta) D R
    base = inventory.base_stock_policy(demand_mean=100, demand_sd=20, lead_time=3, review_period=1,
                                       holding_cost=0.5, fill_rate=0.99)
    assert math.isclose(40 * float(inventory.normal_loss(base.z)), 0.01 * 100, rel_tol=1e-12)
    assert math.isclose(float(base.order_up_to), 400 + 40 * float(base.z), rel_tol=1e-12)


def test_hadley_whitin_satisfies_both_optimality_conditions() -> None:
    # Given D = 200 per period, sd 25, L = 2, K = 50, h = 1, p = 25 per unit short
    policy = inventory.reorder_point_policy(demand_mean=200, demand_sd=25, lead_time=2, holding_cost=1,
                                            ordering_cost=50, stockout_cost=25)
    quantity, z = float(policy.order_quantity), float(policy.z)
    sigma = 25 * math.sqrt(2)
    shortage = sigma * float(inventory.normal_loss(z))
    # Then 1 - Phi(z) = Q h / (p D) and Q = sqrt(2 D (K + p n(r)) / h)
    assert math.isclose(1 - STANDARD.cdf(z), quantity * 1 / (25 * 200), rel_tol=1e-9)
    assert math.isclose(quantity, math.sqrt(2 * 200 * (50 + 25 * shortage) / 1), rel_tol=1e-9)
    # And no nearby (r, Q) is cheaper
    def cost(q: float, r: float) -> float:
        n = sigma * float(inventory.normal_loss((r - 400) / sigma))
        return 50 * 200 / q + 1 * (q / 2 + r - 400) + 25 * 200 * n / q
    best = cost(quantity, float(policy.reorder_point))
    assert math.isclose(best, float(policy.expected_cost), rel_tol=1e-12)
    for dq in (-1, 1):
        for dr in (-1, 0, 1):
            assert cost(quantity + dq, float(policy.reorder_point) + dr) > best


def test_base_stock_covers_review_period_plus_lead_time() -> None:
    # D = 10, sd 3, R = 2, L = 3: S = 10 * 5 + z * 3 * sqrt(5), z for 90%
    policy = inventory.base_stock_policy(demand_mean=10, demand_sd=3, lead_time=3, review_period=2,
                                         holding_cost=1, service_level=0.9, ordering_cost=20)
    z = STANDARD.inv_cdf(0.9)
    assert math.isclose(float(policy.order_up_to), 50 + z * 3 * math.sqrt(5), rel_tol=1e-12)
    assert float(policy.order_quantity) == 20.0
    # Cost: K / R + h E[(S - X)+] (no stockout cost given)
    expected_holding = z * 3 * math.sqrt(5) + 3 * math.sqrt(5) * float(inventory.normal_loss(z))
    assert math.isclose(float(policy.expected_cost), 10 + expected_holding, rel_tol=1e-12)


def test_price_breaks_textbook_and_supplier_rounding() -> None:
    # Nahmias's trash bags: order 500 at 0.29, 198.10 a year
    result = inventory.eoq_with_price_breaks(demand=[600.0, 600.0, 600.0], ordering_cost=8.0, holding_rate=0.2,
                                             break_quantities=[[0, 500, 1000]] * 3,
                                             break_prices=[[0.30, 0.29, 0.28]] * 3,
                                             minimum=[0, 0, 0], multiple=[0, 0, 300])
    assert result.quantity.tolist()[:2] == [500.0, 500.0]
    assert round(float(result.cost[0]), 2) == 198.10
    # With an order multiple of 300 the choice is among 300, 600, 900, 1200...: 600 at 0.29
    # costs 0.29*600 + 8*600/600 + 0.2*0.29*600/2 = 174 + 8 + 17.4 = 199.4
    assert result.quantity[2] == 600.0
    assert math.isclose(float(result.cost[2]), 199.4, rel_tol=1e-12)
    # One item's breaks may be fewer (NaN padding)
    single = inventory.eoq_with_price_breaks(demand=[1300.0], ordering_cost=[8.0], holding_rate=[0.225],
                                             break_quantities=[[0, np.nan]], break_prices=[[1.0, np.nan]])
    assert round(float(single.quantity[0]), 4) == 304.0468
    assert inventory.round_to_supplier([1.0, 49.9, 50.0, 61.0], minimum=50, multiple=25).tolist() == [
        50.0, 50.0, 50.0, 75.0]


def test_abc_and_xyz_classes() -> None:
    assert inventory.abc_classes([5.0, 70.0, 15.0, 10.0]).tolist() == ["C", "A", "A", "B"]
    assert inventory.abc_classes([0.0, 0.0]).tolist() == ["C", "C"]
    history = [[10.0, 10, 10, 10], [5.0, 15, 5, 15], [0.0, 0, 0, 40], [0.0, 0, 0, 0]]
    # CVs 0, 0.5, sqrt(3), inf
    assert inventory.xyz_classes(history).tolist() == ["X", "X", "Z", "Z"]
    assert inventory.xyz_classes(history, x_limit=0.4, y_limit=2.0).tolist() == ["X", "Y", "Y", "Z"]


def test_lead_time_statistics_from_receipts() -> None:
    stats = inventory.lead_time_statistics(item=[2, 0, 2, 2, 0], lead_time=[3.0, 5.0, 5.0, 7.0, 6.0], items=4)
    assert stats.count.tolist() == [2, 0, 3, 0]
    assert stats.mean.tolist()[0] == 5.5
    assert stats.mean.tolist()[2] == 5.0
    assert math.isclose(stats.sd[0], math.sqrt(0.5))
    assert stats.sd[2] == 2.0
    assert math.isnan(stats.sd[1])


def _reference_proposal(on_hand, backorders, orders, forecast, lead_time, kind, r, big_s, q, minimum, multiple):
    """One item, by hand, following the module's conventions with plain loops."""
    horizon = len(forecast)
    receipts = [0.0] * horizon
    on_order = 0.0
    for quantity, due in orders:
        on_order += quantity
        if max(due, 0) < horizon:
            receipts[max(due, 0)] += quantity
    projected, net = [], on_hand - backorders
    for t in range(horizon):
        net += receipts[t] - forecast[t]
        projected.append(net)
    stockout = next((t for t, value in enumerate(projected) if value < 0), -1)
    position = on_hand - backorders + on_order
    for t in range(horizon):
        if position <= r:
            if kind == inventory.ORDER_UP_TO:
                raw = big_s - position
            else:
                raw = (math.floor((r - position) / q) + 1) * q
            raw = max(raw, 0.0)
            amount = max(raw, minimum) if raw > 0 else 0.0
            if multiple > 0:
                amount = math.ceil(amount / multiple - 1e-9) * multiple
            return projected, stockout, t, amount
        position -= forecast[t]
    return projected, stockout, -1, 0.0


def test_proposals_equal_a_per_item_reference() -> None:
    # Given 300 random items with open orders (some late, some beyond the horizon)
    rng = np.random.default_rng(8)
    count, horizon = 300, 12
    forecast = rng.gamma(2.0, 5.0, size=(count, horizon)) * (rng.random((count, 1)) < 0.9)
    on_hand = rng.integers(0, 120, count).astype(float)
    backorders = rng.integers(0, 10, count) * (rng.random(count) < 0.2)
    order_item = rng.integers(0, count, 200)
    order_quantity = rng.integers(1, 80, 200).astype(float)
    order_due = rng.integers(-2, horizon + 3, 200)
    kind = rng.integers(0, 2, count)
    reorder_point = rng.uniform(10, 60, count)
    policy = inventory.Policy(reorder_point=reorder_point, order_quantity=rng.uniform(20, 90, count),
                              order_up_to=reorder_point + rng.uniform(10, 100, count),
                              safety_stock=np.zeros(count), expected_cost=np.zeros(count), z=np.zeros(count))
    minimum = rng.choice([0.0, 25.0, 100.0], count)
    multiple = rng.choice([0.0, 6.0, 12.0], count)
    lead = rng.uniform(0, 5, count)
    # When proposals are computed for all items at once
    result = inventory.propose(on_hand=on_hand, backorders=backorders, forecast=forecast, lead_time=lead,
                               policy=policy, kind=kind, open_order_item=order_item,
                               open_order_quantity=order_quantity, open_order_due=order_due,
                               minimum=minimum, multiple=multiple)
    # Then every item equals the per-item reference
    for item in range(count):
        orders = [(order_quantity[i], order_due[i]) for i in np.flatnonzero(order_item == item)]
        projected, stockout, period, amount = _reference_proposal(
            on_hand[item], backorders[item], orders, forecast[item].tolist(), lead[item], kind[item],
            reorder_point[item], policy.order_up_to[item], policy.order_quantity[item], minimum[item],
            multiple[item])
        assert np.allclose(result.projected[item], projected, atol=1e-9)
        assert (result.stockout_period[item], result.order_period[item]) == (stockout, period)
        assert math.isclose(result.quantity[item], amount, abs_tol=1e-9)
        trace = result.explain(item)
        assert trace["quantity"] == result.quantity[item]
        assert trace["formula"].startswith("no order" if period < 0 else "quantity = ")


def test_days_of_supply_interpolates_and_sorts_by_urgency() -> None:
    policy = inventory.Policy(reorder_point=np.zeros(4), order_quantity=np.full(4, np.nan),
                              order_up_to=np.full(4, 100.0), safety_stock=np.zeros(4),
                              expected_cost=np.zeros(4), z=np.zeros(4))
    result = inventory.propose(on_hand=[25.0, 0.0, 1000.0, 25.0], backorders=[0, 0, 0, 5],
                               forecast=[[10.0] * 4] * 4, lead_time=1, policy=policy, kind=inventory.ORDER_UP_TO,
                               period_days=7)
    # 25 units at 10 a period: 2.5 periods, 17.5 days; none: 0; beyond the horizon: inf
    assert result.days_of_supply.tolist() == [17.5, 0.0, math.inf, 14.0]
    assert result.stockout_period.tolist() == [2, 0, -1, 2]
    assert result.urgency_order().tolist() == [1, 3, 0, 2]


def test_an_item_without_demand_orders_nothing_and_costs_only_its_safety_stock() -> None:
    policy = inventory.reorder_point_policy(demand_mean=[0.0, 10.0], demand_sd=[2.0, 2.0], lead_time=[1.0, 1.0],
                                            holding_cost=1.0, ordering_cost=5.0, service_level=0.9)
    assert policy.order_quantity[0] == 0.0
    assert math.isclose(float(policy.expected_cost[0]), STANDARD.inv_cdf(0.9) * 2.0, rel_tol=1e-12)
