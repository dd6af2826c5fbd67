"""KPI pages: the catalogue, each KPI's drill-down, its target form and exports.

Each view parses, authorises (``@requires`` plus the KPI's own action through the
selectors), calls selectors or one service, and renders. Every number comes from
``keel.kpis.selectors`` (tiles, history, drill_down), the code path of tiles and API.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.dateparse import parse_date
from django.views.decorators.http import require_http_methods

from keel.audit.services import record_export
from keel.core.errors import NotFound, PermissionDenied, ValidationFailed
from keel.core.spreadsheets import download
from keel.core.views import requires
from keel.kpis import exports, selectors, services
from keel.kpis import permissions as p
from keel.kpis.catalogue import DIMENSIONS
from keel.kpis.charts import breakdown_chart, trend_chart
from keel.kpis.formatting import format_value
from keel.kpis.models import KpiTarget
from keel.organization.forms import apply_problems
from keel.organization.models import JobTitle, Site

DIMENSION_LABELS = {"site": "Site", "channel": "Channel", "supplier": "Supplier", "carrier": "Carrier",
                    "team": "Team", "item": "Item"}
RECORDS_PER_PAGE = 50


def _site_id(request: HttpRequest) -> int | None:
    text = request.GET.get("site", "")
    return int(text) if text.isdigit() else None


def _sites(request: HttpRequest) -> list[Site]:
    """Sites the person may narrow KPIs to: all for company-wide people, else their own."""
    scope = selectors.scope_for(actor=request.user)
    sites = Site.objects.order_by("name")
    return list(sites if scope.is_company_wide else sites.filter(pk__in=sorted(scope.site_ids)))


@requires(p.VIEW_KPI.code)
def catalogue_view(request: HttpRequest) -> HttpResponse:
    try:
        site_id = _site_id(request)
        specs = selectors.visible_kpis(actor=request.user)
        tiles = selectors.tiles(actor=request.user, keys=[spec.key for spec in specs], site_id=site_id)
    except NotFound as error:
        raise Http404(str(error)) from error
    query = request.GET.get("q", "").strip().lower()
    rows = [tiles[spec.key] for spec in specs
            if not query or query in f"{spec.name} {spec.definition} {spec.area.label}".lower()]
    if request.GET.get("export") in {"csv", "xlsx"}:
        header, data = exports.catalogue_rows(rows)
        record_export(actor=request.user, object_type="kpi", row_count=len(data), file_format=request.GET["export"])
        return download(filename="kpis", header=header, rows=data, file_format=request.GET["export"])
    lines = {line.kpi_key: line for line in KpiTarget.objects.filter(site__isnull=True)}
    owners = _owner_names()
    entries = [{"tile": tile, "line": lines.get(tile.spec.key), "chart": trend_chart(tile, compact=True),
                "chart_id": f"trend-{tile.spec.key}", "owner": owners.get(tile.spec.owner_title, tile.spec.owner_title)}
               for tile in rows]
    return render(request, "kpis/catalogue.html", {
        "entries": entries, "query": request.GET.get("q", ""), "sites": _sites(request), "site_id": site_id,
    })


def _owner_names() -> dict[str, str]:
    return dict(JobTitle.objects.values_list("slug", "name"))


def _period(request: HttpRequest) -> date | None:
    return parse_date(request.GET.get("period", "") or "") if request.GET.get("period") else None


@requires(p.VIEW_KPI.code)
def detail_view(request: HttpRequest, key: str) -> HttpResponse:
    try:
        site_id = _site_id(request)
        tile = selectors.tiles(actor=request.user, keys=[key], site_id=site_id).get(key)
        if tile is None:
            raise NotFound("No such KPI")
        detail = selectors.drill_down(actor=request.user, key=key, period=_period(request), site_id=site_id)
    except NotFound as error:
        raise Http404(str(error)) from error
    spec = tile.spec
    export = request.GET.get("export")
    if export in {"csv", "xlsx"}:
        what = request.GET.get("what", "history")
        header, data = exports.detail_rows(tile, detail, what=what)
        record_export(actor=request.user, object_type=f"kpi_{what}", row_count=len(data), file_format=export)
        return download(filename=f"{key}-{what}", header=header, rows=data, file_format=export)
    breakdowns = []
    records_page = None
    if detail is not None:
        for dimension in spec.dimensions:
            members = detail.breakdowns.get(dimension)
            if members is None:
                continue
            labels = selectors.dimension_labels(dimension, list(members))
            rows = sorted(((labels.get(member, str(member)), value) for member, value in members.items()),
                          key=lambda row: (row[1] is None, -(row[1] or 0) if spec.higher_is_better else (row[1] or 0)))
            breakdowns.append({
                "dimension": dimension, "label": DIMENSION_LABELS[dimension],
                "rows": [(label, value, format_value(value, spec.unit)) for label, value in rows],
                "chart": breakdown_chart(spec, DIMENSION_LABELS[dimension], rows),
            })
        records_page = Paginator(exports.record_rows(detail, spec), RECORDS_PER_PAGE).get_page(request.GET.get("page"))
    is_open_period = detail is None or detail.period == (tile.trend[-1][0] if tile.trend else None)
    return render(request, "kpis/detail.html", {
        "tile": tile, "spec": spec, "detail": detail, "breakdowns": breakdowns, "records": records_page,
        "record_header": exports.record_header(spec, detail) if detail is not None else [],
        "period_value": format_value(detail.value, spec.unit) if detail is not None else tile.display,
        "is_open_period": is_open_period, "owner": _owner_names().get(spec.owner_title, spec.owner_title), "chart": trend_chart(tile), "sites": _sites(request), "site_id": site_id,
        "periods": [start for start, _ in reversed(tile.trend)],
        "can_manage": services.can_manage_target(actor=request.user, key=key),
        "lines": KpiTarget.objects.filter(kpi_key=key).select_related("site").order_by("site__name"),
        "dimension_names": [DIMENSION_LABELS[d] for d in spec.dimensions if d in DIMENSIONS],
    })


class TargetForm(forms.Form):
    site = forms.ModelChoiceField(queryset=Site.objects.order_by("name"), required=False,
                                  empty_label="Company-wide", help_text="A site's own line wins for that site")
    target = forms.FloatField(required=False)
    amber = forms.FloatField(required=False, help_text="Worse than this shows amber")
    red = forms.FloatField(required=False, help_text="Worse than this shows red")
    remove = forms.BooleanField(required=False, label="Remove this line")


@requires(p.VIEW_KPI.code)
@require_http_methods(["GET", "POST"])
def target_view(request: HttpRequest, key: str) -> HttpResponse:
    if not selectors.can_see(actor=request.user, key=key):
        raise Http404("No such KPI")
    if not services.can_manage_target(actor=request.user, key=key):
        return render(request, "403.html", {"needed_action": p.MANAGE_TARGET}, status=403)
    tile = selectors.tiles(actor=request.user, keys=[key])[key]
    form = TargetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data: dict[str, Any] = form.cleaned_data
        try:
            if data["remove"]:
                services.remove_target(actor=request.user, key=key, site=data["site"])
            else:
                services.set_target(actor=request.user, key=key, site=data["site"], target=data["target"],
                                    amber=data["amber"], red=data["red"])
        except ValidationFailed as error:
            apply_problems(form, error)
        except PermissionDenied as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"The {tile.spec.name} target was saved.")
            return redirect("kpis:detail", key=key)
    return render(request, "kpis/target.html", {
        "form": form, "tile": tile, "spec": tile.spec,
        "lines": KpiTarget.objects.filter(kpi_key=key).select_related("site").order_by("site__name"),
    }, status=400 if form.errors else 200)
