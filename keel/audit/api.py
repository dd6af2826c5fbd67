"""REST operations of the audit trail (read only: records are append-only)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Schema

from keel.audit import selectors
from keel.audit.permissions import VIEW_AUDIT
from keel.core.api import KeelRouter, Page, PageParams, apply_ordering, paginate

router = KeelRouter(tags=["audit"])


class AuditRecordOut(Schema):
    id: int
    at: datetime
    actor: str
    action: str
    object_type: str
    object_id: str
    object_repr: str
    message: str
    before: Any = None
    after: Any = None
    ip_address: str | None
    channel: str


class AuditQuery(Schema):
    action: str | None = None
    object_type: str | None = None
    q: str | None = Field(None, max_length=200)
    since: date | None = None
    until: date | None = None
    ordering: str | None = Field(None, description="at or -at")


@router.get("/audit", response=Page[AuditRecordOut], action=VIEW_AUDIT.code, summary="Audit records in scope")
def list_audit(request: HttpRequest, filters: Query[AuditQuery], page: Query[PageParams]) -> dict[str, Any]:
    rows: Any = selectors.audit_records(
        actor=request.auth,  # type: ignore[attr-defined]
        action=filters.action, object_type=filters.object_type, search=filters.q,
        since=filters.since, until=filters.until,
    )
    rows = apply_ordering(rows, filters.ordering, {"at": "at"}, "-at")
    result = paginate(rows, page)
    result["items"] = [
        {
            "id": r.pk, "at": r.at, "actor": r.actor_label, "action": r.action,
            "object_type": r.object_type, "object_id": r.object_id, "object_repr": r.object_repr,
            "message": r.message, "before": r.before, "after": r.after,
            "ip_address": r.ip_address, "channel": r.channel,
        }
        for r in result["items"]
    ]
    return result
