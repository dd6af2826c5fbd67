"""Enumerations of orders and fulfillment: order, line, pick list and shipment statuses,
sales channel kinds. Named groups say which statuses behave alike."""

from __future__ import annotations

from django.db import models


class OrderStatus(models.TextChoices):
    """Where a sales order stands. Apart from draft, cancelled and on hold, the status is
    derived from the lines' quantities after every change (see ``services``)."""

    DRAFT = "draft", "Draft"
    CONFIRMED = "confirmed", "Confirmed"
    ALLOCATED = "allocated", "Allocated"
    PARTIALLY_ALLOCATED = "partially_allocated", "Partially allocated"
    BACKORDERED = "backordered", "Backordered"
    PICKING = "picking", "Picking"
    PACKED = "packed", "Packed"
    SHIPPED = "shipped", "Shipped"
    PARTIALLY_SHIPPED = "partially_shipped", "Partially shipped"
    DELIVERED = "delivered", "Delivered"
    CANCELLED = "cancelled", "Cancelled"
    ON_HOLD = "on_hold", "On hold"


# Orders the warehouse still has work on: they make up the fulfillment queue.
OPEN_STATUSES: frozenset[str] = frozenset({
    OrderStatus.CONFIRMED, OrderStatus.ALLOCATED, OrderStatus.PARTIALLY_ALLOCATED,
    OrderStatus.BACKORDERED, OrderStatus.PICKING, OrderStatus.PACKED,
    OrderStatus.PARTIALLY_SHIPPED, OrderStatus.ON_HOLD,
})
# Open orders that are not held: stock may be allocated, picked, packed and shipped.
WORKABLE_STATUSES: frozenset[str] = OPEN_STATUSES - {OrderStatus.ON_HOLD}
# Everything has left the building.
SHIPPED_STATUSES: frozenset[str] = frozenset({OrderStatus.SHIPPED, OrderStatus.DELIVERED})
# Nothing more will happen to these.
CLOSED_STATUSES: frozenset[str] = frozenset({OrderStatus.DELIVERED, OrderStatus.CANCELLED})
# An order can be cancelled until something ships.
CANCELLABLE_STATUSES: frozenset[str] = (OPEN_STATUSES | {OrderStatus.DRAFT}) - {OrderStatus.PARTIALLY_SHIPPED}
# Statuses with their stock fully packed or beyond: the queue's "at risk" rule ignores them.
PACKED_OR_LATER: frozenset[str] = frozenset({OrderStatus.PACKED}) | SHIPPED_STATUSES


class LineStatus(models.TextChoices):
    """Where one order line stands, derived from its quantities."""

    OPEN = "open", "Open"
    BACKORDERED = "backordered", "Backordered"
    PARTIALLY_ALLOCATED = "partially_allocated", "Partially allocated"
    ALLOCATED = "allocated", "Allocated"
    PICKED = "picked", "Picked"
    PACKED = "packed", "Packed"
    PARTIALLY_SHIPPED = "partially_shipped", "Partially shipped"
    SHIPPED = "shipped", "Shipped"
    CANCELLED = "cancelled", "Cancelled"


class PickListStatus(models.TextChoices):
    OPEN = "open", "Open"
    PICKED = "picked", "Picked"
    CANCELLED = "cancelled", "Cancelled"


class ShipmentStatus(models.TextChoices):
    IN_TRANSIT = "in_transit", "In transit"
    DELIVERED = "delivered", "Delivered"


class ChannelKind(models.TextChoices):
    WEB_STORE = "web_store", "Web store"
    MARKETPLACE = "marketplace", "Marketplace"
    WHOLESALE = "wholesale", "Wholesale"
