"""Changes to customers, channels, carriers and sales orders, from creation to delivery.

Every service runs in one transaction: it locks the order row first (so two people working
on one order queue instead of racing), validates everything and reports all problems at
once, changes stock only through ``keel.supply_chain.services.post_movements`` (reference
``sales_order:<pk>``), then records the event and the audit record. A refused change leaves
everything as it was.

Quantities on a line are cumulative: ``allocated`` (reserved, shipped included),
``picked``, ``packed`` and ``shipped``, with ``shipped <= packed <= picked <= allocated
<= quantity`` while the order is open. The order's status is derived from them after
every change, except draft, on hold and cancelled, which are set explicitly.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from django.db import transaction
from django.db.models import F

from keel.audit.choices import AuditAction
from keel.audit.services import record_audit
from keel.core import clock
from keel.core.errors import Conflict, ProblemCollector, ValidationFailed
from keel.core.money import Money, normalise_currency
from keel.core.retry import retry_on_conflict
from keel.events.services import ObjectRef, record_event, relate_objects
from keel.orders.choices import (
    CANCELLABLE_STATUSES,
    WORKABLE_STATUSES,
    ChannelKind,
    LineStatus,
    OrderStatus,
    PickListStatus,
    ShipmentStatus,
)
from keel.orders.models import (
    Allocation,
    Carrier,
    CarrierService,
    Customer,
    Package,
    PackageLine,
    PickList,
    PickListLine,
    SalesChannel,
    SalesOrder,
    SalesOrderLine,
    Shipment,
    ShipmentLine,
)
from keel.organization.models import Site
from keel.supply_chain.choices import LocationKind, MovementReason
from keel.supply_chain.models import Item, Lot, StockBalance
from keel.supply_chain.services import MovementLine, post_movements

ZERO = Decimal(0)
MAX_PLACES = 4
MAX_LINES = 500
MAX_ADDRESS = 500


def number_text(value: Decimal) -> str:
    """A quantity as people write it: ``5``, ``2.5``, never ``5.0000``."""
    return f"{value.normalize():f}" if value else "0"


# --- Inputs ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OrderLineInput:
    """One line of a new order. Without a price, the item's list price is used."""

    item: Item
    quantity: Decimal
    unit_price: Money | None = None


@dataclass(frozen=True, slots=True)
class LineQuantity:
    """A quantity of one order line, to pack or to ship."""

    line: SalesOrderLine
    quantity: Decimal


# --- Shared helpers -------------------------------------------------------------------


def _person(actor: Any) -> Any:
    person = getattr(actor, "person", actor)
    return person if getattr(person, "_meta", None) is not None and getattr(person, "pk", None) else None


def _order_ref(order: SalesOrder, qualifier: str) -> ObjectRef:
    return ObjectRef("sales_order", str(order.pk), qualifier, site_id=order.ship_from_id)


def _line_refs(order: SalesOrder, lines: Iterable[SalesOrderLine], qualifier: str) -> list[ObjectRef]:
    refs: list[ObjectRef] = []
    items: set[int] = set()
    for line in lines:
        refs.append(ObjectRef("order_line", str(line.pk), qualifier, site_id=order.ship_from_id))
        items.add(line.item_id)
    refs += [ObjectRef("item", str(item_id), "item") for item_id in sorted(items)]
    return refs


def _audit(actor: Any, order: SalesOrder, *, action: AuditAction = AuditAction.CHANGE, message: str,
           before: dict[str, Any] | None = None, after: dict[str, Any] | None = None) -> None:
    record_audit(actor=actor, action=action, object_type="sales_order", object_id=order.pk,
                 object_repr=order.number, site_id=order.ship_from_id, before=before, after=after,
                 message=message)


def _check_quantity(problems: ProblemCollector, field: str, value: object, item: Item, row: int | None) -> bool:
    """Positive, finite, at most four places, whole for items counted in units."""
    if not isinstance(value, Decimal) or not value.is_finite():
        problems.add(field, "must be a number", row)
        return False
    ok = True
    if value <= 0:
        problems.add(field, "must be more than zero", row)
        ok = False
    if value.as_tuple().exponent < -MAX_PLACES:  # type: ignore[operator]
        problems.add(field, f"at most {MAX_PLACES} decimal places", row)
        ok = False
    if value != value.to_integral_value() and not item.allows_fractions:
        problems.add(field, f"{item.sku} is counted in {item.get_unit_display().lower()}: whole numbers only", row)
        ok = False
    return ok


def _lock(order: SalesOrder) -> tuple[SalesOrder, list[SalesOrderLine]]:
    """The order and its lines, freshly read and locked (order first, then lines by key)."""
    locked = SalesOrder.objects.select_for_update(of=("self",)).select_related("ship_from").get(pk=order.pk)
    lines = list(
        SalesOrderLine.objects.select_for_update(of=("self",)).select_related("item")
        .filter(order=locked).order_by("line_number")
    )
    return locked, lines


def _require_workable(order: SalesOrder, doing: str) -> None:
    if order.is_on_hold:
        raise Conflict(f"{order.number} is on hold ({order.hold_reason}); release the hold before {doing}.")
    if order.status not in WORKABLE_STATUSES:
        label = OrderStatus(order.status).label.lower()
        raise Conflict(f"{order.number} is {label}; it cannot be worked on ({doing}).")


def _line_status(line: SalesOrderLine, *, allocation_ran: bool) -> str:
    if line.shipped_quantity >= line.quantity:
        return LineStatus.SHIPPED
    if line.shipped_quantity > 0:
        return LineStatus.PARTIALLY_SHIPPED
    if line.packed_quantity >= line.quantity:
        return LineStatus.PACKED
    if line.picked_quantity >= line.quantity:
        return LineStatus.PICKED
    if line.allocated_quantity >= line.quantity:
        return LineStatus.ALLOCATED
    if line.allocated_quantity > 0:
        return LineStatus.PARTIALLY_ALLOCATED
    return LineStatus.BACKORDERED if allocation_ran else LineStatus.OPEN


def _progress_status(order: SalesOrder, lines: Sequence[SalesOrderLine]) -> str:
    """The status the lines' quantities say, ignoring holds."""
    ordered = sum((line.quantity for line in lines), ZERO)
    allocated = sum((line.allocated_quantity for line in lines), ZERO)
    picked = sum((line.picked_quantity for line in lines), ZERO)
    packed = sum((line.packed_quantity for line in lines), ZERO)
    shipped = sum((line.shipped_quantity for line in lines), ZERO)
    if shipped >= ordered:
        in_transit = order.shipments.filter(status=ShipmentStatus.IN_TRANSIT).exists()
        return OrderStatus.SHIPPED if in_transit else OrderStatus.DELIVERED
    if shipped > 0:
        return OrderStatus.PARTIALLY_SHIPPED
    if packed >= ordered:
        return OrderStatus.PACKED
    if picked > 0 or order.pick_lists.filter(status=PickListStatus.OPEN).exists():
        return OrderStatus.PICKING
    if allocated >= ordered:
        return OrderStatus.ALLOCATED
    if allocated > 0:
        return OrderStatus.PARTIALLY_ALLOCATED
    return OrderStatus.BACKORDERED if order.last_allocated_at else OrderStatus.CONFIRMED


def _refresh(order: SalesOrder, lines: Sequence[SalesOrderLine]) -> None:
    """Save the lines' quantities and statuses and the order's derived status."""
    if order.status in {OrderStatus.DRAFT, OrderStatus.CANCELLED}:
        return
    for line in lines:
        line.status = _line_status(line, allocation_ran=order.last_allocated_at is not None)
    SalesOrderLine.objects.bulk_update(
        lines, ["allocated_quantity", "picked_quantity", "packed_quantity", "shipped_quantity", "status"]
    )
    order.status = OrderStatus.ON_HOLD if order.is_on_hold else _progress_status(order, lines)
    order.save()


# --- Master data ----------------------------------------------------------------------


@transaction.atomic
def create_sales_channel(*, actor: Any, code: str, name: str, kind: str) -> SalesChannel:
    problems = ProblemCollector()
    code = code.strip().lower()
    if not code:
        problems.add("code", "required")
    elif SalesChannel.objects.filter(code=code).exists():
        problems.add("code", f"a channel with code {code!r} exists")
    if not name.strip():
        problems.add("name", "required")
    if kind not in ChannelKind.values:
        problems.add("kind", f"use one of {', '.join(ChannelKind.values)}")
    problems.raise_if_any("The sales channel was not created.")
    channel = SalesChannel.objects.create(code=code, name=name.strip(), kind=kind)
    record_event(activity="Create sales channel", objects=[ObjectRef("sales_channel", str(channel.pk), "created")],
                 actor=actor, attributes={"code": code, "kind": kind})
    record_audit(actor=actor, action=AuditAction.CREATE, object_type="sales_channel", object_id=channel.pk,
                 object_repr=channel.name, after={"code": code, "name": channel.name, "kind": kind})
    return channel


@transaction.atomic
def create_customer(
    *, actor: Any, code: str, name: str, country: str, email: str = "", channel: SalesChannel | None = None,
) -> Customer:
    problems = ProblemCollector()
    code = code.strip().upper()
    if not code:
        problems.add("code", "required")
    elif len(code) > 40:
        problems.add("code", "at most 40 characters")
    elif Customer.objects.filter(code=code).exists():
        problems.add("code", f"a customer with code {code!r} exists")
    if not name.strip():
        problems.add("name", "required")
    country = country.strip().upper()
    if len(country) != 2 or not country.isalpha():
        problems.add("country", "a two-letter ISO country code, e.g. IE")
    email = email.strip()
    if email:
        from django.core.exceptions import ValidationError
        from django.core.validators import validate_email

        try:
            validate_email(email)
        except ValidationError:
            problems.add("email", "not an email address")
    if channel is not None and not channel.is_active:
        problems.add("channel", f"the channel {channel.code} is not active")
    problems.raise_if_any("The customer was not created.")
    customer = Customer.objects.create(code=code, name=name.strip(), country=country, email=email, channel=channel)
    record_event(activity="Create customer", objects=[ObjectRef("customer", str(customer.pk), "created")],
                 actor=actor, attributes={"code": code, "country": country})
    record_audit(actor=actor, action=AuditAction.CREATE, object_type="customer", object_id=customer.pk,
                 object_repr=str(customer),
                 after={"code": code, "name": customer.name, "country": country,
                        "channel": channel.code if channel else None})
    return customer


@transaction.atomic
def create_carrier(*, actor: Any, code: str, name: str, services: Sequence[tuple[str, int]] = ()) -> Carrier:
    """Add a carrier with its service levels, given as (name, transit days)."""
    problems = ProblemCollector()
    code = code.strip().lower()
    if not code:
        problems.add("code", "required")
    elif Carrier.objects.filter(code=code).exists():
        problems.add("code", f"a carrier with code {code!r} exists")
    if not name.strip():
        problems.add("name", "required")
    seen: set[str] = set()
    for row, (service_name, transit_days) in enumerate(services):
        label = service_name.strip()
        if not label:
            problems.add("services.name", "required", row)
        elif label.lower() in seen:
            problems.add("services.name", f"{label!r} appears twice", row)
        seen.add(label.lower())
        if not isinstance(transit_days, int) or transit_days < 0 or transit_days > 365:
            problems.add("services.transit_days", "a whole number of days from 0 to 365", row)
    problems.raise_if_any("The carrier was not created.")
    carrier = Carrier.objects.create(code=code, name=name.strip())
    CarrierService.objects.bulk_create(
        [CarrierService(carrier=carrier, name=service_name.strip(), transit_days=days) for service_name, days in services]
    )
    record_event(activity="Create carrier", objects=[ObjectRef("carrier", str(carrier.pk), "created")],
                 actor=actor, attributes={"code": code, "services": len(services)})
    record_audit(actor=actor, action=AuditAction.CREATE, object_type="carrier", object_id=carrier.pk,
                 object_repr=carrier.name,
                 after={"code": code, "name": carrier.name,
                        "services": [{"name": n.strip(), "transit_days": d} for n, d in services]})
    return carrier


# --- Orders ---------------------------------------------------------------------------


@transaction.atomic
def create_order(
    *, actor: Any, customer: Customer, ship_from: Site, lines: Sequence[OrderLineInput],
    channel: SalesChannel | None = None, currency: str | None = None, promised_ship_on: date | None = None,
    promised_delivery_on: date | None = None, customer_reference: str = "", confirm: bool = False,
    ship_to_address: str = "",
) -> SalesOrder:
    """Record a customer's order as a draft (or confirmed at once with ``confirm=True``).

    Every problem is reported together, with the row of the line it concerns.
    """
    problems = ProblemCollector()
    if not customer.is_active:
        problems.add("customer", f"{customer.code} is not an active customer")
    channel = channel or customer.channel
    if channel is None:
        problems.add("channel", f"required: {customer.code} has no default channel")
    elif not channel.is_active:
        problems.add("channel", f"the channel {channel.code} is not active")
    if not ship_from.is_active:
        problems.add("ship_from", f"{ship_from.name} is not an active site")
    order_currency = ""
    if currency:
        try:
            order_currency = normalise_currency(currency)
        except ValueError:
            problems.add("currency", "a three-letter ISO currency code, e.g. EUR")
    if not lines:
        problems.add("lines", "an order needs at least one line")
    if len(lines) > MAX_LINES:
        problems.add("lines", f"at most {MAX_LINES} lines per order")
    prices: list[Money | None] = []
    for row, line in enumerate(lines):
        _check_quantity(problems, "lines.quantity", line.quantity, line.item, row)
        if not line.item.is_active:
            problems.add("lines.sku", f"{line.item.sku} is not an active item", row)
        price = line.unit_price
        if price is None and line.item.list_price is not None and line.item.price_currency:
            price = Money.of(line.item.list_price, line.item.price_currency)
        if price is None:
            problems.add("lines.unit_price", f"a price with its currency is needed ({line.item.sku} has no list price)", row)
        elif price.amount < 0:
            problems.add("lines.unit_price", "must not be negative", row)
        elif price.amount.as_tuple().exponent < -MAX_PLACES:  # type: ignore[operator]
            problems.add("lines.unit_price", f"at most {MAX_PLACES} decimal places", row)
        prices.append(price)
    if not order_currency and not currency:
        order_currency = next((price.currency for price in prices if price is not None), "")
    for row, price in enumerate(prices):
        if price is not None and order_currency and price.currency != order_currency:
            problems.add("lines.unit_price", f"priced in {price.currency} but the order is in {order_currency}", row)
    if promised_ship_on and promised_delivery_on and promised_delivery_on < promised_ship_on:
        problems.add("promised_delivery_on", "must not be before the promised ship date")
    customer_reference = customer_reference.strip()
    if len(customer_reference) > 80:
        problems.add("customer_reference", "at most 80 characters")
    ship_to_address = ship_to_address.strip()
    if len(ship_to_address) > MAX_ADDRESS:
        problems.add("ship_to_address", f"at most {MAX_ADDRESS} characters")
    problems.raise_if_any("The order was not created.")
    assert channel is not None

    order = SalesOrder.objects.create(
        number=uuid.uuid4().hex, customer=customer, channel=channel,
        ship_from=ship_from, currency=order_currency, promised_ship_on=promised_ship_on,
        promised_delivery_on=promised_delivery_on, customer_reference=customer_reference,
        ship_to_address=ship_to_address, created_by=_person(actor),
    )
    # The number comes from the key, so concurrent orders never collide on it.
    order.number = f"SO-{order.pk:06d}"
    order.save(update_fields=["number"])
    created = SalesOrderLine.objects.bulk_create([
        SalesOrderLine(order=order, line_number=row + 1, item=line.item, quantity=line.quantity,
                       unit_price=price.amount if price else ZERO, price_currency=order_currency)
        for row, (line, price) in enumerate(zip(lines, prices, strict=True))
    ])
    order_lines = list(order.lines.select_related("item").order_by("line_number"))
    total = sum((line.amount for line in order_lines), Money.of(0, order_currency))
    record_event(
        activity="Create order",
        objects=[_order_ref(order, "created"), ObjectRef("customer", str(customer.pk), "customer"),
                 *_line_refs(order, order_lines, "contains")],
        site_id=order.ship_from_id, actor=actor,
        attributes={"number": order.number, "lines": len(created), "total": str(total.amount),
                    "currency": order_currency, "channel": channel.code},
    )
    relate_objects(source=_order_ref(order, ""), target=ObjectRef("customer", str(customer.pk)), qualifier="placed by")
    for order_line in order_lines:
        relate_objects(source=ObjectRef("order_line", str(order_line.pk), site_id=order.ship_from_id),
                       target=_order_ref(order, ""), qualifier="part of")
    _audit(actor, order, action=AuditAction.CREATE, message=f"Created {order.number}", after={
        "customer": customer.code, "channel": channel.code, "ship_from": ship_from.code, "currency": order_currency,
        "promised_ship_on": str(promised_ship_on) if promised_ship_on else None,
        "lines": [{"sku": line.item.sku, "quantity": str(line.quantity), "unit_price": str(line.unit_price)}
                  for line in order_lines],
    })
    if confirm:
        _confirm(actor, order)
    return order


def _confirm(actor: Any, order: SalesOrder) -> None:
    order.status = OrderStatus.CONFIRMED
    order.confirmed_at = clock.now()
    order.save(update_fields=["status", "confirmed_at"])
    record_event(activity="Confirm order", objects=[_order_ref(order, "confirmed")], site_id=order.ship_from_id,
                 actor=actor, attributes={"number": order.number})
    _audit(actor, order, message=f"Confirmed {order.number}", before={"status": OrderStatus.DRAFT},
           after={"status": OrderStatus.CONFIRMED})


@transaction.atomic
def confirm_order(*, actor: Any, order: SalesOrder) -> SalesOrder:
    """A draft becomes a confirmed order that the warehouse can fulfil."""
    order, _ = _lock(order)
    if order.status != OrderStatus.DRAFT:
        raise Conflict(f"{order.number} is {OrderStatus(order.status).label.lower()}, not a draft; only drafts are confirmed.")
    _confirm(actor, order)
    return order


@transaction.atomic
def correct_address(*, actor: Any, order: SalesOrder, address: str, reason: str = "") -> SalesOrder:
    """Replace the ship-to address of a confirmed order that has nothing allocated yet.

    The order goes back to draft and must be confirmed again: a corrected address is a
    new promise to the customer, and the process log shows the loop (rework).
    """
    order, lines = _lock(order)
    problems = ProblemCollector()
    address = address.strip()
    if not address:
        problems.add("address", "the corrected address is required")
    elif len(address) > MAX_ADDRESS:
        problems.add("address", f"at most {MAX_ADDRESS} characters")
    problems.raise_if_any("The address was not corrected.")
    if order.is_on_hold:
        raise Conflict(f"{order.number} is on hold ({order.hold_reason}); release the hold before correcting the address.")
    if order.status not in {OrderStatus.CONFIRMED, OrderStatus.BACKORDERED} or any(line.allocated_quantity for line in lines):
        raise Conflict(f"{order.number} is {OrderStatus(order.status).label.lower()}; the address can be corrected "
                       "only on a confirmed order with nothing allocated.")
    before = {"status": order.status, "ship_to_address": order.ship_to_address}
    order.ship_to_address = address
    order.status = OrderStatus.DRAFT
    order.confirmed_at = None
    order.save(update_fields=["ship_to_address", "status", "confirmed_at"])
    record_event(activity="Correct address", objects=[_order_ref(order, "corrected")], site_id=order.ship_from_id,
                 actor=actor, attributes={"reason": reason.strip()[:300]})
    _audit(actor, order, message=f"Corrected the address of {order.number}", before=before,
           after={"status": order.status, "ship_to_address": address, "reason": reason.strip()[:300]})
    return order


@transaction.atomic
def check_quality(*, actor: Any, order: SalesOrder, passed: bool = True, note: str = "") -> SalesOrder:
    """Record the quality check of picked goods before they are packed."""
    order, lines = _lock(order)
    _require_workable(order, "checking quality")
    waiting = sum((line.picked_quantity - line.packed_quantity for line in lines), ZERO)
    if waiting <= 0:
        raise Conflict(f"{order.number} has nothing picked and waiting to be packed; there is nothing to check.")
    note = note.strip()[:300]
    record_event(activity="Check quality", objects=[_order_ref(order, "checked"), *_line_refs(order, lines, "line")],
                 site_id=order.ship_from_id, actor=actor,
                 attributes={"passed": passed, "quantity": number_text(waiting), "note": note})
    _audit(actor, order, message=f"Quality check of {order.number}: {'passed' if passed else 'failed'}",
           after={"passed": passed, "quantity": number_text(waiting), "note": note})
    return order


@transaction.atomic
def hold_order(*, actor: Any, order: SalesOrder, reason: str) -> SalesOrder:
    """Stop all fulfillment work on an open order until the hold is released."""
    order, _ = _lock(order)
    reason = reason.strip()
    problems = ProblemCollector()
    if not reason:
        problems.add("reason", "say why the order is held")
    elif len(reason) > 300:
        problems.add("reason", "at most 300 characters")
    problems.raise_if_any("The order was not put on hold.")
    if order.is_on_hold:
        raise Conflict(f"{order.number} is already on hold ({order.hold_reason}).")
    _require_workable(order, "holding it")
    before = order.status
    order.is_on_hold = True
    order.hold_reason = reason
    order.status = OrderStatus.ON_HOLD
    order.save()
    record_event(activity="Hold order", objects=[_order_ref(order, "held")], site_id=order.ship_from_id,
                 actor=actor, attributes={"reason": reason})
    _audit(actor, order, message=f"Put {order.number} on hold: {reason}", before={"status": before},
           after={"status": order.status, "hold_reason": reason})
    return order


@transaction.atomic
def release_hold(*, actor: Any, order: SalesOrder) -> SalesOrder:
    """Let work on a held order continue where it stopped."""
    order, lines = _lock(order)
    if not order.is_on_hold:
        raise Conflict(f"{order.number} is not on hold.")
    reason = order.hold_reason
    order.is_on_hold = False
    order.hold_reason = ""
    _refresh(order, lines)
    record_event(activity="Release order hold", objects=[_order_ref(order, "released")], site_id=order.ship_from_id,
                 actor=actor, attributes={"reason": reason})
    _audit(actor, order, message=f"Released the hold on {order.number}", before={"status": OrderStatus.ON_HOLD, "hold_reason": reason},
           after={"status": order.status})
    return order


# --- Allocation -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Candidate:
    balance_id: int
    location: Any
    lot_code: str
    expires_on: date | None


def _candidates(order: SalesOrder, items: set[int]) -> tuple[dict[int, list[_Candidate]], dict[int, Decimal]]:
    """Balances of the items at the order's site that may be allocated, in taking order.

    Only active storage locations count (never receiving docks or quality holds). Lots
    expiring first go first (FEFO); then the location with the most available stock (fewer
    picks), then location code and lot: the same stock always gives the same allocation.
    The balances are locked in key order, so allocations of one item queue.
    """
    balances = list(
        StockBalance.objects.select_for_update(of=("self",)).select_related("location")
        .filter(item_id__in=items, location__site_id=order.ship_from_id, location__is_active=True,
                location__kind=LocationKind.STORAGE)
        .order_by("pk")
    )
    available = {b.pk: b.on_hand - b.reserved for b in balances if b.on_hand - b.reserved > 0}
    lot_keys = {(b.item_id, b.lot_code) for b in balances if b.lot_code}
    expiries: dict[tuple[int, str], date | None] = {}
    if lot_keys:
        expiries = {
            (lot.item_id, lot.code): lot.expires_on
            for lot in Lot.objects.filter(item_id__in={key[0] for key in lot_keys}, code__in={key[1] for key in lot_keys})
        }
    by_item: dict[int, list[tuple[tuple[Any, ...], _Candidate]]] = defaultdict(list)
    for balance in balances:
        if balance.pk not in available:
            continue
        expires_on = expiries.get((balance.item_id, balance.lot_code))
        key = (expires_on or date.max, -available[balance.pk], balance.location.code, balance.lot_code)
        by_item[balance.item_id].append(
            (key, _Candidate(balance.pk, balance.location, balance.lot_code, expires_on))
        )
    ordered = {item_id: [candidate for _, candidate in sorted(rows, key=lambda row: row[0])]
               for item_id, rows in by_item.items()}
    return ordered, available


@dataclass(frozen=True, slots=True)
class AllocationResult:
    order: SalesOrder
    allocated: Decimal
    backordered: Decimal
    allocations: list[Allocation]


@retry_on_conflict()
@transaction.atomic
def allocate_order(*, actor: Any, order: SalesOrder) -> AllocationResult:
    """Reserve available stock at the ship-from site for whatever is not yet allocated.

    What stock cannot cover stays backordered; running allocation again later (after a
    receipt) allocates more. Each reservation is a ledger movement of reason
    ``reservation`` and an ``Allocation`` row naming its location and lot.
    """
    order, lines = _lock(order)
    _require_workable(order, "allocating")
    wanted = {line.pk: line.quantity - line.allocated_quantity for line in lines}
    if not any(quantity > 0 for quantity in wanted.values()):
        raise Conflict(f"{order.number} is fully allocated; there is nothing left to allocate.")
    candidates, available = _candidates(order, {line.item_id for line in lines if wanted[line.pk] > 0})
    movement_lines: list[MovementLine] = []
    allocations: list[Allocation] = []
    for line in lines:
        need = wanted[line.pk]
        for candidate in candidates.get(line.item_id, []):
            if need <= 0:
                break
            free = available[candidate.balance_id]
            if not line.item.allows_fractions:
                free = free.to_integral_value(rounding=ROUND_FLOOR)
            take = min(need, free)
            if take <= 0:
                continue
            available[candidate.balance_id] -= take
            need -= take
            movement_lines.append(MovementLine(item=line.item, location=candidate.location,
                                               reserved_quantity=take, lot_code=candidate.lot_code))
            allocations.append(Allocation(line=line, location=candidate.location, lot_code=candidate.lot_code,
                                          quantity=take))
            line.allocated_quantity += take
    if movement_lines:
        post_movements(actor=actor, reason=MovementReason.RESERVATION, lines=movement_lines,
                       reference=f"sales_order:{order.pk}", note=f"Allocation of {order.number}")
        Allocation.objects.bulk_create(allocations)
    allocated = sum((allocation.quantity for allocation in allocations), ZERO)
    backordered = sum((line.quantity - line.allocated_quantity for line in lines), ZERO)
    before = order.status
    order.last_allocated_at = clock.now()
    _refresh(order, lines)
    touched = [line for line in lines if wanted[line.pk] > 0]
    objects = [_order_ref(order, "allocated" if allocated else "backordered"), *_line_refs(order, touched, "line")]
    objects += [ObjectRef("location", str(pk), "from", site_id=order.ship_from_id)
                for pk in sorted({allocation.location.pk for allocation in allocations})]
    record_event(activity="Allocate order" if allocated else "Backorder order", objects=objects,
                 site_id=order.ship_from_id, actor=actor,
                 attributes={"allocated": number_text(allocated), "backordered": number_text(backordered)})
    _audit(actor, order, message=f"Allocated {number_text(allocated)} to {order.number}, {number_text(backordered)} backordered",
           before={"status": before}, after={
               "status": order.status,
               "allocations": [{"line": a.line.line_number, "location": str(a.location), "lot": a.lot_code,
                                "quantity": number_text(a.quantity)} for a in allocations],
           })
    return AllocationResult(order=order, allocated=allocated, backordered=backordered, allocations=allocations)


# --- Pick, pack, ship, deliver --------------------------------------------------------


@transaction.atomic
def create_pick_list(*, actor: Any, order: SalesOrder) -> PickList:
    """List the allocated stock not yet picked (nor on an open pick list), in walking order."""
    order, lines = _lock(order)
    _require_workable(order, "picking")
    allocations = list(
        Allocation.objects.filter(line__order=order).select_related("location", "line", "line__item")
        .order_by("location__zone", "location__code", "line__line_number", "id")
    )
    on_open_lists: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for allocation_id, quantity in PickListLine.objects.filter(
        pick_list__order=order, pick_list__status=PickListStatus.OPEN
    ).values_list("allocation_id", "quantity"):
        on_open_lists[allocation_id] += quantity
    to_pick = []
    for allocation in allocations:
        remaining = allocation.quantity - allocation.released_quantity - allocation.picked_quantity - on_open_lists[allocation.pk]
        if remaining > 0:
            to_pick.append((allocation, remaining))
    if not to_pick:
        raise Conflict(f"{order.number} has no allocated stock waiting to be picked.")
    pick_list = PickList.objects.create(order=order)
    PickListLine.objects.bulk_create([
        PickListLine(pick_list=pick_list, allocation=allocation, line=allocation.line, location=allocation.location,
                     quantity=quantity)
        for allocation, quantity in to_pick
    ])
    _refresh(order, lines)
    objects = [_order_ref(order, "picked for"), ObjectRef("pick_list", str(pick_list.pk), "created", site_id=order.ship_from_id),
               *_line_refs(order, {a.line.pk: a.line for a, _ in to_pick}.values(), "line")]
    objects += [ObjectRef("location", str(pk), "from", site_id=order.ship_from_id)
                for pk in sorted({allocation.location.pk for allocation, _ in to_pick})]
    record_event(activity="Create pick list", objects=objects, site_id=order.ship_from_id, actor=actor,
                 attributes={"lines": len(to_pick), "quantity": number_text(sum((q for _, q in to_pick), ZERO))})
    relate_objects(source=ObjectRef("pick_list", str(pick_list.pk), site_id=order.ship_from_id),
                   target=_order_ref(order, ""), qualifier="picks for")
    _audit(actor, order, message=f"Created pick list {pick_list} for {order.number}",
           after={"pick_list": pick_list.pk, "lines": [{"location": str(a.location), "sku": a.line.item.sku,
                                                         "quantity": number_text(q)} for a, q in to_pick]})
    return pick_list


@transaction.atomic
def confirm_picks(*, actor: Any, pick_list: PickList, picked: dict[int, Decimal] | None = None) -> PickList:
    """Record what was picked: every line in full, or ``picked`` by pick line id.

    A short pick leaves the rest allocated and unpicked; a new pick list picks it later.
    """
    order, lines = _lock(pick_list.order)
    pick_list = PickList.objects.select_for_update().get(pk=pick_list.pk)
    if pick_list.status != PickListStatus.OPEN:
        raise Conflict(f"Pick list {pick_list} is {PickListStatus(pick_list.status).label.lower()}, not open.")
    _require_workable(order, "picking")
    pick_lines = list(pick_list.lines.select_related("allocation", "line__item").order_by("id"))
    picked = picked or {}
    unknown = set(picked) - {pick_line.pk for pick_line in pick_lines}
    problems = ProblemCollector()
    for pick_line_id in sorted(unknown):
        problems.add("picked", f"pick line {pick_line_id} is not on {pick_list}")
    quantities: list[Decimal] = []
    for row, pick_line in enumerate(pick_lines):
        quantity = picked.get(pick_line.pk, pick_line.quantity)
        if quantity == 0:
            quantities.append(ZERO)
            continue
        if _check_quantity(problems, "picked", quantity, pick_line.line.item, row) and quantity > pick_line.quantity:
            problems.add("picked", f"only {number_text(pick_line.quantity)} were to be picked here", row)
        quantities.append(quantity)
    problems.raise_if_any("The picks were not confirmed.")
    by_line = {line.pk: line for line in lines}
    for pick_line, quantity in zip(pick_lines, quantities, strict=True):
        pick_line.picked_quantity = quantity
        Allocation.objects.filter(pk=pick_line.allocation_id).update(picked_quantity=F("picked_quantity") + quantity)
        by_line[pick_line.line_id].picked_quantity += quantity
    PickListLine.objects.bulk_update(pick_lines, ["picked_quantity"])
    pick_list.status = PickListStatus.PICKED
    pick_list.picked_at = clock.now()
    pick_list.save()
    _refresh(order, lines)
    requested = sum((pick_line.quantity for pick_line in pick_lines), ZERO)
    done = sum(quantities, ZERO)
    record_event(activity="Confirm picks",
                 objects=[_order_ref(order, "picked for"), ObjectRef("pick_list", str(pick_list.pk), "picked", site_id=order.ship_from_id),
                          *_line_refs(order, {p.line.pk: by_line[p.line_id] for p in pick_lines}.values(), "line")],
                 site_id=order.ship_from_id, actor=actor,
                 attributes={"picked": number_text(done), "short": number_text(requested - done)})
    _audit(actor, order, message=f"Confirmed picks of {pick_list} for {order.number}",
           after={"pick_list": pick_list.pk, "picked": number_text(done), "short": number_text(requested - done)})
    return pick_list


def _line_quantities(
    problems: ProblemCollector, order: SalesOrder, lines: list[SalesOrderLine], requested: Sequence[LineQuantity] | None,
    default: dict[int, Decimal],
) -> list[tuple[int | None, SalesOrderLine, Decimal]]:
    """(row, line, quantity) for the requested pairs, checked against the locked lines;
    without a request, every line's ``default`` quantity (row None)."""
    by_pk = {line.pk: line for line in lines}
    if requested is None:
        return [(None, by_pk[pk], quantity) for pk, quantity in default.items() if quantity > 0]
    if not requested:
        problems.add("lines", "list at least one line")
    resolved: list[tuple[int | None, SalesOrderLine, Decimal]] = []
    seen: set[int] = set()
    for row, entry in enumerate(requested):
        line = by_pk.get(entry.line.pk)
        if line is None:
            problems.add("lines.line", f"line {entry.line.pk} is not on {order.number}", row)
            continue
        if line.pk in seen:
            problems.add("lines.line", f"line {line.line_number} appears twice", row)
        seen.add(line.pk)
        if _check_quantity(problems, "lines.quantity", entry.quantity, line.item, row):
            resolved.append((row, line, entry.quantity))
    return resolved


@transaction.atomic
def pack_order(
    *, actor: Any, order: SalesOrder, lines: Sequence[LineQuantity] | None = None, weight_kg: Decimal | None = None,
) -> Package:
    """Put picked stock into one package: the given quantities, or everything picked and unpacked."""
    order, order_lines = _lock(order)
    _require_workable(order, "packing")
    problems = ProblemCollector()
    waiting = {line.pk: line.picked_quantity - line.packed_quantity for line in order_lines}
    resolved = _line_quantities(problems, order, order_lines, lines, waiting)
    if lines is None and not resolved:
        problems.add("lines", "nothing is picked and waiting to be packed")
    for row, line, quantity in resolved:
        if quantity > waiting[line.pk]:
            problems.add("lines.quantity", f"{line.item.sku}: only {number_text(waiting[line.pk])} picked and not packed; "
                                           "pick it before packing", row)
    if weight_kg is not None and (not weight_kg.is_finite() or weight_kg <= 0):
        problems.add("weight_kg", "must be more than zero")
    problems.raise_if_any("Nothing was packed.")
    contents = [(line, quantity) for _, line, quantity in resolved]
    package = Package.objects.create(order=order, weight_kg=weight_kg)
    PackageLine.objects.bulk_create([PackageLine(package=package, line=line, quantity=quantity) for line, quantity in contents])
    for line, quantity in contents:
        line.packed_quantity += quantity
    _refresh(order, order_lines)
    record_event(activity="Pack order",
                 objects=[_order_ref(order, "packed"), ObjectRef("package", str(package.pk), "created", site_id=order.ship_from_id),
                          *_line_refs(order, [line for line, _ in contents], "line")],
                 site_id=order.ship_from_id, actor=actor,
                 attributes={"quantity": number_text(sum((q for _, q in contents), ZERO)),
                             "weight_kg": str(weight_kg) if weight_kg is not None else ""})
    relate_objects(source=ObjectRef("package", str(package.pk), site_id=order.ship_from_id),
                   target=_order_ref(order, ""), qualifier="packed for")
    _audit(actor, order, message=f"Packed {package} for {order.number}",
           after={"package": package.pk, "weight_kg": str(weight_kg) if weight_kg is not None else None,
                  "lines": [{"sku": line.item.sku, "quantity": number_text(q)} for line, q in contents]})
    return package


@retry_on_conflict()
@transaction.atomic
def ship_order(
    *, actor: Any, order: SalesOrder, carrier_service: CarrierService, tracking_number: str, shipping_cost: Money,
    lines: Sequence[LineQuantity] | None = None, shipped_at: datetime | None = None,
) -> Shipment:
    """Hand packed stock to a carrier: the given quantities, or everything packed and unshipped.

    Only allocated stock ships: the shipment consumes the reservation (a ledger movement
    of reason ``shipment`` with quantity and reserved quantity both ``-q``) at the
    locations it was picked from. Anything not allocated, or allocated but not yet
    packed, is refused with the line it concerns. Partial shipments are fine.
    """
    order, order_lines = _lock(order)
    _require_workable(order, "shipping")
    problems = ProblemCollector()
    waiting = {line.pk: line.packed_quantity - line.shipped_quantity for line in order_lines}
    resolved = _line_quantities(problems, order, order_lines, lines, waiting)
    if lines is None and not resolved:
        problems.add("lines", "nothing is packed and waiting to ship")
    for row, line, quantity in resolved:
        unshipped = line.allocated_quantity - line.shipped_quantity
        if quantity > unshipped:
            problems.add("lines.quantity", f"{line.item.sku}: only {number_text(unshipped)} allocated and not shipped; "
                                           "stock that is not allocated to the order cannot ship", row)
        elif quantity > waiting[line.pk]:
            problems.add("lines.quantity", f"{line.item.sku}: only {number_text(waiting[line.pk])} packed and not shipped; "
                                           "pack it before shipping", row)
    tracking_number = tracking_number.strip()
    if not tracking_number:
        problems.add("tracking_number", "required")
    elif len(tracking_number) > 80:
        problems.add("tracking_number", "at most 80 characters")
    if not carrier_service.is_active or not carrier_service.carrier.is_active:
        problems.add("carrier_service", f"{carrier_service} is not active")
    if shipping_cost.amount < 0:
        problems.add("shipping_cost", "must not be negative")
    elif shipping_cost.amount.as_tuple().exponent < -MAX_PLACES:  # type: ignore[operator]
        problems.add("shipping_cost", f"at most {MAX_PLACES} decimal places")
    shipped_at = shipped_at or clock.now()
    if shipped_at > clock.now() + timedelta(minutes=5):
        problems.add("shipped_at", "must not be in the future")
    problems.raise_if_any("Nothing was shipped.")
    contents = [(line, quantity) for _, line, quantity in resolved]

    # Consume the reservations that were picked, oldest allocation first.
    allocations: dict[int, list[Allocation]] = defaultdict(list)
    for allocation in Allocation.objects.filter(line__order=order).select_related("location").order_by("id"):
        allocations[allocation.line_id].append(allocation)
    movement_lines: list[MovementLine] = []
    changed: list[Allocation] = []
    for line, quantity in contents:
        remaining = quantity
        for allocation in allocations[line.pk]:
            take = min(remaining, allocation.picked_quantity - allocation.shipped_quantity)
            if take <= 0:
                continue
            allocation.shipped_quantity += take
            remaining -= take
            changed.append(allocation)
            movement_lines.append(MovementLine(item=line.item, location=allocation.location, quantity=-take,
                                               reserved_quantity=-take, lot_code=allocation.lot_code))
            if remaining == 0:
                break
        if remaining > 0:  # the line counters make this impossible; refuse rather than guess
            raise Conflict(f"The picks of {line.item.sku} on {order.number} do not match its allocations; nothing was shipped.")
        line.shipped_quantity += quantity
    post_movements(actor=actor, reason=MovementReason.SHIPMENT, lines=movement_lines, occurred_at=shipped_at,
                   reference=f"sales_order:{order.pk}", note=f"Shipment of {order.number}")
    Allocation.objects.bulk_update(changed, ["shipped_quantity"])
    shipment = Shipment.objects.create(
        order=order, carrier_service=carrier_service, tracking_number=tracking_number,
        shipping_cost=shipping_cost.amount, shipping_cost_currency=shipping_cost.currency, shipped_at=shipped_at,
    )
    ShipmentLine.objects.bulk_create([ShipmentLine(shipment=shipment, line=line, quantity=q) for line, q in contents])
    packages = _attach_packages(order, shipment, {line.pk: q for line, q in contents})
    _refresh(order, order_lines)
    objects = [_order_ref(order, "shipped"), ObjectRef("shipment", str(shipment.pk), "created", site_id=order.ship_from_id),
               *_line_refs(order, [line for line, _ in contents], "line")]
    objects += [ObjectRef("package", str(package.pk), "shipped", site_id=order.ship_from_id) for package in packages]
    record_event(activity="Ship order", objects=objects, occurred_at=shipped_at, site_id=order.ship_from_id, actor=actor,
                 attributes={"carrier": carrier_service.carrier.code, "service": carrier_service.name,
                             "tracking_number": tracking_number, "shipping_cost": str(shipping_cost.amount),
                             "currency": shipping_cost.currency,
                             "quantity": number_text(sum((q for _, q in contents), ZERO))})
    relate_objects(source=ObjectRef("shipment", str(shipment.pk), site_id=order.ship_from_id),
                   target=_order_ref(order, ""), qualifier="ships")
    _audit(actor, order, message=f"Shipped {shipment} of {order.number} with {carrier_service} ({tracking_number})",
           after={"shipment": shipment.pk, "tracking_number": tracking_number, "carrier_service": str(carrier_service),
                  "shipping_cost": str(shipping_cost), "status": order.status,
                  "lines": [{"sku": line.item.sku, "quantity": number_text(q)} for line, q in contents]})
    return shipment


def _attach_packages(order: SalesOrder, shipment: Shipment, shipped: dict[int, Decimal]) -> list[Package]:
    """Packages whose whole contents this shipment carries leave with it (oldest first)."""
    remaining = dict(shipped)
    attached = []
    for package in order.packages.filter(shipment__isnull=True).prefetch_related("lines").order_by("id"):
        contents = list(package.lines.all())
        if contents and all(remaining.get(pl.line_id, ZERO) >= pl.quantity for pl in contents):
            for package_line in contents:
                remaining[package_line.line_id] -= package_line.quantity
            attached.append(package)
    Package.objects.filter(pk__in=[package.pk for package in attached]).update(shipment=shipment)
    return attached


@transaction.atomic
def confirm_delivery(*, actor: Any, shipment: Shipment, delivered_at: datetime | None = None) -> Shipment:
    """The carrier delivered the shipment; the order is delivered when all of it is."""
    order, lines = _lock(shipment.order)
    shipment = Shipment.objects.select_for_update().get(pk=shipment.pk)
    if shipment.status == ShipmentStatus.DELIVERED:
        raise Conflict(f"{shipment} was already delivered.")
    delivered_at = delivered_at or clock.now()
    problems = ProblemCollector()
    if delivered_at < shipment.shipped_at:
        problems.add("delivered_at", "must not be before the shipment left")
    if delivered_at > clock.now() + timedelta(minutes=5):
        problems.add("delivered_at", "must not be in the future")
    problems.raise_if_any("The delivery was not recorded.")
    shipment.status = ShipmentStatus.DELIVERED
    shipment.delivered_at = delivered_at
    shipment.save()
    _refresh(order, lines)
    record_event(activity="Confirm delivery",
                 objects=[_order_ref(order, "delivered"), ObjectRef("shipment", str(shipment.pk), "delivered", site_id=order.ship_from_id)],
                 occurred_at=delivered_at, site_id=order.ship_from_id, actor=actor,
                 attributes={"tracking_number": shipment.tracking_number})
    _audit(actor, order, message=f"Delivered {shipment} of {order.number}",
           after={"shipment": shipment.pk, "delivered_at": delivered_at.isoformat(), "status": order.status})
    return shipment


@retry_on_conflict()
@transaction.atomic
def cancel_order(*, actor: Any, order: SalesOrder, reason: str) -> SalesOrder:
    """Cancel an order before anything ships; every reservation it holds is released."""
    order, lines = _lock(order)
    reason = reason.strip()
    problems = ProblemCollector()
    if not reason:
        problems.add("reason", "say why the order is cancelled")
    elif len(reason) > 300:
        problems.add("reason", "at most 300 characters")
    problems.raise_if_any("The order was not cancelled.")
    if order.status not in CANCELLABLE_STATUSES or any(line.shipped_quantity > 0 for line in lines):
        raise Conflict(f"{order.number} is {OrderStatus(order.status).label.lower()}"
                       f"{' and has shipped stock' if any(line.shipped_quantity > 0 for line in lines) else ''}; "
                       "only orders with nothing shipped can be cancelled.")
    by_line = {line.pk: line for line in lines}
    allocations = list(Allocation.objects.filter(line__order=order).select_related("location").order_by("id"))
    releases: list[MovementLine] = []
    released: list[Allocation] = []
    for allocation in allocations:
        outstanding = allocation.outstanding
        if outstanding <= 0:
            continue
        line = by_line[allocation.line_id]
        releases.append(MovementLine(item=line.item, location=allocation.location, reserved_quantity=-outstanding,
                                     lot_code=allocation.lot_code))
        allocation.released_quantity += outstanding
        line.allocated_quantity -= outstanding
        released.append(allocation)
    if releases:
        post_movements(actor=actor, reason=MovementReason.RELEASE, lines=releases,
                       reference=f"sales_order:{order.pk}", note=f"Cancellation of {order.number}")
        Allocation.objects.bulk_update(released, ["released_quantity"])
    PickList.objects.filter(order=order, status=PickListStatus.OPEN).update(status=PickListStatus.CANCELLED)
    before = order.status
    for line in lines:
        line.status = LineStatus.CANCELLED
    SalesOrderLine.objects.bulk_update(lines, ["allocated_quantity", "status"])
    order.status = OrderStatus.CANCELLED
    order.is_on_hold = False
    order.cancel_reason = reason
    order.cancelled_at = clock.now()
    order.save()
    released_total = sum((release.reserved_quantity for release in releases), ZERO)
    objects = [_order_ref(order, "cancelled"), *_line_refs(order, lines, "line")]
    objects += [ObjectRef("location", str(pk), "released at", site_id=order.ship_from_id)
                for pk in sorted({allocation.location.pk for allocation in released})]
    record_event(activity="Cancel order", objects=objects, site_id=order.ship_from_id, actor=actor,
                 attributes={"reason": reason, "released": number_text(-released_total)})
    _audit(actor, order, message=f"Cancelled {order.number}: {reason}", before={"status": before},
           after={"status": OrderStatus.CANCELLED, "reason": reason, "released": number_text(-released_total)})
    return order


# --- Import ---------------------------------------------------------------------------

ORDER_COLUMNS = ("customer", "ship_from", "channel", "promised_ship_on", "promised_delivery_on")


def _parse_date(problems: ProblemCollector, column: str, text: str, row: int) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        problems.add(column, "a date as YYYY-MM-DD", row)
        return None


def _parse_decimal(problems: ProblemCollector, column: str, text: str, row: int) -> Decimal | None:
    try:
        value = Decimal(text.replace(" ", ""))
    except ArithmeticError:
        problems.add(column, f"{text!r} is not a number", row)
        return None
    if not value.is_finite():
        problems.add(column, f"{text!r} is not a number", row)
        return None
    return value


@transaction.atomic
def import_orders(
    *, actor: Any, rows: Sequence[dict[str, str]], sites: Iterable[Site], confirm: bool = True, filename: str = "",
) -> list[SalesOrder]:
    """Create the orders of an import file, all or nothing.

    ``rows`` are column -> text with the spreadsheet ``row`` number; rows sharing an
    ``order_ref`` are one order (the ref becomes its customer reference). ``sites`` are the
    sites the actor may ship orders from. Every problem of every row is reported, with its
    row and column, and then nothing is written.
    """
    problems = ProblemCollector()
    allowed = {site.code: site for site in sites}
    customers = {c.code: c for c in Customer.objects.filter(code__in={r.get("customer", "").strip().upper() for r in rows})}
    channels = {c.code: c for c in SalesChannel.objects.filter(code__in={r.get("channel", "").strip().lower() for r in rows})}
    wanted_skus = {r.get("sku", "").strip() for r in rows}
    items = {i.sku: i for i in Item.objects.filter(sku__in=wanted_skus | {sku.upper() for sku in wanted_skus})}
    groups: dict[str, list[tuple[int, dict[str, str]]]] = {}
    for entry in rows:
        number = int(entry["row"])
        reference = entry.get("order_ref", "").strip()
        if not reference:
            problems.add("order_ref", "required: rows with the same order_ref form one order", number)
        elif len(reference) > 80:
            problems.add("order_ref", "at most 80 characters", number)
        else:
            groups.setdefault(reference, []).append((number, entry))
    created: list[SalesOrder] = []
    for reference, members in groups.items():
        first_row, first = members[0]
        before = len(problems.problems)
        for number, entry in members[1:]:
            for column in ORDER_COLUMNS:
                if entry.get(column, "").strip().lower() != first.get(column, "").strip().lower():
                    problems.add(column, f"differs from row {first_row}, the first row of order {reference}", number)
        customer_code = first.get("customer", "").strip().upper()
        customer = customers.get(customer_code)
        if customer is None:
            problems.add("customer", f"unknown customer {customer_code!r}" if customer_code else "required", first_row)
        site_code = first.get("ship_from", "").strip()
        site = allowed.get(site_code)
        if site is None:
            problems.add("ship_from", f"unknown site {site_code!r} in your scope" if site_code else "required", first_row)
        channel_code = first.get("channel", "").strip().lower()
        channel = channels.get(channel_code) if channel_code else None
        if channel_code and channel is None:
            problems.add("channel", f"unknown sales channel {channel_code!r}", first_row)
        ship_on = _parse_date(problems, "promised_ship_on", first.get("promised_ship_on", "").strip(), first_row)
        deliver_on = _parse_date(problems, "promised_delivery_on", first.get("promised_delivery_on", "").strip(), first_row)
        if customer is not None:
            existing = SalesOrder.objects.filter(customer=customer, customer_reference=reference).first()
            if existing is not None:
                problems.add("order_ref", f"{reference} of {customer.code} was already imported as {existing.number}", first_row)
        lines: list[OrderLineInput] = []
        for number, entry in members:
            sku = entry.get("sku", "").strip()
            item = items.get(sku) or items.get(sku.upper())
            if item is None:
                problems.add("sku", f"unknown SKU {sku!r}" if sku else "required", number)
            quantity = _parse_decimal(problems, "quantity", entry.get("quantity", "").strip(), number)
            price_text, currency = entry.get("unit_price", "").strip(), entry.get("currency", "").strip()
            price = None
            if price_text:
                amount = _parse_decimal(problems, "unit_price", price_text, number)
                if not currency:
                    problems.add("currency", "a price needs its three-letter ISO currency, e.g. EUR", number)
                elif amount is not None:
                    try:
                        price = Money.of(amount, currency)
                    except ValueError:
                        problems.add("currency", "a three-letter ISO currency code, e.g. EUR", number)
            if item is not None and quantity is not None:
                # Checked per row here too, so a problem elsewhere in the order hides none of these.
                _check_quantity(problems, "quantity", quantity, item, number)
                lines.append(OrderLineInput(item=item, quantity=quantity, unit_price=price))
        if len(problems.problems) > before or customer is None or site is None:
            continue
        try:
            with transaction.atomic():
                created.append(create_order(
                    actor=actor, customer=customer, ship_from=site, lines=lines, channel=channel,
                    promised_ship_on=ship_on, promised_delivery_on=deliver_on, customer_reference=reference,
                    confirm=confirm,
                ))
        except ValidationFailed as error:
            for problem in error.problems:
                number = members[problem.row][0] if problem.row is not None else first_row
                problems.add(problem.field.split(".")[-1], problem.message, number)
    ordered = sorted(problems.problems, key=lambda problem: problem.row or 0)
    if ordered:
        raise ValidationFailed("Nothing was imported: correct the rows below and upload the file again.", problems=ordered)
    record_audit(actor=actor, action=AuditAction.IMPORT, object_type="sales_order", object_repr=filename or "import",
                 after={"orders": len(created), "rows": len(rows), "numbers": [order.number for order in created]},
                 message=f"Imported {len(created)} orders ({len(rows)} lines) from {filename or 'a file'}")
    return created
