"""Replenishment proposals: projected stock, stockout date, days of supply, what to order and when.

All items at once, over a horizon of ``H`` periods (period 0 is the current one):

- **Projected net stock** at the end of period t: ``on hand - backorders + receipts due
  up to t - forecast up to t``. Open orders due before period 0 (late) count in period 0;
  orders due after the horizon count only in the inventory position.
- **Stockout period**: the first period whose projected net stock is below 0 (-1: none).
- **Days of supply**: how long on hand minus backorders lasts against the forecast,
  without open orders, interpolated within the period; ``inf`` beyond the horizon.
- **Inventory position** at the start of period t: ``on hand + on order - backorders -
  forecast before t``. The first period whose position is at or below the reorder point
  is the **order period** (-1: no order within the horizon). The quantity then is
  ``S - position`` for order-up-to policies ((s, S), min/max, base stock) or the
  smallest multiple of Q that lifts the position above r for (r, Q); then raised to the
  supplier's minimum and rounded up to its order multiple. The order arrives
  ``ceil(lead time)`` periods after it is placed.

:class:`Proposals` keeps every number as arrays; :meth:`Proposals.explain` turns one
item's numbers into the explanation trace (a dict) that the "why" panel shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from keel.analytics.inventory.lot_sizing import round_to_supplier
from keel.analytics.inventory.policies import Policy

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

ORDER_UP_TO = 0
FIXED_QUANTITY = 1


def _array(value: npt.ArrayLike, count: int) -> FloatArray:
    return np.broadcast_to(np.asarray(value, dtype=np.float64), (count,)).astype(np.float64)


@dataclass(frozen=True)
class Proposals:
    """Per item: projections, the proposed order and the inputs that explain it."""

    projected: FloatArray
    projected_with_order: FloatArray
    stockout_period: IntArray
    days_of_supply: FloatArray
    order_period: IntArray
    arrival_period: IntArray
    raw_quantity: FloatArray
    quantity: FloatArray
    inventory_position: FloatArray
    on_hand: FloatArray
    backorders: FloatArray
    on_order: FloatArray
    forecast: FloatArray
    lead_time: FloatArray
    lead_time_sd: FloatArray
    kind: IntArray
    policy: Policy
    minimum: FloatArray
    multiple: FloatArray
    period_days: float

    def urgency_order(self) -> IntArray:
        """Item indices, most urgent first: earliest stockout, then fewest days of supply.

        >>> proposals = propose(on_hand=[50.0, 5.0, 20.0], backorders=0, forecast=[[10.0] * 4] * 3,
        ...     lead_time=1, policy=_demo_policy(3, reorder_point=15, order_up_to=60), kind=ORDER_UP_TO)
        >>> proposals.urgency_order().tolist()
        [1, 2, 0]
        """
        stockout = np.where(self.stockout_period < 0, np.iinfo(np.int64).max, self.stockout_period)
        return np.lexsort((self.days_of_supply, stockout))

    def explain(self, item: int) -> dict[str, Any]:
        """The explanation trace of one item: the numbers and the formula used.

        >>> proposals = propose(on_hand=[12.0], backorders=[2.0], forecast=[[5.0, 5, 5, 5]], lead_time=[2.0],
        ...     policy=_demo_policy(1, reorder_point=14, order_up_to=40), kind=ORDER_UP_TO, minimum=[30])
        >>> trace = proposals.explain(0)
        >>> trace["formula"], trace["order_period"], trace["quantity"]
        ('quantity = S - IP = 40 - 10 = 30; raised to the minimum 30 and rounded up to the multiple 0: 30', 0, 30.0)
        """
        kind = int(self.kind[item])
        position = float(self.inventory_position[item])
        period = int(self.order_period[item])
        reorder_point = float(self.policy.reorder_point[item])
        lead = float(self.lead_time[item])
        trace: dict[str, Any] = {
            "on_hand": float(self.on_hand[item]),
            "backorders": float(self.backorders[item]),
            "on_order": float(self.on_order[item]),
            "forecast": [float(value) for value in self.forecast[item]],
            "forecast_over_lead_time": float(self.forecast[item, : int(np.ceil(lead))].sum()),
            "lead_time": lead,
            "lead_time_sd": float(self.lead_time_sd[item]),
            "safety_stock": float(self.policy.safety_stock[item]),
            "reorder_point": reorder_point,
            "policy": "order up to S" if kind == ORDER_UP_TO else "order multiples of Q",
            "stockout_period": int(self.stockout_period[item]),
            "days_of_supply": float(self.days_of_supply[item]),
            "inventory_position_at_order": position,
            "order_period": period,
            "arrival_period": int(self.arrival_period[item]),
            "minimum_order_quantity": float(self.minimum[item]),
            "order_multiple": float(self.multiple[item]),
            "raw_quantity": float(self.raw_quantity[item]),
            "quantity": float(self.quantity[item]),
        }
        if kind == ORDER_UP_TO:
            trace["order_up_to"] = float(self.policy.order_up_to[item])
        else:
            trace["order_quantity"] = float(self.policy.order_quantity[item])
        if period < 0:
            trace["formula"] = (f"no order: the inventory position stays above the reorder point "
                                f"{reorder_point:g} for the {self.forecast.shape[1]} periods planned")
            return trace
        if kind == ORDER_UP_TO:
            rule = (f"quantity = S - IP = {trace['order_up_to']:g} - {position:g} = "
                    f"{self.raw_quantity[item]:g}")
        else:
            rule = (f"quantity = n Q = {self.raw_quantity[item] / trace['order_quantity']:g} x "
                    f"{trace['order_quantity']:g}, the fewest multiples of Q that lift IP = {position:g} "
                    f"above r = {reorder_point:g}")
        trace["formula"] = (f"{rule}; raised to the minimum {self.minimum[item]:g} and rounded up to the "
                            f"multiple {self.multiple[item]:g}: {self.quantity[item]:g}")
        return trace


def _demo_policy(count: int, *, reorder_point: float, order_up_to: float) -> Policy:
    """A fixed policy for the examples."""
    nan = np.full(count, np.nan)
    return Policy(reorder_point=np.full(count, float(reorder_point)), order_quantity=nan,
                  order_up_to=np.full(count, float(order_up_to)), safety_stock=np.zeros(count),
                  expected_cost=nan, z=nan)


def propose(*, on_hand: npt.ArrayLike, backorders: npt.ArrayLike, forecast: npt.ArrayLike,
            lead_time: npt.ArrayLike, policy: Policy, kind: npt.ArrayLike,
            open_order_item: npt.ArrayLike = (), open_order_quantity: npt.ArrayLike = (),
            open_order_due: npt.ArrayLike = (), lead_time_sd: npt.ArrayLike = 0.0,
            minimum: npt.ArrayLike = 0.0, multiple: npt.ArrayLike = 0.0, period_days: float = 1.0) -> Proposals:
    """Projected stock and the proposed order of every item (see the module's conventions).

    ``forecast`` is (items x periods); open orders come as a long table: item index,
    quantity and due period (0 = the current period); ``kind`` is :data:`ORDER_UP_TO` or
    :data:`FIXED_QUANTITY` per item (or one for all).

    >>> proposals = propose(on_hand=[30.0], backorders=[0.0], forecast=[[10.0, 10, 10, 10, 10]],
    ...     lead_time=[2.0], policy=_demo_policy(1, reorder_point=30, order_up_to=50), kind=ORDER_UP_TO,
    ...     open_order_item=[0], open_order_quantity=[15.0], open_order_due=[3], multiple=[10])
    >>> proposals.projected.tolist(), int(proposals.stockout_period[0]), float(proposals.days_of_supply[0])
    ([[20.0, 10.0, 0.0, 5.0, -5.0]], 4, 3.0)
    >>> int(proposals.order_period[0]), float(proposals.quantity[0]), proposals.projected_with_order.tolist()
    (2, 30.0, [[20.0, 10.0, 0.0, 5.0, 25.0]])
    """
    demand = np.atleast_2d(np.asarray(forecast, dtype=np.float64))
    count, horizon = demand.shape
    stock, owed = _array(on_hand, count), _array(backorders, count)
    lead, lead_sd = _array(lead_time, count), _array(lead_time_sd, count)
    floor, step = _array(minimum, count), _array(multiple, count)
    kinds = np.broadcast_to(np.asarray(kind, dtype=np.int64), (count,)).copy()
    if np.any(~np.isin(kinds, (ORDER_UP_TO, FIXED_QUANTITY))):
        raise ValueError("kind must be ORDER_UP_TO or FIXED_QUANTITY")
    if np.any(lead < 0) or np.any(owed < 0) or not np.all(np.isfinite(demand)):
        raise ValueError("lead times and backorders must be at least 0, forecasts finite")
    order_item = np.asarray(open_order_item, dtype=np.int64)
    order_quantity = np.asarray(open_order_quantity, dtype=np.float64)
    due = np.clip(np.asarray(open_order_due, dtype=np.int64), 0, None)
    on_order = np.bincount(order_item, weights=order_quantity, minlength=count)[:count].astype(np.float64)
    inside = due < horizon
    receipts = np.bincount(order_item[inside] * horizon + due[inside], weights=order_quantity[inside],
                           minlength=count * horizon).reshape(count, horizon)

    net = stock - owed
    projected = net[:, None] + np.cumsum(receipts - demand, axis=1)
    short = projected < 0
    stockout = np.where(short.any(axis=1), short.argmax(axis=1), -1)

    used = np.cumsum(demand, axis=1)
    covered = used <= net[:, None]
    whole = covered.sum(axis=1)  # periods fully covered (demand is non-negative)
    within = whole < horizon
    row = np.arange(count)
    before = np.where(whole > 0, used[row, np.clip(whole - 1, 0, horizon - 1)], 0.0)
    partial_demand = demand[row, np.clip(whole, 0, horizon - 1)]
    partial = np.zeros(count)
    np.divide(net - before, partial_demand, out=partial, where=within & (partial_demand > 0))
    periods_of_supply = np.where(within, whole + np.clip(partial, 0, 1), np.inf)
    periods_of_supply = np.where(net <= 0, 0.0, periods_of_supply)

    position_path = (net + on_order)[:, None] - np.concatenate([np.zeros((count, 1)), used[:, :-1]], axis=1)
    reorder_point = policy.reorder_point
    trigger = position_path <= reorder_point[:, None]
    order_period = np.where(trigger.any(axis=1), trigger.argmax(axis=1), -1)
    position = position_path[row, np.clip(order_period, 0, None)]
    fixed = policy.order_quantity
    safe_fixed = np.where(fixed > 0, fixed, 1.0)
    multiples = np.floor((reorder_point - position) / safe_fixed) + 1
    raw = np.where(kinds == ORDER_UP_TO, policy.order_up_to - position, multiples * fixed)
    raw = np.where(order_period >= 0, np.maximum(raw, 0.0), 0.0)
    quantity = round_to_supplier(raw, minimum=floor, multiple=step)
    arrival = np.where(order_period >= 0, order_period + np.ceil(lead).astype(np.int64), -1)
    arrives = (np.arange(horizon)[None, :] >= arrival[:, None]) & (arrival[:, None] >= 0)
    return Proposals(
        projected=projected, projected_with_order=projected + quantity[:, None] * arrives,
        stockout_period=stockout.astype(np.int64), days_of_supply=periods_of_supply * period_days,
        order_period=order_period.astype(np.int64), arrival_period=arrival.astype(np.int64), raw_quantity=raw,
        quantity=quantity, inventory_position=position, on_hand=stock, backorders=owed, on_order=on_order,
        forecast=demand, lead_time=lead, lead_time_sd=lead_sd, kind=kinds, policy=policy, minimum=floor,
        multiple=step, period_days=period_days,
    )
