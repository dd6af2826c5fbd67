"""Forecast accuracy: MASE, WAPE and bias per series and over all series.

Errors are ``forecast - actual``: a positive bias means over-forecasting. Cells where the
actual or the forecast is NaN are left out, so the same functions score a backtest with
an uneven number of forecasts per origin.

- MASE (Hyndman and Koehler, 2006): mean absolute error divided by the in-sample mean
  absolute error of the (seasonal) naive method, ``mean |y[t] - y[t-m]|``. NaN for a series
  whose scale is 0 (a constant history). Over all series: the mean of the finite values.
- WAPE: ``sum |error| / sum |actual|`` (NaN when every actual is 0). Over all series: the
  same ratio of the totals, so large series weigh more.
- Bias: ``sum error / sum |actual|``, signed. Over all series: the ratio of the totals.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


def mase_scale(history: npt.ArrayLike, *, season_length: int = 1) -> FloatArray:
    """The in-sample mean absolute (seasonal) naive error of each series, MASE's denominator.

    >>> mase_scale([[1.0, 3.0, 2.0, 6.0]]).tolist()
    [2.3333333333333335]
    >>> mase_scale([[1.0, 3.0, 2.0, 6.0]], season_length=2).tolist()
    [2.0]
    """
    array = np.atleast_2d(np.asarray(history, dtype=np.float64))
    if season_length < 1 or array.shape[1] <= season_length:
        raise ValueError("the history must be longer than season_length (at least 1)")
    return np.mean(np.abs(array[:, season_length:] - array[:, :-season_length]), axis=1)


@dataclass(frozen=True)
class Accuracy:
    """Accuracy per series, with the totals that aggregate exactly over series."""

    mase: FloatArray
    wape: FloatArray
    bias: FloatArray
    absolute_error_total: FloatArray
    error_total: FloatArray
    actual_total: FloatArray
    count: npt.NDArray[np.int64]

    def overall(self) -> dict[str, float]:
        """MASE (mean of finite per-series values), WAPE and bias over all series.

        >>> accuracy([[1.0, 1.0], [10.0, 10.0]], [[2.0, 2.0], [10.0, 10.0]],
        ...          scale=[1.0, 1.0]).overall()
        {'mase': 0.5, 'wape': 0.09090909090909091, 'bias': 0.09090909090909091}
        """
        finite = self.mase[np.isfinite(self.mase)]
        actual = float(self.actual_total.sum())
        return {
            "mase": float(finite.mean()) if finite.size else float("nan"),
            "wape": float(self.absolute_error_total.sum()) / actual if actual else float("nan"),
            "bias": float(self.error_total.sum()) / actual if actual else float("nan"),
        }


def _ratio(numerator: FloatArray, denominator: FloatArray) -> FloatArray:
    result = np.full(numerator.shape, np.nan)
    np.divide(numerator, denominator, out=result, where=denominator > 0)
    return result


def accuracy(actual: npt.ArrayLike, forecast: npt.ArrayLike, *, scale: npt.ArrayLike) -> Accuracy:
    """Score ``forecast`` against ``actual`` (same shape, series first); ``scale`` from :func:`mase_scale`.

    >>> result = accuracy([[2.0, 4.0]], [[3.0, 3.0]], scale=[2.0])
    >>> result.mase.tolist(), result.wape.tolist(), result.bias.tolist()
    ([0.5], [0.3333333333333333], [0.0])
    """
    actual_array = np.asarray(actual, dtype=np.float64)
    forecast_array = np.asarray(forecast, dtype=np.float64)
    if actual_array.shape != forecast_array.shape:
        raise ValueError("actual and forecast must have the same shape")
    count = actual_array.shape[0]
    actual_array = actual_array.reshape(count, -1)
    forecast_array = forecast_array.reshape(count, -1)
    valid = np.isfinite(actual_array) & np.isfinite(forecast_array)
    error = np.where(valid, forecast_array - actual_array, 0.0)
    absolute_error_total = np.abs(error).sum(axis=1)
    actual_total = np.where(valid, np.abs(actual_array), 0.0).sum(axis=1)
    return accuracy_from_totals(absolute_error_total=absolute_error_total, error_total=error.sum(axis=1),
                                actual_total=actual_total, count=valid.sum(axis=1), scale=scale)


def accuracy_from_totals(*, absolute_error_total: FloatArray, error_total: FloatArray,
                         actual_total: FloatArray, count: npt.ArrayLike, scale: npt.ArrayLike) -> Accuracy:
    """:func:`accuracy` from per-series totals of absolute error, error and absolute actuals.

    >>> accuracy_from_totals(absolute_error_total=np.array([2.0]), error_total=np.array([0.0]),
    ...                      actual_total=np.array([6.0]), count=[2], scale=[2.0]).mase.tolist()
    [0.5]
    """
    cells = np.asarray(count, dtype=np.int64)
    mean_absolute_error = _ratio(absolute_error_total, cells.astype(np.float64))
    return Accuracy(
        mase=_ratio(mean_absolute_error, np.asarray(scale, dtype=np.float64)),
        wape=_ratio(absolute_error_total, actual_total),
        bias=_ratio(error_total, actual_total),
        absolute_error_total=absolute_error_total,
        error_total=error_total,
        actual_total=actual_total,
        count=cells,
    )
