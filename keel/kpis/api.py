"""REST operations of KPIs, for BI tools: catalogue, values, history, breakdowns, records
and CSV export. Numbers come from ``keel.kpis.selectors``, the code path of the pages."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Schema

from keel.audit.services import record_export
from keel.core.api import KeelRouter, Page, PageParams
from keel.core.errors import NotFound, ValidationFailed
from keel.core.spreadsheets import csv_bytes
from keel.kpis import exports, selectors
from keel.kpis import permissions as p
from keel.kpis.catalogue import KpiSpec
from keel.kpis.selectors import Tile

router = KeelRouter(tags=["KPIs"])


class KpiOut(Schema):
    key: str
    name: str
    definition: str
    formula: str
    unit: str
    direction: str
    owner_title: str
    area: str
    grain: str
    dimensions: list[str]
    lineage: list[str]
    action: str
    built: bool


class ValueOut(Schema):
    key: str
    period: date | None = Field(None, description="Start of the open period the value covers")
    value: float | None
    display: str
    target: float | None
    status: str = Field(description="green, amber, red or none")
    no_data: bool
    reason: str


class PointOut(Schema):
    period: date
    value: float | None


class HistoryOut(Schema):
    key: str
    grain: str
    points: list[PointOut]


class MemberOut(Schema):
    id: int | None
    label: str
    value: float | None


class BreakdownOut(Schema):
    key: str
    period: date
    dimension: str
    members: list[MemberOut]


class RecordOut(Schema):
    record: str
    at: str
    dimensions: dict[str, str]
    measure: Any = None


class ValuesQuery(Schema):
    keys: str | None = Field(None, description="Comma-separated KPI keys; all the KPIs you may see by default")
    site: int | None = Field(None, description="One of your sites; all your sites by default")


class ScopeQuery(Schema):
    site: int | None = Field(None, description="One of your sites; all your sites by default")
    period: date | None = Field(None, description="Any day of the period; the open period by default")


def _actor(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def spec_out(spec: KpiSpec) -> dict[str, Any]:
    return {"key": spec.key, "name": spec.name, "definition": spec.definition, "formula": spec.formula,
            "unit": spec.unit, "direction": spec.direction, "owner_title": spec.owner_title, "area": spec.area.value,
            "grain": spec.grain, "dimensions": list(spec.dimensions), "lineage": list(spec.lineage),
            "action": spec.action, "built": spec.built}


def value_out(tile: Tile) -> dict[str, Any]:
    return {"key": tile.spec.key, "period": tile.trend[-1][0] if tile.trend else None, "value": tile.value,
            "display": tile.display, "target": tile.target, "status": tile.status, "no_data": tile.no_data,
            "reason": tile.reason}


def _tile(request: HttpRequest, key: str, site: int | None) -> Tile:
    tile = selectors.tiles(actor=_actor(request), keys=[key], site_id=site).get(key)
    if tile is None:
        raise NotFound(f"No KPI {key!r} among the KPIs you can see.")
    return tile


@router.get("/kpis", response=list[KpiOut], action=p.VIEW_KPI.code, summary="The KPI catalogue (the KPIs you may see)")
def list_kpis(request: HttpRequest) -> list[dict[str, Any]]:
    return [spec_out(spec) for spec in selectors.visible_kpis(actor=_actor(request))]


@router.get("/kpis/values", response=list[ValueOut], action=p.VIEW_KPI.code,
            summary="Current values of many KPIs at once (the numbers of the dashboard tiles)")
def kpi_values(request: HttpRequest, filters: Query[ValuesQuery]) -> list[dict[str, Any]]:
    actor = _actor(request)
    keys = ([key.strip() for key in filters.keys.split(",") if key.strip()] if filters.keys
            else [spec.key for spec in selectors.visible_kpis(actor=actor)])
    tiles = selectors.tiles(actor=actor, keys=keys, site_id=filters.site)
    return [value_out(tile) for tile in tiles.values()]


@router.get("/kpis/{key}", response=ValueOut, action=p.VIEW_KPI.code, summary="One KPI's current value")
def kpi_value(request: HttpRequest, key: str, site: int | None = None) -> dict[str, Any]:
    return value_out(_tile(request, key, site))


@router.get("/kpis/{key}/history", response=HistoryOut, action=p.VIEW_KPI.code,
            summary="A KPI per period, oldest first (stored history and the open period)")
def kpi_history(request: HttpRequest, key: str, site: int | None = None,
                periods: int | None = Query(None, ge=1, le=120)) -> dict[str, Any]:
    result = selectors.history(actor=_actor(request), key=key, periods=periods, site_id=site)
    spec = selectors.get_spec(key)
    return {"key": key, "grain": spec.grain,
            "points": [{"period": start, "value": value} for start, value in result.trend]}


@router.get("/kpis/{key}/breakdown", response=BreakdownOut, action=p.VIEW_KPI.code,
            summary="A KPI for one period by one of its dimensions")
def kpi_breakdown(request: HttpRequest, key: str, dimension: str, filters: Query[ScopeQuery]) -> dict[str, Any]:
    spec = _tile(request, key, filters.site).spec
    if dimension not in spec.dimensions:
        raise ValidationFailed("Unknown breakdown.", problems=[_problem("dimension", spec)])
    detail = selectors.drill_down(actor=_actor(request), key=key, period=filters.period, site_id=filters.site)
    if detail is None:
        raise NotFound(f"{spec.name} has no data yet.")
    members = detail.breakdowns.get(dimension, {})
    labels = selectors.dimension_labels(dimension, list(members))
    return {"key": key, "period": detail.period, "dimension": dimension,
            "members": [{"id": member, "label": labels.get(member, str(member)), "value": value}
                        for member, value in members.items()]}


def _problem(field: str, spec: KpiSpec) -> Any:
    from keel.core.errors import FieldProblem

    return FieldProblem(field=field, message=f"use one of {', '.join(spec.dimensions) or '(none)'}")


@router.get("/kpis/{key}/records", response=Page[RecordOut], action=p.VIEW_KPI.code,
            summary="The records behind a KPI's number for one period")
def kpi_records(request: HttpRequest, key: str, filters: Query[ScopeQuery], page: Query[PageParams]) -> dict[str, Any]:
    spec = _tile(request, key, filters.site).spec
    detail = selectors.drill_down(actor=_actor(request), key=key, period=filters.period, site_id=filters.site)
    if detail is None:
        raise NotFound(f"{spec.name} has no data yet.")
    header = exports.record_header(spec, detail)
    rows = exports.record_rows(detail, spec)
    has_measure = "measure" in detail.records.columns
    names = header[2:-1] if has_measure else header[2:]
    items = [{"record": str(row[0]), "at": str(row[1]),
              "dimensions": {name.lower(): str(value) for name, value in zip(names, row[2:2 + len(names)], strict=True)},
              "measure": row[-1] if has_measure else None}
             for row in rows[page.offset:page.offset + page.limit]]
    return {"count": len(rows), "limit": page.limit, "offset": page.offset, "items": items}


@router.get("/kpis/{key}/export.csv", action=p.VIEW_KPI.code, summary="CSV of a KPI's history, breakdown or records",
            response={200: None})
def kpi_export(request: HttpRequest, key: str, filters: Query[ScopeQuery], what: str = "history") -> HttpResponse:
    tile = _tile(request, key, filters.site)
    if what not in {"history", "breakdown", "records"}:
        from keel.core.errors import FieldProblem

        raise ValidationFailed("Unknown export.", problems=[FieldProblem(field="what",
                                                                          message="history, breakdown or records")])
    detail = None if what == "history" else selectors.drill_down(
        actor=_actor(request), key=key, period=filters.period, site_id=filters.site)
    header, rows = exports.detail_rows(tile, detail, what=what)
    record_export(actor=_actor(request), object_type=f"kpi_{what}", row_count=len(rows), file_format="csv")
    response = HttpResponse(csv_bytes(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{key}-{what}.csv"'
    return response
