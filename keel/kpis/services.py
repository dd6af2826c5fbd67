"""Changing KPI governance data: targets and thresholds, and stored history snapshots.

Each write runs in one transaction and records its operations event and audit record
there. Setting a target moves the event log's high-water mark, so cached tiles pick up
the new status at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import transaction

from keel.audit.choices import AuditAction
from keel.audit.services import record_audit
from keel.core import clock
from keel.core.errors import PermissionDenied, ProblemCollector
from keel.events.selectors import high_water_mark
from keel.events.services import ObjectRef, record_event
from keel.kpis import computation
from keel.kpis.catalogue import CATALOGUE, get_spec
from keel.kpis.models import KpiSnapshot, KpiTarget
from keel.kpis.permissions import MANAGE_TARGET, SNAPSHOT_KPI
from keel.kpis.scope import Scope
from keel.organization.models import Site


def can_manage_target(*, actor: Any, key: str) -> bool:
    """Admins with ``kpis.manage_target`` set any KPI's lines; a KPI's owner title sets its own."""
    if actor is None or not getattr(actor, "is_authenticated", False) or key not in CATALOGUE:
        return False
    if actor.has_action(MANAGE_TARGET.code):
        return True
    title = getattr(actor, "title", None)
    return bool(title and title.slug == get_spec(key).owner_title and actor.has_action(get_spec(key).action))


def _check_line(problems: ProblemCollector, *, direction: str, target: float | None, amber: float | None,
                red: float | None) -> None:
    for name, value in (("target", target), ("amber", amber), ("red", red)):
        if value is not None and value != value:
            problems.add(name, "must be a number")
    if target is None and amber is None and red is None:
        problems.add("target", "set a target or a threshold (or remove the line)")
    worse_first = "below" if direction == "higher" else "above"
    if amber is not None and red is not None and (
        (direction == "higher" and red > amber) or (direction == "lower" and red < amber)
    ):
        problems.add("red", f"the red threshold must be at or {worse_first} the amber one "
                            f"({'higher' if direction == 'higher' else 'lower'} is better)")


def _state(row: KpiTarget | None) -> dict[str, Any]:
    if row is None:
        return {}
    return {"target": row.target, "amber": row.amber, "red": row.red}


@transaction.atomic
def set_target(*, actor: Any, key: str, site: Site | None = None, target: float | None, amber: float | None = None,
               red: float | None = None) -> KpiTarget:
    """Set a KPI's target and thresholds, company-wide (``site=None``) or for one site."""
    if not can_manage_target(actor=actor, key=key):
        raise PermissionDenied(f"Your role does not allow setting targets of {key}.")
    spec = get_spec(key)
    problems = ProblemCollector()
    _check_line(problems, direction=spec.direction, target=target, amber=amber, red=red)
    problems.raise_if_any("The target was not saved.")
    row = KpiTarget.objects.select_for_update().filter(kpi_key=key, site=site).first()
    before = _state(row)
    if row is None:
        row = KpiTarget(kpi_key=key, site=site)
    row.target, row.amber, row.red = target, amber, red
    row.updated_by = actor if getattr(actor, "pk", None) else None
    row.updated_at = clock.now()
    row.save()
    where = site.name if site else "company-wide"
    record_event(activity="Set KPI target", objects=[ObjectRef("kpi", key, "target")],
                 site_id=site.pk if site else None, actor=actor,
                 attributes={"kpi": key, "site": site.pk if site else None, "target": target, "amber": amber,
                             "red": red})
    record_audit(actor=actor, action=AuditAction.CREATE if not before else AuditAction.CHANGE,
                 object_type="kpi_target", object_id=row.pk, object_repr=f"{spec.name} target ({where})",
                 site_id=site.pk if site else None, before=before, after=_state(row))
    return row


@transaction.atomic
def remove_target(*, actor: Any, key: str, site: Site | None = None) -> None:
    """Remove a KPI's line (company-wide or one site's); the KPI then shows no status there."""
    if not can_manage_target(actor=actor, key=key):
        raise PermissionDenied(f"Your role does not allow setting targets of {key}.")
    row = KpiTarget.objects.select_for_update().filter(kpi_key=key, site=site).first()
    if row is None:
        return
    before = _state(row)
    row.delete()
    record_event(activity="Remove KPI target", objects=[ObjectRef("kpi", key, "target")],
                 site_id=site.pk if site else None, actor=actor, attributes={"kpi": key})
    record_audit(actor=actor, action=AuditAction.DELETE, object_type="kpi_target", object_id=key,
                 object_repr=f"{get_spec(key).name} target ({site.name if site else 'company-wide'})",
                 site_id=site.pk if site else None, before=before)


@dataclass(frozen=True, slots=True)
class SnapshotResult:
    scopes: int
    stored: int
    mark: int


def snapshot(*, actor: Any, now: datetime | None = None, keys: list[str] | None = None,
             periods: int | None = None) -> SnapshotResult:
    """Store the closed periods of every computed KPI not stored yet, for the company and
    for each site (the scope keys ``company`` and ``site:<id>``).

    Incremental: per KPI and scope only the closed periods after the last stored one are
    computed (the last ``periods`` at most; by default the trend length of the KPI's
    grain). The open period is never stored: it is still changing.
    """
    if actor is not None and not actor.has_action(SNAPSHOT_KPI.code):
        raise PermissionDenied(f"Your role does not allow {SNAPSHOT_KPI.code}.")
    now = now or computation.now_utc()
    wanted = [key for key in (keys or list(CATALOGUE)) if computation.not_computed_reason(key) is None]
    scopes = [Scope.company(), *(Scope.site(pk) for pk in Site.objects.order_by("pk").values_list("pk", flat=True))]
    mark = high_water_mark()
    stored = 0
    for scope in scopes:
        stored += _snapshot_scope(scope, wanted, now=now, mark=mark, periods=periods)
    if stored:
        with transaction.atomic():
            record_event(activity="Snapshot KPIs", objects=[ObjectRef("kpi", "catalogue", "snapshot")], actor=actor,
                         attributes={"stored": stored, "scopes": len(scopes), "mark": mark})
            record_audit(actor=actor, action=AuditAction.CREATE, object_type="kpi_snapshot", object_id=mark,
                         object_repr=f"{stored} KPI snapshots", after={"stored": stored, "mark": mark})
    return SnapshotResult(scopes=len(scopes), stored=stored, mark=mark)


def _snapshot_scope(scope: Scope, keys: list[str], *, now: datetime, mark: int, periods: int | None) -> int:
    from django.db.models import Max

    last: dict[str, date] = dict(
        KpiSnapshot.objects.filter(scope_key=scope.key, kpi_key__in=keys).values("kpi_key")
        .annotate(last=Max("period_start")).values_list("kpi_key", "last")
    )
    todo: dict[str, list[date]] = {}
    for key in keys:
        grain = get_spec(key).grain
        count = periods or computation.TREND_PERIODS[grain]
        starts = computation.closed_periods(grain, after=last.get(key), now=now, count=count)
        if starts:
            todo[key] = starts
    if not todo:
        return 0
    computed = computation.closed_values(todo, scope=scope, now=now)
    rows = [KpiSnapshot(kpi_key=key, grain=get_spec(key).grain, period_start=start, scope_key=scope.key,
                        value=computed[key][start], mark=mark)
            for key, starts in todo.items() for start in starts]
    with transaction.atomic():
        KpiSnapshot.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)
