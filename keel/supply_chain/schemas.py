"""API schemas of the supply chain."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from ninja import Field, Schema

from keel.core.api import InputSchema
from keel.core.money import MoneyOut


class ItemIn(InputSchema):
    sku: str = Field(..., min_length=1, max_length=64)
    name: str = Field(..., min_length=1, max_length=200)
    unit: str = "each"
    category: str = Field("", max_length=120)
    pack_size: int = Field(1, ge=1)
    weight_kg: Decimal | None = None
    standard_cost: Decimal | None = None
    cost_currency: str = ""
    list_price: Decimal | None = None
    price_currency: str = ""
    lifecycle: str = "active"
    tracks_lots: bool = False
    tracks_expiry: bool = False


class ItemOut(Schema):
    sku: str
    name: str
    category: str
    unit: str
    pack_size: int
    weight_kg: Decimal | None
    standard_cost: MoneyOut | None
    list_price: MoneyOut | None
    lifecycle: str
    is_active: bool
    tracks_lots: bool
    tracks_expiry: bool
    on_hand: Decimal | None = None
    reserved: Decimal | None = None


class ItemsQuery(Schema):
    q: str | None = Field(None, max_length=200)
    category: str | None = None
    lifecycle: str | None = None
    is_active: bool | None = None
    ordering: str | None = Field(None, description="sku, name, category; prefix - for descending")


class LocationIn(InputSchema):
    site: str = Field(..., description="Site code")
    code: str = Field(..., min_length=1, max_length=40)
    zone: str = Field("", max_length=40)
    kind: str = "storage"


class LocationOut(Schema):
    id: int
    site: str
    code: str
    zone: str
    kind: str
    is_active: bool


class BalanceOut(Schema):
    sku: str
    site: str
    location: str
    lot: str
    on_hand: Decimal
    reserved: Decimal
    available: Decimal


class MovementLineIn(InputSchema):
    sku: str = Field(..., min_length=1, max_length=64)
    site: str = Field(..., description="Site code")
    location: str = Field(..., description="Location code within the site")
    quantity: Decimal = Field(Decimal(0), description="Change to on hand, signed")
    reserved_quantity: Decimal = Field(Decimal(0), description="Change to the reservation, signed")
    lot: str = Field("", max_length=64)
    expires_on: date | None = None


class PostingIn(InputSchema):
    reason: str = Field(..., description="receipt, shipment, transfer_out, transfer_in, adjustment, "
                                         "count_correction, return_to_stock, scrap, reservation, release")
    lines: list[MovementLineIn] = Field(..., min_length=1, max_length=500)
    reference: str = Field("", max_length=120, description="e.g. purchase_order:12")
    note: str = Field("", max_length=300)
    occurred_at: datetime | None = None


class MovementOut(Schema):
    id: int
    posting: uuid.UUID
    sku: str
    site: str
    location: str
    lot: str
    reason: str
    quantity: Decimal
    reserved_quantity: Decimal
    occurred_at: datetime
    reference: str
    reverses: int | None


class PostingOut(Schema):
    posting: uuid.UUID
    reason: str
    movements: list[MovementOut]
    replayed: bool = False


class MovementsQuery(Schema):
    sku: str | None = None
    reason: str | None = None
    ordering: str | None = Field(None, description="occurred_at or -occurred_at")


# --- Purchasing -----------------------------------------------------------------------


class SupplierIn(InputSchema):
    code: str = Field(..., min_length=1, max_length=32)
    name: str = Field(..., min_length=1, max_length=200)
    currency: str = Field(..., description="ISO 4217, e.g. EUR")
    contact_name: str = Field("", max_length=160)
    contact_email: str = Field("", max_length=254)
    contact_phone: str = Field("", max_length=40)
    payment_terms_days: int = Field(30, ge=0, le=3650, description="Net days, e.g. 30")
    lead_time_days: int = Field(0, ge=0, le=3650)
    is_active: bool = True


class SupplierOut(Schema):
    code: str
    name: str
    currency: str
    contact_name: str
    contact_email: str
    contact_phone: str
    payment_terms_days: int
    lead_time_days: int
    is_active: bool


class SuppliersQuery(Schema):
    q: str | None = Field(None, max_length=200)
    is_active: bool | None = None
    currency: str | None = None
    ordering: str | None = Field(None, description="code, name, lead_time_days; prefix - for descending")


class PriceBreakIn(InputSchema):
    minimum_quantity: Decimal = Field(..., ge=0)
    unit_price: Decimal = Field(..., ge=0, description="In the supplier's currency")


class PriceBreakOut(Schema):
    minimum_quantity: Decimal
    unit_price: MoneyOut


class SupplierItemIn(InputSchema):
    sku: str = Field(..., min_length=1, max_length=64)
    supplier_sku: str = Field("", max_length=64)
    minimum_order_quantity: Decimal = Decimal(0)
    order_multiple: Decimal = Decimal(1)
    lead_time_days: int | None = Field(None, ge=0, le=3650, description="Overrides the supplier's lead time")
    price_breaks: list[PriceBreakIn] = Field(default_factory=list, max_length=50)
    is_active: bool = True


class SupplierItemOut(Schema):
    supplier: str
    sku: str
    item_name: str
    supplier_sku: str
    minimum_order_quantity: Decimal
    order_multiple: Decimal
    lead_time_days: int
    price_breaks: list[PriceBreakOut]
    is_active: bool


class OrderLineInSchema(InputSchema):
    sku: str = Field(..., min_length=1, max_length=64)
    quantity: Decimal
    unit_price: Decimal | None = Field(None, description="Omit to use the supplier's price break")
    expected_on: date | None = None


class PurchaseOrderIn(InputSchema):
    supplier: str = Field(..., description="Supplier code")
    site: str = Field(..., description="Ship-to site code")
    expected_on: date | None = None
    notes: str = Field("", max_length=2000)
    lines: list[OrderLineInSchema] = Field(..., min_length=1, max_length=500)


class PurchaseOrderLineOut(Schema):
    id: int
    line_number: int
    sku: str
    ordered_quantity: Decimal
    unit_price: MoneyOut
    expected_on: date
    received_quantity: Decimal
    rejected_quantity: Decimal
    open_quantity: Decimal


class PurchaseOrderSummaryOut(Schema):
    id: int
    number: str
    supplier: str
    site: str
    status: str
    total: MoneyOut
    expected_on: date | None
    created_at: datetime
    created_by: str | None


class ReceiptLineOut(Schema):
    line_number: int
    sku: str
    accepted_quantity: Decimal
    rejected_quantity: Decimal
    location: str | None
    lot: str
    quality_hold: bool


class ReceiptOut(Schema):
    id: int
    received_at: datetime
    received_by: str | None
    posting: uuid.UUID | None
    note: str
    lines: list[ReceiptLineOut]


class PurchaseOrderOut(PurchaseOrderSummaryOut):
    currency: str
    notes: str
    approved_by: str | None
    submitted_at: datetime | None
    approved_at: datetime | None
    sent_at: datetime | None
    received_at: datetime | None
    closed_at: datetime | None
    cancelled_at: datetime | None
    cancel_reason: str
    lines: list[PurchaseOrderLineOut]
    receipts: list[ReceiptOut]
    replayed: bool = False


class PurchaseOrdersQuery(Schema):
    status: list[str] | None = Field(None, description="One or more statuses; 'open' for every open status")
    supplier: str | None = Field(None, description="Supplier code")
    site: str | None = Field(None, description="Ship-to site code")
    q: str | None = Field(None, max_length=200, description="Number, supplier or SKU")
    ordering: str | None = Field(None, description="number, created_at, expected_on, status, total; prefix - for descending")


class CancelIn(InputSchema):
    reason: str = Field("", max_length=300)


class ReceiveLineIn(InputSchema):
    line: int = Field(..., description="The order line's number (1, 2, ...)")
    quantity: Decimal = Field(Decimal(0), description="Accepted into stock")
    location: str = Field("", description="Location code at the ship-to site; a quarantine location for quality hold")
    lot: str = Field("", max_length=64)
    expires_on: date | None = None
    quality_hold: bool = False
    rejected_quantity: Decimal = Field(Decimal(0), description="Refused at receipt: recorded, never stocked")


class ReceiveIn(InputSchema):
    lines: list[ReceiveLineIn] = Field(..., min_length=1, max_length=500)
    note: str = Field("", max_length=300)


class ScorecardPeriodOut(Schema):
    month: date | None
    deliveries: int
    on_time_rate: Decimal | None
    in_full_rate: Decimal | None
    lead_time_mean_days: Decimal | None
    lead_time_stdev_days: Decimal | None
    price_variance: MoneyOut | None
    price_variance_rate: Decimal | None
    received_quantity: Decimal
    rejected_quantity: Decimal
    reject_rate: Decimal | None


class ScorecardOut(Schema):
    supplier: str
    currency: str
    since: date
    until: date
    months: list[ScorecardPeriodOut]
    total: ScorecardPeriodOut


class ScorecardQuery(Schema):
    since: date | None = Field(None, description="First day counted (default: twelve months back)")
    until: date | None = Field(None, description="Last day counted (default: today)")
