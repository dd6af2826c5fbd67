"""Inventory policies for normal demand: (r, Q), (s, S), min/max and periodic-review base stock.

Units: demand per period, lead time and review period in periods, holding cost per unit
per period, ordering cost per order; costs come out per period. Demand over the
protection interval is described in :mod:`.safety_stock`.

- **(r, Q)**, continuous review: when the inventory position (on hand + on order -
  backorders) falls to the reorder point r, order Q. ``r = D L + SS``.
- **(s, S)**, continuous review: at or below s, order up to S. Here ``s = r`` and
  ``S = s + Q`` (the usual approximation with Q from EOQ).
- **min/max**: (s, S) looked at every ``review_period`` periods (0: continuously); min
  covers the review period plus the lead time, ``min = D (R + L) + SS``, ``max = min + Q``.
- **Base stock** (periodic review order-up-to, R): every R periods order up to S, which
  covers the review period plus the lead time: ``S = D (R + L) + SS``. The average order
  is ``D R``.

Targets, one per call: a cycle service level, a fill rate, or a stockout cost ``p``.

- For (r, Q), (s, S) and min/max, ``p`` is the cost per unit short (backordered), once;
  r and Q then minimise ``K D / Q + h (Q / 2 + r - D L) + p D n(r) / Q`` (Hadley and
  Whitin's iteration: ``1 - Phi(z) = Q h / (p D)``, ``Q = sqrt(2 D (K + p n(r)) / h)``,
  ``n(r) = sigma G(z)``). With a service target Q is the EOQ (or the given quantity), and
  the cost is ``K D / Q + h (Q / 2 + SS)``.
- For base stock, ``p`` is the cost per unit backordered per period (Zipkin; Snyder and
  Shen, ch. 4): ``Phi(z) = p / (p + h)`` and the expected cost per period
  ``K / R + h E[(S - X)+] + p E[(X - S)+]`` with X the demand over R + L periods (exact for
  R = 1, the protection-interval approximation otherwise). With a service target the same
  formula gives the cost (without its shortage term when no ``p`` is given).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.special import ndtri

from keel.analytics.inventory.lot_sizing import eoq, newsvendor_cost
from keel.analytics.inventory.safety_stock import (
    normal_loss,
    protection_demand,
    z_for_cycle_service,
    z_for_fill_rate,
)

FloatArray = npt.NDArray[np.float64]


def _array(value: npt.ArrayLike) -> FloatArray:
    return np.asarray(value, dtype=np.float64)


@dataclass(frozen=True)
class Policy:
    """Per item: the policy's parameters (NaN where they do not apply) and its cost per period."""

    reorder_point: FloatArray
    order_quantity: FloatArray
    order_up_to: FloatArray
    safety_stock: FloatArray
    expected_cost: FloatArray
    z: FloatArray


def _one_target(service_level: npt.ArrayLike | None, fill_rate: npt.ArrayLike | None,
                stockout_cost: npt.ArrayLike | None) -> str:
    given = [name for name, value in (("service_level", service_level), ("fill_rate", fill_rate),
                                      ("stockout_cost", stockout_cost)) if value is not None]
    if len(given) != 1:
        raise ValueError("give exactly one of service_level, fill_rate and stockout_cost")
    return given[0]


def reorder_point_policy(*, demand_mean: npt.ArrayLike, demand_sd: npt.ArrayLike, lead_time: npt.ArrayLike,
                         holding_cost: npt.ArrayLike, ordering_cost: npt.ArrayLike | None = None,
                         order_quantity: npt.ArrayLike | None = None, lead_time_sd: npt.ArrayLike = 0.0,
                         review_period: npt.ArrayLike = 0.0, service_level: npt.ArrayLike | None = None,
                         fill_rate: npt.ArrayLike | None = None,
                         stockout_cost: npt.ArrayLike | None = None) -> Policy:
    """(r, Q), (s, S = s + Q) and min/max: the reorder point, quantity and order-up-to level.

    Q is ``order_quantity`` if given, else the EOQ from ``ordering_cost`` (or, with a
    ``stockout_cost``, Hadley and Whitin's joint optimum).

    >>> policy = reorder_point_policy(demand_mean=100, demand_sd=20, lead_time=4, holding_cost=0.5,
    ...                               ordering_cost=50, service_level=0.95)
    >>> [round(float(value), 4) for value in (policy.reorder_point, policy.order_quantity,
    ...                                       policy.safety_stock, policy.expected_cost)]
    [465.7941, 141.4214, 65.7941, 103.6078]
    """
    _one_target(service_level, fill_rate, stockout_cost)
    mean, h = _array(demand_mean), _array(holding_cost)
    interval = _array(lead_time) + _array(review_period)
    if np.any(interval < 0) or np.any(h <= 0) or np.any(mean < 0):
        raise ValueError("lead time and review period must be at least 0, holding cost above 0")
    centre, sigma = protection_demand(demand_mean=mean, demand_sd=demand_sd, periods=interval,
                                      lead_time_sd=lead_time_sd)
    if order_quantity is not None:
        quantity = _array(order_quantity) * np.ones_like(mean)
        k = np.zeros_like(mean) if ordering_cost is None else _array(ordering_cost)
    elif ordering_cost is not None:
        k = _array(ordering_cost)
        quantity = eoq(demand=mean, ordering_cost=k, holding_cost=h).quantity
    else:
        raise ValueError("give an order quantity or an ordering cost")
    if np.any(quantity < 0) or (order_quantity is not None and np.any(quantity <= 0)):
        raise ValueError("the order quantity must be above 0")
    shortage_cost = np.zeros_like(mean)
    if service_level is not None:
        z = z_for_cycle_service(service_level) * np.ones_like(mean)
    elif fill_rate is not None:
        z = z_for_fill_rate(fill_rate, demand_per_cycle=quantity, sigma=sigma)
    else:
        assert stockout_cost is not None
        p = _array(stockout_cost)
        if np.any(p <= 0):
            raise ValueError("the stockout cost must be above 0")
        if order_quantity is None:
            quantity, z = _hadley_whitin(mean=mean, sigma=sigma, k=k, h=h, p=p, quantity=quantity)
        else:
            z = ndtri(1 - np.clip(quantity * h / (p * mean), 0, 1 - 1e-12))
        shortage_cost = p * mean * sigma * normal_loss(z) / np.where(quantity > 0, quantity, np.inf)
    safety = z * sigma
    # An item without demand has an EOQ of 0: it orders nothing and costs no ordering.
    per_order = np.where(quantity > 0, quantity, np.inf)
    cost = k * mean / per_order + h * (quantity / 2 + safety) + shortage_cost
    reorder_point = centre + safety
    return Policy(reorder_point=reorder_point, order_quantity=quantity, order_up_to=reorder_point + quantity,
                  safety_stock=safety, expected_cost=cost, z=z)


def _hadley_whitin(*, mean: FloatArray, sigma: FloatArray, k: FloatArray, h: FloatArray, p: FloatArray,
                   quantity: FloatArray) -> tuple[FloatArray, FloatArray]:
    z = np.zeros_like(mean)
    for _ in range(200):
        # When Q h >= p D shortages cost less than holding: the tail is cut just below 1.
        tail = np.clip(quantity * h / (p * np.where(mean > 0, mean, 1.0)), 1e-15, 1 - 1e-12)
        z = ndtri(1 - tail)
        updated = np.sqrt(2 * mean * (k + p * sigma * normal_loss(z)) / h)
        done = np.all(np.abs(updated - quantity) <= 1e-10 * np.maximum(1.0, updated))
        quantity = updated
        if done:
            break
    return quantity, z


def base_stock_policy(*, demand_mean: npt.ArrayLike, demand_sd: npt.ArrayLike, lead_time: npt.ArrayLike,
                      review_period: npt.ArrayLike, holding_cost: npt.ArrayLike,
                      lead_time_sd: npt.ArrayLike = 0.0, ordering_cost: npt.ArrayLike | None = None,
                      service_level: npt.ArrayLike | None = None, fill_rate: npt.ArrayLike | None = None,
                      stockout_cost: npt.ArrayLike | None = None) -> Policy:
    """Periodic review, order up to S every R periods; S covers R + L periods of demand.

    With R = 1 and L = 0 this is the newsvendor.

    >>> policy = base_stock_policy(demand_mean=50, demand_sd=8, lead_time=0, review_period=1,
    ...                            holding_cost=0.18, stockout_cost=0.7)
    >>> round(float(policy.order_up_to), 4), round(float(policy.expected_cost), 4)
    (56.604, 1.9976)
    """
    _one_target(service_level, fill_rate, stockout_cost)
    mean, h, review = _array(demand_mean), _array(holding_cost), _array(review_period)
    if np.any(review <= 0) or np.any(_array(lead_time) < 0) or np.any(h <= 0):
        raise ValueError("the review period must be above 0, the lead time at least 0, holding cost above 0")
    centre, sigma = protection_demand(demand_mean=mean, demand_sd=demand_sd,
                                      periods=_array(lead_time) + review, lead_time_sd=lead_time_sd)
    if service_level is not None:
        z = z_for_cycle_service(service_level) * np.ones_like(mean)
    elif fill_rate is not None:
        z = z_for_fill_rate(fill_rate, demand_per_cycle=mean * review, sigma=sigma)
    else:
        assert stockout_cost is not None
        p = _array(stockout_cost)
        if np.any(p <= 0):
            raise ValueError("the stockout cost must be above 0")
        z = ndtri(p / (p + h)) * np.ones_like(mean)
    level = centre + z * sigma
    p_or_zero = np.zeros_like(mean) if stockout_cost is None else _array(stockout_cost)
    cost = newsvendor_cost(level, demand_mean=centre, demand_sd=sigma, holding_cost=h, stockout_cost=p_or_zero)
    if ordering_cost is not None:
        cost = cost + _array(ordering_cost) / review
    nan = np.full(np.shape(level), np.nan)
    return Policy(reorder_point=nan, order_quantity=mean * review, order_up_to=level, safety_stock=z * sigma,
                  expected_cost=cost, z=z)
