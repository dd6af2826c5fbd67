"""Pages for transfers between sites and cycle counts."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from keel.audit.services import record_export
from keel.core.errors import FieldProblem, ValidationFailed
from keel.core.listing import Column, Listing
from keel.core.views import requires
from keel.supply_chain import permissions as p
from keel.supply_chain import transfers as t
from keel.supply_chain.choices import CountStatus, TransferStatus, VarianceReason
from keel.supply_chain.models import CycleCount, Location, Transfer

TRANSFER_COLUMNS = (
    Column("number", "Number", sort="pk"),
    Column("from_site.code", "From", sort="from_site__code"),
    Column("to_site.code", "To", sort="to_site__code"),
    Column("status", "Status", sort="status", value=lambda row: row.get_status_display()),
    Column("in_transit", "In transit", sort="in_transit", numeric=True),
    Column("created_at", "Created", sort="created_at"),
    Column("shipped_at", "Shipped", sort="shipped_at"),
    Column("received_at", "Received", sort="received_at"),
)
COUNT_COLUMNS = (
    Column("number", "Number", sort="pk"),
    Column("site.code", "Site", sort="site__code"),
    Column("status", "Status", sort="status", value=lambda row: row.get_status_display()),
    Column("variance_value", "Variance value", sort="variance_value", numeric=True),
    Column("created_at", "Created", sort="created_at"),
    Column("posted_at", "Posted", sort="posted_at"),
)


def _statuses(request: HttpRequest, choices: list[str]) -> list[str] | None:
    status = request.GET.get("status", "")
    if not status:
        return None
    if status not in choices:
        raise Http404("No such status")
    return [status]


@requires(p.MOVE_STOCK.code)
def transfers_view(request: HttpRequest) -> HttpResponse:
    rows = t.transfers(actor=request.user, statuses=_statuses(request, TransferStatus.values))
    listing = Listing(request=request, queryset=rows, columns=TRANSFER_COLUMNS,
                      search_fields=("number", "from_site__code", "to_site__code"),
                      default_sort="-created_at", export_name="transfers")
    export = listing.export()
    if export is not None:
        record_export(actor=request.user, object_type="transfer", row_count=listing.filtered.count(),
                      file_format=request.GET["export"])
        return export
    return render(request, "supply_chain/transfers.html", {
        "listing": listing, "statuses": TransferStatus.choices, "status": request.GET.get("status", ""),
        "in_transit": sorted(t.in_transit_by_item(actor=request.user).items()),
    })


def _visible_transfer(request: HttpRequest, pk: int) -> Transfer:
    row = t.transfer(actor=request.user, pk=pk)
    if row is None:
        raise Http404("No such transfer")
    return row


@requires(p.MOVE_STOCK.code)
def transfer_view(request: HttpRequest, pk: int) -> HttpResponse:
    row = _visible_transfer(request, pk)
    lines = list(row.lines.all())
    return render(request, "supply_chain/transfer.html", {
        "transfer": row, "lines": lines, "in_transit": t.in_transit_items(row),
        "can_ship": row.status == TransferStatus.DRAFT, "can_cancel": row.status == TransferStatus.DRAFT,
        "can_receive": row.status == TransferStatus.SHIPPED,
        "destinations": Location.objects.filter(site_id=row.to_site_id, is_active=True).order_by("code"),
    })


@requires(p.MOVE_STOCK.code)
@require_POST
def transfer_ship_view(request: HttpRequest, pk: int) -> HttpResponse:
    row = _visible_transfer(request, pk)
    t.ship_transfer(actor=request.user, transfer=row)
    messages.success(request, f"{row.number} was shipped.")
    return redirect("supply_chain:transfer", pk=row.pk)


@requires(p.MOVE_STOCK.code)
@require_POST
def transfer_receive_view(request: HttpRequest, pk: int) -> HttpResponse:
    row = _visible_transfer(request, pk)
    places = {str(loc.pk): loc for loc in Location.objects.filter(site_id=row.to_site_id)}
    chosen = {line.line_number: places[request.POST[f"to_location_{line.line_number}"]]
              for line in row.lines.all() if request.POST.get(f"to_location_{line.line_number}") in places}
    t.receive_transfer(actor=request.user, transfer=row, to_locations=chosen)
    messages.success(request, f"{row.number} was received.")
    return redirect("supply_chain:transfer", pk=row.pk)


@requires(p.MOVE_STOCK.code)
@require_POST
def transfer_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    row = _visible_transfer(request, pk)
    t.cancel_transfer(actor=request.user, transfer=row)
    messages.success(request, f"{row.number} was cancelled.")
    return redirect("supply_chain:transfer", pk=row.pk)


# --- Cycle counts ---------------------------------------------------------------------


@requires(p.ADJUST_STOCK.code)
def counts_view(request: HttpRequest) -> HttpResponse:
    rows = t.counts(actor=request.user, statuses=_statuses(request, CountStatus.values))
    listing = Listing(request=request, queryset=rows, columns=COUNT_COLUMNS, search_fields=("number", "site__code"),
                      default_sort="-created_at", export_name="cycle-counts")
    export = listing.export()
    if export is not None:
        record_export(actor=request.user, object_type="cycle_count", row_count=listing.filtered.count(),
                      file_format=request.GET["export"])
        return export
    return render(request, "supply_chain/counts.html", {
        "listing": listing, "statuses": CountStatus.choices, "status": request.GET.get("status", ""),
    })


def _visible_count(request: HttpRequest, pk: int) -> CycleCount:
    row = t.count(actor=request.user, pk=pk)
    if row is None:
        raise Http404("No such cycle count")
    return row


@requires(p.ADJUST_STOCK.code)
@require_http_methods(["GET", "POST"])
def count_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The count sheet: one counted quantity and reason per line."""
    row = _visible_count(request, pk)
    lines = list(row.lines.all())
    if request.method == "POST":
        entries, problems = [], []
        for index, line in enumerate(lines):
            raw = request.POST.get(f"counted_{line.line_number}", "").strip()
            if not raw:
                continue
            try:
                quantity = Decimal(raw)
            except InvalidOperation:
                problems.append(FieldProblem(field="counted_quantity", message=f"line {line.line_number}: not a number",
                                             row=index))
                continue
            entries.append(t.CountIn(line=line.line_number, counted_quantity=quantity,
                                     reason=request.POST.get(f"reason_{line.line_number}", "")))
        if problems:
            raise ValidationFailed("The counts were not recorded; nothing changed.", problems=problems)
        with transaction.atomic():  # saving and submitting is all or nothing
            t.record_counts(actor=request.user, count=row, counts=entries)
            if request.POST.get("submit"):
                t.submit_count(actor=request.user, count=row)
        messages.success(request, f"{row.number} was submitted." if request.POST.get("submit")
                         else f"Counts of {row.number} were saved.")
        return redirect("supply_chain:count", pk=row.pk)
    person = getattr(request.user, "pk", None)
    can_approve = (row.status == CountStatus.NEEDS_APPROVAL and request.user.has_action(p.APPROVE_COUNT.code)  # type: ignore[union-attr]
                   and person not in {row.counted_by_id, row.created_by_id})
    return render(request, "supply_chain/count.html", {
        "count": row, "lines": lines, "reasons": VarianceReason.choices,
        "is_open": row.status == CountStatus.OPEN, "can_approve": can_approve,
        "can_post": row.status in {CountStatus.SUBMITTED, CountStatus.APPROVED},
        "threshold": t.approval_threshold(),
    })


@requires(p.APPROVE_COUNT.code)
@require_POST
def count_approve_view(request: HttpRequest, pk: int) -> HttpResponse:
    row = _visible_count(request, pk)
    t.approve_count(actor=request.user, count=row)
    messages.success(request, f"{row.number} was approved.")
    return redirect("supply_chain:count", pk=row.pk)


@requires(p.ADJUST_STOCK.code)
@require_POST
def count_post_view(request: HttpRequest, pk: int) -> HttpResponse:
    row = _visible_count(request, pk)
    t.post_count(actor=request.user, count=row)
    messages.success(request, f"{row.number} was posted to stock.")
    return redirect("supply_chain:count", pk=row.pk)
