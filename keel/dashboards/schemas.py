"""API schemas of the dashboards app."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Field, Schema

from keel.core.api import InputSchema


class TileOut(Schema):
    key: str
    name: str
    url: str = Field(..., description="The KPI's drill-down page")


class DashboardOut(Schema):
    kpi_keys: list[str] = Field(..., description="The tiles in order, only KPIs the caller may see")
    is_personal: bool = Field(..., description="False while the caller follows their title's preset")
    tiles: list[TileOut]


class DashboardIn(InputSchema):
    kpi_keys: list[str] = Field(..., max_length=16, description="KPI keys in order (at most 16)")


class PresetOut(Schema):
    title: str = Field(..., description="Job title slug")
    title_name: str
    kpi_keys: list[str]


class PresetIn(InputSchema):
    kpi_keys: list[str] = Field(..., min_length=1, max_length=12, description="KPI keys in order (1 to 12)")


class AlertOut(Schema):
    id: int
    kpi_key: str
    kpi_name: str
    scope: str = Field(..., description="company, sites:<ids> or departments:<ids>")
    scope_label: str
    previous_status: str
    status: str
    value: float | None
    display: str
    target: float | None
    raised_at: datetime
    read_at: datetime | None


class AlertsQuery(Schema):
    status: Literal["green", "amber", "red"] | None = Field(None, description="The status the KPI crossed into")
    unread: bool | None = Field(None, description="true: only unread; false: only read")
    kpi: str | None = Field(None, max_length=64, description="A KPI key")


class AlertsReadIn(InputSchema):
    ids: list[int] = Field(default_factory=list, max_length=500, description="Alert ids to mark read")
    all: bool = Field(False, description="true: mark every unread alert read (ids are then ignored)")


class AlertsReadOut(Schema):
    marked: int
