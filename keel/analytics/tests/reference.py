"""Plain per-series reference implementations of the forecasting methods.

Written from the textbook equations with Python floats and loops, independently of the
vectorised engine, so that the tests can check the engine against them. Each function
takes one series (a list) and returns ``(fitted, forecast)``: the one-step forecast of
each period made after the period before it (NaN while the method cannot forecast) and
the forecasts of the ``horizon`` periods after the series.
"""

from __future__ import annotations

import math

NAN = math.nan


def naive(series: list[float], horizon: int) -> tuple[list[float], list[float]]:
    fitted = [NAN, *series[:-1]]
    return fitted, [series[-1]] * horizon


def seasonal_naive(series: list[float], horizon: int, m: int) -> tuple[list[float], list[float]]:
    fitted = [NAN] * m + [series[t - m] for t in range(m, len(series))]
    count = len(series)
    # Period count + h - 1 (0-based) is forecast by the last observed period of its season.
    forecast = [series[count - m + ((h - 1) % m)] for h in range(1, horizon + 1)]
    return fitted, forecast


def moving_average(series: list[float], horizon: int, window: int) -> tuple[list[float], list[float]]:
    def mean_before(t: int) -> float:
        seen = series[max(0, t - window):t]
        return sum(seen) / len(seen)

    fitted = [NAN] + [mean_before(t) for t in range(1, len(series))]
    return fitted, [mean_before(len(series))] * horizon


def ses(series: list[float], horizon: int, alpha: float) -> tuple[list[float], list[float]]:
    level = series[0]
    fitted = [NAN]
    for value in series[1:]:
        fitted.append(level)
        level = alpha * value + (1 - alpha) * level
    return fitted, [level] * horizon


def damped(series: list[float], horizon: int, alpha: float, beta: float, phi: float) -> tuple[list[float], list[float]]:
    level, trend = series[0], 0.0
    fitted = [NAN]
    for value in series[1:]:
        fitted.append(level + phi * trend)
        previous = level
        level = alpha * value + (1 - alpha) * (previous + phi * trend)
        trend = beta * (level - previous) + (1 - beta) * phi * trend
    forecast = []
    for h in range(1, horizon + 1):
        forecast.append(level + sum(phi ** j for j in range(1, h + 1)) * trend)
    return fitted, forecast


def holt_winters(series: list[float], horizon: int, alpha: float, beta: float, gamma: float,
                 m: int) -> tuple[list[float], list[float]]:
    level = sum(series[:m]) / m
    trend = 0.0
    # seasonal[t] is the seasonal index estimated for period t (0-based).
    seasonal = {t: series[t] - level for t in range(m)}
    fitted = [NAN] * m
    for t in range(m, len(series)):
        fitted.append(level + trend + seasonal[t - m])
        value, previous_level, previous_trend = series[t], level, trend
        level = alpha * (value - seasonal[t - m]) + (1 - alpha) * (previous_level + previous_trend)
        trend = beta * (level - previous_level) + (1 - beta) * previous_trend
        seasonal[t] = gamma * (value - previous_level - previous_trend) + (1 - gamma) * seasonal[t - m]
    count = len(series)
    forecast = []
    for h in range(1, horizon + 1):
        k = (h - 1) // m
        forecast.append(level + h * trend + seasonal[count + h - 1 - m * (k + 1)])
    return fitted, forecast


def croston(series: list[float], horizon: int, alpha: float, *, debias: bool = False) -> tuple[list[float], list[float]]:
    """Classic Croston (1972); the first demand sets the size and the interval."""
    size: float | None = None
    interval = 1.0
    since = 0
    factor = 1 - alpha / 2 if debias else 1.0
    fitted = []
    for t, value in enumerate(series):
        fitted.append(NAN if t == 0 else (0.0 if size is None else factor * size / interval))
        since += 1
        if value > 0:
            if size is None:
                size, interval = value, float(since)
            else:
                size = size + alpha * (value - size)
                interval = interval + alpha * (since - interval)
            since = 0
    final = 0.0 if size is None else factor * size / interval
    return fitted, [final] * horizon


def tsb(series: list[float], horizon: int, alpha: float, beta: float) -> tuple[list[float], list[float]]:
    size: float | None = None
    probability = 0.0
    fitted = []
    for t, value in enumerate(series):
        fitted.append(NAN if t == 0 else probability * (size or 0.0))
        occurred = 1.0 if value > 0 else 0.0
        probability = probability + beta * (occurred - probability)
        if value > 0:
            size = value if size is None else size + alpha * (value - size)
    return fitted, [probability * (size or 0.0)] * horizon


def by_label(label: str, season_length: int | None):
    """The reference function for a candidate label such as ``ses(alpha=0.3)``."""
    family, _, rest = label.partition("(")
    parameters = {}
    for part in rest.rstrip(")").split(", ") if rest else []:
        name, value = part.split("=")
        parameters[name] = float(value)
    if family == "naive":
        return lambda series, horizon: naive(series, horizon)
    if family == "seasonal_naive":
        return lambda series, horizon: seasonal_naive(series, horizon, int(parameters["m"]))
    if family == "moving_average":
        return lambda series, horizon: moving_average(series, horizon, int(parameters["window"]))
    if family == "ses":
        return lambda series, horizon: ses(series, horizon, parameters["alpha"])
    if family == "holt":
        return lambda series, horizon: damped(series, horizon, parameters["alpha"], parameters["beta"], 1.0)
    if family == "damped":
        return lambda series, horizon: damped(series, horizon, parameters["alpha"], parameters["beta"],
                                              parameters["phi"])
    if family == "holt_winters":
        return lambda series, horizon: holt_winters(series, horizon, parameters["alpha"], parameters["beta"],
                                                    parameters["gamma"], int(parameters["m"]))
    if family in {"croston", "sba"}:
        return lambda series, horizon: croston(series, horizon, parameters["alpha"], debias=family == "sba")
    if family == "tsb":
        return lambda series, horizon: tsb(series, horizon, parameters["alpha"], parameters["beta"])
    raise ValueError(label)
