"""The audit trail page: filter, search, sort, export."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.dateparse import parse_date

from keel.audit import selectors
from keel.audit.choices import AuditAction
from keel.audit.permissions import EXPORT_AUDIT, VIEW_AUDIT
from keel.audit.services import record_export
from keel.core.listing import Column, Listing
from keel.core.views import requires

COLUMNS = (
    Column("at", "When", sort="at"),
    Column("actor_label", "Who", sort="actor_label"),
    Column("action", "Action", sort="action"),
    Column("object_type", "Record type", sort="object_type"),
    Column("object_repr", "Record"),
    Column("message", "Note"),
    Column("ip_address", "From"),
    Column("before", "Before"),
    Column("after", "After"),
)


@requires(VIEW_AUDIT.code)
def audit_view(request: HttpRequest) -> HttpResponse:
    params = request.GET
    rows = selectors.audit_records(
        actor=request.user,
        action=params.get("action") or None,
        object_type=params.get("object_type") or None,
        since=parse_date(params.get("since", "") or "") if params.get("since") else None,
        until=parse_date(params.get("until", "") or "") if params.get("until") else None,
    )
    listing = Listing(
        request=request, queryset=rows, columns=COLUMNS,
        search_fields=("actor_label", "object_repr", "message"), default_sort="-at",
        export_name="audit-trail",
    )
    if params.get("export") in {"csv", "xlsx"}:
        if not request.user.has_action(EXPORT_AUDIT.code):  # type: ignore[union-attr]
            return render(request, "403.html", {"needed_action": EXPORT_AUDIT}, status=403)
        record_export(actor=request.user, object_type="audit_record",
                      row_count=listing.filtered.count(), file_format=params["export"])
        response = listing.export()
        assert response is not None
        return response
    return render(request, "audit/list.html", {
        "listing": listing, "actions": AuditAction.choices,
        "can_export": request.user.has_action(EXPORT_AUDIT.code),  # type: ignore[union-attr]
    })
