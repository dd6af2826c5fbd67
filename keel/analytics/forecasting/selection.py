"""Method choice per series by rolling-origin backtest, error spread and prediction intervals.

:func:`forecast` runs every candidate method on all series at once. For each candidate,
one pass over the history records the forecasts made at the last ``origins`` origins
(after ``T - origins``, ..., ``T - 1`` observations) for leads 1 to ``backtest_horizon``;
parameters stay fixed while the state is updated (a rolling origin without re-fitting,
Tashman 2000). Each series keeps the candidate with the lowest mean squared backtest
error; ties go to the earlier, simpler candidate. The squared error is the criterion
because the absolute error rewards forecasting zero on intermittent series (Kourentzes
2014).

The spread of the chosen method's backtest errors gives the demand variability used for
safety stock and the prediction intervals: ``sigma[:, k-1]`` is the root mean squared
error at lead k, made non-decreasing in k; beyond the backtest horizon H it grows as
``sigma_H * sqrt(k / H)``. Intervals are normal: ``forecast +- z sigma``, the lower bound
cut at 0 for demand.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.special import ndtri

from keel.analytics.forecasting.methods import (
    Croston,
    DampedTrend,
    FloatArray,
    Holt,
    HoltWintersAdditive,
    Method,
    MovingAverage,
    Naive,
    SeasonalNaive,
    SimpleExponentialSmoothing,
    SyntetosBoylan,
    TeunterSyntetosBabai,
    as_history,
    drive,
)
from keel.analytics.forecasting.metrics import Accuracy, accuracy_from_totals, mase_scale

FAMILIES = ("naive", "seasonal_naive", "moving_average", "ses", "holt", "damped", "holt_winters",
            "croston", "sba", "tsb")
DEFAULT_ORIGINS = 13
DEFAULT_CHUNK = 20_000


def candidate_methods(*, family: str = "auto", season_length: int | None = None) -> list[Method]:
    """The candidates tried for ``family`` (``auto``: all), simplest first.

    Seasonal methods take part only with a ``season_length`` of 2 or more.

    >>> [method.label for method in candidate_methods(family="ses")]
    ['ses(alpha=0.1)', 'ses(alpha=0.3)', 'ses(alpha=0.6)']
    """
    seasonal = season_length is not None and season_length >= 2
    methods: list[Method] = [Naive()]
    if seasonal:
        assert season_length is not None
        methods.append(SeasonalNaive(season_length=season_length))
    methods += [MovingAverage(window=window) for window in (3, 6, 12)]
    methods += [SimpleExponentialSmoothing(alpha=alpha) for alpha in (0.1, 0.3, 0.6)]
    methods += [Holt(alpha=alpha, beta=beta) for alpha, beta in ((0.2, 0.1), (0.5, 0.2))]
    methods += [DampedTrend(alpha=alpha, beta=beta, phi=0.9) for alpha, beta in ((0.2, 0.1), (0.5, 0.2))]
    if seasonal:
        assert season_length is not None
        methods += [HoltWintersAdditive(alpha=alpha, beta=beta, gamma=gamma, season_length=season_length)
                    for alpha, beta, gamma in ((0.2, 0.05, 0.1), (0.5, 0.1, 0.3))]
    methods += [Croston(alpha=alpha) for alpha in (0.1, 0.3)]
    methods += [SyntetosBoylan(alpha=alpha) for alpha in (0.1, 0.3)]
    methods += [TeunterSyntetosBabai(alpha=alpha, beta=beta) for alpha, beta in ((0.1, 0.1), (0.3, 0.2))]
    if family == "auto":
        return methods
    if family not in FAMILIES:
        raise ValueError(f"unknown method {family!r}; choose auto or one of {', '.join(FAMILIES)}")
    if family in {"seasonal_naive", "holt_winters"} and not seasonal:
        raise ValueError(f"{family} needs a season length of at least 2")
    return [method for method in methods if method.family == family]


@dataclass(frozen=True)
class ForecastResult:
    """Forecasts of every series from the method its backtest chose.

    ``forecast`` and ``sigma`` are ``(series, horizon)``; ``method_index[i]`` indexes
    ``methods`` (labels); ``backtest_mse`` is the chosen method's mean squared backtest
    error; ``accuracy`` scores its backtest forecasts (MASE scaled on the history before
    the first origin).
    """

    forecast: FloatArray
    sigma: FloatArray
    method_index: npt.NDArray[np.int64]
    methods: tuple[str, ...]
    backtest_mse: FloatArray
    accuracy: Accuracy
    origins: int
    backtest_horizon: int

    @property
    def method_labels(self) -> npt.NDArray[np.str_]:
        """The chosen method's label for each series."""
        return np.asarray(self.methods)[self.method_index]

    @property
    def one_step_sd(self) -> FloatArray:
        """Root mean squared one-step-ahead error: the per-period demand variability."""
        return self.sigma[:, 0]


def _backtest_window(periods: int, horizon: int, origins: int | None,
                     backtest_horizon: int | None) -> tuple[int, int]:
    count = DEFAULT_ORIGINS if origins is None else origins
    count = min(count, periods - 1)
    if count < 1:
        raise ValueError("the backtest needs at least 2 periods of history")
    leads = min(horizon, max(1, (count + 1) // 2)) if backtest_horizon is None else backtest_horizon
    if leads < 1 or leads > min(count, horizon):
        raise ValueError("backtest_horizon must lie between 1 and the smaller of the origins and the horizon")
    return count, leads


def forecast(history: npt.ArrayLike, *, horizon: int, season_length: int | None = None,
             method: str = "auto", origins: int | None = None, backtest_horizon: int | None = None,
             candidates: Sequence[Method] | None = None, chunk_size: int = DEFAULT_CHUNK) -> ForecastResult:
    """Forecast ``horizon`` periods of every series with the method its backtest prefers.

    ``history`` is ``(series, periods)``; ``method`` is ``auto`` or a family from
    :data:`FAMILIES` (its parameter grid is still chosen by backtest); ``origins``
    (default 13, at most periods - 1) and ``backtest_horizon`` (default half the origins,
    at most ``horizon``) size the backtest. Candidates that cannot forecast from the first
    origin (a season is needed first) sit out. Series are processed ``chunk_size`` at a time.

    >>> result = forecast([[5.0, 5, 5, 5, 5, 5], [0, 3, 0, 0, 3, 0]], horizon=2, origins=4)
    >>> result.method_labels.tolist()
    ['naive', 'sba(alpha=0.3)']
    >>> result.forecast.round(4).tolist()
    [[5.0, 5.0], [1.1087, 1.1087]]
    """
    array = as_history(history)
    count, periods = array.shape
    if horizon < 1:
        raise ValueError("horizon must be at least 1")
    methods = list(candidates) if candidates is not None else candidate_methods(
        family=method, season_length=season_length)
    window, leads = _backtest_window(periods, horizon, origins, backtest_horizon)
    eligible = [candidate for candidate in methods if candidate.start <= periods - window]
    if not eligible:
        # Shrink the backtest so that the method asked for can take part.
        window = periods - min(candidate.start for candidate in methods)
        if window < 1:
            needed = min(candidate.start for candidate in methods) + 1
            raise ValueError(f"{methods[0].family} needs at least {needed} periods of history")
        leads = min(leads, window)
        eligible = [candidate for candidate in methods if candidate.start <= periods - window]
    scale_periods = periods - window
    scale_season = season_length if season_length and scale_periods > season_length else 1
    pieces = [_forecast_chunk(array[begin:begin + chunk_size], eligible, horizon=horizon, window=window,
                              leads=leads, scale_season=scale_season)
              for begin in range(0, count, chunk_size)]
    return ForecastResult(
        forecast=np.concatenate([piece[0] for piece in pieces]),
        sigma=np.concatenate([piece[1] for piece in pieces]),
        method_index=np.concatenate([piece[2] for piece in pieces]),
        methods=tuple(candidate.label for candidate in eligible),
        backtest_mse=np.concatenate([piece[3] for piece in pieces]),
        accuracy=Accuracy(*(np.concatenate([getattr(piece[4], name) for piece in pieces])
                            for name in Accuracy.__dataclass_fields__)),
        origins=window,
        backtest_horizon=leads,
    )


def _forecast_chunk(history: FloatArray, methods: list[Method], *, horizon: int, window: int, leads: int,
                    scale_season: int) -> tuple[FloatArray, FloatArray, npt.NDArray[np.int64], FloatArray, Accuracy]:
    # Arrays are (pairs or leads, series) so that reductions run over contiguous rows.
    count, periods = history.shape
    values = np.ascontiguousarray(history.T)
    origins = list(range(periods - window, periods))
    # Backtest pairs (origin, lead) whose target period lies in the history.
    origin_grid, lead_grid = np.meshgrid(np.arange(window), np.arange(1, leads + 1), indexing="ij")
    target = np.asarray(origins)[origin_grid] + lead_grid - 1
    valid = target < periods
    pair_origin, pair_lead, pair_target = origin_grid[valid], lead_grid[valid], target[valid]
    actual = values[pair_target]
    lead_of_pair = np.eye(leads)[pair_lead - 1].T
    lead_mean = lead_of_pair / lead_of_pair.sum(axis=1, keepdims=True)

    best_mse = np.full(count, np.inf)
    best_index = np.zeros(count, dtype=np.int64)
    best_forecast = np.full((count, horizon), np.nan)
    best_lead_mse = np.full((leads, count), np.nan)
    best_absolute, best_error = np.zeros(count), np.zeros(count)
    for index, method in enumerate(methods):
        result = drive(method, values, horizon=horizon, origins=origins, with_fitted=False, origin_horizon=leads)
        error = result.at_origins[pair_origin, pair_lead - 1]
        error -= actual
        squared = error * error
        mse = squared.mean(axis=0)
        mse[~np.isfinite(mse)] = np.inf
        better = (mse < best_mse) | (index == 0)
        best_mse = np.where(better, mse, best_mse)
        best_index[better] = index
        best_forecast[better] = result.forecast[better]
        best_lead_mse = np.where(better[None, :], lead_mean @ squared, best_lead_mse)
        best_absolute = np.where(better, np.abs(error).sum(axis=0), best_absolute)
        best_error = np.where(better, error.sum(axis=0), best_error)
    sigma = np.maximum.accumulate(np.sqrt(best_lead_mse), axis=0).T
    if horizon > leads:
        extra = np.arange(leads + 1, horizon + 1)
        sigma = np.concatenate([sigma, sigma[:, -1:] * np.sqrt(extra / leads)[None, :]], axis=1)
    scale = (mase_scale(history[:, : periods - window], season_length=scale_season)
             if periods - window > scale_season else np.full(count, np.nan))
    scores = accuracy_from_totals(absolute_error_total=best_absolute, error_total=best_error,
                                  actual_total=np.abs(actual).sum(axis=0),
                                  count=np.full(count, len(pair_target)), scale=scale)
    return best_forecast, sigma[:, :horizon], best_index, best_mse, scores


def prediction_interval(result: ForecastResult, *, level: float = 0.95,
                        nonnegative: bool = True) -> tuple[FloatArray, FloatArray]:
    """Lower and upper bounds of the central ``level`` normal interval around each forecast.

    >>> result = forecast([[4.0, 6, 4, 6, 4, 6]], horizon=1, method="ses", origins=4)
    >>> lower, upper = prediction_interval(result, level=0.8)
    >>> [round(float(value[0, 0]), 4) for value in (lower, result.forecast, upper)]
    [3.5293, 5.0381, 6.5468]
    """
    if not 0 < level < 1:
        raise ValueError("level must lie between 0 and 1 (0.95 for 95%)")
    spread = float(ndtri((1 + level) / 2)) * result.sigma
    lower = result.forecast - spread
    return (np.maximum(lower, 0.0) if nonnegative else lower), result.forecast + spread
