"""REST operations of process mining: every analysis of the process screens, with the
same filters, scoped to the caller's sites or departments. Durations are seconds."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Query

from keel.core.api import KeelRouter, Page, PageParams
from keel.processes import analysis, sources
from keel.processes.analysis import ProcessLog
from keel.processes.permissions import VIEW_PROCESS
from keel.processes.schemas import (
    ArcCaseOut,
    BottleneckChangeOut,
    BottleneckOut,
    CaseDurationOut,
    ComparisonOut,
    DfgOut,
    PerformanceOut,
    ProcessOut,
    ProcessQuery,
    ReworkOut,
    ThroughputOut,
    TimelineOut,
    VariantOut,
)

router = KeelRouter(tags=["processes"])
ACTION = VIEW_PROCESS.code


def _actor(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _filters(query: ProcessQuery) -> analysis.Filters:
    return analysis.parse_filters({key: value for key, value in query.dict().items() if value is not None and value != ""})


def _load(request: HttpRequest, process: str, query: ProcessQuery) -> ProcessLog:
    return analysis.load(actor=_actor(request), process=process, filters=_filters(query))


def _page(rows: list[dict[str, Any]], page: PageParams) -> dict[str, Any]:
    return {"count": len(rows), "limit": page.limit, "offset": page.offset,
            "items": rows[page.offset : page.offset + page.limit]}


@router.get("/processes", response=list[ProcessOut], action=ACTION, summary="Processes you may analyse")
def list_processes(request: HttpRequest) -> list[dict[str, Any]]:
    return [{"slug": s.slug, "name": s.name, "case_label": s.case_label, "description": s.description,
             "case_attributes": list(s.case_attributes)} for s in sources.available(actor=_actor(request))]


@router.get("/processes/{process}/dfg", response=DfgOut, action=ACTION, summary="Directly-follows graph (frequencies)")
def dfg(request: HttpRequest, process: str, filters: Query[ProcessQuery]) -> dict[str, Any]:
    process_log = _load(request, process, filters)
    boundary = analysis.start_end(process_log)
    return {"cases": process_log.log.case_count, "events": process_log.log.event_count,
            "arcs": analysis.dfg_table(process_log),
            "start_activities": boundary["start"], "end_activities": boundary["end"]}


@router.get("/processes/{process}/performance", response=list[PerformanceOut], action=ACTION,
            summary="Time between directly-following activities (seconds)")
def performance(request: HttpRequest, process: str, filters: Query[ProcessQuery]) -> list[dict[str, Any]]:
    return analysis.dfg_table(_load(request, process, filters))


@router.get("/processes/{process}/variants", response=list[VariantOut], action=ACTION,
            summary="Variants with counts, shares and durations")
def list_variants(request: HttpRequest, process: str, filters: Query[ProcessQuery]) -> list[dict[str, Any]]:
    return analysis.variant_table(_load(request, process, filters))


@router.get("/processes/{process}/case-durations", response=Page[CaseDurationOut], action=ACTION,
            summary="Case durations, slowest first")
def case_durations(request: HttpRequest, process: str, filters: Query[ProcessQuery],
                   page: Query[PageParams]) -> dict[str, Any]:
    return _page(analysis.case_duration_table(_load(request, process, filters)), page)


@router.get("/processes/{process}/bottlenecks", response=list[BottleneckOut], action=ACTION,
            summary="Hand-offs ranked by total waiting time")
def list_bottlenecks(request: HttpRequest, process: str, filters: Query[ProcessQuery]) -> list[dict[str, Any]]:
    return analysis.bottleneck_table(_load(request, process, filters))


@router.get("/processes/{process}/bottleneck-changes", response=list[BottleneckChangeOut], action=ACTION,
            summary="Hand-offs ranked by waiting added against a baseline (the previous period, or other weekdays)")
def bottleneck_changes(request: HttpRequest, process: str, filters: Query[ProcessQuery],
                       rank_by: Literal["ratio", "extra"] = "ratio") -> list[dict[str, Any]]:
    process_log = _load(request, process, filters)
    baseline = analysis.baseline_for(actor=_actor(request), process=process, filters=process_log.filters)
    return analysis.bottleneck_table(process_log, baseline=baseline, rank_by=rank_by)


@router.get("/processes/{process}/rework", response=list[ReworkOut], action=ACTION,
            summary="Activities repeated within a case")
def list_rework(request: HttpRequest, process: str, filters: Query[ProcessQuery]) -> list[dict[str, Any]]:
    return analysis.rework_table(_load(request, process, filters))


@router.get("/processes/{process}/throughput", response=list[ThroughputOut], action=ACTION,
            summary="Cases completed per day, week or month")
def list_throughput(request: HttpRequest, process: str, filters: Query[ProcessQuery],
                    every: Literal["1d", "1w", "1mo"] = "1d") -> list[dict[str, Any]]:
    return analysis.throughput_table(_load(request, process, filters), every=every)


@router.get("/processes/{process}/hand-off-cases", response=Page[ArcCaseOut], action=ACTION,
            summary="The cases behind one hand-off (source -> target), longest wait first")
def hand_off_cases(request: HttpRequest, process: str, source: str, target: str, filters: Query[ProcessQuery],
                   page: Query[PageParams]) -> dict[str, Any]:
    return _page(analysis.arc_cases(_load(request, process, filters), source=source, target=target), page)


@router.get("/processes/{process}/cases/{case_id}", response=TimelineOut, action=ACTION,
            summary="A case's timeline: events in order, waits, people, sites and objects")
def case_timeline(request: HttpRequest, process: str, case_id: str) -> dict[str, Any]:
    process_log = analysis.load(actor=_actor(request), process=process)
    events = analysis.case_timeline(process_log, case_id=case_id)
    return {"case_id": case_id, "events": events,
            "duration": (events[-1]["timestamp"] - events[0]["timestamp"]).total_seconds()}


@router.get("/processes/{process}/comparison", response=ComparisonOut, action=ACTION,
            summary="This period against the previous one of the same length: KPIs and hand-offs")
def comparison(request: HttpRequest, process: str, filters: Query[ProcessQuery]) -> dict[str, Any]:
    result = analysis.comparison(actor=_actor(request), process=process, filters=_filters(filters))
    return {**result.periods, "kpis": result.kpis, "arcs": result.arcs}
