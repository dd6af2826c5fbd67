"""Keel's replenishment policy in the simulated company: forecast, measure, then (s, S).

:class:`KeelPolicy` replaces the purchasing area's plain min/max rule (see
``keel.simulation.areas.purchasing``) with what Keel's planning engines compute from the
simulated company's own history. The buyer still reviews every working morning; what
changes is where the levels come from. Every working morning (``replan_days = 1``):

1. **Demand history**: units ordered per site, item and local day, recorded when each
   order is placed (demand, not shipments, so stockouts do not hide demand).
2. **Forecast** from the last ``history_days`` days summed into weeks (the most recent
   complete 7-day periods, ending yesterday) with
   :func:`keel.analytics.forecasting.forecast`, the method and its parameters chosen per
   item by rolling-origin backtest among the families in ``method`` (default Holt and
   damped trend; ``auto`` for every family). ``D`` is the mean weekly forecast over the
   next two weeks; the per-week demand variability is the backtest's one-step error
   (``one_step_sd``). Weekly rather than daily buckets: daily series of this catalogue are
   lumpy (a wholesale line is several units), and a reactive daily method chosen on a
   lucky backtest then multiplies one big day into a month of stock.
3. **Lead time**, per supplier, from the receipts of the last ``lead_time_window_days``
   days: days from sending the purchase order to each receipt (a split delivery counts
   both parts). A supplier whose lead times grow with the sending day is planned at the
   fitted line's value for today (:func:`lead_time_forecast`). Fewer than
   ``min_receipts`` receipts: the supplier's quoted lead time and spread (master data).
4. **Policy**: periodic-review (R, s, S) with R = 7 / working days a week (the buyer's
   daily review), in the textbook form of
   :func:`keel.analytics.inventory.reorder_point_policy` with ``review_period=R`` (Silver,
   Pyke and Thomas, ch. 7): the protection interval is R + L, ``s = D (R + L) + SS``,
   ``S = s + Q``. ``Q`` is ``order_cycle_days`` of forecast demand raised to the
   supplier's minimum and rounded up to its multiple (the quantity actually ordered, so
   the demand per cycle of the fill-rate formula). ``SS = z sigma`` with
   ``sigma = sqrt((R + L) sd^2 + D^2 sd_L^2)`` and ``z`` from
   ``sigma G(z) = (1 - fill rate) Q`` (the normal loss function); it may be negative when
   Q alone meets the target, as the textbook has it. All in weeks.
5. **Order**: when the inventory position (available + on order - backorders) is at or
   below s, order ``S - position``, raised to the minimum order quantity and rounded up
   to the order multiple. An item without forecast demand (or without variability to
   protect against) orders only when its position falls to 0 or below: the minimum.

The first ``warmup_days`` days there is no history to plan from: the policy orders by the
plain min/max rule, exactly as the default does, so two runs with the same seed are
identical until it takes over.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from keel.analytics import forecasting, inventory
from keel.simulation.areas.purchasing import MinMaxRule
from keel.simulation.world import MINUTES_PER_DAY, Order, PurchaseOrder, World, ceil_to

FloatArray = npt.NDArray[np.float64]

SEASON_LENGTH = 7
LEVEL_DAYS = 14  # D is the mean forecast over two whole weeks


@dataclass(frozen=True)
class Levels:
    """One site's plan on one day, per item: the inputs and the (s, S) levels."""

    day: int
    period_days: int  # demand, lead times and the review period below are per period of this many days
    demand_mean: FloatArray
    demand_sd: FloatArray
    lead_time: FloatArray
    lead_time_sd: FloatArray
    review_period: float
    order_quantity: FloatArray
    safety_stock: FloatArray
    reorder_point: FloatArray
    order_up_to: FloatArray
    method: npt.NDArray[np.str_]


def plan_levels(*, history: npt.ArrayLike, lead_time: npt.ArrayLike, lead_time_sd: npt.ArrayLike,
                minimum: npt.ArrayLike, multiple: npt.ArrayLike, fill_rate: float, review_days: float,
                order_cycle_days: float, period_days: int = 7, day: int = 0, method: str = "auto",
                origins: int | None = None, error_over_protection: bool = True) -> Levels:
    """(s, S) levels per item from daily demand history (items x days) and lead times in days.

    The history is summed into periods of ``period_days`` days (the most recent complete
    periods; older leftover days are dropped) and forecast in those periods; lead time,
    review period and order cycle are converted to periods, so ``demand_mean`` and
    ``demand_sd`` are per period.

    >>> levels = plan_levels(history=[[4.0, 6, 5, 5, 4, 6, 5] * 4], lead_time=[3.0], lead_time_sd=[0.0],
    ...                      minimum=[10], multiple=[5], fill_rate=0.95, review_days=1.0, order_cycle_days=7)
    >>> float(levels.demand_mean[0]), float(levels.order_quantity[0])
    (35.0, 35.0)
    """
    daily = np.atleast_2d(np.asarray(history, dtype=np.float64))
    count, days = daily.shape
    periods = days // period_days
    if periods < 2:
        raise ValueError(f"at least two periods of {period_days} days of history are needed")
    buckets = daily[:, days - periods * period_days:].reshape(count, periods, period_days).sum(axis=2)
    season = SEASON_LENGTH if period_days == 1 else None
    lead = np.asarray(lead_time, dtype=np.float64) * np.ones(count) / period_days
    lead_sd = np.asarray(lead_time_sd, dtype=np.float64) * np.ones(count) / period_days
    review = review_days / period_days
    level_horizon = max(1, math.ceil(LEVEL_DAYS / period_days))
    protection_leads = np.ceil(lead + review).astype(np.int64).clip(min=1)
    horizon = max(level_horizon, int(protection_leads.max()))
    families = method.split("+")
    candidates = [candidate for family in families
                  for candidate in forecasting.candidate_methods(family=family, season_length=season)]
    result = forecasting.forecast(buckets, horizon=horizon, season_length=season, candidates=candidates,
                                  origins=None if origins is None else min(origins, periods - 1))
    mean = result.forecast[:, :level_horizon].clip(min=0).mean(axis=1)
    if error_over_protection:
        # Root mean squared backtest error over the leads the protection interval spans.
        squares = np.cumsum(result.sigma**2, axis=1) / np.arange(1, horizon + 1)
        sd = np.sqrt(squares[np.arange(count), protection_leads - 1])
    else:
        sd = result.one_step_sd
    floor = np.asarray(minimum, dtype=np.float64) * np.ones(count)
    step = np.asarray(multiple, dtype=np.float64) * np.ones(count)
    quantity = inventory.round_to_supplier(mean * order_cycle_days / period_days, minimum=floor, multiple=step)
    _, sigma = inventory.protection_demand(demand_mean=mean, demand_sd=sd, periods=lead + review,
                                           lead_time_sd=lead_sd)
    plannable = (mean > 0) & (sigma > 0) & (quantity > 0)
    reorder_point = np.zeros(count)
    safety = np.zeros(count)
    if plannable.any():
        policy = inventory.reorder_point_policy(
            demand_mean=mean[plannable], demand_sd=sd[plannable], lead_time=lead[plannable],
            lead_time_sd=lead_sd[plannable], review_period=review, holding_cost=1.0,
            order_quantity=quantity[plannable], fill_rate=fill_rate)
        reorder_point[plannable] = policy.reorder_point
        safety[plannable] = policy.safety_stock
    # Without demand to plan for: reorder only when the position is gone, the minimum.
    order_up_to = np.where(plannable, reorder_point + quantity, 0.0)
    return Levels(day=day, period_days=period_days, demand_mean=mean, demand_sd=sd, lead_time=lead,
                  lead_time_sd=lead_sd, review_period=review, order_quantity=quantity, safety_stock=safety,
                  reorder_point=reorder_point, order_up_to=order_up_to, method=result.method_labels)


def lead_time_forecast(*, group: npt.ArrayLike, sent_day: npt.ArrayLike, lead_time: npt.ArrayLike, groups: int,
                       day: float, min_receipts: int, quoted: npt.ArrayLike, quoted_sd: npt.ArrayLike,
                       trend: bool = True) -> tuple[FloatArray, FloatArray]:
    """Per group (supplier): the lead time of an order sent on ``day`` and its standard deviation.

    From receipts (group, day the order was sent, days it took): the mean and sample sd
    (:func:`keel.analytics.inventory.lead_time_statistics`). With ``trend``, a group whose
    lead times grow with the sending day (least-squares slope above 0, at least three
    receipts) gets the fitted line's value at ``day`` and the residuals' sd instead: a
    supplier that is getting slower is planned at its current pace, not its average.
    Fewer than ``min_receipts`` receipts: the quoted lead time and spread.

    >>> mean, sd = lead_time_forecast(group=[0, 0, 0, 1], sent_day=[0.0, 7, 14, 3], lead_time=[5.0, 6, 7, 4],
    ...     groups=3, day=21, min_receipts=2, quoted=[9.0, 9.0, 9.0], quoted_sd=[1.0, 1.0, 1.0])
    >>> mean.tolist(), sd.tolist()
    ([8.0, 9.0, 9.0], [0.0, 1.0, 1.0])
    """
    index = np.asarray(group, dtype=np.int64)
    sent = np.asarray(sent_day, dtype=np.float64)
    lead = np.asarray(lead_time, dtype=np.float64)
    stats = inventory.lead_time_statistics(item=index, lead_time=lead, items=groups)
    enough = stats.count >= min_receipts
    mean = np.where(enough, stats.mean, np.asarray(quoted, dtype=np.float64))
    sd = np.where(enough, stats.sd, np.asarray(quoted_sd, dtype=np.float64))
    if trend:
        for number in np.nonzero(enough & (stats.count >= 3))[0]:
            x, y = sent[index == number], lead[index == number]
            spread = x - x.mean()
            if not np.any(spread):
                continue
            slope = float((spread * (y - y.mean())).sum() / (spread * spread).sum())
            if slope > 0:
                residual = y - (y.mean() + slope * spread)
                mean[number] = y.mean() + slope * (day - x.mean())
                sd[number] = float(np.sqrt((residual * residual).sum() / (len(y) - 2))) if len(y) > 2 else 0.0
    return mean, sd


@dataclass
class KeelPolicy:
    """Keel's replenishment policy for the simulated buyer (see the module's conventions)."""

    fill_rate: float = 0.95
    warmup_days: int = 28
    replan_days: int = 1
    history_days: int = 182
    period_days: int = 7
    order_cycle_days: float = 14.0
    lead_time_window_days: int = 56
    min_receipts: int = 3
    lead_time_trend: bool = True
    method: str = "holt+damped"
    origins: int | None = None
    error_over_protection: bool = True
    # What the runs leave behind, for the benchmark's and the tests' checks.
    plans: list[tuple[int, Levels]] = field(default_factory=list, repr=False)  # (site, levels)
    decisions: list[tuple[int, int, int, int, int]] = field(default_factory=list, repr=False)  # site, day, item, position, quantity
    receipts: list[tuple[int, float, float]] = field(default_factory=list, repr=False)  # supplier, day, day sent

    def start(self, world: World) -> None:
        self.world = world
        self.fallback = MinMaxRule()
        sites, items = len(world.scenario.sites), len(world.items)
        self.demand = np.zeros((sites, items, world.scenario.days + 2), dtype=np.float64)
        self.levels: dict[int, Levels] = {}
        self.working_days = len(world.scenario.warehouse.working_days)
        world.on("order_placed", self.record_order)
        world.on("received", self.record_receipt)

    # --- what the policy observes --------------------------------------------------------

    def record_order(self, order: Order) -> None:
        day = self.world.calendars[order.site].local_day(order.placed_at)
        if 0 <= day < self.demand.shape[2]:
            for line in order.lines:
                self.demand[order.site, line.item, day] += line.quantity

    def record_receipt(self, po: PurchaseOrder, received: list[tuple[int, int, int]]) -> None:
        now = self.world.env.now
        self.receipts.append((po.supplier, now / MINUTES_PER_DAY, po.sent_at / MINUTES_PER_DAY))

    def lead_times(self, day: float) -> tuple[FloatArray, FloatArray]:
        """Per supplier: the lead time expected for an order sent on ``day``, and its spread."""
        suppliers = self.world.suppliers
        recent = [(supplier, sent, at - sent) for supplier, at, sent in self.receipts
                  if day - self.lead_time_window_days <= at <= day]
        return lead_time_forecast(
            group=[row[0] for row in recent], sent_day=[row[1] for row in recent],
            lead_time=[row[2] for row in recent], groups=len(suppliers), day=day, min_receipts=self.min_receipts,
            quoted=[supplier.lead_time_days for supplier in suppliers],
            quoted_sd=[supplier.lead_time_sd for supplier in suppliers], trend=self.lead_time_trend)

    # --- what it decides -------------------------------------------------------------------

    def plan(self, site: int, day: int) -> Levels:
        world = self.world
        first = max(0, day - self.history_days)
        supplier_mean, supplier_sd = self.lead_times(world.env.now / MINUTES_PER_DAY)
        supplier_of = np.array([item.supplier for item in world.items])
        levels = plan_levels(
            history=self.demand[site, :, first:day], lead_time=supplier_mean[supplier_of],
            lead_time_sd=supplier_sd[supplier_of], minimum=[item.moq for item in world.items],
            multiple=[item.pack for item in world.items], fill_rate=self.fill_rate,
            review_days=7 / self.working_days, order_cycle_days=self.order_cycle_days,
            period_days=self.period_days, day=day, method=self.method, origins=self.origins,
            error_over_protection=self.error_over_protection)
        self.levels[site] = levels
        self.plans.append((site, levels))
        return levels

    def order(self, world: World, site: int, day: int, position: np.ndarray) -> list[tuple[int, int]]:
        if day < self.warmup_days:
            return self.fallback.order(world, site, day, position)
        levels = self.levels.get(site)
        if levels is None or day - levels.day >= self.replan_days:
            levels = self.plan(site, day)
        due = np.nonzero(position <= levels.reorder_point)[0]
        lines = []
        for index in due:
            item = world.items[int(index)]
            quantity = ceil_to(levels.order_up_to[index] - position[index], item.moq, item.pack)
            lines.append((int(index), quantity))
            self.decisions.append((site, day, int(index), int(position[index]), quantity))
        return lines

