"""Chart.js configurations (plain JSON, ADR 14) for KPI trends and breakdowns."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from keel.kpis.catalogue import KpiSpec

STATUS_COLOURS = {"green": "#1d7a46", "amber": "#c99a00", "red": "#b42318", "none": "#0f5c8c"}


def _label(start: Any, grain: str) -> str:
    return start.strftime("%b %Y") if grain == "month" else start.strftime("%d %b")


def trend_chart(tile: Any, *, compact: bool = False) -> dict[str, Any]:
    """A line of the KPI per period (gaps where there is no data), with its target as a dashed line."""
    spec: KpiSpec = tile.spec
    labels = [_label(start, spec.grain) for start, _ in tile.trend]
    datasets: list[dict[str, Any]] = [{
        "label": spec.name, "data": [value for _, value in tile.trend], "spanGaps": False,
        "borderColor": STATUS_COLOURS.get(tile.status, STATUS_COLOURS["none"]), "borderWidth": 2,
        "pointRadius": 0 if compact else 3, "fill": False,
    }]
    if tile.target is not None and not compact:
        datasets.append({"label": "Target", "data": [tile.target] * len(labels), "borderDash": [6, 4],
                         "borderColor": "#5b6673", "borderWidth": 1, "pointRadius": 0, "fill": False})
    options: dict[str, Any] = {"plugins": {"legend": {"display": not compact}},
                               "scales": {"x": {"display": not compact}, "y": {"display": not compact}}}
    if compact:
        options["plugins"]["tooltip"] = {"enabled": False}
    return {"type": "line", "data": {"labels": labels, "datasets": datasets}, "options": options}


def breakdown_chart(spec: KpiSpec, dimension: str, rows: Sequence[tuple[str, float | None]]) -> dict[str, Any]:
    """Horizontal bars of the KPI per member of one dimension (at most 20, best first)."""
    shown = [row for row in rows if row[1] is not None][:20]
    return {
        "type": "bar",
        "data": {"labels": [label for label, _ in shown],
                 "datasets": [{"label": f"{spec.name} by {dimension.lower()}", "data": [value for _, value in shown]}]},
        "options": {"indexAxis": "y", "plugins": {"legend": {"display": False}}},
    }
