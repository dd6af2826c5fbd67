"""Demand forecasting, vectorised over a matrix of series (series x periods).

Methods (:mod:`.methods`): naive, seasonal naive, moving average, simple exponential
smoothing, Holt, damped trend, additive Holt-Winters, Croston, SBA and TSB. Automatic
choice per series by rolling-origin backtest, error spread and prediction intervals
(:mod:`.selection`); accuracy metrics MASE, WAPE and bias (:mod:`.metrics`).
Pure NumPy/SciPy: no Django, no domain apps.
"""

from keel.analytics.forecasting.methods import (
    Fit,
    Method,
    croston,
    damped_trend,
    holt,
    holt_winters_additive,
    moving_average,
    naive,
    run,
    sba,
    seasonal_naive,
    simple_exponential_smoothing,
    tsb,
)
from keel.analytics.forecasting.metrics import Accuracy, accuracy, mase_scale
from keel.analytics.forecasting.selection import (
    FAMILIES,
    ForecastResult,
    candidate_methods,
    forecast,
    prediction_interval,
)

__all__ = [
    "FAMILIES", "Accuracy", "Fit", "ForecastResult", "Method", "accuracy", "candidate_methods", "croston",
    "damped_trend", "forecast", "holt", "holt_winters_additive", "mase_scale", "moving_average", "naive",
    "prediction_interval", "run", "sba", "seasonal_naive", "simple_exponential_smoothing", "tsb",
]
