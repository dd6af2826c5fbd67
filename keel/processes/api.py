"""REST operations of the process area: the analyses of a process (DFG, performance,
variants, case durations, bottlenecks, rework, throughput, hand-off cases, case
timelines, period comparison), intended models and their conformance, improvement
initiatives, imported logs (upload, progress, delete) and XES / OCEL 2.0 exports."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import File, Form, Query, Status, UploadedFile

from keel.analytics.process_mining import write_xes
from keel.analytics.process_mining.ocel import write_json, write_sqlite
from keel.audit.services import record_export
from keel.core import clock
from keel.core.api import KeelRouter, Page, PageParams, paginate
from keel.core.errors import FieldProblem, NotFound, ValidationFailed
from keel.events.permissions import EXPORT_EVENTS
from keel.organization.models import Person
from keel.processes import analysis, imports, selectors, services, sources
from keel.processes import permissions as p
from keel.processes.analysis import ProcessLog
from keel.processes.choices import ProcessKind
from keel.processes.models import ImportedLog, Initiative, ProcessModel
from keel.processes.permissions import VIEW_PROCESS
from keel.processes.schemas import (
    ArcCaseOut,
    BeforeAfterOut,
    BottleneckChangeOut,
    BottleneckOut,
    CaseDurationOut,
    ComparisonOut,
    ConformanceOut,
    ConformanceQuery,
    DfgOut,
    ImportedLogOut,
    InitiativeIn,
    InitiativeOut,
    InitiativeUpdateIn,
    ModelVersionIn,
    PerformanceOut,
    ProcessModelIn,
    ProcessModelOut,
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


# --- Intended models, conformance, initiatives and imported logs (part B) -------------

def model_out(model: ProcessModel) -> dict[str, Any]:
    current = model.current
    return {"id": model.pk, "name": model.name, "process": model.process, "imported_log": model.imported_log_id,
            "description": model.description, "version": current.number if current else None,
            "steps": list(current.steps) if current else [], "updated_at": model.updated_at}


def initiative_out(item: Initiative) -> dict[str, Any]:
    return {"id": item.pk, "name": item.name, "owner": item.owner_id, "process": item.process,
            "imported_log": item.imported_log_id, "process_model": item.process_model_id, "measure": item.measure,
            "activity": item.activity, "baseline_value": item.baseline_value, "baseline_from": item.baseline_from,
            "baseline_to": item.baseline_to, "target_value": item.target_value, "change_on": item.change_on,
            "status": item.status, "description": item.description}


def log_out(item: ImportedLog) -> dict[str, Any]:
    return {"id": item.pk, "name": item.name, "filename": item.filename, "format": item.file_format,
            "case_notion": item.case_notion, "mapping": item.mapping, "status": item.status, "phase": item.phase,
            "percent": item.percent, "event_count": item.event_count, "case_count": item.case_count,
            "activity_count": item.activity_count, "report": item.report, "created_at": item.created_at,
            "finished_at": item.finished_at}


def _imported(request: HttpRequest, pk: int | None) -> ImportedLog | None:
    if pk is None:
        return None
    return selectors.imported_log(actor=_actor(request), pk=pk)


# --- Models ---------------------------------------------------------------------------


@router.get("/process-models", response=Page[ProcessModelOut], action=p.VIEW_PROCESS.code,
            summary="Intended process models with their current steps")
def list_models(request: HttpRequest, page: Query[PageParams]) -> dict[str, Any]:
    result = paginate(selectors.process_models(actor=_actor(request)), page)
    result["items"] = [model_out(model) for model in result["items"]]
    return result


@router.post("/process-models", response={201: ProcessModelOut}, action=p.MANAGE_MODEL.code,
             summary="Define an intended process (steps, or derive=workflow for Keel's own workflow)")
def create_model(request: HttpRequest, payload: ProcessModelIn) -> Status[dict[str, Any]]:
    if payload.derive == "workflow":
        steps = services.keel_workflow_steps(payload.process)
        source = "Keel's workflow"
    elif payload.derive:
        raise ValidationFailed("The process model was not saved.",
                               problems=[FieldProblem(field="derive", message="'' or 'workflow'")])
    else:
        steps = [step.model_dump() for step in payload.steps or []]
        source = "drawn"
    model = services.create_process_model(
        actor=_actor(request), name=payload.name, process=payload.process,
        imported_log=_imported(request, payload.imported_log), steps=steps, description=payload.description,
        source=source)
    return Status(201, model_out(model))


@router.get("/process-models/{model_id}", response=ProcessModelOut, action=p.VIEW_PROCESS.code,
            summary="One intended process model")
def get_model(request: HttpRequest, model_id: int) -> dict[str, Any]:
    return model_out(selectors.process_model(actor=_actor(request), pk=model_id))


@router.post("/process-models/{model_id}/versions", response={201: ProcessModelOut}, action=p.MANAGE_MODEL.code,
             summary="Save new steps as the model's next version")
def add_version(request: HttpRequest, model_id: int, payload: ModelVersionIn) -> Status[dict[str, Any]]:
    model = selectors.process_model(actor=_actor(request), pk=model_id)
    services.change_process_model(actor=_actor(request), model=model, note=payload.note,
                                  steps=[step.model_dump() for step in payload.steps])
    return Status(201, model_out(selectors.process_model(actor=_actor(request), pk=model_id)))


@router.get("/process-models/{model_id}/conformance", response=ConformanceOut, action=p.VIEW_PROCESS.code,
            summary="Token-replay fitness and deviations by team and site against the current version")
def get_conformance(request: HttpRequest, model_id: int, params: Query[ConformanceQuery]) -> dict[str, Any]:
    model = selectors.process_model(actor=_actor(request), pk=model_id)
    result = selectors.conformance(actor=_actor(request), model=model, include_open=params.include_open)

    def groups(frame: Any, by: str) -> list[dict[str, Any]]:
        return [{"group": row[by], **{k: row[k] for k in ("category", "activity", "cases", "group_cases", "share")}}
                for row in frame.to_dicts()]

    return {
        "model": model.pk, "version": result.version.number, "log_fitness": result.fitness.log_fitness,
        "average_trace_fitness": result.fitness.average_trace_fitness,
        "percentage_of_fitting_traces": result.fitness.percentage_of_fitting_traces, "cases": result.case_count,
        "open_cases": result.open_cases, "by_team": groups(result.by_team, "team"),
        "by_site": groups(result.by_site, "site"),
        "case_results": result.cases.slice(params.offset, params.limit).to_dicts(),
    }


# --- Initiatives ----------------------------------------------------------------------


@router.get("/initiatives", response=Page[InitiativeOut], action=p.VIEW_PROCESS.code,
            summary="Improvement initiatives")
def list_initiatives(request: HttpRequest, page: Query[PageParams]) -> dict[str, Any]:
    result = paginate(selectors.initiatives(actor=_actor(request)), page)
    result["items"] = [initiative_out(item) for item in result["items"]]
    return result


@router.post("/initiatives", response={201: InitiativeOut}, action=p.MANAGE_INITIATIVE.code,
             summary="Start an initiative; its baseline is measured from the data now")
def create_initiative(request: HttpRequest, payload: InitiativeIn) -> Status[dict[str, Any]]:
    actor = _actor(request)
    owner = Person.objects.filter(pk=payload.owner, is_active=True).first()
    model = selectors.process_model(actor=actor, pk=payload.process_model) if payload.process_model else None
    item = services.create_initiative(
        actor=actor, name=payload.name, owner=owner, process=payload.process,
        imported_log=_imported(request, payload.imported_log), process_model=model, measure=payload.measure,
        activity=payload.activity, baseline_from=payload.baseline_from, baseline_to=payload.baseline_to,
        target_value=payload.target_value, change_on=payload.change_on, status=payload.status,
        description=payload.description)
    return Status(201, initiative_out(item))


@router.get("/initiatives/{initiative_id}", response=BeforeAfterOut, action=p.VIEW_PROCESS.code,
            summary="An initiative with its measure before and after the change date, weekly")
def get_initiative(request: HttpRequest, initiative_id: int) -> dict[str, Any]:
    item = selectors.initiative(actor=_actor(request), pk=initiative_id)
    result = selectors.before_after(actor=_actor(request), item=item, today=clock.localdate())
    return {"initiative": initiative_out(item), "before": result.before, "after": result.after,
            "after_cases": result.after_cases, "change": result.change,
            "weeks": [{"week": week, "value": value, "cases": cases} for week, value, cases in result.series]}


@router.patch("/initiatives/{initiative_id}", response=InitiativeOut, action=p.MANAGE_INITIATIVE.code,
              summary="Change an initiative's status, target, change date or description")
def update_initiative(request: HttpRequest, initiative_id: int, payload: InitiativeUpdateIn) -> dict[str, Any]:
    item = selectors.initiative(actor=_actor(request), pk=initiative_id)
    return initiative_out(services.update_initiative(actor=_actor(request), initiative=item,
                                                     **payload.model_dump(exclude_none=True)))


# --- Imported logs --------------------------------------------------------------------


@router.get("/process-logs", response=Page[ImportedLogOut], action=p.VIEW_PROCESS.code, summary="Imported logs")
def list_logs(request: HttpRequest, page: Query[PageParams]) -> dict[str, Any]:
    result = paginate(selectors.imported_logs(actor=_actor(request)), page)
    result["items"] = [log_out(item) for item in result["items"]]
    return result


@router.post("/process-logs", response={202: ImportedLogOut}, action=p.IMPORT_LOG.code,
             summary="Upload a CSV, XES or OCEL 2.0 event log; it is imported in the background",
             description="Multipart: `file`, and for CSV `case_column`, `activity_column`, `timestamp_column` "
                         "(optional `resource_column`), for OCEL `case_notion`. 202 with the log; follow its "
                         "status and percent with GET. A bad file ends as `failed` with every problem by row "
                         "and field in `report`; nothing is stored.")
def upload_log(request: HttpRequest, file: File[UploadedFile], name: Form[str] = "", case_column: Form[str] = "",
               activity_column: Form[str] = "", timestamp_column: Form[str] = "", resource_column: Form[str] = "",
               case_notion: Form[str] = "") -> Status[dict[str, Any]]:
    item = services.queue_log_import(
        actor=_actor(request), name=name, filename=file.name or "log", content=file, size=file.size or 0,
        mapping={"case": case_column, "activity": activity_column, "timestamp": timestamp_column,
                 "resource": resource_column}, case_notion=case_notion)
    return Status(202, log_out(selectors.imported_log(actor=_actor(request), pk=item.pk)))


@router.get("/process-logs/{log_id}", response=ImportedLogOut, action=p.VIEW_PROCESS.code,
            summary="An imported log: status, progress, counts or problems")
def get_log(request: HttpRequest, log_id: int) -> dict[str, Any]:
    return log_out(selectors.imported_log(actor=_actor(request), pk=log_id))


@router.delete("/process-logs/{log_id}", response={204: None}, action=p.IMPORT_LOG.code,
               summary="Delete an imported log and its stored events")
def delete_log(request: HttpRequest, log_id: int) -> Status[None]:
    item = selectors.imported_log(actor=_actor(request), pk=log_id, action=p.IMPORT_LOG.code)
    services.delete_imported_log(actor=_actor(request), log=item)
    return Status(204, None)


# The process screens' slugs (keel/processes/sources.py) name the same processes.
PROCESS_SLUGS: dict[str, str] = {"order-fulfillment": ProcessKind.SALES_ORDER, "purchasing": ProcessKind.PURCHASE_ORDER}
SUFFIXES = {"xes": ("xes", "application/xml"), "ocel-json": ("jsonocel", "application/json"),
            "ocel-sqlite": ("sqlite", "application/vnd.sqlite3")}


def _file(request: HttpRequest, log: Any, *, name: str, object_type: str, file_format: str) -> HttpResponse:
    if file_format not in SUFFIXES:
        raise ValidationFailed("The format is not supported.", problems=[
            FieldProblem(field="format", message="xes, ocel-json or ocel-sqlite")])
    suffix, content_type = SUFFIXES[file_format]
    with tempfile.TemporaryDirectory(prefix="keel-export-") as folder:
        path = Path(folder) / f"{name}.{suffix}"
        if file_format == "xes":
            write_xes(log, path)
        elif file_format == "ocel-json":
            write_json(imports.as_ocel(log, object_type=object_type), path)
        else:
            write_sqlite(imports.as_ocel(log, object_type=object_type), path)
        content = path.read_bytes()
    record_export(actor=_actor(request), object_type=f"process_log:{object_type}", row_count=log.event_count,
                  file_format=file_format)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}.{suffix}"'
    return response


@router.get("/process-logs/{log_id}/export", action=p.IMPORT_LOG.code, response={200: None},
            summary="An imported log as XES or OCEL 2.0 (format=xes|ocel-json|ocel-sqlite)")
def export_log(request: HttpRequest, log_id: int, format: str = "xes") -> HttpResponse:
    item = selectors.imported_log(actor=_actor(request), pk=log_id)
    if not item.is_ready:
        raise NotFound("The log has no events yet.")
    log = selectors.log_for(actor=_actor(request), process=ProcessKind.IMPORTED, imported=item)
    return _file(request, log, name=f"log-{item.pk}", object_type=item.case_notion or "case", file_format=format)


@router.get("/processes/{process}/export", action=EXPORT_EVENTS.code, response={200: None},
            summary="Keel's order fulfillment or purchasing as XES or OCEL 2.0 (objects of that type as cases)")
def export_process(request: HttpRequest, process: str, format: str = "xes") -> HttpResponse:
    process = PROCESS_SLUGS.get(process, process)
    if process not in {ProcessKind.SALES_ORDER, ProcessKind.PURCHASE_ORDER}:
        raise NotFound("No such process; use sales_order or purchase_order.")
    log = selectors.log_for(actor=_actor(request), process=process, imported=None)
    return _file(request, log, name=process.replace("_", "-"), object_type=process, file_format=format)
