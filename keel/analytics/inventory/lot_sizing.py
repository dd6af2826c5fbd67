"""Order quantities: EOQ, all-units price breaks, supplier minimums and multiples; the newsvendor.

Units must be consistent: demand ``D`` per period, ordering cost ``K`` per order, holding
cost ``h`` per unit per period (with price breaks: a holding rate ``i`` per period times
the unit price), so costs come out per period.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.special import ndtri

from keel.analytics.inventory.safety_stock import normal_loss

FloatArray = npt.NDArray[np.float64]


def _array(value: npt.ArrayLike) -> FloatArray:
    return np.asarray(value, dtype=np.float64)


@dataclass(frozen=True)
class OrderQuantity:
    """Per item: the order quantity, its cost per period and the unit price paid."""

    quantity: FloatArray
    cost: FloatArray
    unit_price: FloatArray


def eoq(*, demand: npt.ArrayLike, ordering_cost: npt.ArrayLike, holding_cost: npt.ArrayLike) -> OrderQuantity:
    """The economic order quantity ``sqrt(2 K D / h)`` and its cost ``sqrt(2 K D h)``.

    The cost is ordering plus holding (``K D / Q + h Q / 2``), without the purchase cost.

    >>> result = eoq(demand=1300, ordering_cost=8, holding_cost=0.225)
    >>> round(float(result.quantity), 4), round(float(result.cost), 4)
    (304.0468, 68.4105)
    """
    d, k, h = _array(demand), _array(ordering_cost), _array(holding_cost)
    if np.any(d < 0) or np.any(k < 0) or np.any(h <= 0):
        raise ValueError("demand and ordering cost must be at least 0, holding cost above 0")
    quantity = np.sqrt(2 * k * d / h)
    return OrderQuantity(quantity=quantity, cost=np.sqrt(2 * k * d * h), unit_price=np.full(d.shape, np.nan))


def round_to_supplier(quantity: npt.ArrayLike, *, minimum: npt.ArrayLike = 0.0,
                      multiple: npt.ArrayLike = 0.0) -> FloatArray:
    """Raise to the minimum order quantity, then round up to the order multiple (0: none).

    >>> round_to_supplier([30.0, 130.0, 0.0], minimum=50, multiple=[12, 12, 12]).tolist()
    [60.0, 132.0, 0.0]
    """
    amount, floor, step = _array(quantity), _array(minimum), _array(multiple)
    raised = np.where(amount > 0, np.maximum(amount, floor), 0.0)
    safe_step = np.where(step > 0, step, 1.0)
    # A tolerance keeps 132.00000000001 from rounding up to a whole extra multiple.
    return np.where(step > 0, np.ceil(raised / safe_step - 1e-9) * safe_step, raised) + 0.0


def eoq_with_price_breaks(*, demand: npt.ArrayLike, ordering_cost: npt.ArrayLike, holding_rate: npt.ArrayLike,
                          break_quantities: npt.ArrayLike, break_prices: npt.ArrayLike,
                          minimum: npt.ArrayLike = 0.0, multiple: npt.ArrayLike = 0.0) -> OrderQuantity:
    """The cheapest order quantity under all-units price breaks, a minimum and a multiple.

    ``break_quantities`` and ``break_prices`` are ``(items, breaks)``: from ``quantity j``
    on, every unit costs ``price j`` (ascending quantities, the first 0; pad unused breaks
    with NaN). Total cost per period ``c D + K D / Q + i c Q / 2``. Candidates per break:
    its EOQ rounded down and up to the multiple, and its first quantity rounded up, all
    raised to the minimum; each is priced at the break it falls in, and the cheapest wins.

    Nahmias (*Production and Operations Analysis*), the trash bags: D = 600 a year, K = 8,
    i = 0.2, 0.30 below 500, 0.29 below 1,000, 0.28 from 1,000: order 500 for 198.10 a year.

    >>> result = eoq_with_price_breaks(demand=[600.0], ordering_cost=[8.0], holding_rate=[0.2],
    ...     break_quantities=[[0, 500, 1000]], break_prices=[[0.30, 0.29, 0.28]])
    >>> float(result.quantity[0]), round(float(result.cost[0]), 2), float(result.unit_price[0])
    (500.0, 198.1, 0.29)
    """
    d = np.atleast_1d(_array(demand))[:, None]
    items = d.shape[0]

    def column(value: npt.ArrayLike) -> FloatArray:
        return np.broadcast_to(_array(value), (items,))[:, None]

    k, rate, floor, step = column(ordering_cost), column(holding_rate), column(minimum), column(multiple)
    quantities, prices = np.atleast_2d(_array(break_quantities)), np.atleast_2d(_array(break_prices))
    if quantities.shape != prices.shape or quantities.shape[0] != d.shape[0]:
        raise ValueError("break quantities and prices must be (items x breaks)")
    known = ~np.isnan(quantities)
    if np.any(~known[:, 0]) or np.any(quantities[:, 0] != 0):
        raise ValueError("the first price break of each item must start at quantity 0")
    if np.any(np.diff(np.where(known, quantities, np.inf), axis=1) <= 0):
        raise ValueError("price break quantities must rise")
    if np.any(np.where(known, prices, 1.0) <= 0) or np.any(rate <= 0) or np.any(d < 0) or np.any(k < 0):
        raise ValueError("prices and the holding rate must be above 0, demand and ordering cost at least 0")
    economic = np.sqrt(2 * k * d / (rate * np.where(known, prices, np.nan)))
    safe_step = np.where(step > 0, step, 1.0)
    down = np.where(step > 0, np.floor(economic / safe_step) * safe_step, economic)
    up = np.where(step > 0, np.ceil(economic / safe_step) * safe_step, economic)
    start = np.where(step > 0, np.ceil(quantities / safe_step) * safe_step, quantities)
    candidates = np.maximum(np.concatenate([down, up, start], axis=1), floor)
    candidates = np.where(step > 0, np.ceil(candidates / safe_step - 1e-9) * safe_step, candidates)
    candidates = np.where(candidates > 0, candidates, np.nan)
    # The price of each candidate: the last break whose quantity it reaches.
    reached = (candidates[:, :, None] >= quantities[:, None, :]) & known[:, None, :]
    tier = reached.sum(axis=2) - 1
    price = np.take_along_axis(prices, np.clip(tier, 0, None), axis=1)
    cost = price * d + k * d / candidates + rate * price * candidates / 2
    cost = np.where(np.isnan(candidates), np.inf, cost)
    best = np.argmin(cost, axis=1)[:, None]
    return OrderQuantity(quantity=np.take_along_axis(candidates, best, axis=1)[:, 0],
                         cost=np.take_along_axis(cost, best, axis=1)[:, 0],
                         unit_price=np.take_along_axis(price, best, axis=1)[:, 0])


@dataclass(frozen=True)
class Newsvendor:
    """Per item: the optimal stock level, its safety factor and expected cost."""

    order_up_to: FloatArray
    z: FloatArray
    expected_cost: FloatArray


def newsvendor_normal(*, demand_mean: npt.ArrayLike, demand_sd: npt.ArrayLike, holding_cost: npt.ArrayLike,
                      stockout_cost: npt.ArrayLike) -> Newsvendor:
    """The normal newsvendor: ``S* = mu + z sigma`` with ``Phi(z) = p / (p + h)``.

    ``h`` is the cost per unit left over (overage), ``p`` per unit short (underage).
    Expected cost ``h E[(S - D)+] + p E[(D - S)+] = (h + p) sigma phi(z)`` at the optimum.

    >>> result = newsvendor_normal(demand_mean=50, demand_sd=8, holding_cost=0.18, stockout_cost=0.7)
    >>> round(float(result.order_up_to), 4), round(float(result.expected_cost), 4)
    (56.604, 1.9976)
    """
    mean, sd, h, p = _array(demand_mean), _array(demand_sd), _array(holding_cost), _array(stockout_cost)
    if np.any(h <= 0) or np.any(p <= 0) or np.any(sd < 0):
        raise ValueError("holding and stockout costs must be above 0, the standard deviation at least 0")
    z = ndtri(p / (p + h))
    level = mean + z * sd
    return Newsvendor(order_up_to=level, z=z, expected_cost=newsvendor_cost(
        level, demand_mean=mean, demand_sd=sd, holding_cost=h, stockout_cost=p))


def newsvendor_cost(level: npt.ArrayLike, *, demand_mean: npt.ArrayLike, demand_sd: npt.ArrayLike,
                    holding_cost: npt.ArrayLike, stockout_cost: npt.ArrayLike) -> FloatArray:
    """``h E[(S - D)+] + p E[(D - S)+]`` for normal demand: ``h (S - mu) + (h + p) sigma G(z)``.

    >>> round(float(newsvendor_cost(50.0, demand_mean=50, demand_sd=8, holding_cost=0.18,
    ...                             stockout_cost=0.7)), 4)
    2.8086
    """
    stock, mean, sd = _array(level), _array(demand_mean), _array(demand_sd)
    h, p = _array(holding_cost), _array(stockout_cost)
    safe_sd = np.where(sd > 0, sd, 1.0)
    z = (stock - mean) / safe_sd
    spread_cost = (h + p) * sd * normal_loss(z)
    exact = np.where(stock >= mean, h * (stock - mean), p * (mean - stock))
    return np.where(sd > 0, h * (stock - mean) + spread_cost, exact)


__all__ = ["Newsvendor", "OrderQuantity", "eoq", "eoq_with_price_breaks", "newsvendor_cost", "newsvendor_normal",
           "round_to_supplier"]
