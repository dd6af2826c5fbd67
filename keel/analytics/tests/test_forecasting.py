"""The vectorised forecasting engine against plain per-series reference implementations."""

from __future__ import annotations

import math

import numpy as np
import pytest

from keel.analytics import forecasting
from keel.analytics.forecasting.metrics import accuracy, mase_scale
from keel.analytics.tests import reference

TOLERANCE = 1e-9


def _series_matrix(seed: int = 3, count: int = 12, periods: int = 30) -> np.ndarray:
    """Smooth, trending, seasonal and intermittent series side by side."""
    rng = np.random.default_rng(seed)
    t = np.arange(periods)
    rows = []
    for index in range(count):
        kind = index % 4
        if kind == 0:
            rows.append(rng.normal(50, 5, periods))
        elif kind == 1:
            rows.append(20 + 1.5 * t + rng.normal(0, 3, periods))
        elif kind == 2:
            rows.append(30 + 10 * np.sin(2 * np.pi * t / 4) + rng.normal(0, 2, periods))
        else:
            rows.append(rng.poisson(0.4, periods) * rng.integers(1, 9, periods))
    matrix = np.array(rows, dtype=float)
    matrix[3, :5] = 0.0  # an intermittent series whose first demand comes late
    return matrix


def _assert_close(actual: np.ndarray, expected: list[float]) -> None:
    expected_array = np.array(expected, dtype=float)
    assert actual.shape == expected_array.shape
    assert np.array_equal(np.isnan(actual), np.isnan(expected_array))
    assert np.allclose(actual, expected_array, rtol=0, atol=TOLERANCE, equal_nan=True)


CASES = [
    ("naive", {}, lambda s, h: reference.naive(s, h)),
    ("seasonal_naive", {"season_length": 4}, lambda s, h: reference.seasonal_naive(s, h, 4)),
    ("moving_average", {"window": 5}, lambda s, h: reference.moving_average(s, h, 5)),
    ("simple_exponential_smoothing", {"alpha": 0.3}, lambda s, h: reference.ses(s, h, 0.3)),
    ("holt", {"alpha": 0.4, "beta": 0.2}, lambda s, h: reference.damped(s, h, 0.4, 0.2, 1.0)),
    ("damped_trend", {"alpha": 0.4, "beta": 0.2, "phi": 0.85},
     lambda s, h: reference.damped(s, h, 0.4, 0.2, 0.85)),
    ("holt_winters_additive", {"alpha": 0.3, "beta": 0.1, "gamma": 0.2, "season_length": 4},
     lambda s, h: reference.holt_winters(s, h, 0.3, 0.1, 0.2, 4)),
    ("croston", {"alpha": 0.2}, lambda s, h: reference.croston(s, h, 0.2)),
    ("sba", {"alpha": 0.2}, lambda s, h: reference.croston(s, h, 0.2, debias=True)),
    ("tsb", {"alpha": 0.2, "beta": 0.3}, lambda s, h: reference.tsb(s, h, 0.2, 0.3)),
]


@pytest.mark.parametrize(("name", "parameters", "expected"), CASES, ids=[case[0] for case in CASES])
def test_each_method_equals_the_per_series_reference_on_every_row(name, parameters, expected) -> None:
    # Given twelve series of four kinds in one matrix
    history = _series_matrix()
    # When the vectorised method runs on all of them at once
    fit = getattr(forecasting, name)(history, horizon=9, **parameters)
    # Then every row equals the plain reference run on that series alone, to 1e-9
    for row, series in enumerate(history.tolist()):
        fitted, forecast = expected(series, 9)
        _assert_close(fit.fitted[row], fitted)
        _assert_close(fit.forecast[row], forecast)


def test_one_parameter_per_series_equals_the_reference_with_that_parameter() -> None:
    history = _series_matrix()
    alphas = np.linspace(0.05, 0.95, history.shape[0])
    fit = forecasting.simple_exponential_smoothing(history, horizon=3, alpha=alphas)
    for row, series in enumerate(history.tolist()):
        fitted, forecast = reference.ses(series, 3, float(alphas[row]))
        _assert_close(fit.fitted[row], fitted)
        _assert_close(fit.forecast[row], forecast)


def test_classic_croston_by_hand() -> None:
    # Given demand 0, 4, 0, 0, 8, 0 and alpha 0.5
    fit = forecasting.croston([[0.0, 4.0, 0.0, 0.0, 8.0, 0.0]], horizon=2, alpha=0.5)
    # Then: 0 before the first demand; first demand (period 2) sets z = 4, p = 2;
    # the next (3 periods later) gives z = 6, p = 2.5, so 6 / 2.5 = 2.4
    assert fit.fitted.tolist()[0][1:] == [0.0, 2.0, 2.0, 2.0, 2.4]
    assert fit.forecast.tolist() == [[2.4, 2.4]]


def test_a_series_without_demand_forecasts_zero_with_intermittent_methods() -> None:
    zeros = np.zeros((1, 8))
    for name in ("croston", "sba"):
        assert getattr(forecasting, name)(zeros, horizon=2, alpha=0.1).forecast.tolist() == [[0.0, 0.0]]
    assert forecasting.tsb(zeros, horizon=2, alpha=0.1, beta=0.1).forecast.tolist() == [[0.0, 0.0]]


def _reference_selection(series: list[float], labels: list[str], *, horizon: int, origins: int, leads: int,
                         season_length: int | None):
    """Per series: refit each candidate on the history up to each origin, score, choose."""
    periods = len(series)
    best = None
    for index, label in enumerate(labels):
        method = reference.by_label(label, season_length)
        errors: dict[int, list[float]] = {lead: [] for lead in range(1, leads + 1)}
        for origin in range(periods - origins, periods):
            _, predicted = method(series[:origin], leads)
            for lead in range(1, leads + 1):
                if origin + lead - 1 < periods:
                    errors[lead].append(predicted[lead - 1] - series[origin + lead - 1])
        every = [error for lead in errors for error in errors[lead]]
        mse = sum(error * error for error in every) / len(every)
        if best is None or mse < best[0]:
            lead_rmse = [math.sqrt(sum(e * e for e in errors[lead]) / len(errors[lead])) for lead in errors]
            best = (mse, index, method(series, horizon)[1], lead_rmse, every)
    return best


def test_automatic_choice_equals_a_per_series_refit_backtest() -> None:
    # Given series of four kinds and the full candidate list with a season of 4
    history = _series_matrix(seed=11, count=16, periods=26)
    result = forecasting.forecast(history, horizon=6, season_length=4, origins=8)
    assert (result.origins, result.backtest_horizon) == (8, 4)
    labels = list(result.methods)
    for row, series in enumerate(history.tolist()):
        # Then each series gets the method that a per-series refit at every origin chooses,
        mse, index, forecast, lead_rmse, errors = _reference_selection(
            series, labels, horizon=6, origins=8, leads=4, season_length=4)
        assert result.method_index[row] == index, (row, labels[index], result.method_labels[row])
        assert math.isclose(result.backtest_mse[row], mse, rel_tol=1e-12, abs_tol=1e-9)
        _assert_close(result.forecast[row], forecast)
        # with the per-lead error spread (non-decreasing, then growing with the square root)
        expected_sigma = list(np.maximum.accumulate(lead_rmse))
        expected_sigma += [expected_sigma[-1] * math.sqrt(lead / 4) for lead in (5, 6)]
        _assert_close(result.sigma[row], expected_sigma)
        # and its backtest accuracy
        actual_total = sum(abs(value) for value in series[18:]) + sum(abs(v) for v in series[19:]) \
            + sum(abs(v) for v in series[20:]) + sum(abs(v) for v in series[21:])
        assert math.isclose(result.accuracy.wape[row], sum(abs(e) for e in errors) / actual_total, rel_tol=1e-12)
        assert math.isclose(result.accuracy.bias[row], sum(errors) / actual_total, rel_tol=1e-12, abs_tol=1e-12)


def test_the_choice_is_the_same_whatever_the_chunk_size() -> None:
    history = _series_matrix(seed=5, count=40, periods=30)
    whole = forecasting.forecast(history, horizon=4, season_length=4)
    chunked = forecasting.forecast(history, horizon=4, season_length=4, chunk_size=7)
    assert np.array_equal(whole.method_index, chunked.method_index)
    assert np.array_equal(whole.forecast, chunked.forecast)
    assert np.array_equal(whole.accuracy.mase, chunked.accuracy.mase, equal_nan=True)


def test_a_named_family_chooses_only_among_its_parameters() -> None:
    history = _series_matrix()
    result = forecasting.forecast(history, horizon=2, method="croston")
    assert set(result.methods) == {"croston(alpha=0.1)", "croston(alpha=0.3)"}


def test_holt_winters_shrinks_the_backtest_when_the_history_is_short() -> None:
    # 6 periods with a season of 4: only 2 origins can follow a full season
    history = np.array([[10.0, 20, 30, 40, 12, 22]])
    result = forecasting.forecast(history, horizon=2, season_length=4, method="holt_winters")
    assert result.origins == 2
    with pytest.raises(ValueError, match="needs at least 5 periods"):
        forecasting.forecast(history[:, :4], horizon=2, season_length=4, method="holt_winters")


def test_unknown_method_and_missing_season_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown method 'arima'"):
        forecasting.forecast([[1.0, 2, 3]], horizon=1, method="arima")
    with pytest.raises(ValueError, match="seasonal_naive needs a season length"):
        forecasting.forecast([[1.0, 2, 3]], horizon=1, method="seasonal_naive")
    with pytest.raises(ValueError, match="finite numbers"):
        forecasting.forecast([[1.0, math.nan, 3]], horizon=1)


def test_prediction_interval_is_normal_and_cut_at_zero() -> None:
    result = forecasting.forecast([[0.0, 5, 0, 0, 5, 0, 0, 0, 5, 0]], horizon=3, method="naive", origins=4)
    lower, upper = forecasting.prediction_interval(result, level=0.95)
    z = 1.959963984540054
    assert np.allclose(upper, result.forecast + z * result.sigma, atol=1e-12)
    assert lower.min() == 0.0


def test_accuracy_metrics_by_hand() -> None:
    # Given actuals 2, 4 and forecasts 3, 3 for one series; 10, 10 vs 12, 12 for another
    scores = accuracy([[2.0, 4.0], [10.0, 10.0]], [[3.0, 3.0], [12.0, 12.0]], scale=[2.0, 1.0])
    # Then MASE = MAE / scale, WAPE = sum |e| / sum |y|, bias = sum e / sum |y|
    assert scores.mase.tolist() == [0.5, 2.0]
    assert scores.wape.tolist() == [2 / 6, 4 / 20]
    assert scores.bias.tolist() == [0.0, 4 / 20]
    assert scores.overall() == {"mase": 1.25, "wape": 6 / 26, "bias": 4 / 26}
    # And the scale is the in-sample mean absolute (seasonal) naive error
    assert mase_scale([[1.0, 3.0, 2.0, 6.0]], season_length=1).tolist() == [7 / 3]
    assert math.isnan(accuracy([[1.0]], [[2.0]], scale=[0.0]).mase[0])
