"""Pages for transfers between sites and cycle counts."""

from __future__ import annotations

import contextlib
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
from keel.organization.forms import apply_problems
from keel.organization.models import Site
from keel.supply_chain import permissions as p
from keel.supply_chain import selectors
from keel.supply_chain import transfers as t
from keel.supply_chain.choices import (
    COUNT_CANCELLABLE_STATUSES,
    TRANSFER_IN_TRANSIT_STATUSES,
    CountStatus,
    TransferStatus,
    VarianceReason,
)
from keel.supply_chain.forms import CountForm, TransferForm, TransferLineFormSet
from keel.supply_chain.models import CycleCount, Item, Location, Transfer
from keel.supply_chain.services import plain_number

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


# Service field names that a line form shows under another name.
LINE_FIELDS = {"lot_code": "lot"}


@requires(p.MOVE_STOCK.code)
@require_http_methods(["GET", "POST"])
def transfer_create_view(request: HttpRequest) -> HttpResponse:
    """Draft a transfer: source and destination sites, lines of item, quantity and location."""
    from_sites = Site.objects.restrict(request.user, p.MOVE_STOCK.code).filter(is_active=True).order_by("code")
    to_sites = Site.objects.filter(is_active=True).order_by("code")  # any site may receive
    locations = (selectors.locations(actor=request.user, action=p.MOVE_STOCK.code).filter(is_active=True)
                 .order_by("site__code", "code"))
    initial = {"from_site": from_sites.first()} if from_sites.count() == 1 else {}
    form = TransferForm(request.POST or None, from_sites=from_sites, to_sites=to_sites, initial=initial)
    lines = TransferLineFormSet(request.POST or None, prefix="lines", locations=locations)  # type: ignore[call-arg]
    if request.method == "POST":
        # Check the sites and every row at once, so that each problem shows on the first try.
        form.is_valid()
        lines.is_valid()
        filled = [line for line in lines.forms if not line.is_blank]
        data = getattr(form, "cleaned_data", {})
        skus = {line.cleaned_data.get("sku", "").strip() for line in filled}
        items = {item.sku: item for item in Item.objects.restrict(request.user, p.MOVE_STOCK.code).filter(sku__in=skus)}
        codes = {line.cleaned_data.get("to_location", "").strip().upper() for line in filled} - {""}
        places = ({loc.code: loc for loc in Location.objects.filter(site=data["to_site"], code__in=codes)}
                  if data.get("to_site") else {})
        wanted: list[t.TransferLineIn] = []
        for line in filled:
            sku = line.cleaned_data.get("sku", "").strip()
            code = line.cleaned_data.get("to_location", "").strip().upper()
            if sku and sku not in items:
                line.add_error("sku", f"unknown SKU {sku!r}")
            if code and data.get("to_site") and code not in places:
                line.add_error("to_location", f"unknown location {code!r} at {data['to_site'].code}")
            if not line.errors:
                wanted.append(t.TransferLineIn(
                    item=items[sku], quantity=line.cleaned_data["quantity"],
                    from_location=line.cleaned_data["from_location"], to_location=places.get(code),
                    lot_code=line.cleaned_data["lot"].strip()))
        if not filled:
            form.add_error(None, "Add at least one line.")
        if not form.errors and not lines.non_form_errors() and not any(line.errors for line in lines.forms):
            try:
                created = t.create_transfer(actor=request.user, from_site=data["from_site"], to_site=data["to_site"],
                                            notes=data["notes"], lines=wanted)
            except ValidationFailed as error:
                for problem in error.problems:
                    if problem.row is not None and problem.row < len(filled):
                        target = filled[problem.row]
                        name = LINE_FIELDS.get(problem.field, problem.field)
                        target.add_error(name if name in target.fields else None, problem.message)
                    else:
                        form.add_error(problem.field if problem.field in form.fields else None, problem.message)
            else:
                messages.success(request, f"{created.number} was created as a draft; ship it when the goods leave.")
                return redirect("supply_chain:transfer", pk=created.pk)
    has_errors = bool(form.errors or lines.non_form_errors() or any(line.errors for line in lines.forms))
    return render(request, "supply_chain/transfer_form.html", {"form": form, "lines": lines},
                  status=400 if request.method == "POST" and has_errors else 200)


def _visible_transfer(request: HttpRequest, pk: int) -> Transfer:
    row = t.transfer(actor=request.user, pk=pk)
    if row is None:
        raise Http404("No such transfer")
    return row


def _transfer_page(request: HttpRequest, row: Transfer, *, entered: dict[int, dict[str, str]] | None = None,
                   errors: dict[int, list[str]] | None = None, general: list[str] | None = None,
                   status: int = 200) -> HttpResponse:
    lines = list(row.lines.all())
    can_receive = row.status in TRANSFER_IN_TRANSIT_STATUSES
    entered = entered or {}
    rows = [{
        "line": line,
        "in_transit": line.outstanding_quantity if can_receive else Decimal(0),
        "quantity": entered.get(line.line_number, {}).get("quantity",
                                                          plain_number(line.outstanding_quantity) if can_receive else ""),
        "location": entered.get(line.line_number, {}).get("location", ""),
        "errors": (errors or {}).get(line.line_number, []),
    } for line in lines]
    return render(request, "supply_chain/transfer.html", {
        "transfer": row, "rows": rows, "in_transit": t.in_transit_items(row),
        "can_ship": row.status == TransferStatus.DRAFT, "can_cancel": row.status == TransferStatus.DRAFT,
        "can_receive": can_receive, "errors": general or [],
        "destinations": Location.objects.filter(site_id=row.to_site_id, is_active=True).order_by("code"),
    }, status=status)


@requires(p.MOVE_STOCK.code)
def transfer_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _transfer_page(request, _visible_transfer(request, pk))


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
    """Receive per line what arrived (``quantity_<line>``, empty or 0 for nothing) into a
    destination (``to_location_<line>``, else the line's own). Problems are shown on their lines."""
    row = _visible_transfer(request, pk)
    places = {str(loc.pk): loc for loc in Location.objects.filter(site_id=row.to_site_id)}
    wanted: list[t.ReceiveLineIn] = []
    entered: dict[int, dict[str, str]] = {}
    errors: dict[int, list[str]] = {}
    seen: dict[int, Decimal] = {}
    for line in row.lines.all():
        number = line.line_number
        with contextlib.suppress(KeyError, InvalidOperation):  # an old form without what it saw
            seen[number] = Decimal(request.POST[f"received_{number}"])
        field = f"quantity_{number}"
        raw = request.POST.get(field, "").strip()
        location = places.get(request.POST.get(f"to_location_{number}", ""))
        entered[number] = {"quantity": raw, "location": request.POST.get(f"to_location_{number}", "")}
        if field not in request.POST:  # a form without quantities receives everything in transit
            if line.outstanding_quantity > 0:
                wanted.append(t.ReceiveLineIn(line=number, to_location=location))
            continue
        if raw in {"", "0"}:
            continue
        try:
            quantity = Decimal(raw)
        except InvalidOperation:
            errors.setdefault(number, []).append(f"{raw!r} is not a number")
            continue
        wanted.append(t.ReceiveLineIn(line=number, quantity=quantity, to_location=location))
    general = [] if wanted or errors else ["Enter what arrived on at least one line."]
    if not errors and not general:
        try:
            t.receive_transfer(actor=request.user, transfer=row, lines=wanted, received_before=seen)
        except ValidationFailed as error:
            for problem in error.problems:
                if problem.row is not None and problem.row < len(wanted):
                    errors.setdefault(wanted[problem.row].line, []).append(f"{problem.field}: {problem.message}")
                else:
                    general.append(problem.message)
        else:
            messages.success(request, f"{row.number} was received." if row.status == TransferStatus.RECEIVED else
                             f"Received part of {row.number}; the rest is still in transit.")
            return redirect("supply_chain:transfer", pk=row.pk)
    return _transfer_page(request, row, entered=entered, errors=errors, general=general, status=422)


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


@requires(p.ADJUST_STOCK.code)
@require_http_methods(["GET", "POST"])
def count_create_view(request: HttpRequest) -> HttpResponse:
    """Open a count: a site and its locations and/or items; the expected quantities are the
    on-hand quantities of now."""
    sites = Site.objects.restrict(request.user, p.ADJUST_STOCK.code).filter(is_active=True).order_by("code")
    locations = (selectors.locations(actor=request.user, action=p.ADJUST_STOCK.code).filter(is_active=True)
                 .order_by("site__code", "code"))
    initial = {"site": sites.first()} if sites.count() == 1 else {}
    form = CountForm(request.POST or None, sites=sites, locations=locations, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        found = {item.sku: item for item in Item.objects.restrict(request.user, p.ADJUST_STOCK.code)
                 .filter(sku__in=data["items"])}
        unknown = [sku for sku in data["items"] if sku not in found]
        if unknown:
            form.add_error("items", f"unknown SKU{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}")
        else:
            try:
                created = t.create_count(actor=request.user, site=data["site"], locations=list(data["locations"]),
                                         items=[found[sku] for sku in data["items"]])
            except ValidationFailed as error:
                apply_problems(form, error)
            else:
                messages.success(request, f"{created.number} was opened with {created.lines.count()} lines to count.")
                return redirect("supply_chain:count", pk=created.pk)
    return render(request, "supply_chain/count_form.html", {"form": form},
                  status=400 if request.method == "POST" and form.errors else 200)


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
        "can_cancel": row.status in COUNT_CANCELLABLE_STATUSES,
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


@requires(p.ADJUST_STOCK.code)
@require_POST
def count_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    row = _visible_count(request, pk)
    t.cancel_count(actor=request.user, count=row, reason=request.POST.get("reason", "").strip()[:300])
    messages.success(request, f"{row.number} was cancelled; nothing was posted.")
    return redirect("supply_chain:count", pk=row.pk)
