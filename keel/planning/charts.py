"""Chart.js configurations (plain JSON, ADR 14) for the item planning page."""

from __future__ import annotations

from typing import Any

from keel.planning.models import ItemPlan, PlanningRun
from keel.planning.selectors import chart_dates


def _options(y_label: str) -> dict[str, Any]:
    return {
        "interaction": {"mode": "index", "intersect": False},
        "plugins": {"legend": {"position": "bottom"}},
        "scales": {"x": {"ticks": {"maxTicksLimit": 12}}, "y": {"beginAtZero": True,
                                                               "title": {"display": True, "text": y_label}}},
    }


def forecast_chart(plan: ItemPlan, run: PlanningRun) -> dict[str, Any]:
    """Demand history, then the forecast with its prediction interval as a band."""
    history, forecast = list(plan.history), list(plan.forecast)
    past, ahead = chart_dates(run, history=len(history), horizon=len(forecast))
    gap = [None] * len(history)
    level = round(100 * float(run.parameters.get("interval_level", 0.8)))
    unit = "day" if run.period_days == 1 else "week"
    return {
        "type": "line",
        "data": {
            "labels": past + ahead,
            "datasets": [
                {"label": f"Demand per {unit}", "data": history + [None] * len(forecast), "borderWidth": 1.5},
                {"label": f"Forecast ({plan.method})", "data": gap + forecast, "borderWidth": 2},
                {"label": f"{level}% interval, low", "data": gap + list(plan.forecast_lower), "borderWidth": 0,
                 "borderColor": "rgba(224,122,31,0)", "backgroundColor": "rgba(224,122,31,0)", "fill": False},
                {"label": f"{level}% interval", "data": gap + list(plan.forecast_upper), "borderWidth": 0,
                 "borderColor": "rgba(224,122,31,0)", "backgroundColor": "rgba(224,122,31,0.18)", "fill": "-1"},
            ],
        },
        "options": _options(f"units per {unit}"),
    }


def projection_chart(plan: ItemPlan, run: PlanningRun) -> dict[str, Any]:
    """Projected net stock with and without the proposed order, against min and max."""
    periods = len(plan.projected)
    _, ahead = chart_dates(run, history=0, horizon=periods)
    return {
        "type": "line",
        "data": {
            "labels": ahead,
            "datasets": [
                {"label": "Projected stock, no new order", "data": list(plan.projected), "borderWidth": 2,
                 "borderColor": "#b42318"},
                {"label": "With the proposed order", "data": list(plan.projected_with_order), "borderWidth": 2,
                 "borderColor": "#1d7a46"},
                {"label": "Min (reorder point)", "data": [round(plan.reorder_point, 2)] * periods, "borderWidth": 1,
                 "borderDash": [6, 4], "borderColor": "#5b6673"},
                {"label": "Max (order-up-to)", "data": [round(plan.order_up_to, 2)] * periods, "borderWidth": 1,
                 "borderDash": [2, 3], "borderColor": "#0f5c8c"},
            ],
        },
        "options": {**_options("units"), "scales": {"x": {"ticks": {"maxTicksLimit": 12}},
                                                   "y": {"title": {"display": True, "text": "units"}}}},
    }
