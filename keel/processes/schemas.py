"""API schemas of the process analyses: one filter schema shared by every operation, and
one output schema per analysis. Durations are seconds (float)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from ninja import Field, Schema

Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


class ProcessQuery(Schema):
    site: str | None = Field(None, max_length=200, description="Site code: cases of that site")
    channel: str | None = Field(None, max_length=200, description="Sales channel code (order fulfillment)")
    supplier: str | None = Field(None, max_length=200, description="Supplier code (purchasing)")
    since: date | None = Field(None, description="Cases that started on or after this day (UTC)")
    until: date | None = Field(None, description="Cases that started on or before this day (UTC)")
    variant: str | None = Field(None, max_length=40, description="A variant id from /variants")
    activity: str | None = Field(None, max_length=200, description="Cases with at least one event of this activity")
    slowest: bool = Field(False, description="Only the slowest 10% of cases by duration")
    weekday: Weekday | None = Field(None, description="Hand-off analyses: only hand-offs starting on this weekday (site time)")


class ProcessOut(Schema):
    slug: str
    name: str
    case_label: str
    description: str
    case_attributes: list[str]


class ArcOut(Schema):
    source: str
    target: str
    frequency: int


class DfgOut(Schema):
    cases: int
    events: int
    arcs: list[ArcOut]
    start_activities: dict[str, int]
    end_activities: dict[str, int]


class PerformanceOut(Schema):
    source: str
    target: str
    frequency: int
    mean: float
    median: float
    min: float
    max: float
    sum: float
    stdev: float | None


class VariantOut(Schema):
    id: str
    activities: list[str]
    count: int
    share: float
    mean: float
    median: float
    min: float
    max: float


class CaseDurationOut(Schema):
    case_id: str
    start: datetime
    end: datetime
    events: int
    duration: float


class BottleneckOut(Schema):
    source: str
    target: str
    frequency: int
    total: float
    mean: float
    share: float


class BottleneckChangeOut(Schema):
    source: str
    target: str
    frequency: int
    baseline_mean: float | None
    current_mean: float
    change: float
    extra: float
    ratio: float | None = Field(None, description="(mean now + 60 s) / (baseline mean + 60 s)")


class ReworkOut(Schema):
    activity: str
    cases: int
    rework_cases: int
    repetitions: int
    rework_share: float


class ThroughputOut(Schema):
    period: datetime
    completed: int


class ArcCaseOut(Schema):
    case_id: str
    times: int
    seconds: float


class TimelineObjectOut(Schema):
    id: str
    type: str
    qualifier: str


class TimelineEventOut(Schema):
    activity: str
    timestamp: datetime
    wait: float | None = Field(None, description="Seconds since the case's previous event")
    resource: str | None
    team: str | None
    site: str | None
    objects: list[TimelineObjectOut]


class TimelineOut(Schema):
    case_id: str
    duration: float
    events: list[TimelineEventOut]


class KpiOut(Schema):
    name: str
    label: str
    a: float | None
    b: float | None
    change: float | None


class ArcChangeOut(Schema):
    source: str
    target: str
    frequency_a: int
    frequency_b: int
    mean_a: float | None
    mean_b: float | None
    mean_change: float | None
    frequency_change: int
    extra: float | None


class ComparisonOut(Schema):
    a_since: date
    a_until: date
    b_since: date
    b_until: date
    kpis: list[KpiOut]
    arcs: list[ArcChangeOut]
