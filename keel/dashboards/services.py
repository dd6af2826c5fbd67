"""Changes of the dashboards app: personal layouts, presets, alert evaluation, reading alerts.

Each function is one transaction that validates, changes state, records its operations
event and writes its audit record. Invalid input changes nothing and names the field.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction

from keel.audit.choices import AuditAction
from keel.audit.services import record_audit
from keel.core import clock
from keel.core.errors import ProblemCollector, ValidationFailed
from keel.dashboards import selectors
from keel.dashboards.choices import Status
from keel.dashboards.models import Alert, DashboardPreset, KpiStatus, PersonalDashboard
from keel.dashboards.presets import (
    FALLBACK,
    MAX_PERSONAL_TILES,
    MAX_PRESET_TILES,
    MIN_PRESET_TILES,
    SHIPPED,
)
from keel.events.services import ObjectRef, record_event
from keel.kpis import selectors as kpi_selectors
from keel.kpis.catalogue import CATALOGUE, KpiSpec
from keel.kpis.scope import Scope
from keel.organization.models import JobTitle, Person

MOVES = ("up", "down", "first", "last")


# --- Layout edits (pure) ----------------------------------------------------------------


def edited(keys: Sequence[str], *, operation: str, key: str, direction: str = "") -> list[str]:
    """The layout after one edit: ``add`` (at the end), ``remove`` or ``move``.

    >>> edited(["a", "b", "c"], operation="move", key="c", direction="up")
    ['a', 'c', 'b']
    """
    result = list(keys)
    if operation == "add":
        if key not in result:
            result.append(key)
        return result
    if key not in result:
        raise ValidationFailed("The dashboard was not changed.",
                               problems=[_problem("kpi", f"{key!r} is not on this dashboard")])
    if operation == "remove":
        result.remove(key)
        return result
    if operation == "move":
        if direction not in MOVES:
            raise ValidationFailed("The dashboard was not changed.",
                                   problems=[_problem("direction", f"use one of {', '.join(MOVES)}")])
        index = result.index(key)
        result.pop(index)
        target = {"up": max(index - 1, 0), "down": min(index + 1, len(result)), "first": 0, "last": len(result)}[direction]
        result.insert(target, key)
        return result
    raise ValidationFailed("The dashboard was not changed.",
                           problems=[_problem("operation", "use add, remove or move")])


def _problem(field_name: str, message: str) -> Any:
    from keel.core.errors import FieldProblem

    return FieldProblem(field=field_name, message=message)


def _check_keys(keys: Sequence[str], *, allowed: set[str], minimum: int, maximum: int, who: str) -> list[str]:
    problems = ProblemCollector()
    seen: set[str] = set()
    for position, key in enumerate(keys, start=1):
        if key not in CATALOGUE:
            problems.add("kpi_keys", f"{key!r} is not a KPI in the catalogue", row=position)
        elif key not in allowed:
            problems.add("kpi_keys", f"{CATALOGUE[key].name} is not visible to {who}", row=position)
        elif key in seen:
            problems.add("kpi_keys", f"{CATALOGUE[key].name} is listed twice", row=position)
        seen.add(key)
    if len(keys) < minimum:
        problems.add("kpi_keys", f"at least {minimum} tile{'s' if minimum != 1 else ''}")
    if len(keys) > maximum:
        problems.add("kpi_keys", f"at most {maximum} tiles ({len(keys)} given)")
    problems.raise_if_any("The dashboard was not changed.")
    return list(keys)


# --- Personal dashboards -----------------------------------------------------------------


def _own(actor: Any) -> Person:
    person = getattr(actor, "person", actor)
    if not isinstance(person, Person):
        raise ValidationFailed("Only a person has a dashboard.", problems=[_problem("actor", "sign in as a person")])
    return person


@transaction.atomic
def save_dashboard(*, actor: Any, keys: Sequence[str]) -> list[str]:
    """Replace the actor's own layout with ``keys`` (ordered). Returns the saved keys."""
    person = _own(actor)
    visible = {spec.key for spec in kpi_selectors.visible_kpis(actor=person)}
    keys = _check_keys(list(keys), allowed=visible, minimum=0, maximum=MAX_PERSONAL_TILES, who="your role")
    before = selectors.layout(actor=person)
    row, _ = PersonalDashboard.objects.select_for_update().get_or_create(person=person)
    if before.is_personal and before.keys == keys and row.kpi_keys == keys:
        return keys
    row.kpi_keys = keys
    row.updated_at = clock.now()
    row.save(update_fields=["kpi_keys", "updated_at"])
    record_event(
        activity="Arrange dashboard",
        objects=[ObjectRef("person", str(person.pk), "arranged", site_id=person.site_id)],
        attributes={"tiles": ",".join(keys)},
        site_id=person.site_id, department_id=person.department_id, actor=actor,
    )
    record_audit(
        actor=actor, action=AuditAction.CHANGE, object_type="dashboard", object_id=person.pk,
        object_repr=f"Dashboard of {person}", site_id=person.site_id,
        before={"kpi_keys": before.keys, "personal": before.is_personal}, after={"kpi_keys": keys, "personal": True},
    )
    return keys


def edit_dashboard(*, actor: Any, operation: str, key: str, direction: str = "") -> list[str]:
    """Add, remove or move one tile of the actor's dashboard (starting from the preset)."""
    person = _own(actor)
    current = selectors.layout(actor=person).keys
    return save_dashboard(actor=actor, keys=edited(current, operation=operation, key=key, direction=direction))


@transaction.atomic
def reset_dashboard(*, actor: Any) -> list[str]:
    """Forget the actor's own layout: their title's preset applies again."""
    person = _own(actor)
    row = PersonalDashboard.objects.select_for_update().filter(person=person).first()
    if row is None:
        return selectors.layout(actor=person).keys
    before = list(row.kpi_keys)
    row.delete()
    after = selectors.layout(actor=person).keys
    record_event(
        activity="Reset dashboard",
        objects=[ObjectRef("person", str(person.pk), "arranged", site_id=person.site_id)],
        attributes={"tiles": ",".join(after)},
        site_id=person.site_id, department_id=person.department_id, actor=actor,
    )
    record_audit(
        actor=actor, action=AuditAction.CHANGE, object_type="dashboard", object_id=person.pk,
        object_repr=f"Dashboard of {person}", site_id=person.site_id,
        before={"kpi_keys": before, "personal": True}, after={"kpi_keys": after, "personal": False},
        message="Reset to the title's preset",
    )
    return after


# --- Presets ------------------------------------------------------------------------------


@transaction.atomic
def save_preset(*, actor: Any, title: JobTitle, keys: Sequence[str]) -> list[str]:
    """Replace a title's preset. Only KPIs the title may see; 1 to 12 tiles."""
    allowed = {spec.key for spec in selectors.title_visible_kpis(title=title)}
    keys = _check_keys(list(keys), allowed=allowed, minimum=MIN_PRESET_TILES, maximum=MAX_PRESET_TILES,
                       who=f"the {title.name}")
    row = DashboardPreset.objects.select_for_update().filter(title=title).first()
    before = list(row.kpi_keys) if row is not None else list(FALLBACK)
    if row is not None and before == keys:
        return keys
    if row is None:
        row = DashboardPreset(title=title)
    row.kpi_keys = keys
    row.updated_at = clock.now()
    row.save()
    record_event(
        activity="Change dashboard preset",
        objects=[ObjectRef("job_title", str(title.pk), "changed")],
        attributes={"title": title.name, "tiles": ",".join(keys)},
        actor=actor,
    )
    record_audit(
        actor=actor, action=AuditAction.CHANGE, object_type="dashboard_preset", object_id=title.pk,
        object_repr=f"Dashboard preset of {title.name}", before={"kpi_keys": before}, after={"kpi_keys": keys},
    )
    return keys


def edit_preset(*, actor: Any, title: JobTitle, operation: str, key: str, direction: str = "") -> list[str]:
    current = selectors.preset_keys(title=title)
    return save_preset(actor=actor, title=title, keys=edited(current, operation=operation, key=key, direction=direction))


def reset_preset(*, actor: Any, title: JobTitle) -> list[str]:
    """Back to the preset Keel ships for the title (the fallback for a title Keel does not ship),
    without the KPIs the title may not see."""
    allowed = {spec.key for spec in selectors.title_visible_kpis(title=title)}
    keys = [key for key in SHIPPED.get(title.slug, FALLBACK) if key in allowed]
    return save_preset(actor=actor, title=title, keys=keys)


# --- Alerts -------------------------------------------------------------------------------


@dataclass
class Evaluation:
    """What one run of ``evaluate_alerts`` did."""

    checked: int = 0  # KPI x scope pairs evaluated
    crossings: int = 0  # status changes found
    alerts: int = 0  # alert rows written (one per recipient)
    scopes: list[str] = field(default_factory=list)


def evaluate_alerts(*, keys: Sequence[str] | None = None) -> Evaluation:
    """Compare each KPI's status with the last known one, per scope of its owner's holders.

    For every KPI (of ``keys``, or the whole catalogue), the holders of its owner title are
    grouped by data scope; the KPI's tile is computed once per scope (as one of them sees
    it) and compared with the stored status. A change of status between green, amber and
    red is a crossing: it raises one alert per holder in that scope and is stored, so
    running again raises nothing new (idempotent). "No data" (status ``none``) is not a
    crossing and keeps the last known status. The first known status raises an alert only
    when it is amber or red.
    """
    wanted = [CATALOGUE[key] for key in keys] if keys is not None else list(CATALOGUE.values())
    by_owner: dict[str, list[KpiSpec]] = {}
    for spec in wanted:
        if spec.built:
            by_owner.setdefault(spec.owner_title, []).append(spec)
    result = Evaluation()
    for owner, specs in by_owner.items():
        groups: dict[str, list[Person]] = {}
        for person in selectors.holders_of(title_slug=owner):
            groups.setdefault(Scope.of(person).key, []).append(person)
        for scope_key, people in groups.items():
            viewer = people[0]
            seen = [spec for spec in specs if viewer.has_action(spec.action)]
            if not seen:
                continue
            tiles = kpi_selectors.tiles(actor=viewer, keys=[spec.key for spec in seen])
            label = _scope_label(viewer)
            result.scopes.append(scope_key)
            for spec in seen:
                tile = tiles.get(spec.key)
                if tile is None:
                    continue
                result.checked += 1
                recipients = [person for person in people if person.has_action(spec.action)]
                written = record_status(spec=spec, tile=tile, scope_key=scope_key, scope_label=label,
                                        recipients=recipients, site_id=Scope.of(viewer).single_site_id)
                if written:
                    result.crossings += 1
                    result.alerts += written
    return result


def _scope_label(person: Person) -> str:
    from keel.organization import selectors as organization_selectors

    return str(organization_selectors.describe_reach(actor=person))


def record_status(
    *, spec: KpiSpec, tile: Any, scope_key: str, scope_label: str, recipients: list[Person], site_id: int | None
) -> int:
    """Store the status of one KPI in one scope; on a crossing, alert the recipients.

    Returns the number of alerts written (0 when nothing crossed). A concurrent run that
    already raised this crossing makes the unique constraint refuse the duplicate, and
    this run then writes nothing.
    """
    now = clock.now()
    status = Status(tile.status) if tile.status in Status.values else Status.NONE
    try:
        with transaction.atomic():
            row = KpiStatus.objects.select_for_update().filter(kpi_key=spec.key, scope_key=scope_key).first()
            if status == Status.NONE:
                if row is not None:
                    KpiStatus.objects.filter(pk=row.pk).update(evaluated_at=now)
                return 0
            previous = Status(row.status) if row is not None else Status.NONE
            if row is None:
                row = KpiStatus.objects.create(kpi_key=spec.key, scope_key=scope_key, status=status,
                                               value=tile.value, display=tile.display[:64], changed_at=now,
                                               evaluated_at=now)
                if status == Status.GREEN:
                    return 0
            elif previous == status:
                KpiStatus.objects.filter(pk=row.pk).update(value=tile.value, display=tile.display[:64], evaluated_at=now)
                return 0
            row.crossings += 1
            row.status, row.value, row.display = status, tile.value, tile.display[:64]
            row.changed_at = row.evaluated_at = now
            row.save()
            Alert.objects.bulk_create([
                Alert(recipient=person, kpi_key=spec.key, kpi_name=spec.name, scope_key=scope_key,
                      scope_label=scope_label[:200], crossing=row.crossings, previous_status=previous,
                      status=status, value=tile.value, display=tile.display[:64], target=tile.target, raised_at=now)
                for person in recipients
            ])
            attributes: dict[str, object] = {
                "kpi": spec.key, "scope": scope_key, "from": previous.value, "to": status.value,
                "display": tile.display, "recipients": len(recipients),
            }
            if tile.value is not None:
                attributes["value"] = float(tile.value)
            record_event(
                activity="Raise KPI alert",
                objects=[ObjectRef("kpi", spec.key, "crossed")]
                + [ObjectRef("person", str(person.pk), "notified", site_id=person.site_id) for person in recipients],
                attributes=attributes, site_id=site_id, occurred_at=now,
            )
            record_audit(
                actor=None, action=AuditAction.CREATE, object_type="kpi_alert",
                object_id=f"{spec.key}@{scope_key}#{row.crossings}",
                object_repr=f"{spec.name}: {previous.label} → {status.label} ({scope_label})"[:254], site_id=site_id,
                before={"status": previous.value}, after={"status": status.value, "display": tile.display,
                                                          "recipients": [person.pk for person in recipients]},
                message=f"KPI alert for {len(recipients)} {spec.owner_title} holder(s)",
            )
            return len(recipients)
    except IntegrityError:
        return 0


@transaction.atomic
def mark_alerts_read(*, actor: Any, alert_ids: Sequence[int] | None = None) -> int:
    """Mark the actor's own unread alerts read (those of ``alert_ids``, or all). Returns how many."""
    person = _own(actor)
    rows = Alert.objects.filter(recipient=person, read_at__isnull=True)
    if alert_ids is not None:
        rows = rows.filter(pk__in=list(alert_ids))
    ids = sorted(rows.values_list("pk", flat=True))
    if not ids:
        return 0
    Alert.objects.filter(pk__in=ids).update(read_at=clock.now())
    record_event(
        activity="Read KPI alerts",
        objects=[ObjectRef("person", str(person.pk), "reader", site_id=person.site_id)],
        attributes={"alerts": len(ids)},
        site_id=person.site_id, department_id=person.department_id, actor=actor,
    )
    record_audit(
        actor=actor, action=AuditAction.CHANGE, object_type="kpi_alert", object_id=",".join(map(str, ids))[:200],
        object_repr=f"{len(ids)} alert(s) of {person}", site_id=person.site_id,
        before={"read": False}, after={"read": True, "alerts": ids},
    )
    return len(ids)
