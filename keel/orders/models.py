"""Customers, sales channels, carriers, sales orders and their fulfillment records.

Quantities on an order line are cumulative counters that only the services change:
``shipped <= packed <= picked`` and ``shipped <= allocated <= quantity``. Stock itself
changes only through ``keel.supply_chain.services.post_movements``; an ``Allocation``
remembers which location (and lot) each reservation came from.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from keel.core import clock
from keel.core.money import Money
from keel.core.scoping import RestrictedManager
from keel.orders.choices import (
    OPEN_STATUSES,
    ChannelKind,
    LineStatus,
    OrderStatus,
    PickListStatus,
    ShipmentStatus,
)

ZERO = Decimal(0)


def _quantity(**kwargs: object) -> models.DecimalField[Decimal, Decimal]:
    return models.DecimalField(max_digits=18, decimal_places=4, **kwargs)  # type: ignore[arg-type]


class SalesChannel(models.Model):
    """Where orders come from: a web store, a marketplace, a wholesale account."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=16, choices=ChannelKind.choices)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=clock.now)

    objects = RestrictedManager()
    scope_global = True  # company master data

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Customer(models.Model):
    """Someone who buys: a person or a business, usually reached through one channel."""

    code = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    country = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2 country code")
    channel = models.ForeignKey(
        SalesChannel, on_delete=models.PROTECT, null=True, blank=True, related_name="customers",
        help_text="The channel new orders of this customer default to",
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=clock.now)

    objects = RestrictedManager()
    scope_global = True  # company master data

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Carrier(models.Model):
    """A company that moves parcels: DHL, UPS, An Post."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=clock.now)

    objects = RestrictedManager()
    scope_global = True

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CarrierService(models.Model):
    """One service level of a carrier (Express, Economy) and its usual transit time."""

    carrier = models.ForeignKey(Carrier, on_delete=models.PROTECT, related_name="services")
    name = models.CharField(max_length=80)
    transit_days = models.PositiveSmallIntegerField(help_text="Working days from pick-up to delivery")
    is_active = models.BooleanField(default=True)

    objects = RestrictedManager()
    scope_global = True

    class Meta:
        ordering = ["carrier__name", "name"]
        constraints = [models.UniqueConstraint(fields=["carrier", "name"], name="carrier_service_unique_name")]

    def __str__(self) -> str:
        return f"{self.carrier.name} {self.name}"


class SalesOrder(models.Model):
    """A customer's order, shipped from one site. Numbered ``SO-000123`` from its key."""

    number = models.CharField(max_length=32, unique=True)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="orders")
    channel = models.ForeignKey(SalesChannel, on_delete=models.PROTECT, related_name="orders")
    ship_from = models.ForeignKey("organization.Site", on_delete=models.PROTECT, related_name="sales_orders")
    customer_reference = models.CharField(max_length=80, blank=True, help_text="The customer's or channel's own order number")
    ship_to_address = models.TextField(blank=True, help_text="Where the order goes; corrected with its own step")
    currency = models.CharField(max_length=3, help_text="ISO 4217; every line is priced in it")
    status = models.CharField(max_length=24, choices=OrderStatus.choices, default=OrderStatus.DRAFT, db_index=True)
    promised_ship_on = models.DateField(null=True, blank=True, db_index=True)
    promised_delivery_on = models.DateField(null=True, blank=True)
    is_on_hold = models.BooleanField(default=False)
    hold_reason = models.CharField(max_length=300, blank=True)
    cancel_reason = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    last_allocated_at = models.DateTimeField(null=True, blank=True, help_text="When allocation last ran")
    cancelled_at = models.DateTimeField(null=True, blank=True)

    objects = RestrictedManager()
    scope_site_field = "ship_from"

    class Meta:
        ordering = ["-created_at", "-id"]
        # The fulfillment queue: open orders by promised ship date (nulls last) and number.
        indexes = [models.Index(fields=["promised_ship_on", "number"], condition=Q(status__in=sorted(OPEN_STATUSES)),
                                name="sales_order_queue")]
        constraints = [
            models.CheckConstraint(
                condition=Q(is_on_hold=True, status=OrderStatus.ON_HOLD) | (Q(is_on_hold=False) & ~Q(status=OrderStatus.ON_HOLD)),
                name="sales_order_hold_matches_status",
            ),
            models.CheckConstraint(
                condition=Q(promised_delivery_on__isnull=True) | Q(promised_ship_on__isnull=True)
                | Q(promised_delivery_on__gte=F("promised_ship_on")),
                name="sales_order_delivery_after_ship",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class SalesOrderLine(models.Model):
    """One item on an order, with how much of it is allocated, picked, packed and shipped."""

    order = models.ForeignKey(SalesOrder, on_delete=models.PROTECT, related_name="lines")
    line_number = models.PositiveIntegerField()
    item = models.ForeignKey("supply_chain.Item", on_delete=models.PROTECT, related_name="order_lines")
    quantity = _quantity()
    unit_price = _quantity()
    price_currency = models.CharField(max_length=3)
    allocated_quantity = _quantity(default=ZERO, help_text="Reserved for this line, shipped included")
    picked_quantity = _quantity(default=ZERO)
    packed_quantity = _quantity(default=ZERO)
    shipped_quantity = _quantity(default=ZERO)
    status = models.CharField(max_length=24, choices=LineStatus.choices, default=LineStatus.OPEN)

    objects = RestrictedManager()
    scope_site_field = "order__ship_from"

    class Meta:
        ordering = ["order", "line_number"]
        constraints = [
            models.UniqueConstraint(fields=["order", "line_number"], name="order_line_unique_number"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="order_line_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="order_line_price_not_negative"),
            models.CheckConstraint(condition=~Q(price_currency=""), name="order_line_price_has_currency"),
            models.CheckConstraint(
                condition=Q(allocated_quantity__gte=0) & Q(allocated_quantity__lte=F("quantity")),
                name="order_line_allocated_within_quantity",
            ),
            models.CheckConstraint(
                condition=Q(shipped_quantity__gte=0) & Q(shipped_quantity__lte=F("allocated_quantity"))
                & Q(shipped_quantity__lte=F("packed_quantity")) & Q(packed_quantity__lte=F("picked_quantity")),
                name="order_line_shipped_packed_picked",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}/{self.line_number}"

    @property
    def price(self) -> Money:
        return Money.of(self.unit_price, self.price_currency)

    @property
    def amount(self) -> Money:
        return (self.price * self.quantity).rounded()

    @property
    def backordered_quantity(self) -> Decimal:
        """What allocation could not cover yet (zero once the order is cancelled)."""
        if self.status == LineStatus.CANCELLED:
            return ZERO
        return self.quantity - self.allocated_quantity

    @property
    def reserved_quantity(self) -> Decimal:
        """Allocated and not yet shipped: what still sits reserved in the ledger."""
        return self.allocated_quantity - self.shipped_quantity


class Allocation(models.Model):
    """Stock reserved for one order line at one location (and lot).

    ``quantity`` is what was reserved; shipments consume it (``shipped_quantity``) and a
    cancellation gives the rest back (``released_quantity``).
    """

    line = models.ForeignKey(SalesOrderLine, on_delete=models.PROTECT, related_name="allocations")
    location = models.ForeignKey("supply_chain.Location", on_delete=models.PROTECT, related_name="+")
    lot_code = models.CharField(max_length=64, blank=True, default="")
    quantity = _quantity()
    picked_quantity = _quantity(default=ZERO)
    shipped_quantity = _quantity(default=ZERO)
    released_quantity = _quantity(default=ZERO)
    created_at = models.DateTimeField(default=clock.now)

    objects = RestrictedManager()
    scope_site_field = "line__order__ship_from"

    class Meta:
        ordering = ["line", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="allocation_quantity_positive"),
            models.CheckConstraint(
                condition=Q(shipped_quantity__gte=0) & Q(released_quantity__gte=0)
                & Q(shipped_quantity__lte=F("picked_quantity")) & Q(picked_quantity__lte=F("quantity"))
                & Q(quantity__gte=F("shipped_quantity") + F("released_quantity")),
                name="allocation_quantities_consistent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} of line {self.line_id} at {self.location_id}"

    @property
    def outstanding(self) -> Decimal:
        """Still reserved in the ledger for this allocation."""
        return self.quantity - self.shipped_quantity - self.released_quantity


class PickList(models.Model):
    """The stock to fetch from its locations for one order, in walking order."""

    order = models.ForeignKey(SalesOrder, on_delete=models.PROTECT, related_name="pick_lists")
    status = models.CharField(max_length=16, choices=PickListStatus.choices, default=PickListStatus.OPEN)
    created_at = models.DateTimeField(default=clock.now)
    picked_at = models.DateTimeField(null=True, blank=True)

    objects = RestrictedManager()
    scope_site_field = "order__ship_from"

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return f"PL-{self.pk:06d}" if self.pk else "PL-new"


class PickListLine(models.Model):
    """Fetch ``quantity`` of a line's item from ``location``; ``picked_quantity`` once done."""

    pick_list = models.ForeignKey(PickList, on_delete=models.PROTECT, related_name="lines")
    allocation = models.ForeignKey(Allocation, on_delete=models.PROTECT, related_name="pick_lines")
    line = models.ForeignKey(SalesOrderLine, on_delete=models.PROTECT, related_name="pick_lines")
    location = models.ForeignKey("supply_chain.Location", on_delete=models.PROTECT, related_name="+")
    quantity = _quantity()
    picked_quantity = _quantity(null=True, blank=True)

    class Meta:
        ordering = ["pick_list", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="pick_line_quantity_positive"),
            models.CheckConstraint(
                condition=Q(picked_quantity__isnull=True)
                | (Q(picked_quantity__gte=0) & Q(picked_quantity__lte=F("quantity"))),
                name="pick_line_picked_within_quantity",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} of line {self.line_id} from {self.location_id}"


class Shipment(models.Model):
    """Goods handed to a carrier for one order, with tracking number and cost."""

    order = models.ForeignKey(SalesOrder, on_delete=models.PROTECT, related_name="shipments")
    carrier_service = models.ForeignKey(CarrierService, on_delete=models.PROTECT, related_name="shipments")
    tracking_number = models.CharField(max_length=80)
    shipping_cost = _quantity()
    shipping_cost_currency = models.CharField(max_length=3)
    status = models.CharField(max_length=16, choices=ShipmentStatus.choices, default=ShipmentStatus.IN_TRANSIT)
    shipped_at = models.DateTimeField(default=clock.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    objects = RestrictedManager()
    scope_site_field = "order__ship_from"

    class Meta:
        ordering = ["-shipped_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(shipping_cost__gte=0), name="shipment_cost_not_negative"),
            models.CheckConstraint(condition=~Q(shipping_cost_currency=""), name="shipment_cost_has_currency"),
            models.CheckConstraint(
                condition=Q(delivered_at__isnull=True, status=ShipmentStatus.IN_TRANSIT)
                | Q(delivered_at__isnull=False, status=ShipmentStatus.DELIVERED),
                name="shipment_delivered_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"SH-{self.pk:06d}" if self.pk else "SH-new"

    @property
    def cost(self) -> Money:
        return Money.of(self.shipping_cost, self.shipping_cost_currency)


class ShipmentLine(models.Model):
    """How much of one order line a shipment carried."""

    shipment = models.ForeignKey(Shipment, on_delete=models.PROTECT, related_name="lines")
    line = models.ForeignKey(SalesOrderLine, on_delete=models.PROTECT, related_name="shipment_lines")
    quantity = _quantity()

    class Meta:
        ordering = ["shipment", "line__line_number"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="shipment_line_quantity_positive")]

    def __str__(self) -> str:
        return f"{self.quantity} of line {self.line_id}"


class Package(models.Model):
    """A box packed for an order; it leaves with a shipment."""

    order = models.ForeignKey(SalesOrder, on_delete=models.PROTECT, related_name="packages")
    weight_kg = models.DecimalField(max_digits=10, decimal_places=3, null=True, blank=True)
    shipment = models.ForeignKey(Shipment, on_delete=models.PROTECT, null=True, blank=True, related_name="packages")
    created_at = models.DateTimeField(default=clock.now)

    objects = RestrictedManager()
    scope_site_field = "order__ship_from"

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(weight_kg__isnull=True) | Q(weight_kg__gt=0), name="package_weight_positive"),
        ]

    def __str__(self) -> str:
        return f"PK-{self.pk:06d}" if self.pk else "PK-new"


class PackageLine(models.Model):
    """How much of one order line went into a package."""

    package = models.ForeignKey(Package, on_delete=models.PROTECT, related_name="lines")
    line = models.ForeignKey(SalesOrderLine, on_delete=models.PROTECT, related_name="package_lines")
    quantity = _quantity()

    class Meta:
        ordering = ["package", "line__line_number"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="package_line_quantity_positive")]

    def __str__(self) -> str:
        return f"{self.quantity} of line {self.line_id}"
