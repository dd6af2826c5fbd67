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
