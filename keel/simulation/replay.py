"""Replay the simulated company under a replenishment policy and measure the outcome.

:func:`replay` runs a scenario on the in-memory sink (no database) with the purchasing
area's default min/max rule or another policy (``keel.simulation.policies.KeelPolicy``),
records what the order desk could serve from stock and a snapshot of stock at the end of
every day, and computes :class:`ReplayMetrics` over a measurement window (from
``measure_from_day`` to the end). With the same seed, demand (arrivals, baskets,
quantities) is the same in both runs: those draws come from their own random streams.

Metric definitions (:func:`replay_metrics`):

- **Fill rate**: units allocated from stock at each order's *first* allocation, divided by
  the units ordered on those orders, over the orders first allocated in the window (the
  order desk allocates what is available and backorders the rest). This is the textbook
  type-2 service level, the share of demand met immediately from stock on hand; units
  backordered and served later do not count as filled.
- **Backorders**: order lines (and their units) short at first allocation.
- **Item-days out of stock**: pairs of (site, item) and day in the window whose available
  stock (on hand - reserved) is 0 or below at the end of the day (00:00 UTC).
- **Stockout events**: runs of consecutive out-of-stock days of one item at one site
  within the window; a run already going on the window's first day counts as one.
- **Average inventory value**: the mean over the window's days of sum(on hand x unit
  cost) at the end of the day, in EUR at the catalogue's standard cost.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt

from keel.analytics import forecasting, inventory
from keel.simulation.engine import run
from keel.simulation.policies import SEASON_LENGTH, plan_levels
from keel.simulation.scenario import Scenario
from keel.simulation.sinks.memory import CountingSink
from keel.simulation.world import (
    MINUTES_PER_DAY,
    Order,
    PurchaseOrder,
    ReplenishmentPolicy,
    Worker,
    World,
)

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class ReplayMetrics:
    """The outcome of a replay over its measurement window (see the module's definitions)."""

    days: int
    units_demanded: float
    units_filled: float
    fill_rate: float
    lines_backordered: int
    units_backordered: float
    stockout_item_days: int
    stockout_events: int
    average_inventory_value: float


def replay_metrics(*, demanded: npt.ArrayLike, filled: npt.ArrayLike, lines_backordered: int,
                   available: npt.ArrayLike, on_hand: npt.ArrayLike, unit_cost: npt.ArrayLike) -> ReplayMetrics:
    """Fill rate, backorders, stockouts and average inventory value of a replay window.

    ``demanded`` and ``filled`` are units per (site, item) at first allocation;
    ``available`` and ``on_hand`` are end-of-day snapshots (days, sites, items);
    ``unit_cost`` is per item.

    >>> metrics = replay_metrics(demanded=[[10, 0]], filled=[[8, 0]], lines_backordered=1,
    ...     available=[[[3, 1]], [[0, 1]], [[0, 2]]], on_hand=[[[3, 1]], [[1, 1]], [[1, 2]]], unit_cost=[2.0, 5.0])
    >>> metrics.fill_rate, metrics.stockout_item_days, metrics.stockout_events, metrics.average_inventory_value
    (0.8, 2, 1, 10.0)
    """
    wanted = np.asarray(demanded, dtype=np.float64)
    served = np.asarray(filled, dtype=np.float64)
    free = np.asarray(available, dtype=np.float64)
    stock = np.asarray(on_hand, dtype=np.float64)
    cost = np.asarray(unit_cost, dtype=np.float64)
    if free.ndim != 3 or free.shape != stock.shape or free.shape[0] == 0:
        raise ValueError("available and on_hand must be (days, sites, items) snapshots of the same shape")
    out = free <= 0
    onsets = out[0].sum() + (out[1:] & ~out[:-1]).sum()
    total = float(wanted.sum())
    return ReplayMetrics(
        days=int(free.shape[0]), units_demanded=total, units_filled=float(served.sum()),
        fill_rate=float(served.sum()) / total if total else float("nan"),
        lines_backordered=int(lines_backordered), units_backordered=total - float(served.sum()),
        stockout_item_days=int(out.sum()), stockout_events=int(onsets),
        average_inventory_value=float((stock * cost[None, None, :]).sum(axis=(1, 2)).mean()),
    )


class ReplaySink(CountingSink):
    """Counts like :class:`CountingSink`, and records first allocations and receipts."""

    def __init__(self, measure_from: float) -> None:
        super().__init__()
        self.measure_from = measure_from
        self.allocated: set[int] = set()
        self.lines_backordered = 0
        self.receipts: list[tuple[int, int, float, float]] = []  # site, supplier, day, lead time in days

    def setup(self, world: World) -> None:
        super().setup(world)
        shape = (len(world.scenario.sites), len(world.items))
        self.demanded = np.zeros(shape)
        self.filled = np.zeros(shape)

    def order_allocated(self, t: float, order: Order, worker: Worker, taken: list[int]) -> None:
        self.counts["order_allocated"] += 1
        if order.index in self.allocated:
            return
        self.allocated.add(order.index)
        if t < self.measure_from:
            return
        for line, take in zip(order.lines, taken, strict=True):
            self.demanded[order.site, line.item] += line.quantity
            self.filled[order.site, line.item] += take
            self.lines_backordered += take < line.quantity

    def purchase_received(self, t: float, po: PurchaseOrder, received: list[tuple[int, int, int]],
                          worker: Worker) -> None:
        self.counts["purchase_received"] += 1
        self.receipts.append((po.site, po.supplier, t / MINUTES_PER_DAY, (t - po.sent_at) / MINUTES_PER_DAY))


@dataclass
class Replay:
    """A finished replay: the world, what was recorded and the metrics of the window."""

    world: World
    sink: ReplaySink
    metrics: ReplayMetrics
    purchase_orders: int
    purchase_lines: int
    units_purchased: int


def replay(scenario: Scenario, *, start: date, policy: ReplenishmentPolicy | None = None,
           measure_from_day: int = 28) -> Replay:
    """Simulate ``scenario`` on the memory sink under ``policy`` (default: the min/max rule)."""
    if not 0 <= measure_from_day < scenario.days:
        raise ValueError("measure_from_day must fall within the simulated days")
    sink = ReplaySink(measure_from=measure_from_day * MINUTES_PER_DAY)
    available: list[npt.NDArray[np.int64]] = []
    on_hand: list[npt.NDArray[np.int64]] = []

    def snapshot(day: int, world: World) -> None:
        if day > measure_from_day:  # the end of day ``day - 1``
            available.append(world.on_hand - world.reserved)
            on_hand.append(world.on_hand.copy())

    world = run(scenario, sink, start=start, progress=snapshot, replenishment=policy)
    metrics = replay_metrics(demanded=sink.demanded, filled=sink.filled, lines_backordered=sink.lines_backordered,
                             available=np.stack(available), on_hand=np.stack(on_hand),
                             unit_cost=[item.cost for item in world.items])
    since = measure_from_day * MINUTES_PER_DAY
    ordered = [po for po in world.purchase_orders if po.sent_at >= since]
    return Replay(world=world, sink=sink, metrics=metrics, purchase_orders=len(ordered),
                  purchase_lines=sum(len(po.lines) for po in ordered),
                  units_purchased=sum(line.quantity for po in ordered for line in po.lines))


def daily_demand(world: World, *, days: int) -> FloatArray:
    """Units ordered per site, item and local day over the last ``days`` days before the end."""
    sites, items = len(world.scenario.sites), len(world.items)
    history = np.zeros((sites, items, days))
    for order in world.orders:
        calendar = world.calendars[order.site]
        offset = calendar.local_day(order.placed_at) - (calendar.local_day(world.end - 1) + 1 - days)
        if 0 <= offset < days:
            for line in order.lines:
                history[order.site, line.item, offset] += line.quantity
    return history


@dataclass(frozen=True)
class EndPlan:
    """Planning at the end of a run, one row per (site, item): row = site x items + item."""

    proposals: inventory.Proposals
    skus: list[str]
    sites: list[str]

    def row(self, index: int) -> dict[str, Any]:
        items = len(self.skus)
        return {"site": self.sites[index // items], "sku": self.skus[index % items],
                "stockout_day": int(self.proposals.stockout_period[index]),
                "days_of_supply": float(self.proposals.days_of_supply[index])}

    def most_urgent(self, count: int = 5) -> list[dict[str, Any]]:
        return [self.row(int(index)) for index in self.proposals.urgency_order()[:count]]


def plan_at_end(replayed: Replay, *, fill_rate: float = 0.95, history_days: int = 56, horizon: int = 28,
                order_cycle_days: float = 14.0) -> EndPlan:
    """Plan every (site, item) with Keel's engines on the simulated data at the end of the run.

    The demand history is the orders placed (daily, last ``history_days`` days); lead times
    per supplier from every receipt; on hand is available stock (on hand - reserved),
    backorders the unallocated demand, open orders what is still due on purchase orders
    (due on their expected date; late ones count today). Proposals project the forecast
    over ``horizon`` days; the urgency order is the workbench's (earliest projected
    stockout, then fewest days of supply).
    """
    world = replayed.world
    sites, items = len(world.scenario.sites), len(world.items)
    history = daily_demand(world, days=history_days).reshape(sites * items, history_days)
    receipts = replayed.sink.receipts
    stats = inventory.lead_time_statistics(item=[supplier for _, supplier, _, _ in receipts],
                                           lead_time=[lead for *_, lead in receipts], items=len(world.suppliers))
    quoted = np.array([supplier.lead_time_days for supplier in world.suppliers])
    quoted_sd = np.array([supplier.lead_time_sd for supplier in world.suppliers])
    supplier_of = np.tile([item.supplier for item in world.items], sites)
    lead = np.where(stats.count > 1, stats.mean, quoted)[supplier_of]
    lead_sd = np.where(stats.count > 1, stats.sd, quoted_sd)[supplier_of]
    minimum = np.tile([item.moq for item in world.items], sites)
    multiple = np.tile([item.pack for item in world.items], sites)
    levels = plan_levels(history=history, lead_time=lead, lead_time_sd=lead_sd, minimum=minimum, multiple=multiple,
                         fill_rate=fill_rate, review_days=7 / len(world.scenario.warehouse.working_days),
                         order_cycle_days=order_cycle_days, period_days=1)
    demand = forecasting.forecast(history, horizon=horizon, season_length=SEASON_LENGTH).forecast.clip(min=0)
    policy = inventory.Policy(reorder_point=levels.reorder_point, order_quantity=levels.order_quantity,
                              order_up_to=levels.order_up_to, safety_stock=levels.safety_stock,
                              expected_cost=np.full(sites * items, np.nan), z=np.full(sites * items, np.nan))
    open_item, open_quantity, open_due = [], [], []
    for po in world.purchase_orders:
        today = world.calendars[po.site].local_date(world.end - 1)
        for line in po.lines:
            remaining = line.quantity - line.received - line.rejected
            if remaining > 0:
                open_item.append(po.site * items + line.item)
                open_quantity.append(float(remaining))
                open_due.append((po.expected_on - today).days - 1)
    proposals = inventory.propose(
        on_hand=(world.on_hand - world.reserved).reshape(-1).astype(np.float64),
        backorders=world.backlog.reshape(-1).astype(np.float64), forecast=demand, lead_time=lead,
        lead_time_sd=lead_sd, policy=policy, kind=inventory.ORDER_UP_TO, open_order_item=open_item,
        open_order_quantity=open_quantity, open_order_due=open_due, minimum=minimum, multiple=multiple)
    return EndPlan(proposals=proposals, skus=[item.sku for item in world.items],
                   sites=[site.code for site in world.scenario.sites])
