"""Reads of the dashboards app: layouts, the tiles of a person's dashboard, presets, alerts.

Every tile a person sees passes ``keel.kpis.selectors.visible_kpis``: a KPI they may not
see is dropped from their layout, never shown. Values come from one batched
``keel.kpis.selectors.tiles()`` call, scoped to the person's sites or departments.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from keel.dashboards.models import Alert, DashboardPreset, PersonalDashboard
from keel.dashboards.presets import FALLBACK
from keel.kpis import selectors as kpi_selectors
from keel.kpis.catalogue import CATALOGUE, KpiSpec
from keel.kpis.permissions import VIEW_KPI
from keel.organization.models import JobTitle


@dataclass(frozen=True, slots=True)
class Layout:
    """The ordered KPI keys of someone's dashboard, already filtered to what they may see."""

    keys: list[str]
    is_personal: bool
    dropped: list[str]  # keys in the stored layout that the person may not see (never shown)


def title_visible_kpis(*, title: JobTitle) -> list[KpiSpec]:
    """The KPIs a title's holders may see, in catalogue order (for preset editing): the
    same rule as ``keel.kpis.selectors.visible_kpis``, applied to the title's actions."""
    actions = title.actions()
    if VIEW_KPI.code not in actions:
        return []
    return [spec for spec in CATALOGUE.values() if spec.action in actions]


def preset_keys(*, title: JobTitle, preset: DashboardPreset | None = None, stored: bool | None = None) -> list[str]:
    """A title's preset as stored (or the fallback for a title without one), unfiltered."""
    if stored is None:
        preset = preset or DashboardPreset.objects.filter(title=title).first()
    if preset is not None:
        return list(preset.kpi_keys)
    return list(FALLBACK)


def _split(keys: Iterable[str], visible: set[str]) -> tuple[list[str], list[str]]:
    shown: list[str] = []
    dropped: list[str] = []
    for key in keys:
        if key in visible and key not in shown:
            shown.append(key)
        elif key not in visible:
            dropped.append(key)
    return shown, dropped


def layout(*, actor: Any) -> Layout:
    """The person's own layout if they have one, otherwise their title's preset.

    Two queries: the personal layout, and the preset when there is no personal layout.
    """
    visible = {spec.key for spec in kpi_selectors.visible_kpis(actor=actor)}
    personal = PersonalDashboard.objects.filter(person_id=actor.pk).first()
    if personal is not None:
        keys, dropped = _split(personal.kpi_keys, visible)
        return Layout(keys=keys, is_personal=True, dropped=dropped)
    keys, dropped = _split(preset_keys(title=actor.title), visible)
    return Layout(keys=keys, is_personal=False, dropped=dropped)


def dashboard(*, actor: Any) -> tuple[Layout, list[Any]]:
    """The person's layout and its tiles, in layout order, from one batched ``tiles()`` call."""
    current = layout(actor=actor)
    values = kpi_selectors.tiles(actor=actor, keys=current.keys) if current.keys else {}
    return current, [values[key] for key in current.keys if key in values]


def addable_kpis(*, actor: Any, keys: Sequence[str]) -> list[KpiSpec]:
    """KPIs the person may see that are not on their dashboard yet, in catalogue order."""
    present = set(keys)
    return [spec for spec in kpi_selectors.visible_kpis(actor=actor) if spec.key not in present]


def presets(*, actor: Any) -> list[tuple[JobTitle, list[str]]]:
    """Every job title with its preset's keys (the fallback where it has none)."""
    stored = {preset.title_id: preset for preset in DashboardPreset.objects.all()}
    return [
        (title, preset_keys(title=title, preset=stored.get(title.pk), stored=True))
        for title in JobTitle.objects.order_by("sort_order", "name")
    ]


def alerts(
    *, actor: Any, status: str | None = None, is_read: bool | None = None, kpi_key: str | None = None
) -> QuerySet[Alert]:
    """The alerts sent to the actor, newest first. Nobody reads another person's alerts."""
    person = getattr(actor, "person", actor)
    rows = Alert.objects.filter(recipient_id=getattr(person, "pk", None))
    if status:
        rows = rows.filter(status=status)
    if is_read is not None:
        rows = rows.filter(read_at__isnull=not is_read)
    if kpi_key:
        rows = rows.filter(kpi_key=kpi_key)
    return rows


def unread_alert_count(*, actor: Any) -> int:
    return alerts(actor=actor, is_read=False).count()


def holders_of(*, title_slug: str) -> QuerySet[Any]:
    """Active people holding a title (the recipients of its KPIs' alerts)."""
    from keel.organization.models import Person

    return (
        Person.objects.filter(title__slug=title_slug, is_active=True)
        .select_related("title").prefetch_related("extra_sites", "extra_departments").order_by("pk")
    )
