"""REST operations of the dashboards app: your dashboard's layout, presets, your KPI alerts."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query

from keel.core.api import KeelRouter, Page, PageParams, paginate
from keel.core.errors import FieldProblem, NotFound, ValidationFailed
from keel.dashboards import permissions as p
from keel.dashboards import selectors, services
from keel.dashboards.models import Alert
from keel.dashboards.schemas import (
    AlertOut,
    AlertsQuery,
    AlertsReadIn,
    AlertsReadOut,
    DashboardIn,
    DashboardOut,
    PresetIn,
    PresetOut,
)
from keel.kpis import selectors as kpi_selectors
from keel.kpis.catalogue import CATALOGUE
from keel.organization.models import JobTitle

router = KeelRouter(tags=["dashboards"])


def _person(request: HttpRequest) -> Any:
    actor = request.auth  # type: ignore[attr-defined]
    return getattr(actor, "person", actor)


def _dashboard_out(request: HttpRequest) -> dict[str, Any]:
    current = selectors.layout(actor=_person(request))
    return {
        "kpi_keys": current.keys, "is_personal": current.is_personal,
        "tiles": [{"key": key, "name": CATALOGUE[key].name, "url": kpi_selectors.kpi_url(key)} for key in current.keys],
    }


@router.get("/dashboards/me", response=DashboardOut, action=p.VIEW_DASHBOARD.code,
            summary="Your dashboard's tiles, in order")
def get_dashboard(request: HttpRequest) -> dict[str, Any]:
    return _dashboard_out(request)


@router.put("/dashboards/me", response=DashboardOut, action=p.VIEW_DASHBOARD.code,
            summary="Arrange your dashboard: the KPI keys in order")
def put_dashboard(request: HttpRequest, payload: DashboardIn) -> dict[str, Any]:
    services.save_dashboard(actor=_person(request), keys=payload.kpi_keys)
    return _dashboard_out(request)


@router.delete("/dashboards/me", response=DashboardOut, action=p.VIEW_DASHBOARD.code,
               summary="Reset your dashboard to your title's preset")
def reset_dashboard(request: HttpRequest) -> dict[str, Any]:
    services.reset_dashboard(actor=_person(request))
    return _dashboard_out(request)


def _title(slug: str) -> JobTitle:
    title = JobTitle.objects.filter(slug=slug).first()
    if title is None:
        raise NotFound(f"No job title {slug!r}.")
    return title


@router.get("/dashboards/presets", response=list[PresetOut], action=p.VIEW_PRESET.code,
            summary="The dashboard preset of every job title")
def list_presets(request: HttpRequest) -> list[dict[str, Any]]:
    rows = []
    for title, keys in selectors.presets(actor=_person(request)):
        allowed = {spec.key for spec in selectors.title_visible_kpis(title=title)}
        rows.append({"title": title.slug, "title_name": title.name, "kpi_keys": [key for key in keys if key in allowed]})
    return rows


@router.put("/dashboards/presets/{slug}", response=PresetOut, action=p.CHANGE_PRESET.code,
            summary="Replace a job title's dashboard preset")
def put_preset(request: HttpRequest, slug: str, payload: PresetIn) -> dict[str, Any]:
    title = _title(slug)
    keys = services.save_preset(actor=_person(request), title=title, keys=payload.kpi_keys)
    return {"title": title.slug, "title_name": title.name, "kpi_keys": keys}


def _alert_out(alert: Alert) -> dict[str, Any]:
    return {
        "id": alert.pk, "kpi_key": alert.kpi_key, "kpi_name": alert.kpi_name, "scope": alert.scope_key,
        "scope_label": alert.scope_label, "previous_status": alert.previous_status, "status": alert.status,
        "value": alert.value, "display": alert.display, "target": alert.target, "raised_at": alert.raised_at,
        "read_at": alert.read_at,
    }


@router.get("/alerts", response=Page[AlertOut], action=p.VIEW_ALERTS.code, summary="Your KPI alerts, newest first")
def list_alerts(request: HttpRequest, filters: Query[AlertsQuery], page: Query[PageParams]) -> dict[str, Any]:
    rows = selectors.alerts(actor=_person(request), status=filters.status,
                            is_read=None if filters.unread is None else not filters.unread, kpi_key=filters.kpi)
    result = paginate(rows.order_by("-raised_at", "-pk"), page)
    result["items"] = [_alert_out(alert) for alert in result["items"]]
    return result


@router.post("/alerts/read", response=AlertsReadOut, action=p.VIEW_ALERTS.code,
             summary="Mark your alerts read (the ids given, or all unread with all: true)")
def read_alerts(request: HttpRequest, payload: AlertsReadIn) -> dict[str, Any]:
    if not payload.ids and not payload.all:
        raise ValidationFailed("Nothing to mark.", problems=[FieldProblem(field="ids", message="give ids, or all: true")])
    ids = None if payload.all else payload.ids
    return {"marked": services.mark_alerts_read(actor=_person(request), alert_ids=ids)}
