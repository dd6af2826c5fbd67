"""API schemas of planning: runs, item plans, approval, targets, overrides, accuracy."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ninja import Field, Schema

from keel.core.api import InputSchema


class RunIn(InputSchema):
    bucket: str = Field(..., description="Demand bucket: day or week")
    history_days: int | None = None
    horizon_days: int | None = None
    review_days: int | None = None
    ordering_cost: float | None = None
    holding_rate: float | None = None
    service_level: float | None = None


class RunOut(Schema):
    id: int
    status: str
    trigger: str
    requested_by: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    progress: int
    phase: str
    parameters: dict[str, Any]
    planned_on: date | None
    history_from: date | None
    period_days: int
    horizon: int
    item_count: int
    proposal_count: int
    stockout_count: int
    duration_seconds: float | None
    accuracy: dict[str, float | None]
    message: str
    is_stale: bool | None = Field(None, description="Events happened after the run read its data")
    stale_since: datetime | None = None


class ItemPlansQuery(Schema):
    run: int | None = Field(None, description="Run id; default the newest successful run")
    q: str | None = Field(None, max_length=200)
    site: str | None = None
    supplier: str | None = None
    abc: str | None = None
    xyz: str | None = None
    urgency: str | None = Field(None, description="stockout, order_now, order_soon or proposed")
    status: str | None = Field(None, description="no_order, proposed or approved")
    ordering: str | None = Field(None, description="urgency_rank, stockout_on, days_of_supply, sku, proposed_quantity, "
                                                    "order_by, wape; prefix - for descending")


class ItemPlanOut(Schema):
    id: int
    run: int
    sku: str
    item_name: str
    site: str
    abc_class: str
    xyz_class: str
    method: str
    mase: float | None
    wape: float | None
    bias: float | None
    demand_mean: float
    demand_sd: float
    lead_time_days: float
    lead_time_sd_days: float
    on_hand: Decimal
    reserved: Decimal
    backorders: Decimal
    on_order: Decimal
    target_kind: str
    target_level: float
    safety_stock: float
    reorder_point: float
    order_up_to: float
    proposed_quantity: Decimal
    supplier: str | None
    order_by: date | None
    arrives_on: date | None
    stockout_on: date | None
    days_of_supply: float | None
    urgency_rank: int
    status: str
    purchase_order: str | None


class ItemPlanDetailOut(ItemPlanOut):
    history: list[float]
    forecast: list[float]
    forecast_lower: list[float]
    forecast_upper: list[float]
    projected: list[float]
    projected_with_order: list[float]
    trace: dict[str, Any]


class ApproveIn(InputSchema):
    proposals: list[int] = Field(..., min_length=1, max_length=2000, description="Item plan ids")


class PurchaseOrderRef(Schema):
    id: int
    number: str
    supplier: str
    site: str
    lines: int


class ApproveOut(Schema):
    approved: int
    purchase_orders: list[PurchaseOrderRef]


class TargetIn(InputSchema):
    abc_class: str
    xyz_class: str
    site: str | None = Field(None, description="Site code; empty for company-wide")
    kind: str = Field("cycle_service_level", description="cycle_service_level or fill_rate")
    level: Decimal


class TargetOut(Schema):
    id: int
    abc_class: str
    xyz_class: str
    site: str | None
    kind: str
    level: Decimal
    updated_at: datetime


class OverrideIn(InputSchema):
    sku: str
    site: str | None = Field(None, description="Site code; empty for every site")
    method: str = ""
    service_level: Decimal | None = None
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    lead_time_days: Decimal | None = None
    note: str = ""


class OverrideOut(Schema):
    sku: str
    site: str | None
    method: str
    service_level: Decimal | None
    minimum: Decimal | None
    maximum: Decimal | None
    lead_time_days: Decimal | None
    note: str
    updated_at: datetime


class AccuracyGroupOut(Schema):
    label: str
    plans: int
    mase: float | None
    wape: float | None
    bias: float | None


class AccuracyOut(Schema):
    run: int | None = Field(None, description="Empty before the first successful run")
    overall: list[AccuracyGroupOut]
    by_class: list[AccuracyGroupOut]
    by_site: list[AccuracyGroupOut]
    by_method: list[AccuracyGroupOut]
