"""REST operations of orders and fulfillment: customers, channels, carriers, sales orders,
their fulfillment steps, shipments and the fulfillment queue."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Query, Status

from keel.core.api import KeelRouter, Page, PageParams, apply_ordering, paginate
from keel.core.errors import FieldProblem, NotFound, ValidationFailed
from keel.core.idempotency import run_once
from keel.core.money import MoneyOut
from keel.orders import permissions as p
from keel.orders import selectors, services
from keel.orders.models import Carrier, Customer, PickList, SalesChannel, SalesOrder, Shipment
from keel.orders.schemas import (
    AddressIn,
    CarrierIn,
    CarrierOut,
    ChannelIn,
    ChannelOut,
    CustomerIn,
    CustomerOut,
    CustomersQuery,
    DeliverIn,
    LineQuantityIn,
    OrderIn,
    OrderOut,
    OrdersQuery,
    OrderSummaryOut,
    PackageOut,
    PackIn,
    PickIn,
    PickListOut,
    QualityCheckIn,
    QueueEntryOut,
    QueueQuery,
    ReasonIn,
    ShipIn,
    ShipmentOut,
    ShipmentsQuery,
)
from keel.organization import selectors as organization_selectors
from keel.supply_chain import selectors as stock_selectors

router = KeelRouter(tags=["orders"])


def _actor(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _caller(request: HttpRequest) -> str:
    actor = _actor(request)
    return f"person:{getattr(getattr(actor, 'person', actor), 'pk', '')}"


def _four_places(value: Decimal) -> Decimal:
    """Totals computed in the database: the same scale on SQLite (which drops it) and PostgreSQL."""
    return Decimal(value).quantize(Decimal("0.0001"))


def _refused(detail: str, field: str, message: str) -> ValidationFailed:
    return ValidationFailed(detail, problems=[FieldProblem(field=field, message=message)])


# --- Output ---------------------------------------------------------------------------


def channel_out(channel: SalesChannel) -> dict[str, Any]:
    return {"code": channel.code, "name": channel.name, "kind": channel.kind, "is_active": channel.is_active}


def customer_out(customer: Customer) -> dict[str, Any]:
    return {"code": customer.code, "name": customer.name, "email": customer.email, "country": customer.country,
            "channel": customer.channel.code if customer.channel else None, "is_active": customer.is_active}


def carrier_out(carrier: Carrier) -> dict[str, Any]:
    return {"code": carrier.code, "name": carrier.name, "is_active": carrier.is_active,
            "services": [{"name": s.name, "transit_days": s.transit_days, "is_active": s.is_active}
                         for s in carrier.services.all()]}


def summary_out(order: SalesOrder) -> dict[str, Any]:
    return {
        "id": order.pk, "number": order.number, "customer": order.customer.code, "channel": order.channel.code,
        "ship_from": order.ship_from.code, "currency": order.currency, "status": order.status,
        "promised_ship_on": order.promised_ship_on, "promised_delivery_on": order.promised_delivery_on,
        "is_on_hold": order.is_on_hold, "hold_reason": order.hold_reason, "created_at": order.created_at,
    }


def _content(line: Any, quantity: Any) -> dict[str, Any]:
    return {"line_number": line.line_number, "sku": line.item.sku, "quantity": quantity}


def shipment_out(shipment: Shipment) -> dict[str, Any]:
    return {
        "id": shipment.pk, "order": shipment.order.number, "carrier": shipment.carrier_service.carrier.code,
        "service": shipment.carrier_service.name, "tracking_number": shipment.tracking_number,
        "shipping_cost": MoneyOut.of(shipment.cost), "status": shipment.status, "shipped_at": shipment.shipped_at,
        "delivered_at": shipment.delivered_at,
        "lines": [_content(entry.line, entry.quantity) for entry in shipment.lines.all()],
    }


def pick_list_out(pick_list: PickList) -> dict[str, Any]:
    return {
        "id": pick_list.pk, "status": pick_list.status, "created_at": pick_list.created_at,
        "picked_at": pick_list.picked_at,
        "lines": [{"id": entry.pk, "line_number": entry.line.line_number, "sku": entry.line.item.sku,
                   "location": entry.location.code, "quantity": entry.quantity,
                   "picked_quantity": entry.picked_quantity} for entry in pick_list.lines.all()],
    }


def order_out(detail: selectors.OrderDetail) -> dict[str, Any]:
    out = summary_out(detail.order)
    out.update({
        "customer_reference": detail.order.customer_reference,
        "ship_to_address": detail.order.ship_to_address, "cancel_reason": detail.order.cancel_reason,
        "lines": [{
            "id": line.pk, "line_number": line.line_number, "sku": line.item.sku, "quantity": line.quantity,
            "unit_price": MoneyOut.of(line.price), "allocated": line.allocated_quantity,
            "backordered": line.backordered_quantity, "picked": line.picked_quantity,
            "packed": line.packed_quantity, "shipped": line.shipped_quantity, "status": line.status,
        } for line in detail.lines],
        "allocations": [{
            "line_number": a.line.line_number, "sku": a.line.item.sku, "location": a.location.code, "lot": a.lot_code,
            "quantity": a.quantity, "picked": a.picked_quantity, "shipped": a.shipped_quantity,
            "released": a.released_quantity,
        } for a in detail.allocations],
        "pick_lists": [pick_list_out(pick_list) for pick_list in detail.pick_lists],
        "packages": [{
            "id": package.pk, "weight_kg": package.weight_kg, "shipment": package.shipment_id,
            "created_at": package.created_at,
            "lines": [_content(entry.line, entry.quantity) for entry in package.lines.all()],
        } for package in detail.packages],
        "shipments": [shipment_out(shipment) for shipment in detail.shipments],
    })
    return out


def _detail(actor: Any, pk: int) -> dict[str, Any]:
    detail = selectors.order_detail(actor=actor, pk=pk)
    if detail is None:
        raise NotFound(f"No sales order {pk} in your scope.")
    return OrderOut(**order_out(detail)).model_dump(mode="json")


def _order(request: HttpRequest, order_id: int, action: str) -> SalesOrder:
    found = selectors.order(actor=_actor(request), pk=order_id, action=action)
    if found is None:
        raise NotFound(f"No sales order {order_id} in your scope.")
    return found


def _line_quantities(order: SalesOrder, entries: list[LineQuantityIn] | None, detail: str) -> list[services.LineQuantity] | None:
    if entries is None:
        return None
    lines = {line.line_number: line for line in order.lines.select_related("item")}
    problems = [FieldProblem(field="lines.line_number", message=f"{order.number} has no line {entry.line_number}", row=row)
                for row, entry in enumerate(entries) if entry.line_number not in lines]
    if problems:
        raise ValidationFailed(detail, problems=problems)
    return [services.LineQuantity(line=lines[entry.line_number], quantity=entry.quantity) for entry in entries]


# --- Master data ----------------------------------------------------------------------


@router.get("/sales-channels", response=list[ChannelOut], action=p.VIEW_CUSTOMER.code, summary="Sales channels")
def list_channels(request: HttpRequest) -> list[dict[str, Any]]:
    return [channel_out(channel) for channel in selectors.channels(actor=_actor(request)).order_by("code")]


@router.post("/sales-channels", response={201: ChannelOut}, action=p.MANAGE_CUSTOMER.code, summary="Add a sales channel")
def create_channel(request: HttpRequest, payload: ChannelIn) -> Status[dict[str, Any]]:
    channel = services.create_sales_channel(actor=_actor(request), **payload.dict())
    return Status(201, channel_out(channel))


@router.get("/customers", response=Page[CustomerOut], action=p.VIEW_CUSTOMER.code, summary="Customers")
def list_customers(request: HttpRequest, filters: Query[CustomersQuery], page: Query[PageParams]) -> dict[str, Any]:
    rows = selectors.customers(actor=_actor(request), search=filters.q, channel_code=filters.channel,
                               country=filters.country)
    rows = apply_ordering(rows, filters.ordering, {"code": "code", "name": "name", "country": "country"}, "code")
    result = paginate(rows, page)
    result["items"] = [customer_out(customer) for customer in result["items"]]
    return result


@router.post("/customers", response={201: CustomerOut}, action=p.MANAGE_CUSTOMER.code, summary="Add a customer")
def create_customer(request: HttpRequest, payload: CustomerIn) -> Status[dict[str, Any]]:
    actor = _actor(request)
    channel = None
    if payload.channel:
        channel = selectors.channels(actor=actor, action=p.MANAGE_CUSTOMER.code).filter(code=payload.channel).first()
        if channel is None:
            raise _refused("The customer was not created.", "channel", f"unknown sales channel {payload.channel!r}")
    customer = services.create_customer(actor=actor, code=payload.code, name=payload.name, country=payload.country,
                                        email=payload.email, channel=channel)
    return Status(201, customer_out(customer))


@router.get("/carriers", response=list[CarrierOut], action=p.VIEW_ORDER.code, summary="Carriers and their services")
def list_carriers(request: HttpRequest) -> list[dict[str, Any]]:
    return [carrier_out(carrier) for carrier in selectors.carriers(actor=_actor(request)).order_by("code")]


@router.post("/carriers", response={201: CarrierOut}, action=p.MANAGE_CARRIER.code, summary="Add a carrier with its services")
def create_carrier(request: HttpRequest, payload: CarrierIn) -> Status[dict[str, Any]]:
    carrier = services.create_carrier(actor=_actor(request), code=payload.code, name=payload.name,
                                      services=[(s.name, s.transit_days) for s in payload.services])
    return Status(201, carrier_out(carrier))


# --- Orders ---------------------------------------------------------------------------


@router.get("/sales-orders", response=Page[OrderSummaryOut], action=p.VIEW_ORDER.code, summary="Sales orders in your scope")
def list_orders(request: HttpRequest, filters: Query[OrdersQuery], page: Query[PageParams]) -> dict[str, Any]:
    rows = selectors.orders(actor=_actor(request), status=filters.status, customer_code=filters.customer,
                            site_code=filters.site, search=filters.q)
    rows = apply_ordering(rows, filters.ordering, {
        "number": "number", "created_at": "created_at", "promised_ship_on": "promised_ship_on", "status": "status",
    }, "-created_at")
    result = paginate(rows, page)
    result["items"] = [summary_out(order) for order in result["items"]]
    return result


@router.get("/sales-orders/{order_id}", response=OrderOut, action=p.VIEW_ORDER.code,
            summary="One sales order with its lines, allocations, pick lists, packages and shipments")
def get_order(request: HttpRequest, order_id: int) -> dict[str, Any]:
    return _detail(_actor(request), order_id)


@router.post(
    "/sales-orders", response={201: OrderOut, 200: OrderOut}, action=p.MANAGE_ORDER.code,
    summary="Create a sales order (send an Idempotency-Key)",
    description="A repeat with the same Idempotency-Key and body returns the first order (200) and creates "
                "nothing; the same key with another body is a 409.",
)
def create_order(request: HttpRequest, payload: OrderIn) -> Status[dict[str, Any]]:
    actor = _actor(request)

    def work() -> tuple[int, dict[str, Any]]:
        problems: list[FieldProblem] = []
        customer = selectors.customers(actor=actor, action=p.MANAGE_ORDER.code).filter(code=payload.customer.strip().upper()).first()
        if customer is None:
            problems.append(FieldProblem(field="customer", message=f"unknown customer {payload.customer!r}"))
        site = organization_selectors.sites(actor=actor, action=p.MANAGE_ORDER.code).filter(code=payload.ship_from).first()
        if site is None:
            problems.append(FieldProblem(field="ship_from", message=f"unknown site {payload.ship_from!r} in your scope"))
        channel = None
        if payload.channel:
            channel = selectors.channels(actor=actor, action=p.MANAGE_ORDER.code).filter(code=payload.channel).first()
            if channel is None:
                problems.append(FieldProblem(field="channel", message=f"unknown sales channel {payload.channel!r}"))
        items = {item.sku: item for item in stock_selectors.items(actor=actor).filter(sku__in={line.sku for line in payload.lines})}
        lines = []
        for row, line in enumerate(payload.lines):
            item = items.get(line.sku)
            if item is None:
                problems.append(FieldProblem(field="lines.sku", message=f"unknown SKU {line.sku!r}", row=row))
                continue
            price = line.unit_price.to_money() if line.unit_price is not None else None
            lines.append(services.OrderLineInput(item=item, quantity=line.quantity, unit_price=price))
        if problems:
            raise ValidationFailed("The order was not created.", problems=problems)
        assert customer is not None
        assert site is not None
        order = services.create_order(
            actor=actor, customer=customer, ship_from=site, lines=lines, channel=channel, currency=payload.currency,
            promised_ship_on=payload.promised_ship_on, promised_delivery_on=payload.promised_delivery_on,
            customer_reference=payload.customer_reference, confirm=payload.confirm,
            ship_to_address=payload.ship_to_address,
        )
        return 201, _detail(actor, order.pk)

    answer = run_once(caller=_caller(request), operation="sales_orders.create",
                      key=request.headers.get("Idempotency-Key"), payload=payload.model_dump(mode="json"), work=work)
    body = dict(answer.body)
    body["replayed"] = answer.replayed
    return Status(200 if answer.replayed else answer.status_code, body)


@router.post("/sales-orders/{order_id}/confirm", response=OrderOut, action=p.MANAGE_ORDER.code, summary="Confirm a draft order")
def confirm_order(request: HttpRequest, order_id: int) -> dict[str, Any]:
    order = services.confirm_order(actor=_actor(request), order=_order(request, order_id, p.MANAGE_ORDER.code))
    return _detail(_actor(request), order.pk)


@router.post("/sales-orders/{order_id}/allocate", response=OrderOut, action=p.FULFIL_ORDER.code,
             summary="Reserve available stock; what stock cannot cover is backordered")
def allocate_order(request: HttpRequest, order_id: int) -> dict[str, Any]:
    services.allocate_order(actor=_actor(request), order=_order(request, order_id, p.FULFIL_ORDER.code))
    return _detail(_actor(request), order_id)


@router.post("/sales-orders/{order_id}/hold", response=OrderOut, action=p.MANAGE_ORDER.code,
             summary="Put an open order on hold (stops allocation, picking, packing and shipping)")
def hold_order(request: HttpRequest, order_id: int, payload: ReasonIn) -> dict[str, Any]:
    services.hold_order(actor=_actor(request), order=_order(request, order_id, p.MANAGE_ORDER.code), reason=payload.reason)
    return _detail(_actor(request), order_id)


@router.post("/sales-orders/{order_id}/release-hold", response=OrderOut, action=p.MANAGE_ORDER.code,
             summary="Release the hold on an order")
def release_hold(request: HttpRequest, order_id: int) -> dict[str, Any]:
    services.release_hold(actor=_actor(request), order=_order(request, order_id, p.MANAGE_ORDER.code))
    return _detail(_actor(request), order_id)


@router.post("/sales-orders/{order_id}/correct-address", response=OrderOut, action=p.MANAGE_ORDER.code,
             summary="Correct the ship-to address of a confirmed order; it goes back to draft for confirmation")
def correct_address(request: HttpRequest, order_id: int, payload: AddressIn) -> dict[str, Any]:
    services.correct_address(actor=_actor(request), order=_order(request, order_id, p.MANAGE_ORDER.code),
                             address=payload.address, reason=payload.reason)
    return _detail(_actor(request), order_id)


@router.post("/sales-orders/{order_id}/quality-check", response=OrderOut, action=p.FULFIL_ORDER.code,
             summary="Record the quality check of picked goods before packing")
def check_quality(request: HttpRequest, order_id: int, payload: QualityCheckIn) -> dict[str, Any]:
    services.check_quality(actor=_actor(request), order=_order(request, order_id, p.FULFIL_ORDER.code),
                           passed=payload.passed, note=payload.note)
    return _detail(_actor(request), order_id)


@router.post("/sales-orders/{order_id}/pick-lists", response={201: PickListOut}, action=p.FULFIL_ORDER.code,
             summary="Create a pick list for the allocated stock not yet picked")
def create_pick_list(request: HttpRequest, order_id: int) -> Status[dict[str, Any]]:
    pick_list = services.create_pick_list(actor=_actor(request), order=_order(request, order_id, p.FULFIL_ORDER.code))
    return Status(201, pick_list_out(pick_list))


@router.post("/sales-orders/{order_id}/pick-lists/{pick_list_id}/confirm", response=PickListOut,
             action=p.FULFIL_ORDER.code, summary="Confirm what was picked (in full unless told otherwise)")
def confirm_picks(request: HttpRequest, order_id: int, pick_list_id: int, payload: PickIn) -> dict[str, Any]:
    order = _order(request, order_id, p.FULFIL_ORDER.code)
    pick_list = PickList.objects.filter(order=order, pk=pick_list_id).first()
    if pick_list is None:
        raise NotFound(f"{order.number} has no pick list {pick_list_id}.")
    pick_list = services.confirm_picks(actor=_actor(request), pick_list=pick_list, picked=payload.picked or None)
    return pick_list_out(pick_list)


@router.post("/sales-orders/{order_id}/packages", response={201: PackageOut}, action=p.FULFIL_ORDER.code,
             summary="Pack picked stock into a package")
def pack_order(request: HttpRequest, order_id: int, payload: PackIn) -> Status[dict[str, Any]]:
    order = _order(request, order_id, p.FULFIL_ORDER.code)
    lines = _line_quantities(order, payload.lines, "Nothing was packed.")
    package = services.pack_order(actor=_actor(request), order=order, lines=lines, weight_kg=payload.weight_kg)
    return Status(201, {"id": package.pk, "weight_kg": package.weight_kg, "shipment": None,
                        "created_at": package.created_at,
                        "lines": [_content(entry.line, entry.quantity) for entry in package.lines.select_related("line__item")]})


@router.post(
    "/sales-orders/{order_id}/shipments", response={201: ShipmentOut, 200: ShipmentOut}, action=p.FULFIL_ORDER.code,
    summary="Ship packed stock (send an Idempotency-Key)",
    description="Consumes the reservation in the stock ledger. Stock that is not allocated, or not packed, is "
                "refused. A repeat with the same Idempotency-Key and body returns the first shipment (200) and "
                "ships nothing.",
)
def ship_order(request: HttpRequest, order_id: int, payload: ShipIn) -> Status[dict[str, Any]]:
    actor = _actor(request)
    order = _order(request, order_id, p.FULFIL_ORDER.code)

    def work() -> tuple[int, dict[str, Any]]:
        service = selectors.carrier_services(actor=actor, action=p.FULFIL_ORDER.code).filter(
            carrier__code=payload.carrier, name__iexact=payload.service.strip()).first()
        if service is None:
            raise _refused("Nothing was shipped.", "service",
                           f"unknown service {payload.service!r} of carrier {payload.carrier!r}")
        shipment = services.ship_order(
            actor=actor, order=order, carrier_service=service, tracking_number=payload.tracking_number,
            shipping_cost=payload.shipping_cost.to_money(), lines=_line_quantities(order, payload.lines, "Nothing was shipped."),
            shipped_at=payload.shipped_at,
        )
        return 201, ShipmentOut(**shipment_out(shipment)).model_dump(mode="json")

    answer = run_once(caller=_caller(request), operation="sales_orders.ship", key=request.headers.get("Idempotency-Key"),
                      payload={"order": order.pk, **payload.model_dump(mode="json")}, work=work)
    body = dict(answer.body)
    body["replayed"] = answer.replayed
    return Status(200 if answer.replayed else answer.status_code, body)


@router.post("/shipments/{shipment_id}/deliver", response=ShipmentOut, action=p.FULFIL_ORDER.code,
             summary="Confirm that a shipment was delivered")
def deliver_shipment(request: HttpRequest, shipment_id: int, payload: DeliverIn) -> dict[str, Any]:
    actor = _actor(request)
    shipment = selectors.shipment(actor=actor, pk=shipment_id, action=p.FULFIL_ORDER.code)
    if shipment is None:
        raise NotFound(f"No shipment {shipment_id} in your scope.")
    shipment = services.confirm_delivery(actor=actor, shipment=shipment, delivered_at=payload.delivered_at)
    return shipment_out(shipment)


@router.post("/sales-orders/{order_id}/cancel", response=OrderOut, action=p.CANCEL_ORDER.code,
             summary="Cancel an order with nothing shipped; its reservations are released")
def cancel_order(request: HttpRequest, order_id: int, payload: ReasonIn) -> dict[str, Any]:
    services.cancel_order(actor=_actor(request), order=_order(request, order_id, p.CANCEL_ORDER.code), reason=payload.reason)
    return _detail(_actor(request), order_id)


@router.get("/fulfillment-queue", response=Page[QueueEntryOut], action=p.VIEW_ORDER.code,
            summary="Open orders, soonest promised ship date first, with late and at-risk flags")
def fulfillment_queue(request: HttpRequest, filters: Query[QueueQuery], page: Query[PageParams]) -> dict[str, Any]:
    rows = selectors.fulfillment_queue(actor=_actor(request), today=filters.today, site_code=filters.site, flag=filters.flag)
    result = paginate(rows, page)
    selectors.add_queue_totals(result["items"])
    result["items"] = [{
        **summary_out(order), "quantity": _four_places(order.quantity_total),
        "allocated": _four_places(order.allocated_total), "backordered": _four_places(order.backordered_total),
        "packed": _four_places(order.packed_total), "shipped": _four_places(order.shipped_total),
        "is_late": order.is_late, "is_at_risk": order.is_at_risk,
    } for order in result["items"]]
    return result


@router.get("/shipments", response=Page[ShipmentOut], action=p.VIEW_ORDER.code, summary="Shipments and their tracking")
def list_shipments(request: HttpRequest, filters: Query[ShipmentsQuery], page: Query[PageParams]) -> dict[str, Any]:
    rows = selectors.shipments(actor=_actor(request), status=filters.status, carrier_code=filters.carrier,
                               search=filters.q).prefetch_related("lines__line__item").order_by("-shipped_at", "-id")
    result = paginate(rows, page)
    result["items"] = [shipment_out(shipment) for shipment in result["items"]]
    return result

