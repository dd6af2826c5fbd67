"""Rows for KPI exports (CSV/XLSX through keel.core.spreadsheets, which neutralises
formulas) and for the drill-down's record table: the same numbers the pages show."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from keel.kpis.catalogue import KpiSpec
from keel.kpis.computation import PeriodDetail
from keel.kpis.selectors import Tile, dimension_labels

RECORD_DIMENSIONS = ("site", "channel", "carrier", "supplier", "team", "item")
MEASURE_LABELS = {"hit": "Counts as met", "num": "Units covered", "on_hand_end": "On hand at the end",
                  "cogs": "Cost of goods shipped", "ppv": "Price variance", "repeat": "Bought before",
                  "hours": "Hours worked", "status": "Order status"}
UNIT_LABELS = {"hours": "Hours", "days": "Days", "money": "Amount", "count": "Count", "percent": "Percent",
               "ratio": "Value"}


def measure_label(spec: KpiSpec) -> str:
    from keel.analytics.kpi import FORMULAS

    formula = FORMULAS.get(spec.key)
    if formula is None:
        return "Measure"
    return MEASURE_LABELS.get(formula.measure, UNIT_LABELS[spec.unit])


def _number(value: float | None) -> object:
    return "" if value is None else round(value, 6)


def catalogue_rows(tiles: Sequence[Tile]) -> tuple[list[str], list[list[object]]]:
    header = ["key", "name", "unit", "direction", "grain", "period", "value", "display", "target", "status",
              "owner_title", "formula", "reason"]
    rows: list[list[object]] = []
    for tile in tiles:
        period = tile.trend[-1][0].isoformat() if tile.trend else ""
        rows.append([tile.spec.key, tile.spec.name, tile.spec.unit, tile.spec.direction, tile.spec.grain, period,
                     _number(tile.value), tile.display, _number(tile.target), tile.status, tile.spec.owner_title,
                     tile.spec.formula, tile.reason])
    return header, rows


def history_rows(tile: Tile) -> tuple[list[str], list[list[object]]]:
    return ["key", "period", "value"], [[tile.spec.key, start.isoformat(), _number(value)]
                                        for start, value in tile.trend]


def breakdown_rows(detail: PeriodDetail) -> tuple[list[str], list[list[object]]]:
    rows: list[list[object]] = []
    for dimension, members in detail.breakdowns.items():
        labels = dimension_labels(dimension, list(members))
        for member, value in members.items():
            rows.append([detail.key, detail.period.isoformat(), dimension, "" if member is None else member,
                         labels.get(member, str(member)), _number(value)])
    return ["key", "period", "dimension", "member_id", "member", "value"], rows


def record_header(spec: KpiSpec, detail: PeriodDetail | None) -> list[str]:
    if detail is None:
        return []
    dims = [d for d in RECORD_DIMENSIONS if d in detail.records.columns]
    return ["Record", "Time", *(d.capitalize() for d in dims),
            *([measure_label(spec)] if "measure" in detail.records.columns else [])]


def record_rows(detail: PeriodDetail, spec: KpiSpec) -> list[list[Any]]:
    """The rows behind the number, with dimension ids replaced by their names."""
    frame = detail.records
    dims = [d for d in RECORD_DIMENSIONS if d in frame.columns]
    labels = {d: dimension_labels(d, frame[d].unique().to_list()) for d in dims}
    rows: list[list[Any]] = []
    for row in frame.iter_rows(named=True):
        measure = row.get("measure")
        if isinstance(measure, bool):
            measure = "yes" if measure else "no"
        elif isinstance(measure, float):
            measure = round(measure, 2)
        rows.append([row["record"], row["at"].strftime("%Y-%m-%d %H:%M") if row.get("at") else "",
                     *(labels[d].get(row[d], str(row[d])) for d in dims),
                     *([measure] if "measure" in frame.columns else [])])
    return rows


def detail_rows(tile: Tile, detail: PeriodDetail | None, *, what: str) -> tuple[list[str], list[list[object]]]:
    if what == "breakdown" and detail is not None:
        return breakdown_rows(detail)
    if what == "records" and detail is not None:
        return record_header(tile.spec, detail), record_rows(detail, tile.spec)
    return history_rows(tile)
