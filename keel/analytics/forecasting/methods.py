"""Forecasting methods as recursions vectorised over a matrix of series.

Every method works on ``history``, a float matrix of shape ``(series, periods)`` whose
rows are equal-length demand series in time order (daily or weekly buckets). The loop
runs over periods; each step updates the state of all series at once with NumPy, so the
cost per period is a handful of array operations whatever the number of series.
Internally the matrix is transposed to ``(periods, series)`` so that one period of all
series, and every state vector, is contiguous in memory.

A method is a :class:`Method`: ``init`` builds the state after the first ``start``
observations, ``update`` folds in one period for all series, ``predict`` gives the
forecasts for the next ``leads`` periods. :func:`run` drives it and records the one-step
fitted values, the forecasts made at chosen origins (for the rolling-origin backtest)
and the forecast from the end of the history.

Initial states use only the observations already seen, so a forecast made at an origin
never looks ahead of it:

- level methods (SES, Holt, damped trend) start from the first observation with a
  zero trend;
- additive Holt-Winters starts after one full season: level = the season's mean, trend
  = 0, seasonal indices = each period's deviation from that mean;
- Croston, SBA and TSB forecast 0 until the first demand, which then sets the size
  (and, for Croston and SBA, the interval: its 1-based position).

Formulas follow Hyndman and Athanasopoulos, *Forecasting: Principles and Practice*
(3rd ed.), chapters 8.1 to 8.3 (the trend equation's parameter is their beta*), Croston
(1972), Syntetos and Boylan (2005) for SBA, and Teunter, Syntetos and Babai (2011) for TSB.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
State = dict[str, FloatArray]
Parameter = float | FloatArray


def _parameter(value: float | Sequence[float] | FloatArray, name: str, *, low: float = 0.0,
               high: float = 1.0) -> Parameter:
    """A smoothing parameter: a number, or one number per series; checked to lie in [low, high]."""
    array = np.asarray(value, dtype=np.float64)
    if array.ndim > 1:
        raise ValueError(f"{name} must be a number or one number per series")
    if not np.all((array >= low) & (array <= high)):
        raise ValueError(f"{name} must lie between {low} and {high}")
    return float(array) if array.ndim == 0 else array


@dataclass(frozen=True)
class Method(ABC):
    """A forecasting method: a state, its update for one period, and its forecasts."""

    family: ClassVar[str] = ""

    @property
    def start(self) -> int:
        """Observations needed before the first forecast."""
        return 1

    @property
    def label(self) -> str:
        """The family and its parameters, e.g. ``ses(alpha=0.3)``."""
        return self.family

    @abstractmethod
    def init(self, values: FloatArray) -> State:
        """The state after the first ``start`` periods of ``values`` (periods x series)."""

    @abstractmethod
    def update(self, state: State, observed: FloatArray, t: int) -> None:
        """Fold in period ``t`` (0-based) of every series, in place."""

    @abstractmethod
    def predict(self, state: State, t: int, leads: IntArray) -> FloatArray:
        """Forecasts, shape ``(len(leads), series)``, made after ``t`` observations."""


def _flat(level: FloatArray, leads: IntArray) -> FloatArray:
    return np.broadcast_to(level, (len(leads), level.shape[0]))


@dataclass(frozen=True)
class Naive(Method):
    """The last observation: ``y[t+h|t] = y[t]``."""

    family: ClassVar[str] = "naive"

    def init(self, values: FloatArray) -> State:
        return {"last": values[0].copy()}

    def update(self, state: State, observed: FloatArray, t: int) -> None:
        state["last"] = observed.copy()

    def predict(self, state: State, t: int, leads: IntArray) -> FloatArray:
        return _flat(state["last"], leads)


@dataclass(frozen=True)
class SeasonalNaive(Method):
    """The observation one season earlier: ``y[t+h|t] = y[t+h-m(k+1)]``, k = (h-1) // m."""

    season_length: int
    family: ClassVar[str] = "seasonal_naive"

    def __post_init__(self) -> None:
        if self.season_length < 1:
            raise ValueError("season_length must be at least 1")

    @property
    def start(self) -> int:
        return self.season_length

    @property
    def label(self) -> str:
        return f"seasonal_naive(m={self.season_length})"

    def init(self, values: FloatArray) -> State:
        # Row j of the ring holds the latest observation of season position j.
        return {"ring": values[: self.season_length].copy()}

    def update(self, state: State, observed: FloatArray, t: int) -> None:
        state["ring"][t % self.season_length] = observed

    def predict(self, state: State, t: int, leads: IntArray) -> FloatArray:
        return state["ring"][(t + leads - 1) % self.season_length]


@dataclass(frozen=True)
class MovingAverage(Method):
    """The mean of the last ``window`` observations (of all of them while fewer are seen)."""

    window: int
    family: ClassVar[str] = "moving_average"

    def __post_init__(self) -> None:
        if self.window < 1:
            raise ValueError("window must be at least 1")

    @property
    def label(self) -> str:
        return f"moving_average(window={self.window})"

    def init(self, values: FloatArray) -> State:
        ring = np.zeros((self.window, values.shape[1]))
        ring[0] = values[0]
        return {"ring": ring}

    def update(self, state: State, observed: FloatArray, t: int) -> None:
        state["ring"][t % self.window] = observed

    def predict(self, state: State, t: int, leads: IntArray) -> FloatArray:
        # The sum of the ring rather than a running total: rounding errors of a running
        # sum would accumulate over long histories.
        mean = state["ring"].sum(axis=0) / min(t, self.window)
        return _flat(mean, leads)


@dataclass(frozen=True)
class SimpleExponentialSmoothing(Method):
    """``l[t] = alpha y[t] + (1 - alpha) l[t-1]``; ``y[t+h|t] = l[t]``; ``l`` starts at ``y[0]``."""

    alpha: Parameter
    family: ClassVar[str] = "ses"

    @property
    def label(self) -> str:
        return f"ses(alpha={self.alpha:g})" if isinstance(self.alpha, float) else "ses"

    def init(self, values: FloatArray) -> State:
        return {"level": values[0].copy()}

    def update(self, state: State, observed: FloatArray, t: int) -> None:
        state["level"] = self.alpha * observed + (1 - self.alpha) * state["level"]

    def predict(self, state: State, t: int, leads: IntArray) -> FloatArray:
        return _flat(state["level"], leads)


@dataclass(frozen=True)
class DampedTrend(Method):
    """Holt's linear method with a damped trend (``phi`` = 1 is Holt's method).

    ``l[t] = alpha y[t] + (1 - alpha)(l[t-1] + phi b[t-1])``,
    ``b[t] = beta (l[t] - l[t-1]) + (1 - beta) phi b[t-1]``,
    ``y[t+h|t] = l[t] + (phi + phi^2 + ... + phi^h) b[t]``; ``l`` starts at ``y[0]``, ``b`` at 0.
    """

    alpha: Parameter
    beta: Parameter
    phi: Parameter = 1.0
    family: ClassVar[str] = "damped"

    @property
    def label(self) -> str:
        if not all(isinstance(value, float) for value in (self.alpha, self.beta, self.phi)):
            return self.family
        if self.family == "holt":
            return f"holt(alpha={self.alpha:g}, beta={self.beta:g})"
        return f"damped(alpha={self.alpha:g}, beta={self.beta:g}, phi={self.phi:g})"

    def init(self, values: FloatArray) -> State:
        return {"level": values[0].copy(), "trend": np.zeros(values.shape[1])}

    def update(self, state: State, observed: FloatArray, t: int) -> None:
        level, trend = state["level"], state["trend"]
        damped = self.phi * trend
        new_level = self.alpha * observed + (1 - self.alpha) * (level + damped)
        state["trend"] = self.beta * (new_level - level) + (1 - self.beta) * damped
        state["level"] = new_level

    def predict(self, state: State, t: int, leads: IntArray) -> FloatArray:
        phi = np.atleast_1d(np.asarray(self.phi, dtype=np.float64))[None, :]
        steps = np.cumsum(phi ** np.arange(1, leads.max() + 1)[:, None], axis=0)[leads - 1]
        return state["level"][None, :] + steps * state["trend"][None, :]


@dataclass(frozen=True)
class Holt(DampedTrend):
    """Holt's linear trend method: :class:`DampedTrend` with ``phi`` = 1."""

    family: ClassVar[str] = "holt"

    def __init__(self, alpha: Parameter, beta: Parameter) -> None:
        super().__init__(alpha=alpha, beta=beta, phi=1.0)


@dataclass(frozen=True)
class HoltWintersAdditive(Method):
    """Additive Holt-Winters (seasonal ETS(A,A,A) in its recursive form).

    ``l[t] = alpha (y[t] - s[t-m]) + (1 - alpha)(l[t-1] + b[t-1])``,
    ``b[t] = beta (l[t] - l[t-1]) + (1 - beta) b[t-1]``,
    ``s[t] = gamma (y[t] - l[t-1] - b[t-1]) + (1 - gamma) s[t-m]``,
    ``y[t+h|t] = l[t] + h b[t] + s[t+h-m(k+1)]``, k = (h-1) // m.
    Starts after one season: ``l`` = its mean, ``b`` = 0, ``s[j] = y[j] - l``.
    """

    alpha: Parameter
    beta: Parameter
    gamma: Parameter
    season_length: int
    family: ClassVar[str] = "holt_winters"

    def __post_init__(self) -> None:
        if self.season_length < 2:
            raise ValueError("season_length must be at least 2 for Holt-Winters")

    @property
    def start(self) -> int:
        return self.season_length

    @property
    def label(self) -> str:
        if not all(isinstance(value, float) for value in (self.alpha, self.beta, self.gamma)):
            return self.family
        return (f"holt_winters(alpha={self.alpha:g}, beta={self.beta:g}, gamma={self.gamma:g}, "
                f"m={self.season_length})")

    def init(self, values: FloatArray) -> State:
        first = values[: self.season_length]
        level = first.mean(axis=0)
        return {"level": level, "trend": np.zeros(values.shape[1]), "ring": first - level[None, :]}

    def update(self, state: State, observed: FloatArray, t: int) -> None:
        slot = t % self.season_length
        level, trend, season = state["level"], state["trend"], state["ring"][slot]
        base = level + trend
        new_level = self.alpha * (observed - season) + (1 - self.alpha) * base
        state["ring"][slot] = self.gamma * (observed - base) + (1 - self.gamma) * season
        state["trend"] = self.beta * (new_level - level) + (1 - self.beta) * trend
        state["level"] = new_level

    def predict(self, state: State, t: int, leads: IntArray) -> FloatArray:
        seasonal = state["ring"][(t + leads - 1) % self.season_length]
        return state["level"][None, :] + leads[:, None] * state["trend"][None, :] + seasonal


@dataclass(frozen=True)
class Croston(Method):
    """Croston's method for intermittent demand (one ``alpha`` for sizes and intervals).

    At a period with demand: ``z = z + alpha (y - z)`` and ``p = p + alpha (q - p)``, q the
    periods since the previous demand; the first demand sets ``z = y`` and ``p = q`` (its
    1-based position). ``y[t+h|t] = z / p`` (times ``1 - alpha/2`` for SBA); 0 before any demand.
    """

    alpha: Parameter
    family: ClassVar[str] = "croston"

    @property
    def label(self) -> str:
        return f"{self.family}(alpha={self.alpha:g})" if isinstance(self.alpha, float) else self.family

    def init(self, values: FloatArray) -> State:
        count = values.shape[1]
        state = {"size": np.zeros(count), "interval": np.ones(count), "since": np.zeros(count),
                 "seen": np.zeros(count)}
        self.update(state, values[0], 0)
        return state

    def update(self, state: State, observed: FloatArray, t: int) -> None:
        since = state["since"] + 1
        demand = (observed > 0).astype(np.float64)
        # The smoothing weight: alpha at a demand, 1 at the first demand (which sets the
        # state: 0 + 1 * (y - 0) = y exactly), 0 without demand.
        weight = demand * np.where(state["seen"] > 0, self.alpha, 1.0)
        state["size"] += weight * (observed - state["size"])
        state["interval"] += weight * (since - state["interval"])
        state["since"] = since * (1 - demand)
        np.maximum(state["seen"], demand, out=state["seen"])

    def _factor(self) -> Parameter:
        return 1.0

    def predict(self, state: State, t: int, leads: IntArray) -> FloatArray:
        rate = np.where(state["seen"] > 0, self._factor() * state["size"] / state["interval"], 0.0)
        return _flat(rate, leads)


@dataclass(frozen=True)
class SyntetosBoylan(Croston):
    """The Syntetos-Boylan approximation: Croston's forecast times ``1 - alpha / 2``."""

    family: ClassVar[str] = "sba"

    def _factor(self) -> Parameter:
        return 1 - self.alpha / 2


@dataclass(frozen=True)
class TeunterSyntetosBabai(Method):
    """TSB for intermittent and obsolescent demand.

    Every period: ``d = d + beta (1[y > 0] - d)`` (the probability of demand, from 0); at a
    demand: ``z = z + alpha (y - z)``, the first demand setting ``z = y``. ``y[t+h|t] = d z``.
    """

    alpha: Parameter
    beta: Parameter
    family: ClassVar[str] = "tsb"

    @property
    def label(self) -> str:
        if isinstance(self.alpha, float) and isinstance(self.beta, float):
            return f"tsb(alpha={self.alpha:g}, beta={self.beta:g})"
        return self.family

    def init(self, values: FloatArray) -> State:
        count = values.shape[1]
        state = {"size": np.zeros(count), "probability": np.zeros(count), "seen": np.zeros(count)}
        self.update(state, values[0], 0)
        return state

    def update(self, state: State, observed: FloatArray, t: int) -> None:
        demand = (observed > 0).astype(np.float64)
        weight = demand * np.where(state["seen"] > 0, self.alpha, 1.0)
        state["size"] += weight * (observed - state["size"])
        state["probability"] += self.beta * (demand - state["probability"])
        np.maximum(state["seen"], demand, out=state["seen"])

    def predict(self, state: State, t: int, leads: IntArray) -> FloatArray:
        return _flat(state["probability"] * state["size"], leads)


@dataclass(frozen=True)
class Run:
    """What :func:`run` records.

    ``fitted[:, t]`` is the one-step forecast of period t made after period t-1 (NaN before
    the method can forecast), shape ``(series, periods)``; ``at_origins[i, k-1]`` holds the
    forecasts of period ``origins[i] + k - 1`` made after ``origins[i]`` observations, shape
    ``(origins, horizon, series)``; ``forecast`` the ``(series, horizon)`` forecasts of the
    periods after the history.
    """

    fitted: FloatArray | None
    at_origins: FloatArray
    forecast: FloatArray


def run(method: Method, history: npt.ArrayLike, *, horizon: int, origins: Sequence[int] = (),
        with_fitted: bool = True) -> Run:
    """Drive ``method`` over ``history`` (series x periods), one NumPy step per period.

    >>> import numpy as np
    >>> result = run(SimpleExponentialSmoothing(alpha=0.5), np.array([[2.0, 4.0, 6.0]]), horizon=2)
    >>> result.fitted.tolist(), result.forecast.tolist()
    ([[nan, 2.0, 3.0]], [[4.5, 4.5]])
    """
    return drive(method, np.ascontiguousarray(as_history(history).T), horizon=horizon, origins=origins,
                 with_fitted=with_fitted)


def drive(method: Method, values: FloatArray, *, horizon: int, origins: Sequence[int] = (),
          with_fitted: bool = True, origin_horizon: int | None = None) -> Run:
    """:func:`run` on ``values``, the history already transposed to (periods x series), contiguous.

    ``origin_horizon`` (default ``horizon``) is the number of leads recorded at each origin.
    """
    periods, count = values.shape
    if horizon < 1:
        raise ValueError("horizon must be at least 1")
    if periods < method.start:
        raise ValueError(f"{method.label} needs at least {method.start} periods of history")
    leads = np.arange(1, horizon + 1)
    positions = {origin: index for index, origin in enumerate(origins)}
    if any(origin < method.start or origin > periods for origin in positions):
        raise ValueError(f"origins must lie between {method.start} and {periods}")
    fitted = np.empty((periods, count)) if with_fitted else None
    if fitted is not None:
        fitted[: method.start] = np.nan
    # Every row is written: each origin lies in [start, periods], checked above.
    origin_leads = leads[: horizon if origin_horizon is None else origin_horizon]
    at_origins = np.empty((len(positions), len(origin_leads), count))
    one = leads[:1]
    state = method.init(values)
    for seen in range(method.start, periods + 1):
        if seen in positions:
            at_origins[positions[seen]] = method.predict(state, seen, origin_leads)
        if seen == periods:
            break
        if fitted is not None:
            fitted[seen] = method.predict(state, seen, one)[0]
        method.update(state, values[seen], seen)
    return Run(fitted=None if fitted is None else fitted.T, at_origins=at_origins,
               forecast=np.ascontiguousarray(method.predict(state, periods, leads).T))


def as_history(history: npt.ArrayLike) -> FloatArray:
    array = np.asarray(history, dtype=np.float64)
    if array.ndim == 1:
        array = array[None, :]
    if array.ndim != 2 or array.shape[1] == 0:
        raise ValueError("history must be a (series x periods) matrix with at least one period")
    if not np.all(np.isfinite(array)):
        raise ValueError("history must hold finite numbers (fill missing periods with 0)")
    return array


@dataclass(frozen=True)
class Fit:
    """One-step fitted values ``(series, periods)`` and forecasts ``(series, horizon)``."""

    fitted: FloatArray
    forecast: FloatArray


def _fit(method: Method, history: npt.ArrayLike, horizon: int) -> Fit:
    result = run(method, as_history(history), horizon=horizon)
    assert result.fitted is not None
    return Fit(fitted=result.fitted, forecast=result.forecast)


def naive(history: npt.ArrayLike, *, horizon: int) -> Fit:
    """Forecast every period with the last observation.

    >>> naive([[3.0, 5.0, 4.0]], horizon=2).forecast.tolist()
    [[4.0, 4.0]]
    """
    return _fit(Naive(), history, horizon)


def seasonal_naive(history: npt.ArrayLike, *, horizon: int, season_length: int) -> Fit:
    """Forecast each period with the observation one season earlier.

    >>> seasonal_naive([[1.0, 2.0, 3.0, 4.0]], horizon=3, season_length=2).forecast.tolist()
    [[3.0, 4.0, 3.0]]
    """
    return _fit(SeasonalNaive(season_length=season_length), history, horizon)


def moving_average(history: npt.ArrayLike, *, horizon: int, window: int) -> Fit:
    """Forecast with the mean of the last ``window`` observations.

    >>> moving_average([[1.0, 2.0, 3.0, 6.0]], horizon=1, window=3).forecast.tolist()
    [[3.6666666666666665]]
    """
    return _fit(MovingAverage(window=window), history, horizon)


def simple_exponential_smoothing(history: npt.ArrayLike, *, horizon: int, alpha: float | FloatArray) -> Fit:
    """Simple exponential smoothing with a fixed ``alpha`` (one per series allowed).

    >>> simple_exponential_smoothing([[10.0, 20.0]], horizon=1, alpha=0.25).forecast.tolist()
    [[12.5]]
    """
    return _fit(SimpleExponentialSmoothing(alpha=_parameter(alpha, "alpha")), history, horizon)


def holt(history: npt.ArrayLike, *, horizon: int, alpha: float | FloatArray, beta: float | FloatArray) -> Fit:
    """Holt's linear trend method with fixed ``alpha`` and ``beta``.

    >>> holt([[1.0, 2.0, 3.0, 4.0]], horizon=2, alpha=1.0, beta=1.0).forecast.tolist()
    [[5.0, 6.0]]
    """
    return _fit(Holt(alpha=_parameter(alpha, "alpha"), beta=_parameter(beta, "beta")), history, horizon)


def damped_trend(history: npt.ArrayLike, *, horizon: int, alpha: float | FloatArray,
                 beta: float | FloatArray, phi: float | FloatArray) -> Fit:
    """Holt's method with a damped trend: the trend fades by ``phi`` per period ahead.

    >>> damped_trend([[1.0, 2.0, 3.0, 4.0]], horizon=2, alpha=1.0, beta=1.0, phi=0.5).forecast.tolist()
    [[4.5, 4.75]]
    """
    method = DampedTrend(alpha=_parameter(alpha, "alpha"), beta=_parameter(beta, "beta"),
                         phi=_parameter(phi, "phi"))
    return _fit(method, history, horizon)


def holt_winters_additive(history: npt.ArrayLike, *, horizon: int, season_length: int,
                          alpha: float | FloatArray, beta: float | FloatArray,
                          gamma: float | FloatArray) -> Fit:
    """Additive Holt-Winters (level, trend and additive seasonal indices).

    >>> series = [[10.0, 20.0, 10.0, 20.0, 10.0, 20.0]]
    >>> holt_winters_additive(series, horizon=2, season_length=2, alpha=0.5, beta=0.1,
    ...                       gamma=0.1).forecast.tolist()
    [[10.0, 20.0]]
    """
    method = HoltWintersAdditive(alpha=_parameter(alpha, "alpha"), beta=_parameter(beta, "beta"),
                                 gamma=_parameter(gamma, "gamma"), season_length=season_length)
    return _fit(method, history, horizon)


def croston(history: npt.ArrayLike, *, horizon: int, alpha: float | FloatArray) -> Fit:
    """Croston's method: smoothed demand size over smoothed interval between demands.

    >>> croston([[0.0, 4.0, 0.0, 0.0, 8.0]], horizon=1, alpha=0.5).forecast.tolist()
    [[2.4]]
    """
    return _fit(Croston(alpha=_parameter(alpha, "alpha")), history, horizon)


def sba(history: npt.ArrayLike, *, horizon: int, alpha: float | FloatArray) -> Fit:
    """The Syntetos-Boylan approximation: Croston's forecast, debiased by ``1 - alpha/2``.

    >>> sba([[0.0, 4.0, 0.0, 0.0, 8.0]], horizon=1, alpha=0.5).forecast.tolist()
    [[1.8]]
    """
    return _fit(SyntetosBoylan(alpha=_parameter(alpha, "alpha")), history, horizon)


def tsb(history: npt.ArrayLike, *, horizon: int, alpha: float | FloatArray, beta: float | FloatArray) -> Fit:
    """TSB: smoothed probability of demand (updated every period) times smoothed size.

    >>> tsb([[0.0, 4.0, 0.0, 0.0, 8.0]], horizon=1, alpha=0.5, beta=0.5).forecast.tolist()
    [[3.375]]
    """
    return _fit(TeunterSyntetosBabai(alpha=_parameter(alpha, "alpha"), beta=_parameter(beta, "beta")),
                history, horizon)
