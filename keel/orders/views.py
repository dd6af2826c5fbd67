"""Order pages: the fulfillment queue, orders and their fulfillment steps, shipments,
customers. Each view parses, authorises (``@requires``), calls one service or selector,
and renders; refused changes come back as a message on the order's page."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

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
from keel.core.views import requires
from keel.events import selectors as event_selectors
from keel.orders import imports, selectors, services
from keel.orders import permissions as p
from keel.orders.choices import ChannelKind, OrderStatus, ShipmentStatus
from keel.orders.forms import CustomerForm, ImportForm, OrderForm, PackForm, ReasonForm, ShipForm
from keel.orders.models import PickList, SalesOrder
from keel.organization import selectors as organization_selectors
from keel.organization.forms import apply_problems
from keel.supply_chain import selectors as stock_selectors


def _plain(value: object) -> Decimal:
    """A total as people write it (3, 2.5), whichever database computed it."""
    number = Decimal(str(value or 0))
    return number.quantize(Decimal(1)) if number == number.to_integral_value() else number.normalize()


def _flags(order: SalesOrder) -> str:
    flags = [name for name, on in (("late", getattr(order, "is_late", False)),
                                   ("at risk", getattr(order, "is_at_risk", False)),
                                   ("on hold", order.is_on_hold)) if on]
    return ", ".join(flags)


QUEUE_COLUMNS = (
    Column("promised_ship_on", "Promised ship", sort="promised_ship_on"),
    Column("number", "Order", sort="number"),
    Column("customer", "Customer", sort="customer__name", value=lambda o: o.customer.name),
    Column("ship_from", "Ship from", sort="ship_from__code", value=lambda o: o.ship_from.code),
    Column("status", "Status", sort="status", value=lambda o: o.get_status_display()),
    Column("quantity_total", "Ordered", sort="quantity_total", numeric=True, value=lambda o: _plain(o.quantity_total)),
    Column("backordered_total", "Backordered", sort="backordered_total", numeric=True, value=lambda o: _plain(o.backordered_total)),
    Column("packed_total", "Packed", sort="packed_total", numeric=True, value=lambda o: _plain(o.packed_total)),
    Column("flags", "Flags", value=_flags),
)
ORDER_COLUMNS = (
    Column("number", "Order", sort="number"),
    Column("customer", "Customer", sort="customer__name", value=lambda o: o.customer.name),
    Column("channel", "Channel", sort="channel__name", value=lambda o: o.channel.name),
    Column("ship_from", "Ship from", sort="ship_from__code", value=lambda o: o.ship_from.code),
    Column("status", "Status", sort="status", value=lambda o: o.get_status_display()),
    Column("promised_ship_on", "Promised ship", sort="promised_ship_on"),
    Column("quantity_total", "Ordered", sort="quantity_total", numeric=True, value=lambda o: _plain(o.quantity_total)),
    Column("shipped_total", "Shipped", sort="shipped_total", numeric=True, value=lambda o: _plain(o.shipped_total)),
    Column("created_at", "Created", sort="created_at"),
)
SHIPMENT_COLUMNS = (
    Column("shipped_at", "Shipped", sort="shipped_at"),
    Column("order", "Order", sort="order__number", value=lambda s: s.order.number),
    Column("customer", "Customer", sort="order__customer__name", value=lambda s: s.order.customer.name),
    Column("carrier", "Carrier", sort="carrier_service__carrier__name", value=lambda s: str(s.carrier_service)),
    Column("tracking_number", "Tracking number", sort="tracking_number"),
    Column("shipping_cost", "Cost", sort="shipping_cost", numeric=True, value=lambda s: str(s.cost)),
    Column("status", "Status", sort="status", value=lambda s: s.get_status_display()),
    Column("delivered_at", "Delivered", sort="delivered_at"),
)
CUSTOMER_COLUMNS = (
    Column("code", "Code", sort="code"),
    Column("name", "Name", sort="name"),
    Column("email", "Email", sort="email"),
    Column("country", "Country", sort="country"),
    Column("channel", "Channel", sort="channel__name", value=lambda c: c.channel.name if c.channel else ""),
    Column("open_order_count", "Open orders", sort="open_order_count", numeric=True),
    Column("order_count", "Orders", sort="order_count", numeric=True),
)


def _export(request: HttpRequest, listing: Listing, object_type: str) -> HttpResponse | None:
    response = listing.export()
    if response is not None:
        record_export(actor=request.user, object_type=object_type, row_count=listing.filtered.count(),
                      file_format=request.GET["export"])
    return response


def _can(request: HttpRequest, action: Any) -> bool:
    return bool(request.user.has_action(action.code))  # type: ignore[union-attr]


# --- Lists ----------------------------------------------------------------------------


@requires(p.VIEW_ORDER.code)
def queue_view(request: HttpRequest) -> HttpResponse:
    site_code = request.GET.get("site") or None
    rows = selectors.fulfillment_queue(actor=request.user, site_code=site_code, flag=request.GET.get("flag") or None)
    listing = Listing(request=request, queryset=rows, columns=QUEUE_COLUMNS,
                      search_fields=("number", "customer__name", "customer__code", "customer_reference"),
                      export_name="fulfillment-queue", aggregates=selectors.with_queue_totals,
                      aggregate_keys=selectors.QUEUE_TOTAL_KEYS)
    export = _export(request, listing, "sales_order")
    if export is not None:
        return export
    return render(request, "orders/queue.html", {
        "listing": listing, "summary": selectors.queue_summary(actor=request.user, site_code=site_code),
        "sites": organization_selectors.sites(actor=request.user, action=p.VIEW_ORDER.code),
        "today": timezone.localdate(),
    })


@requires(p.VIEW_ORDER.code)
def orders_view(request: HttpRequest) -> HttpResponse:
    rows = selectors.orders(
        actor=request.user, status=request.GET.get("status") or None, site_code=request.GET.get("site") or None,
        customer_code=request.GET.get("customer") or None,
    )
    listing = Listing(request=request, queryset=rows, columns=ORDER_COLUMNS,
                      search_fields=("number", "customer__name", "customer__code", "customer_reference"),
                      default_sort="-created_at", export_name="sales-orders", aggregates=selectors.with_totals,
                      aggregate_keys=frozenset({"line_count", "quantity_total", "allocated_total", "packed_total", "shipped_total"}))
    export = _export(request, listing, "sales_order")
    if export is not None:
        return export
    return render(request, "orders/orders.html", {
        "listing": listing, "statuses": OrderStatus.choices,
        "sites": organization_selectors.sites(actor=request.user, action=p.VIEW_ORDER.code),
        "can_create": _can(request, p.MANAGE_ORDER),
    })


@requires(p.VIEW_ORDER.code)
def shipments_view(request: HttpRequest) -> HttpResponse:
    rows = selectors.shipments(actor=request.user, status=request.GET.get("status") or None,
                               carrier_code=request.GET.get("carrier") or None)
    listing = Listing(request=request, queryset=rows, columns=SHIPMENT_COLUMNS,
                      search_fields=("tracking_number", "order__number", "order__customer__name"),
                      default_sort="-shipped_at", export_name="shipments")
    export = _export(request, listing, "shipment")
    if export is not None:
        return export
    return render(request, "orders/shipments.html", {
        "listing": listing, "statuses": ShipmentStatus.choices,
        "carriers": selectors.carriers(actor=request.user).order_by("name"),
        "can_deliver": _can(request, p.FULFIL_ORDER),
    })


@requires(p.VIEW_CUSTOMER.code)
def customers_view(request: HttpRequest) -> HttpResponse:
    rows = selectors.with_order_counts(selectors.customers(
        actor=request.user, channel_code=request.GET.get("channel") or None, country=request.GET.get("country") or None,
    ), actor=request.user)
    listing = Listing(request=request, queryset=rows, columns=CUSTOMER_COLUMNS,
                      search_fields=("code", "name", "email"), default_sort="name", export_name="customers")
    export = _export(request, listing, "customer")
    if export is not None:
        return export
    return render(request, "orders/customers.html", {
        "listing": listing, "channels": selectors.channels(actor=request.user).order_by("name"),
        "channel_kinds": dict(ChannelKind.choices),
        "countries": selectors.customers(actor=request.user).order_by("country").values_list("country", flat=True).distinct(),
        "can_create": _can(request, p.MANAGE_CUSTOMER),
        "can_view_orders": _can(request, p.VIEW_ORDER),
    })


@requires(p.MANAGE_CUSTOMER.code)
@require_http_methods(["GET", "POST"])
def customer_create_view(request: HttpRequest) -> HttpResponse:
    form = CustomerForm(request.POST or None, channels=selectors.channels(actor=request.user, action=p.MANAGE_CUSTOMER.code))
    if request.method == "POST" and form.is_valid():
        try:
            customer = services.create_customer(actor=request.user, **form.cleaned_data)
        except ValidationFailed as error:
            apply_problems(form, error)
        else:
            messages.success(request, f"{customer.name} was added.")
            return redirect("orders:customers")
    return render(request, "organization/form.html", {"form": form, "heading": "Add a customer"},
                  status=400 if form.errors else 200)


# --- One order ------------------------------------------------------------------------


@requires(p.VIEW_ORDER.code)
def order_view(request: HttpRequest, pk: int) -> HttpResponse:
    detail = selectors.order_detail(actor=request.user, pk=pk)
    if detail is None:
        raise Http404("No such order in your scope")
    events: list[Any] = []
    if request.user.has_action("events.view_event"):  # type: ignore[union-attr]
        events = list(event_selectors.events(actor=request.user, object_id=f"sales_order:{pk}")
                      .order_by("-occurred_at", "-id")[:30])
    return render(request, "orders/order.html", {
        "detail": detail, "order": detail.order, "events": events,
        "can_manage": _can(request, p.MANAGE_ORDER), "can_fulfil": _can(request, p.FULFIL_ORDER),
        "can_cancel": _can(request, p.CANCEL_ORDER) and detail.is_cancellable,
        "hold_form": ReasonForm(), "cancel_form": ReasonForm(),
    })


def _visible(request: HttpRequest, pk: int, action: Any) -> SalesOrder:
    order = selectors.order(actor=request.user, pk=pk, action=action.code)
    if order is None:
        raise Http404("No such order in your scope")
    return order


def _problem_text(error: KeelError) -> str:
    details = "; ".join(
        (f"row {problem.row + 1}: " if problem.row is not None else "") + problem.message for problem in error.problems
    )
    return f"{error.detail} {details}".strip()


def _step(request: HttpRequest, order: SalesOrder, done: str, work: Any) -> HttpResponse:
    """Run one service for an order page button; success or refusal shows on the order."""
    try:
        work()
    except KeelError as error:
        messages.error(request, _problem_text(error))
    else:
        messages.success(request, done)
    return redirect("orders:detail", pk=order.pk)


@requires(p.MANAGE_ORDER.code)
@require_POST
def confirm_view(request: HttpRequest, pk: int) -> HttpResponse:
    order = _visible(request, pk, p.MANAGE_ORDER)
    return _step(request, order, f"{order.number} is confirmed.",
                 lambda: services.confirm_order(actor=request.user, order=order))


@requires(p.FULFIL_ORDER.code)
@require_POST
def allocate_view(request: HttpRequest, pk: int) -> HttpResponse:
    order = _visible(request, pk, p.FULFIL_ORDER)
    try:
        result = services.allocate_order(actor=request.user, order=order)
    except KeelError as error:
        messages.error(request, _problem_text(error))
    else:
        text = f"Allocated {result.allocated.normalize():f}"
        if result.backordered:
            text += f"; {result.backordered.normalize():f} backordered until stock arrives"
        messages.success(request, text + ".")
    return redirect("orders:detail", pk=order.pk)


@requires(p.FULFIL_ORDER.code)
@require_POST
def pick_view(request: HttpRequest, pk: int) -> HttpResponse:
    order = _visible(request, pk, p.FULFIL_ORDER)
    return _step(request, order, "The pick list is ready.",
                 lambda: services.create_pick_list(actor=request.user, order=order))


@requires(p.FULFIL_ORDER.code)
@require_POST
def pick_confirm_view(request: HttpRequest, pk: int, pick_list_pk: int) -> HttpResponse:
    order = _visible(request, pk, p.FULFIL_ORDER)
    pick_list = PickList.objects.filter(order=order, pk=pick_list_pk).first()
    if pick_list is None:
        raise Http404("No such pick list")
    return _step(request, order, "The picks are confirmed.",
                 lambda: services.confirm_picks(actor=request.user, pick_list=pick_list))


@requires(p.FULFIL_ORDER.code)
@require_http_methods(["GET", "POST"])
def pack_view(request: HttpRequest, pk: int) -> HttpResponse:
    order = _visible(request, pk, p.FULFIL_ORDER)
    lines = [line for line in order.lines.select_related("item").order_by("line_number")
             if line.picked_quantity > line.packed_quantity]
    form = PackForm(request.POST or None, lines=lines)
    if request.method == "POST" and form.is_valid():
        try:
            package = services.pack_order(
                actor=request.user, order=order, weight_kg=form.cleaned_data["weight_kg"],
                lines=[services.LineQuantity(line=line, quantity=quantity) for line, quantity in form.quantities()],
            )
        except ValidationFailed as error:
            apply_problems(form, error)
        except KeelError as error:
            messages.error(request, _problem_text(error))
            return redirect("orders:detail", pk=order.pk)
        else:
            messages.success(request, f"Packed {package}.")
            return redirect("orders:detail", pk=order.pk)
    return render(request, "orders/step_form.html", {
        "form": form, "order": order, "heading": f"Pack {order.number}",
        "lead": "Enter what goes into this package. Anything left stays picked for the next package.",
        "submit": "Pack", "empty": "Nothing is picked and waiting to be packed." if not lines else "",
    }, status=400 if form.errors else 200)


@requires(p.FULFIL_ORDER.code)
@require_http_methods(["GET", "POST"])
def ship_view(request: HttpRequest, pk: int) -> HttpResponse:
    order = _visible(request, pk, p.FULFIL_ORDER)
    form = ShipForm(request.POST or None, services=selectors.carrier_services(actor=request.user, action=p.FULFIL_ORDER.code),
                    initial={"currency": order.currency})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            shipment = services.ship_order(
                actor=request.user, order=order, carrier_service=data["carrier_service"],
                tracking_number=data["tracking_number"], shipping_cost=Money.of(data["shipping_cost"], data["currency"]),
            )
        except ValueError:
            form.add_error("currency", "a three-letter ISO currency code, e.g. EUR")
        except ValidationFailed as error:
            apply_problems(form, error)
        except KeelError as error:
            messages.error(request, _problem_text(error))
            return redirect("orders:detail", pk=order.pk)
        else:
            messages.success(request, f"Shipped {shipment} with {shipment.carrier_service}, tracking {shipment.tracking_number}.")
            return redirect("orders:detail", pk=order.pk)
    contents = [(line, line.packed_quantity - line.shipped_quantity)
                for line in order.lines.select_related("item").order_by("line_number")
                if line.packed_quantity > line.shipped_quantity]
    return render(request, "orders/step_form.html", {
        "form": form, "order": order, "heading": f"Ship {order.number}",
        "lead": "Everything packed and not yet shipped leaves with this shipment:", "submit": "Ship",
        "contents": contents, "empty": "Nothing is packed and waiting to ship." if not contents else "",
    }, status=400 if form.errors else 200)


@requires(p.FULFIL_ORDER.code)
@require_POST
def deliver_view(request: HttpRequest, pk: int) -> HttpResponse:
    shipment = selectors.shipment(actor=request.user, pk=pk, action=p.FULFIL_ORDER.code)
    if shipment is None:
        raise Http404("No such shipment in your scope")
    return _step(request, shipment.order, f"{shipment} is delivered.",
                 lambda: services.confirm_delivery(actor=request.user, shipment=shipment))


@requires(p.MANAGE_ORDER.code)
@require_POST
def hold_view(request: HttpRequest, pk: int) -> HttpResponse:
    order = _visible(request, pk, p.MANAGE_ORDER)
    return _step(request, order, f"{order.number} is on hold.",
                 lambda: services.hold_order(actor=request.user, order=order, reason=request.POST.get("reason", "")))


@requires(p.MANAGE_ORDER.code)
@require_POST
def release_hold_view(request: HttpRequest, pk: int) -> HttpResponse:
    order = _visible(request, pk, p.MANAGE_ORDER)
    return _step(request, order, f"The hold on {order.number} is released.",
                 lambda: services.release_hold(actor=request.user, order=order))


@requires(p.CANCEL_ORDER.code)
@require_POST
def cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    order = _visible(request, pk, p.CANCEL_ORDER)
    return _step(request, order, f"{order.number} is cancelled; its reservations are released.",
                 lambda: services.cancel_order(actor=request.user, order=order, reason=request.POST.get("reason", "")))


@requires(p.MANAGE_ORDER.code)
@require_http_methods(["GET", "POST"])
def order_create_view(request: HttpRequest) -> HttpResponse:
    actor = request.user
    form = OrderForm(
        request.POST or None,
        customers=selectors.customers(actor=actor, action=p.MANAGE_ORDER.code).filter(is_active=True),
        sites=organization_selectors.sites(actor=actor, action=p.MANAGE_ORDER.code).filter(is_active=True),
        channels=selectors.channels(actor=actor, action=p.MANAGE_ORDER.code).filter(is_active=True),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        items = {item.sku.upper(): item for item in stock_selectors.items(actor=actor)
                 .filter(sku__in={line.sku for line in data["lines"]} | {line.sku.upper() for line in data["lines"]})}
        unknown = [f"Row {line.row + 1}: unknown SKU {line.sku!r}" for line in data["lines"] if line.sku.upper() not in items]
        if unknown:
            form.add_error("lines", unknown)
        else:
            try:
                lines = [
                    services.OrderLineInput(
                        item=items[line.sku.upper()], quantity=line.quantity,
                        unit_price=Money.of(line.unit_price, line.currency or data["currency"] or order_currency(data))
                        if line.unit_price is not None else None,
                    )
                    for line in data["lines"]
                ]
                order = services.create_order(
                    actor=actor, customer=data["customer"], ship_from=data["ship_from"], lines=lines,
                    channel=data["channel"], currency=data["currency"] or None,
                    promised_ship_on=data["promised_ship_on"], promised_delivery_on=data["promised_delivery_on"],
                    customer_reference=data["customer_reference"], confirm=data["confirm"],
                )
            except ValueError:
                form.add_error("lines", "A price needs a three-letter ISO currency, e.g. 11.50 EUR")
            except ValidationFailed as error:
                _apply_line_problems(form, error, [line.row for line in data["lines"]])
            else:
                messages.success(request, f"{order.number} was created.")
                return redirect("orders:detail", pk=order.pk)
    return render(request, "organization/form.html", {"form": form, "heading": "New sales order"},
                  status=400 if form.errors else 200)


def order_currency(data: dict[str, Any]) -> str:
    """The currency a typed price without one is in: the ship-from site's."""
    return str(data["ship_from"].currency)


def _apply_line_problems(form: OrderForm, error: ValidationFailed, typed_rows: list[int]) -> None:
    """Line problems name the row as typed (blank rows count), next to the lines box."""
    for problem in error.problems:
        name = problem.field.split(".")[0]
        prefix = ""
        if problem.row is not None and problem.row < len(typed_rows):
            prefix = f"Row {typed_rows[problem.row] + 1}: "
        form.add_error(name if name in form.fields else None, prefix + problem.message)
    if not error.problems:
        form.add_error(None, error.detail)


# --- Import and export ----------------------------------------------------------------


@requires(p.MANAGE_ORDER.code)
@require_http_methods(["GET", "POST"])
def import_view(request: HttpRequest) -> HttpResponse:
    """Upload a CSV or XLSX of order lines; all rows are checked before anything is written."""
    template = request.GET.get("template")
    if template in {"csv", "xlsx"}:
        return download(filename="order-import-template", header=list(imports.COLUMNS), rows=imports.EXAMPLE_ROWS,
                        file_format=template)
    form = ImportForm(request.POST or None, request.FILES or None)
    problems: list[Any] = []
    detail = ""
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            rows = imports.read_rows(name=upload.name or "", content=upload.read())
            created = services.import_orders(
                actor=request.user, rows=rows, confirm=form.cleaned_data["confirm"], filename=upload.name or "",
                sites=organization_selectors.sites(actor=request.user, action=p.MANAGE_ORDER.code),
            )
        except ValidationFailed as error:
            detail, problems = error.detail, error.problems
        else:
            messages.success(request, f"Imported {len(created)} order{'s' if len(created) != 1 else ''}: "
                                      + ", ".join(order.number for order in created[:20]))
            return redirect("orders:list")
    return render(request, "orders/import.html", {
        "form": form, "problems": problems, "detail": detail, "columns": imports.COLUMNS,
        "required": imports.REQUIRED_COLUMNS,
    }, status=400 if detail or form.errors else 200)


@requires(p.VIEW_ORDER.code)
def export_lines_view(request: HttpRequest) -> HttpResponse:
    """Order lines in the import template's columns (plus status), for the same filters as the list."""
    file_format = request.GET.get("format", "csv")
    orders = selectors.orders(
        actor=request.user, status=request.GET.get("status") or None, site_code=request.GET.get("site") or None,
        customer_code=request.GET.get("customer") or None, search=request.GET.get("q") or None,
    )
    lines = selectors.order_lines(orders=orders)
    header = [*imports.COLUMNS, "order_number", "status", "allocated", "shipped"]
    rows = [
        [line.order.customer_reference or line.order.number, line.order.customer.code, line.order.ship_from.code,
         line.order.channel.code, line.order.promised_ship_on, line.order.promised_delivery_on, line.item.sku,
         _plain(line.quantity), line.unit_price, line.price_currency, line.order.number, line.order.status,
         _plain(line.allocated_quantity), _plain(line.shipped_quantity)]
        for line in lines
    ]
    record_export(actor=request.user, object_type="sales_order_line", row_count=len(rows),
                  file_format="xlsx" if file_format == "xlsx" else "csv")
    return download(filename="sales-order-lines", header=header, rows=rows, file_format=file_format)
