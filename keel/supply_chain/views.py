"""Supply chain pages: items and stock, the ledger, locations, posting movements."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.db.models import DecimalField, ExpressionWrapper, F
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from keel.audit.services import record_export
from keel.core.errors import ValidationFailed
from keel.core.listing import Column, Listing
from keel.core.views import requires
from keel.organization.forms import apply_problems
from keel.organization.models import Site
from keel.supply_chain import permissions as p
from keel.supply_chain import selectors, services
from keel.supply_chain.choices import REASON_RULES, Lifecycle, MovementReason
from keel.supply_chain.forms import ItemForm, LocationForm, MovementForm

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
    rows = selectors.with_stock_totals(rows, actor=request.user).annotate(
        available_total=ExpressionWrapper(F("on_hand_total") - F("reserved_total"),
                                          output_field=DecimalField(max_digits=18, decimal_places=4))
    )
    listing = Listing(request=request, queryset=rows, columns=ITEM_COLUMNS, search_fields=("sku", "name"),
                      default_sort="sku", export_name="items")
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
