"""The audit trail page: filter, search, sort, export."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from keel.audit import selectors
from keel.audit.choices import AuditAction
from keel.audit.permissions import EXPORT_AUDIT, VIEW_AUDIT
from keel.audit.services import record_export
from keel.core.listing import Column, Listing
from keel.core.views import date_param, refuse, requires


def _as_json(value: object) -> str:
    return "" if value is None else json.dumps(value, sort_keys=True, default=str)


COLUMNS = (
    Column("at", "When", sort="at"),
    Column("actor_label", "Who", sort="actor_label"),
    Column("action", "Action", sort="action"),
    Column("object_type", "Record type", sort="object_type"),
    Column("object_repr", "Record"),
    Column("message", "Note"),
    Column("ip_address", "From"),
    Column("before", "Before", value=lambda record: _as_json(record.before)),
    Column("after", "After", value=lambda record: _as_json(record.after)),
)


@requires(VIEW_AUDIT.code)
def audit_view(request: HttpRequest) -> HttpResponse:
    params = request.GET
    rows = selectors.audit_records(
        actor=request.user,
        action=params.get("action") or None,
        object_type=params.get("object_type") or None,
        since=date_param(request, "since"),
        until=date_param(request, "until"),
    )
    listing = Listing(
        request=request, queryset=rows, columns=COLUMNS,
        search_fields=("actor_label", "object_repr", "message"), default_sort="-at",
        export_name="audit-trail",
    )
    if params.get("export") in {"csv", "xlsx"}:
        if not request.user.has_action(EXPORT_AUDIT.code):  # type: ignore[union-attr]
            return refuse(request, EXPORT_AUDIT.code)
        response = listing.export()
        assert response is not None
        record_export(actor=request.user, object_type="audit_record",
                      row_count=listing.filtered.count(), file_format=params["export"])
        return response
    return render(request, "audit/list.html", {
        "listing": listing, "actions": AuditAction.choices,
        "can_export": request.user.has_action(EXPORT_AUDIT.code),  # type: ignore[union-attr]
    })
