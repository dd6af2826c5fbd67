"""Supply chain pages: items and stock, the ledger, locations, posting movements;
suppliers and scorecards, the purchase order board, order pages and receiving."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from keel.audit.services import record_export
from keel.core.errors import KeelError, ValidationFailed
from keel.core.listing import Column, Listing
from keel.core.money import Money
from keel.core.spreadsheets import download
from keel.core.views import refuse, requires
from keel.organization.forms import apply_problems
from keel.organization.models import Site
from keel.organization.permissions import USE_KEEL
from keel.supply_chain import imports, selectors, services
from keel.supply_chain import permissions as p
from keel.supply_chain.choices import (
    PO_BOARD_COLUMNS,
    PO_CANCELLABLE_STATUSES,
    PO_CLOSABLE_STATUSES,
    PO_OPEN_STATUSES,
    PO_RECEIVABLE_STATUSES,
    REASON_RULES,
    Lifecycle,
    MovementReason,
    PurchaseOrderStatus,
)
from keel.supply_chain.forms import (
    ImportForm,
    ItemForm,
    LocationForm,
    MovementForm,
    OrderLineFormSet,
    PurchaseOrderForm,
    ReceiveFormSet,
    SupplierEditForm,
    SupplierForm,
    SupplierItemForm,
    read_table,
)
from keel.supply_chain.models import PurchaseOrder, Supplier
from keel.supply_chain.selectors import Scorecard

ITEM_COLUMNS = (
    Column("sku", "SKU", sort="sku"),
    Column("name", "Name", sort="name"),
    Column("category", "Category", sort="category"),
    Column("unit", "Unit"),
    Column("lifecycle", "Lifecycle", sort="lifecycle", value=lambda item: item.get_lifecycle_display()),
    Column("on_hand_total", "On hand", sort="on_hand_total", numeric=True),
    Column("reserved_total", "Reserved", sort="reserved_total", numeric=True),
    Column("available_total", "Available", sort="available_total", numeric=True),
)
MOVEMENT_COLUMNS = (
    Column("occurred_at", "When", sort="occurred_at"),
    Column("item.sku", "SKU", sort="item__sku"),
    Column("location", "Location", value=lambda m: str(m.location)),
    Column("lot_code", "Lot"),
    Column("reason", "Reason", sort="reason", value=lambda m: m.get_reason_display()),
    Column("quantity", "On hand change", sort="quantity", numeric=True),
    Column("reserved_quantity", "Reserved change", numeric=True),
    Column("reference", "Reference"),
    Column("actor", "By", value=lambda m: m.actor.email if m.actor else "system"),
)


@requires(p.VIEW_ITEM.code)
def items_view(request: HttpRequest) -> HttpResponse:
    rows = selectors.items(actor=request.user, category=request.GET.get("category") or None,
                           lifecycle=request.GET.get("lifecycle") or None)

    def stock_totals(queryset: Any) -> Any:
        return selectors.with_stock_totals(queryset, actor=request.user)

    listing = Listing(request=request, queryset=rows, columns=ITEM_COLUMNS, search_fields=("sku", "name"),
                      default_sort="sku", export_name="items", aggregates=stock_totals,
                      aggregate_keys=frozenset({"on_hand_total", "reserved_total", "available_total"}))
    export = listing.export()
    if export is not None:
        record_export(actor=request.user, object_type="item", row_count=listing.filtered.count(),
                      file_format=request.GET["export"])
        return export
    categories = selectors.items(actor=request.user).exclude(category="").values_list("category", flat=True).distinct().order_by("category")
    return render(request, "supply_chain/items.html", {
        "listing": listing, "categories": list(categories), "lifecycles": Lifecycle.choices,
        "can_create": request.user.has_action(p.CREATE_ITEM.code),  # type: ignore[union-attr]
        "can_move": request.user.has_action(p.MOVE_STOCK.code),  # type: ignore[union-attr]
    })


@requires(p.VIEW_ITEM.code)
def item_view(request: HttpRequest, sku: str) -> HttpResponse:
    item = selectors.items(actor=request.user).filter(sku=sku).first()
    if item is None:
        raise Http404("No such item")
    balances = list(selectors.balances(actor=request.user, item=item).order_by("location__site__code", "location__code", "lot_code"))
    listing = Listing(request=request, queryset=selectors.movements(actor=request.user, item=item),
                      columns=MOVEMENT_COLUMNS, default_sort="-occurred_at", export_name=f"ledger-{item.sku}")
    export = listing.export()
    if export is not None:
        record_export(actor=request.user, object_type="stock_movement", row_count=listing.filtered.count(),
                      file_format=request.GET["export"])
        return export
    totals = {
        "on_hand": sum((b.on_hand for b in balances), Decimal(0)),
        "reserved": sum((b.reserved for b in balances), Decimal(0)),
    }
    totals["available"] = totals["on_hand"] - totals["reserved"]
    return render(request, "supply_chain/item.html", {
        "item": item, "balances": balances, "listing": listing, "totals": totals,
        "lots": list(item.lots.all()),
        "can_move": request.user.has_action(p.MOVE_STOCK.code),  # type: ignore[union-attr]
    })


@requires(p.VIEW_ITEM.code)
def movements_view(request: HttpRequest) -> HttpResponse:
    rows = selectors.movements(actor=request.user, reason=request.GET.get("reason") or None)
    listing = Listing(request=request, queryset=rows, columns=MOVEMENT_COLUMNS,
                      search_fields=("item__sku", "reference"), default_sort="-occurred_at", export_name="stock-ledger")
    export = listing.export()
    if export is not None:
        record_export(actor=request.user, object_type="stock_movement", row_count=listing.filtered.count(),
                      file_format=request.GET["export"])
        return export
    return render(request, "supply_chain/movements.html", {"listing": listing, "reasons": MovementReason.choices})


@requires(p.CREATE_ITEM.code)
@require_http_methods(["GET", "POST"])
def item_create_view(request: HttpRequest) -> HttpResponse:
    form = ItemForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            item = services.create_item(actor=request.user, **form.cleaned_data)
        except ValidationFailed as error:
            apply_problems(form, error)
        else:
            messages.success(request, f"{item.sku} was added.")
            return redirect("supply_chain:item", sku=item.sku)
    return render(request, "organization/form.html", {"form": form, "heading": "Add an item"},
                  status=400 if form.errors else 200)


@requires(p.VIEW_ITEM.code)
@require_http_methods(["GET", "POST"])
def locations_view(request: HttpRequest) -> HttpResponse:
    can_create = request.user.has_action(p.CREATE_ITEM.code)  # type: ignore[union-attr]
    sites = Site.objects.restrict(request.user, p.CREATE_ITEM.code)
    form = LocationForm(request.POST or None, sites=sites)
    if request.method == "POST":
        if not can_create:
            return render(request, "403.html", {"needed_action": p.CREATE_ITEM}, status=403)
        if form.is_valid():
            try:
                location = services.create_location(actor=request.user, **form.cleaned_data)
            except ValidationFailed as error:
                apply_problems(form, error)
            else:
                messages.success(request, f"Location {location} was added.")
                return redirect("supply_chain:locations")
    return render(request, "supply_chain/locations.html", {
        "locations": selectors.locations(actor=request.user), "form": form, "can_create": can_create,
    }, status=400 if form.errors else 200)


@requires(p.MOVE_STOCK.code)
@require_http_methods(["GET", "POST"])
def move_view(request: HttpRequest) -> HttpResponse:
    locations = selectors.locations(actor=request.user, action=p.MOVE_STOCK.code).filter(is_active=True)
    form = MovementForm(request.POST or None, locations=locations, initial={"sku": request.GET.get("sku", "")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        reason = data["reason"]
        if reason in services.ADJUSTING_REASONS and not request.user.has_action(p.ADJUST_STOCK.code):  # type: ignore[union-attr]
            return render(request, "403.html", {"needed_action": p.ADJUST_STOCK}, status=403)
        item = selectors.items(actor=request.user).filter(sku=data["sku"].strip()).first()
        if item is None:
            form.add_error("sku", f"unknown SKU {data['sku']!r}")
        else:
            on_hand_sign, reserved_sign = REASON_RULES[reason]
            sign = on_hand_sign or reserved_sign or 1
            if on_hand_sign is None:
                sign = -1 if data["direction"] == "out" else 1
            amount = data["quantity"] * sign
            line = services.MovementLine(
                item=item, location=data["location"],
                quantity=amount if on_hand_sign != 0 else Decimal(0),
                reserved_quantity=amount if on_hand_sign == 0 else Decimal(0),
                lot_code=data["lot"].strip(), expires_on=data["expires_on"],
            )
            try:
                services.post_movements(actor=request.user, reason=reason, lines=[line],
                                        reference=data["reference"], note=data["note"])
            except ValidationFailed as error:
                apply_problems(form, error)
            else:
                messages.success(request, f"Posted: {MovementReason(reason).label} of {data['quantity']:f} {item.sku}.")
                return redirect("supply_chain:item", sku=item.sku)
    return render(request, "organization/form.html", {"form": form, "heading": "Post a stock movement"},
                  status=400 if form.errors else 200)


# --- Suppliers ------------------------------------------------------------------------

SUPPLIER_COLUMNS = (
    Column("code", "Code", sort="code"),
    Column("name", "Name", sort="name"),
    Column("currency", "Currency", sort="currency"),
    Column("payment_terms_days", "Payment terms (days)", sort="payment_terms_days", numeric=True),
    Column("lead_time_days", "Lead time (days)", sort="lead_time_days", numeric=True),
    Column("contact_name", "Contact name", sort="contact_name"),
    Column("contact_email", "Contact email"),
    Column("contact_phone", "Contact phone"),
    Column("is_active", "Active", sort="is_active", value=lambda supplier: "yes" if supplier.is_active else "no"),
)


def _can(request: HttpRequest, action: str) -> bool:
    return bool(request.user.has_action(action))  # type: ignore[union-attr]


@requires(p.VIEW_SUPPLIER.code)
def suppliers_view(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "active")
    rows = selectors.suppliers(actor=request.user, is_active={"active": True, "inactive": False}.get(status),
                               currency=request.GET.get("currency") or None)
    listing = Listing(request=request, queryset=rows, columns=SUPPLIER_COLUMNS,
                      search_fields=("code", "name", "contact_name"), default_sort="code", export_name="suppliers")
    export = listing.export()
    if export is not None:
        record_export(actor=request.user, object_type="supplier", row_count=listing.filtered.count(),
                      file_format=request.GET["export"])
        return export
    currencies = selectors.suppliers(actor=request.user).values_list("currency", flat=True).distinct().order_by("currency")
    return render(request, "supply_chain/suppliers.html", {
        "listing": listing, "status": status, "currencies": list(currencies),
        "can_change": _can(request, p.CHANGE_SUPPLIER.code),
    })


def _visible_supplier(request: HttpRequest, code: str) -> Supplier:
    supplier = selectors.supplier(actor=request.user, code=code)
    if supplier is None:
        raise Http404("No such supplier")
    return supplier


def _percent(rate: Decimal | None) -> str:
    return "—" if rate is None else f"{(rate * 100).quantize(Decimal('0.1'))}%"


def scorecard_chart(card: Scorecard) -> dict[str, Any]:
    """Bars of the on-time rate per month for an inline SVG (no JavaScript)."""
    width, height, gap = 58, 130, 14
    bars = []
    for index, month in enumerate(card.months):
        rate = month.on_time_rate
        bar_height = 0 if rate is None else max(2, int(rate * height))
        bars.append({
            "x": index * (width + gap), "y": 20 + height - bar_height, "height": bar_height, "width": width,
            "label": month.month.strftime("%b") if month.month else "", "value": _percent(rate),
            "has_data": rate is not None, "text_y": 20 + height - bar_height - 5,
            "tone": "none" if rate is None else ("good" if rate >= Decimal("0.95") else "fair" if rate >= Decimal("0.8") else "poor"),
            "title": f"{month.month:%B %Y}: {_percent(rate)} on time over {month.deliveries} deliver"
                     f"{'y' if month.deliveries == 1 else 'ies'}" if month.month else "",
        })
    return {"bars": bars, "width": len(bars) * (width + gap), "height": height + 42, "baseline": 20 + height,
            "label_y": height + 38, "middle": width // 2}


@requires(p.VIEW_SUPPLIER.code)
def supplier_view(request: HttpRequest, code: str) -> HttpResponse:
    supplier = _visible_supplier(request, code)
    card = selectors.supplier_scorecard(actor=request.user, supplier=supplier)
    orders = None
    if _can(request, p.VIEW_PURCHASE_ORDER.code):
        orders = list(selectors.purchase_orders(actor=request.user, supplier_code=supplier.code).order_by("-created_at")[:10])
    return render(request, "supply_chain/supplier.html", {
        "supplier": supplier, "card": card, "chart": scorecard_chart(card),
        "supplier_items": selectors.supplier_items(actor=request.user, supplier=supplier).order_by("item__sku"),
        "orders": orders,
        "can_change": _can(request, p.CHANGE_SUPPLIER.code),
        "can_order": _can(request, p.CHANGE_PURCHASE_ORDER.code) and supplier.is_active,
    })


def _form_page(request: HttpRequest, form: Any, heading: str) -> HttpResponse:
    return render(request, "organization/form.html", {"form": form, "heading": heading},
                  status=400 if form.errors else 200)


@requires(p.CHANGE_SUPPLIER.code)
@require_http_methods(["GET", "POST"])
def supplier_create_view(request: HttpRequest) -> HttpResponse:
    form = SupplierForm(request.POST or None, initial={"is_active": True})
    if request.method == "POST" and form.is_valid():
        try:
            supplier = services.create_supplier(actor=request.user, **form.cleaned_data)
        except ValidationFailed as error:
            apply_problems(form, error)
        else:
            messages.success(request, f"{supplier.code} was added.")
            return redirect("supply_chain:supplier", code=supplier.code)
    return _form_page(request, form, "Add a supplier")


@requires(p.CHANGE_SUPPLIER.code)
@require_http_methods(["GET", "POST"])
def supplier_edit_view(request: HttpRequest, code: str) -> HttpResponse:
    supplier = _visible_supplier(request, code)
    initial = {name: getattr(supplier, name) for name in services.SUPPLIER_FIELDS}
    form = SupplierEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_supplier(actor=request.user, supplier=supplier, **form.cleaned_data)
        except ValidationFailed as error:
            apply_problems(form, error)
        else:
            messages.success(request, "Saved.")
            return redirect("supply_chain:supplier", code=supplier.code)
    return _form_page(request, form, f"Edit {supplier.code}")


@requires(p.CHANGE_SUPPLIER.code)
@require_http_methods(["GET", "POST"])
def supplier_item_view(request: HttpRequest, code: str) -> HttpResponse:
    """Add or replace what the supplier sells of one item (``?sku=`` opens an existing one)."""
    supplier = _visible_supplier(request, code)
    initial: dict[str, Any] = {"is_active": True}
    existing = selectors.supplier_items(actor=request.user, supplier=supplier).filter(item__sku=request.GET.get("sku", "")).first()
    if existing is not None:
        initial = {
            "sku": existing.item.sku, "supplier_sku": existing.supplier_sku,
            "minimum_order_quantity": services.plain_number(existing.minimum_order_quantity),
            "order_multiple": services.plain_number(existing.order_multiple), "lead_time_days": existing.lead_time_days,
            "price_breaks": services.format_price_breaks(list(existing.price_breaks.all())), "is_active": existing.is_active,
        }
    form = SupplierItemForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        item = selectors.items(actor=request.user).filter(sku=data["sku"].strip()).first() if _can(
            request, p.VIEW_ITEM.code) else None
        try:
            breaks = services.parse_price_breaks(data["price_breaks"])
        except ValueError as error:
            form.add_error("price_breaks", str(error))
            breaks = []
        if item is None:
            form.add_error("sku", f"unknown SKU {data['sku']!r}")
        if not form.errors and item is not None:
            try:
                services.save_supplier_item(
                    actor=request.user, supplier=supplier, item=item, supplier_sku=data["supplier_sku"],
                    minimum_order_quantity=data["minimum_order_quantity"], order_multiple=data["order_multiple"],
                    lead_time_days=data["lead_time_days"], price_breaks=breaks, is_active=data["is_active"],
                )
            except ValidationFailed as error:
                apply_problems(form, error)
            else:
                messages.success(request, f"{supplier.code} / {item.sku} was saved.")
                return redirect("supply_chain:supplier", code=supplier.code)
    return _form_page(request, form, f"{supplier.code}: an item and its prices")


def _supplier_item_rows(actor: Any) -> list[list[object]]:
    return [
        [si.supplier.code, si.item.sku, si.supplier_sku, services.plain_number(si.minimum_order_quantity),
         services.plain_number(si.order_multiple), "" if si.lead_time_days is None else si.lead_time_days,
         services.format_price_breaks(list(si.price_breaks.all())), "yes" if si.is_active else "no"]
        for si in selectors.supplier_items(actor=actor).order_by("supplier__code", "item__sku")
    ]


# The empty templates the import pages offer (suppliers and supplier items have their own downloads).
IMPORT_TEMPLATES = {"items": imports.ITEM_COLUMNS, "opening_stock": imports.OPENING_STOCK_COLUMNS}
# Where each kind of import goes when it is done.
IMPORT_DONE = {"suppliers": "supply_chain:suppliers", "supplier_items": "supply_chain:suppliers",
               "items": "supply_chain:items", "opening_stock": "supply_chain:movements"}
IMPORT_HEADINGS = {"suppliers": "Import suppliers and prices", "items": "Import items",
                   "opening_stock": "Import opening stock"}


def _import_page(request: HttpRequest, kinds: tuple[str, ...]) -> HttpResponse:
    """Import ``kinds`` from CSV or XLSX, all or nothing: each kind needs its own action
    (``imports.IMPORT_ACTIONS``), the page's route declares it. Large files become
    background jobs."""
    wanted = request.GET.get("download")
    if wanted in IMPORT_TEMPLATES and wanted in kinds:
        return download(filename=f"{wanted.replace('_', '-')}-template", header=list(IMPORT_TEMPLATES[wanted]), rows=[],
                        file_format="xlsx" if request.GET.get("format") == "xlsx" else "csv")
    form = ImportForm(request.POST or None, request.FILES or None, kinds=kinds)
    error: KeelError | None = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        kind = form.cleaned_data["kind"]
        if not _can(request, imports.IMPORT_ACTIONS[kind]):
            return refuse(request, imports.IMPORT_ACTIONS[kind])
        try:
            table = read_table(upload)
            if len(table) > settings.KEEL_IMPORT_BACKGROUND_ROWS:
                upload.seek(0)
                job = imports.queue_import(actor=request.user, kind=kind, filename=upload.name or "import",
                                           content=upload.read(), total_rows=len(table))
                messages.info(request, f"{upload.name} has {len(table)} rows: it is imported in the background.")
                return redirect("supply_chain:import-job", pk=job.pk)
            result = imports.run_import(kind, actor=request.user, rows=table, filename=upload.name or "")
        except ValidationFailed as failure:
            error = failure
        else:
            messages.success(request, f"Imported {result.rows} rows from {upload.name}: {result.created} new, "
                                      f"{result.updated} changed, {result.unchanged} unchanged.")
            return redirect(IMPORT_DONE[kind])
    return render(request, "supply_chain/import.html", {
        "form": form, "error": error, "kinds": kinds, "heading": IMPORT_HEADINGS[kinds[0]],
        "supplier_columns": services.SUPPLIER_COLUMNS, "supplier_item_columns": services.SUPPLIER_ITEM_COLUMNS,
        "item_columns": imports.ITEM_COLUMNS, "opening_stock_columns": imports.OPENING_STOCK_COLUMNS,
        "other_imports": [(name, label) for name, label, action in (
            ("supply_chain:supplier-import", "Suppliers and prices", p.CHANGE_SUPPLIER.code),
            ("supply_chain:item-import", "Items", p.CREATE_ITEM.code),
            ("supply_chain:stock-import", "Opening stock", p.MOVE_STOCK.code),
        ) if _can(request, action) and imports.IMPORT_ACTIONS[kinds[0]] != action],
    }, status=400 if error or form.errors else 200)


@requires(p.CHANGE_SUPPLIER.code)
@require_http_methods(["GET", "POST"])
def supplier_import_view(request: HttpRequest) -> HttpResponse:
    """Import suppliers or supplier items; download templates and the current supplier
    items in the same columns."""
    wanted = request.GET.get("download")
    if wanted in {"suppliers", "supplier_items", "supplier_items_template"}:
        file_format = "xlsx" if request.GET.get("format") == "xlsx" else "csv"
        if wanted == "suppliers":
            return download(filename="suppliers-template", header=list(services.SUPPLIER_COLUMNS), rows=[],
                            file_format=file_format)
        rows = [] if wanted == "supplier_items_template" else _supplier_item_rows(request.user)
        if wanted == "supplier_items":
            record_export(actor=request.user, object_type="supplier_item", row_count=len(rows), file_format=file_format)
        return download(filename="supplier-items" + ("-template" if not rows and wanted.endswith("template") else ""),
                        header=list(services.SUPPLIER_ITEM_COLUMNS), rows=rows, file_format=file_format)
    return _import_page(request, ("suppliers", "supplier_items"))


@requires(p.CREATE_ITEM.code)
@require_http_methods(["GET", "POST"])
def item_import_view(request: HttpRequest) -> HttpResponse:
    """Import new items (needs the item-creating action, not the supplier one)."""
    return _import_page(request, ("items",))


@requires(p.MOVE_STOCK.code)
@require_http_methods(["GET", "POST"])
def stock_import_view(request: HttpRequest) -> HttpResponse:
    """Import opening stock as one receipt (needs the stock-moving action)."""
    return _import_page(request, ("opening_stock",))


@requires(USE_KEEL.code)
def import_job_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A background import's progress and final report, for the person who started it (and
    admins) while they hold the action its kind needs. htmx polls the progress partial
    every second until the job has finished."""
    job = imports.import_job(actor=request.user, pk=pk)
    if job is None:
        raise Http404("No such import")
    partial = request.headers.get("HX-Request") == "true"
    return render(request, "supply_chain/import_job_progress.html" if partial else "supply_chain/import_job.html",
                  {"job": job})


# --- Purchase orders ------------------------------------------------------------------

ORDER_COLUMNS = (
    Column("number", "Number", sort="number"),
    Column("supplier", "Supplier", sort="supplier__code", value=lambda order: order.supplier.code),
    Column("site", "Ship to", sort="site__code", value=lambda order: order.site.code),
    Column("status", "Status", sort="status", value=lambda order: order.get_status_display()),
    Column("total", "Total", sort="total", numeric=True,
           value=lambda order: Money.of(order.total or 0, order.currency).rounded().amount),
    Column("currency", "Currency"),
    Column("expected_on", "Expected", sort="expected_on"),
    Column("created_at", "Created", sort="created_at"),
    Column("created_by", "By", value=lambda order: order.created_by.email if order.created_by else "system"),
)
STATUS_TABS = (("open", "Open"), *PurchaseOrderStatus.choices, ("all", "All"))


def _query_with(request: HttpRequest, **changes: str) -> str:
    params = request.GET.copy()
    for name in ("page", "export"):
        params.pop(name, None)
    for name, value in changes.items():
        params[name] = value
    return "?" + params.urlencode()
BOARD_CARDS = 12


@requires(p.VIEW_PURCHASE_ORDER.code)
def purchase_orders_view(request: HttpRequest) -> HttpResponse:
    """The board (a column per status) or the list (status tabs, search, sort, export)."""
    view = "list" if request.GET.get("view") == "list" or request.GET.get("export") else "board"
    status = request.GET.get("status", "open")
    statuses: list[str] | None = sorted(PO_OPEN_STATUSES) if status == "open" else None if status == "all" else [status]
    if statuses and not set(statuses) <= set(PurchaseOrderStatus.values):
        raise Http404("No such status")
    supplier_code, site_code = request.GET.get("supplier") or None, request.GET.get("site") or None
    counts = selectors.status_counts(actor=request.user)
    tabs = [{"value": value, "label": label, "url": _query_with(request, view="list", status=value),
             "count": sum(counts[s] for s in PO_OPEN_STATUSES) if value == "open" else sum(counts.values()) if value == "all"
             else counts[value]} for value, label in STATUS_TABS]
    context: dict[str, Any] = {
        "view": view, "status": status, "tabs": tabs, "today": timezone.localdate(),
        "late_statuses": [PurchaseOrderStatus.APPROVED, PurchaseOrderStatus.SENT, PurchaseOrderStatus.PARTIALLY_RECEIVED],
        "suppliers": selectors.suppliers(actor=request.user).only("code", "name") if _can(request, p.VIEW_SUPPLIER.code) else [],
        "sites": Site.objects.restrict(request.user, p.VIEW_PURCHASE_ORDER.code),
        "can_create": _can(request, p.CHANGE_PURCHASE_ORDER.code),
        "query": request.GET.get("q", "").strip()[:200],
    }
    if view == "board":
        columns = []
        for column_status in PO_BOARD_COLUMNS:
            rows = selectors.purchase_orders(actor=request.user, statuses=[column_status], search=context["query"] or None,
                                             supplier_code=supplier_code, site_code=site_code).order_by("expected_on", "pk")
            cards = list(rows[: BOARD_CARDS + 1])
            columns.append({"status": column_status, "label": PurchaseOrderStatus(column_status).label,
                            "cards": cards[:BOARD_CARDS], "more": len(cards) > BOARD_CARDS,
                            "count": len(cards) if len(cards) <= BOARD_CARDS else rows.count()})
        context["columns"] = columns
        return render(request, "supply_chain/purchase_orders.html", context)
    rows = selectors.purchase_orders(actor=request.user, statuses=statuses, supplier_code=supplier_code,
                                     site_code=site_code)
    listing = Listing(request=request, queryset=rows, columns=ORDER_COLUMNS, search_fields=("number", "supplier__code",
                      "supplier__name"), default_sort="-created_at", export_name="purchase-orders")
    export = listing.export()
    if export is not None:
        record_export(actor=request.user, object_type="purchase_order", row_count=listing.filtered.count(),
                      file_format=request.GET["export"])
        return export
    context["listing"] = listing
    return render(request, "supply_chain/purchase_orders.html", context)


@requires(p.CHANGE_PURCHASE_ORDER.code)
@require_http_methods(["GET", "POST"])
def purchase_order_create_view(request: HttpRequest) -> HttpResponse:
    suppliers = selectors.suppliers(actor=request.user, is_active=True) if _can(request, p.VIEW_SUPPLIER.code) \
        else Supplier.objects.none()
    sites = Site.objects.restrict(request.user, p.CHANGE_PURCHASE_ORDER.code).filter(is_active=True)
    initial: dict[str, Any] = {}
    if request.GET.get("supplier"):
        initial["supplier"] = suppliers.filter(code=request.GET["supplier"]).first()
    if sites.count() == 1:
        initial["site"] = sites.first()
    form = PurchaseOrderForm(request.POST or None, suppliers=suppliers, sites=sites, initial=initial)
    lines = OrderLineFormSet(request.POST or None, prefix="lines")
    if request.method == "POST" and form.is_valid() and lines.is_valid():
        filled = [(index, line) for index, line in enumerate(lines.forms) if not line.is_blank]
        skus = {line.cleaned_data["sku"].strip() for _, line in filled}
        items = {item.sku: item for item in selectors.items(actor=request.user).filter(sku__in=skus)} if _can(
            request, p.VIEW_ITEM.code) else {}
        for _, line in filled:
            if line.cleaned_data["sku"].strip() not in items:
                line.add_error("sku", f"unknown SKU {line.cleaned_data['sku']!r}")
        if not filled:
            form.add_error(None, "Add at least one line.")
        if not form.errors and not any(line.errors for line in lines.forms):
            data = form.cleaned_data
            try:
                order = services.create_purchase_order(
                    actor=request.user, supplier=data["supplier"], site=data["site"], expected_on=data["expected_on"],
                    notes=data["notes"], lines=[services.OrderLineIn(
                        item=items[line.cleaned_data["sku"].strip()], quantity=line.cleaned_data["quantity"],
                        unit_price=line.cleaned_data["unit_price"], expected_on=line.cleaned_data["expected_on"],
                    ) for _, line in filled],
                )
            except ValidationFailed as error:
                for problem in error.problems:
                    if problem.row is not None and problem.row < len(filled):
                        target = filled[problem.row][1]
                        name = problem.field.split(".")[-1]
                        target.add_error(name if name in target.fields else None, problem.message)
                    else:
                        name = problem.field.split(".")[0]
                        form.add_error(name if name in form.fields else None, problem.message)
            else:
                messages.success(request, f"{order.number} was created as a draft.")
                return redirect("supply_chain:purchase-order", pk=order.pk)
    has_errors = bool(form.errors or lines.non_form_errors() or any(line.errors for line in lines.forms))
    return render(request, "supply_chain/purchase_order_form.html", {"form": form, "lines": lines},
                  status=400 if request.method == "POST" and has_errors else 200)


def _visible_order(request: HttpRequest, pk: int, action: str = p.VIEW_PURCHASE_ORDER.code) -> PurchaseOrder:
    order = selectors.purchase_order(actor=request.user, pk=pk, action=action)
    if order is None:
        raise Http404("No such purchase order in your scope")
    return order


def lifecycle_steps(order: PurchaseOrder, receipts: list[Any]) -> list[dict[str, Any]]:
    """The order's way through its lifecycle for the progress line: done, current, to do."""
    S = PurchaseOrderStatus
    first_receipt = receipts[0].received_at if receipts else None
    received_label = "Partially received" if order.status == S.PARTIALLY_RECEIVED else "Received"
    steps = [("Draft", S.DRAFT, order.created_at), ("Submitted", S.SUBMITTED, order.submitted_at),
             ("Approved", S.APPROVED, order.approved_at), ("Sent", S.SENT, order.sent_at),
             (received_label, S.RECEIVED, order.received_at or first_receipt), ("Closed", S.CLOSED, order.closed_at)]
    current = S.RECEIVED if order.status == S.PARTIALLY_RECEIVED else order.status
    result = []
    for label, status, at in steps:
        if order.status == S.CANCELLED and at is None:
            continue
        state = "current" if status == current else "done" if at is not None else "todo"
        result.append({"label": label, "at": at, "state": state})
    if order.status == S.CANCELLED:
        result.append({"label": "Cancelled", "at": order.cancelled_at, "state": "current stopped"})
    return result


@requires(p.VIEW_PURCHASE_ORDER.code)
def purchase_order_view(request: HttpRequest, pk: int) -> HttpResponse:
    order = _visible_order(request, pk)
    receipts = list(order.receipts.all())
    can_change = _can(request, p.CHANGE_PURCHASE_ORDER.code)
    can_approve = _can(request, p.APPROVE_PURCHASE_ORDER.code) and order.status == PurchaseOrderStatus.SUBMITTED
    total = order.total or Decimal(0)  # type: ignore[attr-defined]
    self_approval_blocked = (can_approve and order.created_by_id == request.user.pk
                             and total > services.self_approval_limit())
    return render(request, "supply_chain/purchase_order.html", {
        "order": order, "lines": list(order.lines.all()), "receipts": receipts,
        "steps": lifecycle_steps(order, receipts),
        "can_submit": can_change and order.status == PurchaseOrderStatus.DRAFT,
        "can_approve": can_approve and not self_approval_blocked,
        "self_approval_blocked": self_approval_blocked, "limit": services.self_approval_limit(),
        "can_send": can_change and order.status == PurchaseOrderStatus.APPROVED,
        "can_cancel": can_change and order.status in PO_CANCELLABLE_STATUSES,
        "can_close": can_change and order.status in PO_CLOSABLE_STATUSES,
        "can_receive": _can(request, p.RECEIVE_PURCHASE_ORDER.code) and order.status in PO_RECEIVABLE_STATUSES,
    })


def _transition_view(request: HttpRequest, pk: int, action: str, change: Callable[..., PurchaseOrder],
                     done: str, **extra: Any) -> HttpResponse:
    order = _visible_order(request, pk, action)
    change(actor=request.user, order=order, **extra)
    messages.success(request, f"{order.number} {done}.")
    return redirect("supply_chain:purchase-order", pk=order.pk)


@requires(p.CHANGE_PURCHASE_ORDER.code)
@require_POST
def purchase_order_submit_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _transition_view(request, pk, p.CHANGE_PURCHASE_ORDER.code, services.submit_purchase_order,
                            "was submitted for approval")


@requires(p.APPROVE_PURCHASE_ORDER.code)
@require_POST
def purchase_order_approve_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _transition_view(request, pk, p.APPROVE_PURCHASE_ORDER.code, services.approve_purchase_order, "was approved")


@requires(p.CHANGE_PURCHASE_ORDER.code)
@require_POST
def purchase_order_send_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _transition_view(request, pk, p.CHANGE_PURCHASE_ORDER.code, services.send_purchase_order,
                            "was marked as sent to the supplier")


@requires(p.CHANGE_PURCHASE_ORDER.code)
@require_POST
def purchase_order_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _transition_view(request, pk, p.CHANGE_PURCHASE_ORDER.code, services.cancel_purchase_order,
                            "was cancelled", reason=request.POST.get("reason", "")[:300])


@requires(p.CHANGE_PURCHASE_ORDER.code)
@require_POST
def purchase_order_close_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _transition_view(request, pk, p.CHANGE_PURCHASE_ORDER.code, services.close_purchase_order, "was closed")


@requires(p.RECEIVE_PURCHASE_ORDER.code)
@require_http_methods(["GET", "POST"])
def purchase_order_receive_view(request: HttpRequest, pk: int) -> HttpResponse:
    """One row per order line: accept into a location (quarantine for a quality hold), reject."""
    order = _visible_order(request, pk, p.RECEIVE_PURCHASE_ORDER.code)
    if order.status not in PO_RECEIVABLE_STATUSES:
        messages.error(request, f"{order.number} is {order.get_status_display().lower()}; only sent or partially "
                                "received orders can be received.")
        return redirect("supply_chain:purchase-order", pk=order.pk)
    order_lines = {line.line_number: line for line in order.lines.all()}
    locations = selectors.receiving_locations(actor=request.user, order=order, action=p.RECEIVE_PURCHASE_ORDER.code)
    default_location = next((loc for loc in locations if loc.kind == "receiving"), None)
    initial = [{"line": line.line_number, "quantity": services.plain_number(line.open_quantity) if line.open_quantity else None,
                "location": default_location} for line in order_lines.values()]
    formset = ReceiveFormSet(request.POST or None, initial=initial, prefix="lines", locations=locations)  # type: ignore[call-arg]
    note = request.POST.get("note", "")[:300]
    if request.method == "POST" and formset.is_valid():
        rows = []
        for form in formset.forms:
            data = form.cleaned_data
            line = order_lines.get(data.get("line") or 0)
            accepted, rejected = data.get("quantity") or Decimal(0), data.get("rejected_quantity") or Decimal(0)
            if line is None or (accepted == 0 and rejected == 0):
                continue
            rows.append((form, services.ReceiveLine(
                line=line, quantity=accepted, location=data.get("location"), lot_code=data.get("lot", ""),
                expires_on=data.get("expires_on"), quality_hold=bool(data.get("quality_hold")), rejected_quantity=rejected,
            )))
        if not rows and formset.forms:
            formset.forms[0].add_error("quantity", "Enter what arrived on at least one line.")
        elif rows:
            try:
                services.receive_purchase_order(actor=request.user, order=order, lines=[row for _, row in rows], note=note)
            except ValidationFailed as error:
                for problem in error.problems:
                    if problem.row is not None and problem.row < len(rows):
                        target = rows[problem.row][0]
                        name = {"lot_code": "lot"}.get(problem.field, problem.field)
                        target.add_error(name if name in target.fields else None, problem.message)
                    else:
                        formset.forms[0].add_error(None, problem.message)
            else:
                messages.success(request, f"Received against {order.number}; it is now {order.get_status_display().lower()}.")
                return redirect("supply_chain:purchase-order", pk=order.pk)
    has_errors = any(form.errors for form in formset.forms) or bool(formset.non_form_errors())
    return render(request, "supply_chain/receive.html", {
        "order": order, "rows": [(form, order_lines.get(int(form["line"].value() or 0))) for form in formset.forms],
        "formset": formset, "note": note, "has_quarantine": any(loc.kind == "quarantine" for loc in locations),
        "tolerance": services.over_receipt_percent(),
    }, status=400 if request.method == "POST" and has_errors else 200)
