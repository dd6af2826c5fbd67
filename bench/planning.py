"""Planning engines end to end at the issue's size (issue 6).

Usage: .venv/bin/python bench/planning.py
Sizes: KEEL_BENCH_ITEMS (100000), KEEL_BENCH_WEEKS (104). No database: the engines are pure.

Synthetic weekly history, half smooth (level, trend, yearly season, noise) and half
intermittent (demand in about one week in four, sizes 1 to 20); 3 receipts per item for
lead-time statistics; 0 to 2 open orders per item. Timed: forecasting with method choice
by rolling-origin backtest (season 52, horizon 13), ABC/XYZ, lead-time statistics,
(s, S) policy for a 95% cycle service level, and proposals with their projections.
"""

from __future__ import annotations

import os
import platform
import resource
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ITEMS = int(os.environ.get("KEEL_BENCH_ITEMS", "100000"))
WEEKS = int(os.environ.get("KEEL_BENCH_WEEKS", "104"))
HORIZON = 13


def synthetic_history(rng: np.random.Generator) -> np.ndarray:
    smooth_count = ITEMS // 2
    t = np.arange(WEEKS)
    level = rng.uniform(5, 200, (smooth_count, 1))
    trend = rng.normal(0, 0.002, (smooth_count, 1)) * level
    season = rng.uniform(0, 0.4, (smooth_count, 1)) * level * np.sin(2 * np.pi * (t + rng.integers(0, 52, (smooth_count, 1))) / 52)
    smooth = np.maximum(level + trend * t + season + rng.normal(0, 1, (smooth_count, WEEKS)) * 0.2 * level, 0).round()
    intermittent = (rng.random((ITEMS - smooth_count, WEEKS)) < 0.25) * rng.integers(1, 21, (ITEMS - smooth_count, WEEKS))
    return np.concatenate([smooth, intermittent.astype(np.float64)])


def main() -> None:
    from keel.analytics import forecasting, inventory

    rng = np.random.default_rng(6)
    history = synthetic_history(rng)
    receipt_item = np.repeat(np.arange(ITEMS), 3)
    nominal = rng.integers(1, 5, ITEMS).astype(np.float64)
    receipt_lead = np.maximum(nominal[receipt_item] + rng.normal(0, 0.5, receipt_item.size), 0.5)
    order_item = rng.integers(0, ITEMS, ITEMS)
    order_quantity = rng.integers(10, 400, ITEMS).astype(np.float64)
    order_due = rng.integers(-1, 6, ITEMS)
    on_hand = rng.integers(0, 600, ITEMS).astype(np.float64)
    unit_cost = rng.uniform(1, 50, ITEMS)
    cpu_before = time.process_time()
    steps: list[tuple[str, float]] = []

    began = time.perf_counter()
    result = forecasting.forecast(history, horizon=HORIZON, season_length=52)
    steps.append(("forecast: 20 candidates, backtest 13 origins x 7 leads, choice, sigma, accuracy",
                  time.perf_counter() - began))

    began = time.perf_counter()
    demand = result.forecast.clip(min=0).mean(axis=1)
    abc = inventory.abc_classes(demand * unit_cost)
    xyz = inventory.xyz_classes(history)
    lead_times = inventory.lead_time_statistics(item=receipt_item, lead_time=receipt_lead, items=ITEMS)
    steps.append(("ABC/XYZ classes, lead-time statistics from 300k receipts", time.perf_counter() - began))

    began = time.perf_counter()
    service = np.select([abc == "A", abc == "B"], [0.98, 0.95], 0.90)
    policy = inventory.reorder_point_policy(demand_mean=demand, demand_sd=result.one_step_sd,
                                            lead_time=lead_times.mean, lead_time_sd=lead_times.sd,
                                            holding_cost=0.25 * unit_cost / 52, ordering_cost=40.0,
                                            service_level=service)
    steps.append(("(s, S) policy: safety stock with lead-time variability, EOQ", time.perf_counter() - began))

    began = time.perf_counter()
    proposals = inventory.propose(on_hand=on_hand, backorders=0.0, forecast=result.forecast.clip(min=0),
                                  lead_time=lead_times.mean, lead_time_sd=lead_times.sd, policy=policy,
                                  kind=inventory.ORDER_UP_TO, open_order_item=order_item,
                                  open_order_quantity=order_quantity, open_order_due=order_due,
                                  minimum=25.0, multiple=5.0, period_days=7)
    urgency = proposals.urgency_order()
    steps.append(("proposals: projections, stockout, days of supply, orders, urgency", time.perf_counter() - began))
    total = sum(seconds for _, seconds in steps)
    cpu = time.process_time() - cpu_before
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(f"\nMachine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"load average {os.getloadavg()[0]:.1f} at the end")
    print(f"Data: {ITEMS:,} items x {WEEKS} weeks ({ITEMS // 2:,} smooth, {ITEMS - ITEMS // 2:,} intermittent)\n")
    print("| step | seconds |")
    print("|---|---:|")
    for name, seconds in steps:
        print(f"| {name} | {seconds:.2f} |")
    print(f"| **end to end** | **{total:.2f}** |")
    print(f"\nCPU time {cpu:.2f} s; peak memory (max RSS) {peak:,.0f} MiB")
    labels, counts = np.unique(result.method_labels, return_counts=True)
    families: dict[str, int] = {}
    for label, number in zip(labels, counts, strict=True):
        families[label.split("(")[0]] = families.get(label.split("(")[0], 0) + int(number)
    print("Methods chosen: " + ", ".join(f"{name} {number:,}" for name, number in sorted(families.items())))
    print(f"Backtest accuracy overall: {result.accuracy.overall()}")
    print(f"Orders proposed: {(proposals.order_period >= 0).sum():,}; most urgent item {urgency[0]} "
          f"(stockout in period {proposals.stockout_period[urgency[0]]}); ABC counts "
          f"{dict(zip(*np.unique(abc, return_counts=True), strict=True))}; XYZ counts "
          f"{dict(zip(*np.unique(xyz, return_counts=True), strict=True))}")


if __name__ == "__main__":
    main()
