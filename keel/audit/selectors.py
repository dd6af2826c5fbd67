"""Reading the audit trail, scoped to the actor."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Q

from keel.audit.models import AuditQuerySet, AuditRecord
from keel.audit.permissions import VIEW_AUDIT


def audit_records(
    *,
    actor: Any,
    action: str | None = None,
    object_type: str | None = None,
    search: str | None = None,
    since: date | None = None,
    until: date | None = None,
) -> AuditQuerySet:
    records: AuditQuerySet = AuditRecord.objects.restrict(actor, VIEW_AUDIT.code)  # type: ignore[assignment]
    if action:
        records = records.filter(action=action)
    if object_type:
        records = records.filter(object_type=object_type)
    if search:
        records = records.filter(
            Q(actor_label__icontains=search) | Q(object_repr__icontains=search) | Q(message__icontains=search)
        )
    if since:
        records = records.filter(at__date__gte=since)
    if until:
        records = records.filter(at__date__lte=until)
    return records
