"""API schemas of the process analyses: one filter schema shared by every operation, and
one output schema per analysis. Durations are seconds (float)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from ninja import Field, Schema

from keel.core.api import InputSchema

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


# --- Intended models, conformance, initiatives and imported logs (part B) -------------

class StepIn(InputSchema):
    activity: str = Field(..., max_length=200)
    optional: bool = False
    repeat: bool = Field(False, description="May be done several times in a row")
    join: str = Field("", description="'' (after the previous step), 'parallel' or 'choice' (with the previous step)")


class ProcessModelIn(InputSchema):
    name: str = Field(..., max_length=200)
    process: str = Field(..., description="sales_order, purchase_order or imported")
    imported_log: int | None = Field(None, description="The imported log's id, for process=imported")
    description: str = ""
    steps: list[StepIn] | None = Field(None, description="Omit with derive=workflow")
    derive: str = Field("", description="'workflow': start from Keel's own workflow of the process")


class ModelVersionIn(InputSchema):
    steps: list[StepIn]
    note: str = Field("", max_length=300)


class StepOut(Schema):
    activity: str
    optional: bool
    repeat: bool
    join: str


class ProcessModelOut(Schema):
    id: int
    name: str
    process: str
    imported_log: int | None
    description: str
    version: int | None
    steps: list[StepOut]
    updated_at: datetime


class DeviationGroupOut(Schema):
    group: str
    category: str
    activity: str
    cases: int
    group_cases: int
    share: float


class CaseConformanceOut(Schema):
    case_id: str
    fitness: float
    is_fit: bool
    deviations: str
    team: str
    site: str
    events: int


class ConformanceOut(Schema):
    model: int
    version: int
    log_fitness: float
    average_trace_fitness: float
    percentage_of_fitting_traces: float
    cases: int
    open_cases: int = Field(..., description="Cases not ended with a final step; left out unless include_open")
    by_team: list[DeviationGroupOut]
    by_site: list[DeviationGroupOut]
    case_results: list[CaseConformanceOut] = Field(..., description="Per case, lowest fitness first (limit/offset)")


class ConformanceQuery(Schema):
    include_open: bool = False
    limit: int = Field(100, ge=1, le=500)
    offset: int = Field(0, ge=0)


class InitiativeIn(InputSchema):
    name: str = Field(..., max_length=200)
    owner: int = Field(..., description="The owner's person id")
    process: str
    imported_log: int | None = None
    process_model: int | None = Field(None, description="For conformance_fitness")
    measure: str = Field(..., description="median_case_duration, rework_rate, waiting_time or conformance_fitness")
    activity: str = Field("", description="For waiting_time: the activity waited for")
    baseline_from: date
    baseline_to: date
    target_value: float
    change_on: date
    status: str = "planned"
    description: str = ""


class InitiativeUpdateIn(InputSchema):
    status: str | None = None
    target_value: float | None = None
    change_on: date | None = None
    description: str | None = None


class WeekOut(Schema):
    week: date
    value: float | None
    cases: int


class InitiativeOut(Schema):
    id: int
    name: str
    owner: int
    process: str
    imported_log: int | None
    process_model: int | None
    measure: str
    activity: str
    baseline_value: float | None
    baseline_from: date
    baseline_to: date
    target_value: float
    change_on: date
    status: str
    description: str


class BeforeAfterOut(Schema):
    initiative: InitiativeOut
    before: float | None
    after: float | None
    after_cases: int
    change: float | None
    weeks: list[WeekOut]


class ImportedLogOut(Schema):
    id: int
    name: str
    filename: str
    format: str
    case_notion: str
    mapping: dict[str, Any]
    status: str = Field(..., description="queued, running, succeeded or failed")
    phase: str
    percent: int
    event_count: int
    case_count: int
    activity_count: int
    report: dict[str, Any] = Field(..., description="Counts when imported; detail and problems (row, field) when failed")
    created_at: datetime
    finished_at: datetime | None
