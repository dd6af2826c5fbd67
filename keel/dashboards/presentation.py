"""How a KPI tile looks: its status words, target line and sparkline (a Chart.js config).

Functions over ``keel.kpis.selectors.Tile``, without queries; numbers are written with the
KPI app's own ``format_value``, so a target reads like the value beside it. The sparkline is a plain Chart.js JSON
configuration (ADR 14) that the template renders with ``json_script`` next to a canvas.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from keel.kpis.formatting import format_value

STATUS_COLOURS = {"green": "#1d7a46", "amber": "#b86e00", "red": "#b42318", "none": "#5b6673"}
STATUS_LABELS = {"green": "On target", "amber": "Watch", "red": "Off target", "none": "No target"}


@dataclass(frozen=True, slots=True)
class Card:
    """One tile as the home page shows it."""

    key: str
    name: str
    area: str
    definition: str
    display: str
    status: str
    status_label: str
    target_line: str
    no_data: bool
    reason: str
    url: str
    chart_id: str
    chart: dict[str, Any] | None
    trend_label: str


def target_line(tile: Any) -> str:
    if tile.target is None:
        return "No target set"
    comparison = "≥" if tile.spec.direction == "higher" else "≤"
    return f"Target {comparison} {format_value(float(tile.target), tile.spec.unit)}"


def sparkline(tile: Any) -> dict[str, Any] | None:
    """A minimal line chart of the trend from its first known value, or None with fewer
    than two known points."""
    points = list(tile.trend)
    # Periods before the first known value (before the data began) would squeeze the line
    # into the right-hand end of the tile; gaps after it stay gaps.
    while points and points[0][1] is None:
        points.pop(0)
    if sum(1 for _, value in points if value is not None) < 2:
        return None
    colour = STATUS_COLOURS.get(tile.status, STATUS_COLOURS["none"])
    return {
        "type": "line",
        "data": {
            "labels": [day.isoformat() for day, _ in points],
            "datasets": [{
                "label": tile.spec.name,
                "data": [None if value is None else round(float(value), 4) for _, value in points],
                "borderColor": colour,
                "backgroundColor": colour + "1f",
                "fill": True,
                "borderWidth": 2,
                "pointRadius": 0,
                "tension": 0.3,
                "spanGaps": True,
            }],
        },
        "options": {
            "plugins": {"legend": {"display": False}, "tooltip": {"displayColors": False}},
            "scales": {"x": {"display": False}, "y": {"display": False}},
            "interaction": {"intersect": False, "mode": "index"},
            "layout": {"padding": 2},
        },
    }


def cards(tiles: Iterable[Any], *, urls: dict[str, str]) -> list[Card]:
    """The home page's cards for ``tiles`` (in order), linking to each KPI's drill-down."""
    result = []
    for tile in tiles:
        spec = tile.spec
        status = tile.status if tile.status in STATUS_COLOURS else "none"
        periods = len(tile.trend)
        result.append(Card(
            key=spec.key, name=spec.name, area=spec.area.label, definition=spec.definition,
            display="no data yet" if tile.no_data else tile.display,
            status=status,
            status_label="No data" if tile.no_data else STATUS_LABELS[status],
            target_line=target_line(tile),
            no_data=tile.no_data, reason=tile.reason, url=urls[spec.key],
            chart_id=f"spark-{spec.key}", chart=None if tile.no_data else sparkline(tile),
            trend_label=f"{spec.name}, last {periods} {spec.grain}{'s' if periods != 1 else ''}",
        ))
    return result
