"""KPI pages: the catalogue and each KPI's drill-down."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from keel.core.views import requires
from keel.kpis import permissions as p
from keel.kpis import selectors


@requires(p.VIEW_KPI.code)
def catalogue_view(request: HttpRequest) -> HttpResponse:
    specs = selectors.visible_kpis(actor=request.user)
    tiles = selectors.tiles(actor=request.user, keys=[spec.key for spec in specs])
    return render(request, "kpis/catalogue.html", {"tiles": [tiles[spec.key] for spec in specs]})


@requires(p.VIEW_KPI.code)
def detail_view(request: HttpRequest, key: str) -> HttpResponse:
    if not selectors.can_see(actor=request.user, key=key):
        raise Http404("No such KPI")
    tile = selectors.tiles(actor=request.user, keys=[key])[key]
    return render(request, "kpis/detail.html", {"tile": tile, "spec": tile.spec})
