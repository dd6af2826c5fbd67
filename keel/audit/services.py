"""Writing to the audit trail. Called by other services inside their transaction."""

from __future__ import annotations

from typing import Any

from keel.audit.choices import AuditAction
from keel.audit.models import AuditRecord
from keel.core.context import current_request_meta


def record_audit(
    *,
    actor: Any,
    action: AuditAction,
    object_type: str = "",
    object_id: object = "",
    object_repr: str = "",
    site_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    message: str = "",
) -> AuditRecord:
    """Append one audit record; request metadata (IP, agent, channel) comes from context."""
    meta = current_request_meta()
    person = getattr(actor, "person", actor)  # API token actors wrap a person
    if not _is_person(person):
        person = None
    label = getattr(person, "email", "") or (str(actor) if actor is not None else "system")
    return AuditRecord.objects.create(
        actor=person,
        actor_label=label[:254],
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        object_repr=object_repr[:254],
        site_id=site_id,
        before=before,
        after=after,
        message=message[:500],
        ip_address=meta.ip_address,
        user_agent=meta.user_agent,
        channel=meta.channel,
        request_id=meta.request_id,
    )


def _is_person(value: object) -> bool:
    from django.conf import settings

    meta = getattr(value, "_meta", None)
    return meta is not None and meta.label == settings.AUTH_USER_MODEL and getattr(value, "pk", None) is not None


def changed_fields(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Keep only the fields that changed, for a compact before/after."""
    keys = [key for key in after if before.get(key) != after.get(key)]
    return {key: before.get(key) for key in keys}, {key: after[key] for key in keys}


def record_export(*, actor: Any, object_type: str, row_count: int, file_format: str) -> None:
    """Audit a download of records (CSV, XLSX, OCEL) in its own transaction."""
    from django.db import transaction

    with transaction.atomic():
        record_audit(
            actor=actor,
            action=AuditAction.EXPORT,
            object_type=object_type,
            object_repr=f"{row_count} rows as {file_format}",
            after={"rows": row_count, "format": file_format},
            message=f"Exported {object_type} ({row_count} rows, {file_format})",
        )
