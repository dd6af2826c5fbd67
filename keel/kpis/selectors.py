"""Reading KPIs: tiles (value, target, status, trend), catalogue rows, drill-downs.

Every number a person sees — tile, catalogue, drill-down, API, export — comes from
``keel.kpis.computation.compute`` through the functions here, so they cannot disagree.
Results are scoped to the actor's reach, limited to the KPIs whose action the actor
holds, and cached by the event log's high-water mark plus the scope key.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.urls import reverse

from keel.core.errors import NotFound
from keel.kpis import computation
from keel.kpis.catalogue import CATALOGUE, KpiSpec, get_spec
from keel.kpis.formatting import format_value
from keel.kpis.scope import Scope
from keel.kpis.targets import TargetLine, status_of, targets_for
from keel.orders.models import Carrier, SalesChannel
from keel.organization.models import Site, Team
from keel.supply_chain.models import Item, Supplier


@dataclass(frozen=True, slots=True)
class Tile:
    """One KPI as a dashboard tile shows it."""

    spec: KpiSpec
    value: float | None
    display: str
    target: float | None
    status: str
    trend: list[tuple[date, float | None]]
    no_data: bool
    reason: str


def visible_kpis(*, actor: Any) -> list[KpiSpec]:
    """The KPIs ``actor`` may see (signed in, holding each KPI's action), catalogue order."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.has_action("kpis.view_kpi"):
        return []
    return [spec for spec in CATALOGUE.values() if actor.has_action(spec.action)]


def can_see(*, actor: Any, key: str) -> bool:
    return key in CATALOGUE and any(spec.key == key for spec in visible_kpis(actor=actor))


def scope_for(*, actor: Any, site_id: int | None = None) -> Scope:
    """The actor's scope, or one of its sites when ``site_id`` is given (NotFound otherwise)."""
    scope = Scope.of(actor)
    if site_id is None:
        return scope
    if not (scope.is_company_wide or site_id in scope.site_ids) or not Site.objects.filter(pk=site_id).exists():
        raise NotFound("No such site among the sites you can see.")
    return Scope.site(site_id)


def tiles(*, actor: Any, keys: Sequence[str], site_id: int | None = None) -> dict[str, Tile]:
    """Tiles of ``keys`` the actor may see (others and unknown keys are left out), in the
    order given. One batch: a fixed number of queries however many keys are asked for.
    ``site_id`` narrows the numbers to one of the actor's sites."""
    visible = {spec.key for spec in visible_kpis(actor=actor)}
    wanted = [key for key in dict.fromkeys(keys) if key in visible]
    if not wanted:
        return {}
    scope = scope_for(actor=actor, site_id=site_id)
    results = computation.current(keys=wanted, scope=scope)
    lines = targets_for(keys=wanted, scope=scope)
    return {key: _tile(get_spec(key), results[key], lines.get(key)) for key in wanted}


def _tile(spec: KpiSpec, result: computation.Result, line: TargetLine | None) -> Tile:
    target = line.target if line else None
    return Tile(
        spec=spec,
        value=result.value,
        display=format_value(result.value, spec.unit) if result.value is not None else "no data yet",
        target=target,
        status=status_of(result.value, line, direction=spec.direction),
        trend=list(result.trend),
        no_data=result.value is None,
        reason=result.reason if result.value is None else "",
    )


def kpi_url(key: str) -> str:
    """The drill-down page of a KPI."""
    return reverse("kpis:detail", args=[key])


def _require(actor: Any, key: str) -> KpiSpec:
    if not can_see(actor=actor, key=key):
        raise NotFound(f"No KPI {key!r} among the KPIs you can see.")
    return get_spec(key)


def history(*, actor: Any, key: str, periods: int | None = None, site_id: int | None = None) -> computation.Result:
    """The KPI's value per period, oldest first (the tile's trend unless ``periods`` differs)."""
    _require(actor, key)
    return computation.history(key=key, scope=scope_for(actor=actor, site_id=site_id), count=periods)


def drill_down(*, actor: Any, key: str, period: date | None = None,
               site_id: int | None = None) -> computation.PeriodDetail | None:
    """One period of a KPI in full (value, breakdowns, records); None for KPIs never computed."""
    _require(actor, key)
    scope = scope_for(actor=actor, site_id=site_id)
    if computation.not_computed_reason(key) is not None or computation.scope_reason(key, scope) is not None:
        return None
    return computation.period(key=key, scope=scope, start=period)


LABELS: dict[str, tuple[Any, str]] = {
    "site": (Site, "name"), "channel": (SalesChannel, "name"), "carrier": (Carrier, "name"),
    "supplier": (Supplier, "name"), "team": (Team, "name"), "item": (Item, "sku"),
}


def dimension_labels(dimension: str, ids: Sequence[Any]) -> dict[Any, str]:
    """Display names of dimension members in one query; rows without a member read "(none)"."""
    model, field = LABELS[dimension]
    wanted = sorted({pk for pk in ids if pk is not None})
    labels: dict[Any, str] = dict(model.objects.filter(pk__in=wanted).values_list("pk", field)) if wanted else {}
    labels[None] = "(none)"
    return labels
