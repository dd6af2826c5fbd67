"""Items, locations, lots, the append-only stock ledger and its cached balances."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from keel.core.scoping import RestrictedManager, RestrictedQuerySet
from keel.supply_chain.choices import Lifecycle, LocationKind, MovementReason, UnitOfMeasure


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
    created_at = models.DateTimeField(default=timezone.now)

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
    updated_at = models.DateTimeField(default=timezone.now)

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
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="movements")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="movements")
    lot_code = models.CharField(max_length=64, blank=True, default="")
    reason = models.CharField(max_length=20, choices=MovementReason.choices)
    quantity = models.DecimalField(max_digits=18, decimal_places=4, default=Decimal(0))
    reserved_quantity = models.DecimalField(max_digits=18, decimal_places=4, default=Decimal(0))
    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)
    recorded_at = models.DateTimeField(default=timezone.now)
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
