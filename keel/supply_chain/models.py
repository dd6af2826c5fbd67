"""Items, locations, lots, the append-only stock ledger and its cached balances; suppliers,
their prices, purchase orders and receipts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models

from keel.core import clock
from keel.core.scoping import RestrictedManager, RestrictedQuerySet
from keel.supply_chain.choices import (
    CountStatus,
    Lifecycle,
    LocationKind,
    MovementReason,
    PurchaseOrderStatus,
    TransferStatus,
    UnitOfMeasure,
    VarianceReason,
)


class AppendOnlyError(Exception):
    """Raised when code tries to change or delete a ledger movement."""


class Item(models.Model):
    """Something the company stocks, buys or sells, identified by its SKU."""

    sku = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    category = models.CharField(max_length=120, blank=True, db_index=True)
    unit = models.CharField(max_length=8, choices=UnitOfMeasure.choices, default=UnitOfMeasure.EACH)
    pack_size = models.PositiveIntegerField(default=1)
    weight_kg = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    standard_cost = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    cost_currency = models.CharField(max_length=3, blank=True)
    list_price = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    price_currency = models.CharField(max_length=3, blank=True)
    lifecycle = models.CharField(max_length=16, choices=Lifecycle.choices, default=Lifecycle.ACTIVE)
    is_active = models.BooleanField(default=True)
    tracks_lots = models.BooleanField(default=False, help_text="Stock is kept per lot or batch")
    tracks_expiry = models.BooleanField(default=False, help_text="Lots carry an expiry date")
    created_at = models.DateTimeField(default=clock.now)

    objects = RestrictedManager()
    scope_global = True  # master data: every role with supply_chain.view_item sees every item

    class Meta:
        ordering = ["sku"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(standard_cost__isnull=True) | ~models.Q(cost_currency=""),
                name="item_cost_has_currency",
            ),
            models.CheckConstraint(
                condition=models.Q(list_price__isnull=True) | ~models.Q(price_currency=""),
                name="item_price_has_currency",
            ),
            models.CheckConstraint(condition=models.Q(pack_size__gte=1), name="item_pack_size_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.sku} {self.name}"

    @property
    def allows_fractions(self) -> bool:
        return UnitOfMeasure.allows_fractions(self.unit)


class Location(models.Model):
    """A place stock sits in: a bin within a zone of a site."""

    site = models.ForeignKey("organization.Site", on_delete=models.PROTECT, related_name="locations")
    code = models.CharField(max_length=40, help_text="e.g. A-01-03")
    zone = models.CharField(max_length=40, blank=True)
    kind = models.CharField(max_length=16, choices=LocationKind.choices, default=LocationKind.STORAGE)
    is_active = models.BooleanField(default=True)

    objects = RestrictedManager()
    scope_site_field = "site"

    class Meta:
        ordering = ["site__code", "code"]
        constraints = [models.UniqueConstraint(fields=["site", "code"], name="location_unique_code")]

    def __str__(self) -> str:
        return f"{self.site.code}/{self.code}"


class StockPolicy(models.Model):
    """Per-site stock rules. Without a row, a site refuses negative stock."""

    site = models.OneToOneField("organization.Site", on_delete=models.CASCADE, related_name="stock_policy")
    allows_negative_stock = models.BooleanField(default=False)

    class Meta:
        verbose_name_plural = "stock policies"

    def __str__(self) -> str:
        return f"{self.site} ({'negative allowed' if self.allows_negative_stock else 'no negative'})"


class Lot(models.Model):
    """A lot or batch of an item, with its expiry date where the item tracks expiry."""

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="lots")
    code = models.CharField(max_length=64)
    expires_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["item", "expires_on", "code"]
        constraints = [models.UniqueConstraint(fields=["item", "code"], name="lot_unique_code")]

    def __str__(self) -> str:
        return f"{self.item.sku} lot {self.code}"


class StockBalance(models.Model):
    """The cached balance of one item (and lot) at one location.

    Always equal to the sum of the ledger (``keel check-ledger`` proves it). Changed only by
    ``services.post_movements`` through conditional updates, never written directly.
    An empty ``lot_code`` means the item is not lot-tracked.
    """

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="balances")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="balances")
    lot_code = models.CharField(max_length=64, blank=True, default="")
    on_hand = models.DecimalField(max_digits=18, decimal_places=4, default=Decimal(0))
    reserved = models.DecimalField(max_digits=18, decimal_places=4, default=Decimal(0))
    updated_at = models.DateTimeField(default=clock.now)

    objects = RestrictedManager()
    scope_site_field = "location__site"

    class Meta:
        ordering = ["item", "location", "lot_code"]
        constraints = [
            models.UniqueConstraint(fields=["item", "location", "lot_code"], name="balance_unique_key"),
            models.CheckConstraint(condition=models.Q(reserved__gte=0), name="balance_reserved_not_negative"),
            models.CheckConstraint(
                condition=models.Q(reserved__lte=models.F("on_hand")) | models.Q(reserved=0),
                name="balance_reserved_within_on_hand",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item_id}@{self.location_id}: {self.on_hand} on hand, {self.reserved} reserved"

    @property
    def available(self) -> Decimal:
        return self.on_hand - self.reserved


class ItemStock(models.Model):
    """The stock of one item summed over its balances: at one site, or company-wide when
    ``site`` is empty.

    A summary, kept so that lists can sort items by stock with an index instead of summing
    every balance. Every item has its company-wide row from creation. Like the balances, it
    changes only in ``services.post_movements``, in the same transaction and under row
    locks taken after the balances' (``keel check-ledger`` proves it equals the ledger).
    """

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="stock_summaries")
    site = models.ForeignKey("organization.Site", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                             help_text="Empty for the company-wide total")
    on_hand = models.DecimalField(max_digits=18, decimal_places=4, default=Decimal(0))
    reserved = models.DecimalField(max_digits=18, decimal_places=4, default=Decimal(0))
    available = models.GeneratedField(
        expression=models.F("on_hand") - models.F("reserved"),
        output_field=models.DecimalField(max_digits=18, decimal_places=4), db_persist=True,
    )
    updated_at = models.DateTimeField(default=clock.now)

    objects = RestrictedManager()
    scope_site_field = "site"  # company-wide rows belong to no site: company-wide actors only

    class Meta:
        ordering = ["item", "site"]
        constraints = [
            models.UniqueConstraint(fields=["item", "site"], condition=models.Q(site__isnull=False),
                                    name="item_stock_unique_site"),
            models.UniqueConstraint(fields=["item"], condition=models.Q(site__isnull=True),
                                    name="item_stock_unique_company"),
            models.CheckConstraint(condition=models.Q(reserved__gte=0), name="item_stock_reserved_not_negative"),
        ]
        # The item list sorts by a company-wide total with the item as tie-breaker.
        indexes = [
            models.Index(fields=[name, "item"], condition=models.Q(site__isnull=True), name=f"item_stock_company_{name}")
            for name in ("on_hand", "reserved", "available")
        ]

    def __str__(self) -> str:
        where = f"site {self.site_id}" if self.site_id else "company"
        return f"{self.item_id}@{where}: {self.on_hand} on hand, {self.reserved} reserved"


class MovementQuerySet(RestrictedQuerySet["StockMovement"]):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("Stock movements cannot be changed; post a reversal.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Stock movements cannot be deleted; post a reversal.")


class StockMovement(models.Model):
    """One line of the append-only stock ledger.

    ``quantity`` changes on hand, ``reserved_quantity`` changes the reservation; both are
    signed. Movements posted together share a ``posting``. A correction is a new movement
    that reverses an old one (``reverses``), never an edit.
    """

    posting = models.UUIDField(db_index=True)
    # No index of its own: the (item, location, lot_code) index below serves lookups by item.
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="movements", db_index=False)
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="movements")
    lot_code = models.CharField(max_length=64, blank=True, default="")
    reason = models.CharField(max_length=20, choices=MovementReason.choices)
    quantity = models.DecimalField(max_digits=18, decimal_places=4, default=Decimal(0))
    reserved_quantity = models.DecimalField(max_digits=18, decimal_places=4, default=Decimal(0))
    occurred_at = models.DateTimeField(default=clock.now, db_index=True)
    recorded_at = models.DateTimeField(default=clock.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reference = models.CharField(max_length=120, blank=True, help_text="e.g. purchase_order:12")
    note = models.CharField(max_length=300, blank=True)
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by"
    )

    objects = MovementQuerySet.as_manager()
    scope_site_field = "location__site"

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["item", "location", "lot_code"])]

    def __str__(self) -> str:
        return f"{self.reason} {self.quantity} of {self.item_id} at {self.location_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise AppendOnlyError("Stock movements cannot be changed; post a reversal.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Stock movements cannot be deleted; post a reversal.")


# --- Purchasing -----------------------------------------------------------------------


class Supplier(models.Model):
    """A company Keel buys from, with its commercial terms. Company-wide master data."""

    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=200)
    contact_name = models.CharField(max_length=160, blank=True)
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(max_length=40, blank=True)
    currency = models.CharField(max_length=3, help_text="ISO 4217; the supplier's prices and orders use it")
    payment_terms_days = models.PositiveSmallIntegerField(default=30, help_text="Net days, e.g. 30 for net 30")
    lead_time_days = models.PositiveSmallIntegerField(default=0, help_text="Declared days from order to delivery")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=clock.now)

    objects = RestrictedManager()
    scope_global = True  # master data: every role with supply_chain.view_supplier sees every supplier

    class Meta:
        ordering = ["code"]
        constraints = [models.CheckConstraint(condition=~models.Q(currency=""), name="supplier_has_currency")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class SupplierItem(models.Model):
    """What one supplier sells of one item, and on which terms (prices in ``price_breaks``)."""

    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="supplier_items")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="supplier_items")
    supplier_sku = models.CharField(max_length=64, blank=True)
    minimum_order_quantity = models.DecimalField(max_digits=18, decimal_places=4, default=Decimal(0))
    order_multiple = models.DecimalField(max_digits=18, decimal_places=4, default=Decimal(1),
                                         help_text="Quantities are ordered in multiples of this")
    lead_time_days = models.PositiveSmallIntegerField(null=True, blank=True,
                                                      help_text="Overrides the supplier's lead time")
    is_active = models.BooleanField(default=True)

    objects = RestrictedManager()
    scope_global = True

    class Meta:
        ordering = ["supplier", "item"]
        constraints = [
            models.UniqueConstraint(fields=["supplier", "item"], name="supplier_item_unique"),
            models.CheckConstraint(condition=models.Q(minimum_order_quantity__gte=0), name="supplier_item_moq_not_negative"),
            models.CheckConstraint(condition=models.Q(order_multiple__gt=0), name="supplier_item_multiple_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.supplier.code} / {self.item.sku}"

    @property
    def effective_lead_time_days(self) -> int:
        return self.lead_time_days if self.lead_time_days is not None else self.supplier.lead_time_days


class PriceBreak(models.Model):
    """From ``minimum_quantity`` upwards, one unit costs ``unit_price`` (in ``currency``)."""

    supplier_item = models.ForeignKey(SupplierItem, on_delete=models.CASCADE, related_name="price_breaks")
    minimum_quantity = models.DecimalField(max_digits=18, decimal_places=4)
    unit_price = models.DecimalField(max_digits=18, decimal_places=4)
    currency = models.CharField(max_length=3)

    class Meta:
        ordering = ["supplier_item", "minimum_quantity"]
        constraints = [
            models.UniqueConstraint(fields=["supplier_item", "minimum_quantity"], name="price_break_unique_quantity"),
            models.CheckConstraint(condition=models.Q(minimum_quantity__gte=0), name="price_break_quantity_not_negative"),
            models.CheckConstraint(condition=models.Q(unit_price__gte=0), name="price_break_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"from {self.minimum_quantity.normalize():f}: {self.unit_price.normalize():f} {self.currency}"


class PurchaseOrder(models.Model):
    """An order to a supplier for delivery to one site. ``number`` (PO-000123) is set when
    it is created; the status moves only through the purchasing services."""

    number = models.CharField(max_length=20, blank=True, default="")
    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="purchase_orders")
    site = models.ForeignKey("organization.Site", on_delete=models.PROTECT, related_name="purchase_orders",
                             help_text="Ship to")
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=20, choices=PurchaseOrderStatus.choices, default=PurchaseOrderStatus.DRAFT,
                              db_index=True)
    expected_on = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    created_at = models.DateTimeField(default=clock.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True, help_text="When the last line was fully received")
    closed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=300, blank=True)

    objects = RestrictedManager()
    scope_site_field = "site"

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # The number is written right after the row exists (it is made from the id).
            models.UniqueConstraint(fields=["number"], condition=~models.Q(number=""), name="purchase_order_unique_number"),
            models.CheckConstraint(condition=~models.Q(currency=""), name="purchase_order_has_currency"),
        ]

    def __str__(self) -> str:
        return self.number or f"purchase order {self.pk}"

    @staticmethod
    def number_for(pk: int) -> str:
        return f"PO-{pk:06d}"


class PurchaseOrderLine(models.Model):
    """One item on a purchase order. ``received_quantity`` counts what was accepted into
    stock (quality holds included); ``rejected_quantity`` what was refused at the door."""

    order = models.ForeignKey(PurchaseOrder, on_delete=models.CASCADE, related_name="lines")
    line_number = models.PositiveSmallIntegerField()
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="purchase_order_lines")
    ordered_quantity = models.DecimalField(max_digits=18, decimal_places=4)
    unit_price = models.DecimalField(max_digits=18, decimal_places=4)
    currency = models.CharField(max_length=3)
    expected_on = models.DateField()
    received_quantity = models.DecimalField(max_digits=18, decimal_places=4, default=Decimal(0))
    rejected_quantity = models.DecimalField(max_digits=18, decimal_places=4, default=Decimal(0))

    objects = RestrictedManager()
    scope_site_field = "order__site"

    class Meta:
        ordering = ["order", "line_number"]
        constraints = [
            models.UniqueConstraint(fields=["order", "line_number"], name="purchase_order_line_unique_number"),
            models.CheckConstraint(condition=models.Q(ordered_quantity__gt=0), name="purchase_order_line_quantity_positive"),
            models.CheckConstraint(condition=models.Q(unit_price__gte=0), name="purchase_order_line_price_not_negative"),
            models.CheckConstraint(condition=models.Q(received_quantity__gte=0), name="purchase_order_line_received_not_negative"),
            models.CheckConstraint(condition=models.Q(rejected_quantity__gte=0), name="purchase_order_line_rejected_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.order} line {self.line_number}"

    @property
    def open_quantity(self) -> Decimal:
        return max(self.ordered_quantity - self.received_quantity, Decimal(0))

    @property
    def amount(self) -> Decimal:
        return self.ordered_quantity * self.unit_price

    @property
    def is_fully_received(self) -> bool:
        return self.received_quantity >= self.ordered_quantity


class Receipt(models.Model):
    """One delivery received against a purchase order, posted to stock as one posting."""

    order = models.ForeignKey(PurchaseOrder, on_delete=models.PROTECT, related_name="receipts")
    received_at = models.DateTimeField(default=clock.now, db_index=True)
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    posting = models.UUIDField(null=True, blank=True, help_text="The stock posting; empty when all was rejected")
    note = models.CharField(max_length=300, blank=True)

    objects = RestrictedManager()
    scope_site_field = "order__site"

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"receipt {self.pk} of {self.order}"


class ReceiptLine(models.Model):
    """What arrived for one order line: accepted into stock (to ``location``, on quality hold
    when that is a quarantine location) and rejected (recorded, never stocked)."""

    receipt = models.ForeignKey(Receipt, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(PurchaseOrderLine, on_delete=models.PROTECT, related_name="receipt_lines")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    lot_code = models.CharField(max_length=64, blank=True, default="")
    accepted_quantity = models.DecimalField(max_digits=18, decimal_places=4, default=Decimal(0))
    rejected_quantity = models.DecimalField(max_digits=18, decimal_places=4, default=Decimal(0))
    is_quality_hold = models.BooleanField(default=False)
    open_quantity_before = models.DecimalField(
        max_digits=18, decimal_places=4, help_text="Still to receive on the line when this arrived (for in-full)"
    )
    unit_price = models.DecimalField(max_digits=18, decimal_places=4, help_text="The order line's price")

    objects = RestrictedManager()
    scope_site_field = "receipt__order__site"

    class Meta:
        ordering = ["receipt", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(accepted_quantity__gte=0), name="receipt_line_accepted_not_negative"),
            models.CheckConstraint(condition=models.Q(rejected_quantity__gte=0), name="receipt_line_rejected_not_negative"),
            models.CheckConstraint(
                condition=models.Q(accepted_quantity__gt=0) | models.Q(rejected_quantity__gt=0),
                name="receipt_line_not_empty",
            ),
            models.CheckConstraint(
                condition=models.Q(accepted_quantity=0) | models.Q(location__isnull=False),
                name="receipt_line_accepted_has_location",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.receipt}: {self.accepted_quantity} accepted, {self.rejected_quantity} rejected"

    @property
    def received_quantity(self) -> Decimal:
        return self.accepted_quantity + self.rejected_quantity


# --- Transfers and cycle counts -------------------------------------------------------


class TransferQuerySet(RestrictedQuerySet["Transfer"]):
    def restrict(self, actor: Any, action: str) -> RestrictedQuerySet[Transfer]:
        """A transfer is visible at both of its sites."""
        rows = super().restrict(actor, action)
        if actor is None or not getattr(actor, "is_authenticated", False) or not actor.has_action(action):
            return rows
        reach = actor.reach()
        if reach.is_company_wide:
            return rows
        sites = sorted(reach.site_ids)
        return self.filter(models.Q(from_site__in=sites) | models.Q(to_site__in=sites))


class Transfer(models.Model):
    """Stock sent from one site to another: draft, shipped (in transit), partially received,
    received; or cancelled from draft. ``number`` (TR-000123) is set when it is created."""

    number = models.CharField(max_length=20, blank=True, default="")
    from_site = models.ForeignKey("organization.Site", on_delete=models.PROTECT, related_name="transfers_out")
    to_site = models.ForeignKey("organization.Site", on_delete=models.PROTECT, related_name="transfers_in")
    status = models.CharField(max_length=20, choices=TransferStatus.choices, default=TransferStatus.DRAFT,
                              db_index=True)
    notes = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(default=clock.now)
    shipped_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    objects = TransferQuerySet.as_manager()
    scope_site_field = "from_site"

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["number"], condition=~models.Q(number=""), name="transfer_unique_number"),
            models.CheckConstraint(condition=~models.Q(from_site=models.F("to_site")), name="transfer_between_sites"),
        ]

    def __str__(self) -> str:
        return self.number or f"transfer {self.pk}"

    @staticmethod
    def number_for(pk: int) -> str:
        return f"TR-{pk:06d}"


class TransferLine(models.Model):
    """One item on a transfer: from a location at the source site to one at the destination.
    ``received_quantity`` is what has arrived so far; quantity minus it is in transit once shipped."""

    transfer = models.ForeignKey(Transfer, on_delete=models.CASCADE, related_name="lines")
    line_number = models.PositiveSmallIntegerField()
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="transfer_lines")
    quantity = models.DecimalField(max_digits=18, decimal_places=4)
    from_location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    to_location = models.ForeignKey(Location, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    lot_code = models.CharField(max_length=64, blank=True, default="")
    received_quantity = models.DecimalField(max_digits=18, decimal_places=4, default=Decimal(0))

    class Meta:
        ordering = ["transfer", "line_number"]
        constraints = [
            models.UniqueConstraint(fields=["transfer", "line_number"], name="transfer_line_unique_number"),
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="transfer_line_quantity_positive"),
            models.CheckConstraint(
                condition=models.Q(received_quantity__gte=0, received_quantity__lte=models.F("quantity")),
                name="transfer_line_received_within_quantity"),
        ]

    def __str__(self) -> str:
        return f"{self.transfer} line {self.line_number}"

    @property
    def outstanding_quantity(self) -> Decimal:
        """Shipped (or to be shipped) and not yet received."""
        return self.quantity - self.received_quantity


class CycleCount(models.Model):
    """A count of stock at some locations of one site (CC-000123); cancelled counts keep
    their lines and never post."""

    number = models.CharField(max_length=20, blank=True, default="")
    site = models.ForeignKey("organization.Site", on_delete=models.PROTECT, related_name="cycle_counts")
    status = models.CharField(max_length=16, choices=CountStatus.choices, default=CountStatus.OPEN, db_index=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=300, blank=True, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    counted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    created_at = models.DateTimeField(default=clock.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    posted_at = models.DateTimeField(null=True, blank=True)
    variance_value = models.DecimalField(max_digits=18, decimal_places=4, default=Decimal(0),
                                         help_text="Sum of |variance| x standard cost (units without cost)")
    posting = models.UUIDField(null=True, blank=True)

    objects = RestrictedManager()
    scope_site_field = "site"

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["number"], condition=~models.Q(number=""), name="cycle_count_unique_number"),
        ]

    def __str__(self) -> str:
        return self.number or f"cycle count {self.pk}"

    @staticmethod
    def number_for(pk: int) -> str:
        return f"CC-{pk:06d}"


class CountLine(models.Model):
    """What the books said (``expected_quantity``, snapshotted at creation) and what was counted."""

    count = models.ForeignKey(CycleCount, on_delete=models.CASCADE, related_name="lines")
    line_number = models.PositiveIntegerField()
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    lot_code = models.CharField(max_length=64, blank=True, default="")
    expected_quantity = models.DecimalField(max_digits=18, decimal_places=4)
    counted_quantity = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    variance = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    reason = models.CharField(max_length=16, choices=VarianceReason.choices, blank=True)

    class Meta:
        ordering = ["count", "line_number"]
        constraints = [
            models.UniqueConstraint(fields=["count", "line_number"], name="count_line_unique_number"),
            models.UniqueConstraint(fields=["count", "location", "item", "lot_code"], name="count_line_unique_key"),
        ]

    def __str__(self) -> str:
        return f"{self.count} line {self.line_number}"
