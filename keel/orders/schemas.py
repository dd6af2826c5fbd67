"""API schemas of orders and fulfillment: one input and one output schema per thing."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from ninja import Field, Schema

from keel.core.api import InputSchema
from keel.core.money import MoneyIn, MoneyOut


class ChannelIn(InputSchema):
    code: str = Field(..., min_length=1, max_length=40)
    name: str = Field(..., min_length=1, max_length=120)
    kind: str = Field(..., description="web_store, marketplace or wholesale")


class ChannelOut(Schema):
    code: str
    name: str
    kind: str
    is_active: bool


class CustomerIn(InputSchema):
    code: str = Field(..., min_length=1, max_length=40)
    name: str = Field(..., min_length=1, max_length=200)
    country: str = Field(..., description="ISO 3166-1 alpha-2, e.g. IE")
    email: str = Field("", max_length=254)
    channel: str | None = Field(None, description="Code of the default sales channel")


class CustomerOut(Schema):
    code: str
    name: str
    email: str
    country: str
    channel: str | None
    is_active: bool


class CustomersQuery(Schema):
    q: str | None = Field(None, max_length=200)
    channel: str | None = None
    country: str | None = None
    ordering: str | None = Field(None, description="code, name, country; prefix - for descending")


class CarrierServiceIn(InputSchema):
    name: str = Field(..., min_length=1, max_length=80)
    transit_days: int = Field(..., ge=0, le=365)


class CarrierIn(InputSchema):
    code: str = Field(..., min_length=1, max_length=40)
    name: str = Field(..., min_length=1, max_length=120)
    services: list[CarrierServiceIn] = Field(default_factory=list, max_length=50)


class CarrierServiceOut(Schema):
    name: str
    transit_days: int
    is_active: bool


class CarrierOut(Schema):
    code: str
    name: str
    is_active: bool
    services: list[CarrierServiceOut]


class OrderLineIn(InputSchema):
    sku: str = Field(..., min_length=1, max_length=64)
    quantity: Decimal
    unit_price: MoneyIn | None = Field(None, description="Amount and currency; the item's list price if left out")


class OrderIn(InputSchema):
    customer: str = Field(..., description="Customer code")
    ship_from: str = Field(..., description="Code of the site that ships the order")
    channel: str | None = Field(None, description="Sales channel code; the customer's default if left out")
    currency: str | None = Field(None, description="ISO 4217; the currency of the prices if left out")
    promised_ship_on: date | None = None
    promised_delivery_on: date | None = None
    customer_reference: str = Field("", max_length=80)
    ship_to_address: str = Field("", max_length=500)
    confirm: bool = Field(False, description="Confirm at once instead of leaving a draft")
    lines: list[OrderLineIn] = Field(..., min_length=1, max_length=500)


class OrderLineOut(Schema):
    id: int
    line_number: int
    sku: str
    quantity: Decimal
    unit_price: MoneyOut
    allocated: Decimal
    backordered: Decimal
    picked: Decimal
    packed: Decimal
    shipped: Decimal
    status: str


class AllocationOut(Schema):
    line_number: int
    sku: str
    location: str
    lot: str
    quantity: Decimal
    picked: Decimal
    shipped: Decimal
    released: Decimal


class PickLineOut(Schema):
    id: int
    line_number: int
    sku: str
    location: str
    quantity: Decimal
    picked_quantity: Decimal | None


class PickListOut(Schema):
    id: int
    status: str
    created_at: datetime
    picked_at: datetime | None
    lines: list[PickLineOut]


class ContentOut(Schema):
    line_number: int
    sku: str
    quantity: Decimal


class PackageOut(Schema):
    id: int
    weight_kg: Decimal | None
    shipment: int | None
    created_at: datetime
    lines: list[ContentOut]


class ShipmentOut(Schema):
    id: int
    order: str
    carrier: str
    service: str
    tracking_number: str
    shipping_cost: MoneyOut
    status: str
    shipped_at: datetime
    delivered_at: datetime | None
    lines: list[ContentOut]
    replayed: bool = False


class OrderSummaryOut(Schema):
    id: int
    number: str
    customer: str
    channel: str
    ship_from: str
    currency: str
    status: str
    promised_ship_on: date | None
    promised_delivery_on: date | None
    is_on_hold: bool
    hold_reason: str
    created_at: datetime


class OrderOut(OrderSummaryOut):
    customer_reference: str
    ship_to_address: str
    cancel_reason: str
    lines: list[OrderLineOut]
    allocations: list[AllocationOut]
    pick_lists: list[PickListOut]
    packages: list[PackageOut]
    shipments: list[ShipmentOut]
    replayed: bool = False


class QueueEntryOut(OrderSummaryOut):
    quantity: Decimal
    allocated: Decimal
    backordered: Decimal
    packed: Decimal
    shipped: Decimal
    is_late: bool
    is_at_risk: bool


class OrdersQuery(Schema):
    q: str | None = Field(None, max_length=200, description="Number, customer or customer reference")
    status: str | None = Field(None, description="A status, or 'open' for every open status")
    customer: str | None = Field(None, description="Customer code")
    site: str | None = Field(None, description="Ship-from site code")
    ordering: str | None = Field(None, description="number, created_at, promised_ship_on, status; prefix - for descending")


class QueueQuery(Schema):
    site: str | None = None
    flag: str | None = Field(None, description="late, at_risk or on_hold")
    today: date | None = Field(None, description="The date the late and at-risk flags are judged on; today if left out")


class ShipmentsQuery(Schema):
    q: str | None = Field(None, max_length=200, description="Tracking number, order number or customer")
    status: str | None = Field(None, description="in_transit or delivered")
    carrier: str | None = Field(None, description="Carrier code")


class ReasonIn(InputSchema):
    reason: str = Field(..., min_length=1, max_length=300)


class AddressIn(InputSchema):
    address: str = Field(..., min_length=1, max_length=500)
    reason: str = Field("", max_length=300)


class QualityCheckIn(InputSchema):
    passed: bool = True
    note: str = Field("", max_length=300)


class PickIn(InputSchema):
    picked: dict[int, Decimal] = Field(
        default_factory=dict, description="Picked quantity by pick line id; lines left out were picked in full"
    )


class LineQuantityIn(InputSchema):
    line_number: int = Field(..., ge=1)
    quantity: Decimal


class PackIn(InputSchema):
    lines: list[LineQuantityIn] | None = Field(None, description="Everything picked and not packed if left out")
    weight_kg: Decimal | None = None


class ShipIn(InputSchema):
    carrier: str = Field(..., description="Carrier code")
    service: str = Field(..., description="Carrier service name, e.g. Express")
    tracking_number: str = Field(..., min_length=1, max_length=80)
    shipping_cost: MoneyIn
    lines: list[LineQuantityIn] | None = Field(None, description="Everything packed and not shipped if left out")
    shipped_at: datetime | None = None


class DeliverIn(InputSchema):
    delivered_at: datetime | None = None
