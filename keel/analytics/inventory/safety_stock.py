"""Demand over the protection interval, safety stock for a service target, lead-time statistics.

Conventions (Silver, Pyke and Thomas, *Inventory and Production Management in Supply
Chains*, 4th ed., ch. 6 and 7; Axsäter, *Inventory Control*, ch. 5):

- Demand per period is normal with mean ``demand_mean`` and standard deviation
  ``demand_sd``, independent between periods; the lead time has mean ``lead_time`` and
  standard deviation ``lead_time_sd`` (in periods), independent of demand.
- The protection interval is the lead time for continuous review and the review period
  plus the lead time for periodic review. Demand over an interval of P periods has mean
  ``D P`` and standard deviation ``sqrt(P sd^2 + D^2 sd_P^2)``, where ``sd_P`` is the
  lead time's standard deviation (the review period is fixed).
- Cycle service level (type 1, alpha): the probability of no stockout in a replenishment
  cycle; ``safety stock = z sigma`` with ``z = Phi^-1(alpha)``.
- Fill rate (type 2, beta): the share of demand met from stock. Expected units short per
  cycle ``sigma G(z)`` must equal ``(1 - beta)`` times the demand per cycle (the order
  quantity Q for (r, Q) and (s, S); the review period's demand ``D R`` for periodic
  review), where ``G(z) = phi(z) - z (1 - Phi(z))`` is the standard normal loss function.
  The resulting safety stock can be negative when the order quantity alone meets the
  target; it is returned as computed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.special import ndtr, ndtri

FloatArray = npt.NDArray[np.float64]


def _array(value: npt.ArrayLike) -> FloatArray:
    return np.asarray(value, dtype=np.float64)


def normal_pdf(z: npt.ArrayLike) -> FloatArray:
    """The standard normal density."""
    array = _array(z)
    return np.exp(-0.5 * array * array) / np.sqrt(2 * np.pi)


def normal_loss(z: npt.ArrayLike) -> FloatArray:
    """The standard normal loss function ``G(z) = E[(Z - z)+] = phi(z) - z (1 - Phi(z))``.

    >>> normal_loss([0.0, 1.0, 2.0]).round(4).tolist()
    [0.3989, 0.0833, 0.0085]
    """
    array = _array(z)
    return normal_pdf(array) - array * ndtr(-array)


def inverse_normal_loss(loss: npt.ArrayLike) -> FloatArray:
    """The ``z`` with ``G(z) = loss`` (loss > 0), by Newton's method on all values at once.

    G is decreasing and convex, so from the first step on the iterates rise monotonically
    to the root; 100 steps are far more than needed for 1e-12.

    >>> inverse_normal_loss([0.3989422804014327, 0.08331547058768343]).round(10).tolist()
    [0.0, 1.0]
    """
    target = _array(loss)
    if np.any(~(target > 0)):
        raise ValueError("the expected shortage must be positive (a fill rate below 100%)")
    z = np.zeros_like(target)
    for _ in range(100):
        gap = normal_loss(z) - target
        # G'(z) = -(1 - Phi(z)); never 0 for finite z.
        step = gap / ndtr(-z)
        z = z + step
        if np.all(np.abs(step) <= 1e-13 * np.maximum(1.0, np.abs(z))):
            break
    return z


def protection_demand(*, demand_mean: npt.ArrayLike, demand_sd: npt.ArrayLike, periods: npt.ArrayLike,
                      lead_time_sd: npt.ArrayLike = 0.0) -> tuple[FloatArray, FloatArray]:
    """Mean and standard deviation of demand over ``periods`` periods (lead time, or review + lead time).

    >>> mean, sd = protection_demand(demand_mean=100, demand_sd=20, periods=4, lead_time_sd=1)
    >>> float(mean), round(float(sd), 4)
    (400.0, 107.7033)
    """
    mean, sd, length, length_sd = _array(demand_mean), _array(demand_sd), _array(periods), _array(lead_time_sd)
    return mean * length, np.sqrt(length * sd * sd + mean * mean * length_sd * length_sd)


def z_for_cycle_service(service_level: npt.ArrayLike) -> FloatArray:
    """``Phi^-1(alpha)``: the safety factor for a cycle service level.

    >>> round(float(z_for_cycle_service(0.95)), 6)
    1.644854
    """
    level = _array(service_level)
    if np.any((level <= 0) | (level >= 1)):
        raise ValueError("a service level must lie strictly between 0 and 1")
    return ndtri(level)


def z_for_fill_rate(fill_rate: npt.ArrayLike, *, demand_per_cycle: npt.ArrayLike,
                    sigma: npt.ArrayLike) -> FloatArray:
    """The safety factor with ``sigma G(z) = (1 - beta) demand_per_cycle``.

    >>> round(float(z_for_fill_rate(0.98, demand_per_cycle=200, sigma=50)), 4)
    1.0212
    """
    rate = _array(fill_rate)
    if np.any((rate <= 0) | (rate >= 1)):
        raise ValueError("a fill rate must lie strictly between 0 and 1")
    spread = _array(sigma)
    if np.any(spread <= 0):
        raise ValueError("the demand's standard deviation must be positive for a fill-rate target")
    return inverse_normal_loss((1 - rate) * _array(demand_per_cycle) / spread)


@dataclass(frozen=True)
class LeadTimes:
    """Per item: receipts counted, mean and sample standard deviation of their lead times."""

    count: npt.NDArray[np.int64]
    mean: FloatArray
    sd: FloatArray


def lead_time_statistics(*, item: npt.ArrayLike, lead_time: npt.ArrayLike, items: int) -> LeadTimes:
    """Lead-time mean and standard deviation per item from a long table of receipts.

    ``item[i]`` is the item index (0 to ``items - 1``) of receipt i and ``lead_time[i]``
    the periods from its order to its receipt. Items without receipts get NaN; items with
    one receipt a standard deviation of 0 (the sample sd needs two).

    >>> stats = lead_time_statistics(item=[0, 0, 0, 1], lead_time=[4.0, 6.0, 8.0, 5.0], items=3)
    >>> stats.count.tolist(), stats.mean.tolist(), stats.sd.tolist()
    ([3, 1, 0], [6.0, 5.0, nan], [2.0, 0.0, nan])
    """
    index = np.asarray(item, dtype=np.int64)
    values = _array(lead_time)
    count = np.bincount(index, minlength=items)
    total = np.bincount(index, weights=values, minlength=items)
    mean = np.full(items, np.nan)
    np.divide(total, count, out=mean, where=count > 0)
    deviation = values - mean[index]
    squares = np.bincount(index, weights=deviation * deviation, minlength=items)
    sd = np.where(count > 0, 0.0, np.nan)
    np.divide(squares, count - 1, out=sd, where=count > 1)
    return LeadTimes(count=count, mean=mean, sd=np.sqrt(sd))
