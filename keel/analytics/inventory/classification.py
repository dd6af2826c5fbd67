"""ABC classification by value and XYZ classification by demand variability.

- **ABC**: items ranked by value (e.g. demand times unit cost) from highest; an item is A
  while the share of total value ranked before it is below ``a_share`` (0.8), B below
  ``b_share`` (0.95), else C. The item that crosses a threshold belongs to the class it
  enters from, so a single item holding 90% of the value is A. Ties keep input order.
- **XYZ**: the coefficient of variation (standard deviation / mean) of per-period demand:
  X up to ``x_limit`` (0.5), Y up to ``y_limit`` (1.0), Z above; an item without demand
  (mean 0) is Z.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


def abc_classes(value: npt.ArrayLike, *, a_share: float = 0.8, b_share: float = 0.95) -> npt.NDArray[np.str_]:
    """Class ``A``, ``B`` or ``C`` per item from its value.

    >>> abc_classes([5.0, 70.0, 15.0, 10.0]).tolist()
    ['C', 'A', 'A', 'B']
    """
    values = np.asarray(value, dtype=np.float64)
    if np.any(values < 0) or not 0 < a_share <= b_share <= 1:
        raise ValueError("values must be at least 0 and 0 < a_share <= b_share <= 1")
    order = np.argsort(-values, kind="stable")
    total = values.sum()
    before = np.concatenate([[0.0], np.cumsum(values[order])[:-1]]) / (total if total > 0 else 1.0)
    ranked = np.where(before < a_share, "A", np.where(before < b_share, "B", "C"))
    if total == 0:
        ranked[:] = "C"
    classes = np.empty(values.shape, dtype="<U1")
    classes[order] = ranked
    return classes


def coefficient_of_variation(history: npt.ArrayLike) -> FloatArray:
    """Population standard deviation over mean of each row of (items x periods); inf for mean 0.

    >>> coefficient_of_variation([[10.0, 10.0], [0.0, 20.0], [0.0, 0.0]]).tolist()
    [0.0, 1.0, inf]
    """
    array = np.atleast_2d(np.asarray(history, dtype=np.float64))
    mean = array.mean(axis=1)
    result = np.full(mean.shape, np.inf)
    np.divide(array.std(axis=1), mean, out=result, where=mean > 0)
    return result


def xyz_classes(history: npt.ArrayLike, *, x_limit: float = 0.5, y_limit: float = 1.0) -> npt.NDArray[np.str_]:
    """Class ``X``, ``Y`` or ``Z`` per item (row) from the variability of its demand.

    >>> xyz_classes([[10.0, 12.0, 8.0], [0.0, 20.0, 10.0], [0.0, 0.0, 30.0]]).tolist()
    ['X', 'Y', 'Z']
    """
    if not 0 < x_limit <= y_limit:
        raise ValueError("limits must satisfy 0 < x_limit <= y_limit")
    variation = coefficient_of_variation(history)
    return np.where(variation <= x_limit, "X", np.where(variation <= y_limit, "Y", "Z"))
