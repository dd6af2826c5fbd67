"""Pages of the process area: the process map, cases behind an arc, a case's timeline,
the variant explorer, bottlenecks (with rework and throughput) and the period
comparison; intended process models, conformance, improvement initiatives and imported
logs.

Each view parses the filters, authorises (``@requires``), asks a selector (or
:mod:`keel.processes.analysis`) or calls a service, and renders. htmx requests for the
map, a drill-down or an import's progress get just that fragment.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlencode

import polars as pl
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from keel.analytics.process_mining import write_xes
from keel.analytics.process_mining.ocel import write_json, write_sqlite
from keel.audit.services import record_export
from keel.core import clock
from keel.core.errors import FieldProblem, ValidationFailed
from keel.core.listing import Column, Listing
from keel.core.spreadsheets import download
from keel.core.views import refuse, requires
from keel.events.permissions import EXPORT_EVENTS
from keel.organization.models import Person
from keel.processes import analysis, flows, forms, imports, maps, selectors, services, sources
from keel.processes import permissions as p
from keel.processes.analysis import Filters, ProcessLog
from keel.processes.choices import LOWER_IS_BETTER, Measure, ProcessKind
from keel.processes.models import ImportedLog
from keel.processes.permissions import VIEW_PROCESS

CASES_PER_PAGE = 20
TABS = (("map", "Process map"), ("variants", "Variants"), ("bottlenecks", "Bottlenecks"), ("compare", "Compare periods"))


def _query(filters: Filters, **extra: object) -> str:
    params: dict[str, object] = dict(filters.query())
    params.update({key: value for key, value in extra.items() if value not in (None, "")})
    return urlencode(params)


def _options(process_log: ProcessLog) -> dict[str, list[str]]:
    """The values each filter offers, from the unfiltered log (cached with it)."""
    def compute() -> dict[str, list[str]]:
        frame = process_log.frame
        result: dict[str, list[str]] = {"activity": sorted(frame.get_column("activity").unique().to_list())}
        for column in process_log.source.case_attributes:
            if column in frame.columns:
                result[column] = sorted(value for value in frame.get_column(column).unique().to_list() if value)
        return result

    return analysis.analysis(process_log, "options", compute)


def _page(request: HttpRequest, process: str, tab: str) -> tuple[ProcessLog, dict[str, Any]]:
    filters = analysis.parse_filters(request.GET)
    base = analysis.load(actor=request.user, process=process)
    process_log = analysis.load(actor=request.user, process=process, filters=filters) if not filters.is_empty else base
    variant_label = ""
    if filters.variant:
        match = [row for row in analysis.variant_table(base) if row["id"] == filters.variant]
        variant_label = " → ".join(match[0]["activities"]) if match else "unknown variant"
    context = {
        "process": process_log.source,
        "processes": sources.available(actor=request.user),
        "filters": filters,
        "query": _query(filters),
        "options": _options(base),
        "weekdays": analysis.WEEKDAYS,
        "tab": tab,
        "tabs": [(name, label, reverse(f"processes:{name}", args=[process])) for name, label in TABS],
        "case_count": process_log.log.case_count,
        "event_count": process_log.log.event_count,
        "total_cases": base.log.case_count,
        "variant_label": variant_label,
    }
    return process_log, context


def _export(request: HttpRequest, *, name: str, header: list[str], rows: list[list[object]]) -> HttpResponse | None:
    file_format = request.GET.get("export")
    if file_format not in {"csv", "xlsx"}:
        return None
    record_export(actor=request.user, object_type=f"process {name}", row_count=len(rows), file_format=file_format)
    return download(filename=name, header=header, rows=rows, file_format=file_format)


@requires(VIEW_PROCESS.code)
def processes_view(request: HttpRequest) -> HttpResponse:
    available = sources.available(actor=request.user)
    if len(available) == 1:
        return redirect("processes:map", available[0].slug)
    return render(request, "processes/index.html", {"processes": available})


def _coverage(request: HttpRequest) -> int:
    raw = request.GET.get("coverage", "100").strip() or "100"
    if not raw.isdigit() or not 1 <= int(raw) <= 100:
        raise ValidationFailed("The coverage could not be read.",
                               problems=[FieldProblem(field="coverage", message=f"{raw!r} is not a whole percentage from 1 to 100")])
    return int(raw)


@requires(VIEW_PROCESS.code)
def map_view(request: HttpRequest, process: str) -> HttpResponse:
    process_log, context = _page(request, process, "map")
    measure: maps.Measure = "performance" if request.GET.get("measure") == "performance" else "frequency"
    coverage = _coverage(request)
    data = analysis.process_map_data(process_log, coverage=coverage / 100)
    context.update({
        "measure": measure, "coverage": coverage, "data": data,
        "drawing": maps.drawing(data, measure=measure) if data.activities else None,
        "map_query": _query(process_log.filters, measure=measure, coverage=coverage),
    })
    template = "processes/partials/map.html" if request.headers.get("HX-Target") == "map" else "processes/map.html"
    return render(request, template, context)


@requires(VIEW_PROCESS.code)
def arc_cases_view(request: HttpRequest, process: str) -> HttpResponse:
    process_log, context = _page(request, process, "map")
    source, target = request.GET.get("source", ""), request.GET.get("target", "")
    rows = analysis.arc_cases(process_log, source=source, target=target)
    exported = _export(request, name=f"{process}-hand-off-cases", header=["Case", "Times", "Longest wait (seconds)"],
                       rows=[[row["case_id"], row["times"], row["seconds"]] for row in rows])
    if exported:
        return exported
    page = Paginator(rows, CASES_PER_PAGE).get_page(request.GET.get("page"))
    for row in page.object_list:
        row["wait"] = maps.duration_text(row["seconds"])
    context.update({"source": source, "target": target, "page": page,
                    "arc_query": _query(process_log.filters, source=source, target=target)})
    template = ("processes/partials/arc_cases.html" if request.headers.get("HX-Request")
                else "processes/arc_cases.html")
    return render(request, template, context)


@requires(VIEW_PROCESS.code)
def case_view(request: HttpRequest, process: str, case_id: str) -> HttpResponse:
    process_log = analysis.load(actor=request.user, process=process)
    events = analysis.case_timeline(process_log, case_id=case_id)
    for event in events:
        event["wait_text"] = maps.duration_text(event["wait"]) if event["wait"] and event["wait"] >= 1 else ""
    duration = (events[-1]["timestamp"] - events[0]["timestamp"]).total_seconds()
    context = {"process": process_log.source, "case_id": case_id, "events": events,
               "duration": maps.duration_text(duration), "record_url": process_log.source.case_url(case_id),
               "back": request.GET.get("back", "")}
    template = "processes/partials/case.html" if request.headers.get("HX-Request") else "processes/case.html"
    return render(request, template, context)


@requires(VIEW_PROCESS.code)
def variants_view(request: HttpRequest, process: str) -> HttpResponse:
    process_log, context = _page(request, process, "variants")
    rows = analysis.variant_table(process_log)
    exported = _export(request, name=f"{process}-variants",
                       header=["Variant", "Activities", "Cases", "Share", "Mean (s)", "Median (s)", "Min (s)", "Max (s)"],
                       rows=[[row["id"], " > ".join(row["activities"]), row["count"], row["share"], row["mean"],
                              row["median"], row["min"], row["max"]] for row in rows])
    if exported:
        return exported
    page = Paginator(rows, 25).get_page(request.GET.get("page"))
    for row in page.object_list:
        row["median_text"], row["mean_text"] = maps.duration_text(row["median"]), maps.duration_text(row["mean"])
        row["share_text"], row["share_width"] = f"{row['share'] * 100:.1f}%", f"{row['share'] * 100:.1f}"
        row["map_query"] = _query(Filters(**{**_filters_dict(process_log.filters), "variant": row["id"]}))
    context.update({"page": page, "variant_count": len(rows)})
    return render(request, "processes/variants.html", context)


def _filters_dict(filters: Filters) -> dict[str, Any]:
    return {name: getattr(filters, name) for name in Filters.__slots__}


@requires(VIEW_PROCESS.code)
def bottlenecks_view(request: HttpRequest, process: str) -> HttpResponse:
    process_log, context = _page(request, process, "bottlenecks")
    ranked = analysis.bottleneck_table(process_log)
    baseline = analysis.baseline_for(actor=request.user, process=process, filters=process_log.filters)
    rank_by: Literal["extra", "ratio"] = "extra" if request.GET.get("rank") == "extra" else "ratio"
    changes = analysis.bottleneck_table(process_log, baseline=baseline, rank_by=rank_by)
    rework = analysis.rework_table(process_log)
    every = request.GET.get("every", "1d") if request.GET.get("every") in {"1d", "1w", "1mo"} else "1d"
    series = analysis.throughput_table(process_log, every=every)  # type: ignore[arg-type]
    table = request.GET.get("table", "bottlenecks")
    if table == "rework":
        exported = _export(request, name=f"{process}-rework", header=[
            "Activity", "Cases with it", "Cases with rework", "Repetitions", "Share of cases"],
            rows=[[r["activity"], r["cases"], r["rework_cases"], r["repetitions"], r["rework_share"]] for r in rework])
    elif table == "changes":
        exported = _export(request, name=f"{process}-bottleneck-changes", header=[
            "From", "To", "Times", "Baseline mean (s)", "Current mean (s)", "Change (s)", "Added waiting (s)",
            "Times slower"],
            rows=[[r["source"], r["target"], r["frequency"], r["baseline_mean"], r["current_mean"], r["change"], r["extra"],
                   r["ratio"]] for r in changes])
    else:
        exported = _export(request, name=f"{process}-bottlenecks", header=[
            "From", "To", "Times", "Total waiting (s)", "Mean waiting (s)", "Share of waiting"],
            rows=[[r["source"], r["target"], r["frequency"], r["total"], r["mean"], r["share"]] for r in ranked])
    if exported:
        return exported
    for row in rework:
        row["share_text"] = f"{row['rework_share'] * 100:.1f}%"
    for row in ranked:
        row["total_text"], row["mean_text"] = maps.duration_text(row["total"]), maps.duration_text(row["mean"])
    for row in changes:
        row["baseline_text"] = maps.duration_text(row["baseline_mean"])
        row["current_text"] = maps.duration_text(row["current_mean"])
        row["change_text"] = maps.signed_duration(row["change"] or 0.0)
        row["extra_text"] = maps.signed_duration(row["extra"] or 0.0)
        row["ratio_text"] = "—" if row["ratio"] is None else f"{row['ratio']:.1f}{maps.TIMES}"
    chart = {
        "type": "line",
        "data": {"labels": [row["period"].strftime("%Y-%m-%d") for row in series],
                 "datasets": [{"label": f"{process_log.source.case_label.capitalize()}s completed", "fill": True,
                               "data": [row["completed"] for row in series]}]},
        "options": {"plugins": {"legend": {"display": False}}, "scales": {"y": {"beginAtZero": True}}},
    }
    context.update({
        "ranked": ranked[:25], "changes": changes[:15], "rank_by": rank_by, "rework": rework, "chart": chart, "every": every,
        "weekday_label": (analysis.WEEKDAYS[process_log.filters.weekday].capitalize()
                          if process_log.filters.weekday is not None else ""),
        "baseline_label": ("other days of the week" if process_log.filters.weekday is not None
                           else "the previous period of the same length"),
    })
    return render(request, "processes/bottlenecks.html", context)


@requires(VIEW_PROCESS.code)
def compare_view(request: HttpRequest, process: str) -> HttpResponse:
    process_log, context = _page(request, process, "compare")
    result = analysis.comparison(actor=request.user, process=process, filters=process_log.filters)
    kpis = []
    for kpi in result.kpis:
        is_time = kpi["name"].endswith("duration")
        is_share = kpi["name"] == "rework_share"

        def show(value: float | None, *, signed: bool = False, is_time: bool = is_time, is_share: bool = is_share) -> str:
            if value is None:
                return "—"
            sign = ("+" if value > 0 else maps.MINUS if value < 0 else "") if signed else ""
            magnitude = abs(value) if signed else value
            if is_time:
                return sign + maps.duration_text(magnitude)
            if is_share:
                return f"{sign}{magnitude * 100:.1f}{' pp' if signed else '%'}"
            return f"{sign}{magnitude:,.0f}"

        kpis.append({**kpi, "a_text": show(kpi["a"]), "b_text": show(kpi["b"]), "change_text": show(kpi["change"], signed=True)})
    arcs = result.arcs[:20]
    for row in arcs:
        row["mean_a_text"], row["mean_b_text"] = maps.duration_text(row["mean_a"]), maps.duration_text(row["mean_b"])
        change = row["mean_change"]
        row["change_text"] = maps.signed_duration(change)
    context.update({"comparison": result, "kpis": kpis, "arcs": arcs})
    return render(request, "processes/compare.html", context)


# --- Intended models, conformance, initiatives and imported logs (part B) -------------

UNITS: dict[str, str] = {Measure.MEDIAN_CASE_DURATION: "hours", Measure.WAITING_TIME: "hours", Measure.REWORK_RATE: "share of cases",
         Measure.CONFORMANCE_FITNESS: "fitness (0 to 1)"}


def _can(request: HttpRequest, action: str) -> bool:
    return bool(request.user.has_action(action))  # type: ignore[union-attr]


def _apply_problems(form: Any, error: ValidationFailed, *, steps: Any = None) -> None:
    """Put a service's problems on the form fields they name (or the step rows)."""
    for problem in error.problems:
        if steps is not None and problem.row is not None and problem.field in {"activity", "join"}:
            index = problem.row - 1
            if 0 <= index < len(steps.forms):
                steps.forms[index].add_error(problem.field, problem.message)
                continue
        if problem.field in form.fields:
            form.add_error(problem.field, problem.message)
        else:
            form.add_error(None, f"{problem.field}: {problem.message}")
    if not problems_shown(form, steps):
        form.add_error(None, error.detail)


def problems_shown(form: Any, steps: Any) -> bool:
    return bool(form.errors) or bool(steps is not None and any(f.errors for f in steps.forms))


# --- Process models -------------------------------------------------------------------

MODEL_COLUMNS = (
    Column("name", "Name", sort="name"),
    Column("process", "Process", sort="process", value=lambda model: model.get_process_display()),
    Column("version", "Version", value=lambda model: model.current.number if model.current else None, numeric=True),
    Column("steps", "Steps", value=lambda model: len(model.current.steps) if model.current else 0, numeric=True),
    Column("updated_at", "Changed", sort="updated_at"),
)


@requires(p.VIEW_PROCESS.code)
def models_view(request: HttpRequest) -> HttpResponse:
    """The intended process models, with links to their conformance."""
    listing = Listing(request=request, queryset=selectors.process_models(actor=request.user), columns=MODEL_COLUMNS,
                      search_fields=("name", "description"), default_sort="name", export_name="process-models")
    exported = listing.export()
    if exported is not None:
        return exported
    return render(request, "processes/models.html", {"listing": listing,
                                                     "can_manage": _can(request, p.MANAGE_MODEL.code)})


def _initial_steps(request: HttpRequest, process: str, imported: ImportedLog | None) -> list[dict[str, Any]]:
    derive = request.GET.get("derive", "")
    if derive == "workflow" and process in flows.KEEL_WORKFLOWS:
        return services.keel_workflow_steps(process)
    if derive == "variant":
        log = selectors.log_for(actor=request.user, process=process, imported=imported)
        if log.event_count:
            from keel.analytics.process_mining import variants

            top = variants(log).row(0, named=True)
            return flows.derive_from_variant(list(top["variant"] if "variant" in top else top["activities"]))
    return []


def _step_rows(formset: Any) -> list[dict[str, Any]]:
    return [form.cleaned_data for form in formset.forms if form.is_valid() and form.cleaned_data]


@requires(p.MANAGE_MODEL.code)
@require_http_methods(["GET", "POST"])
def model_create_view(request: HttpRequest) -> HttpResponse:
    """Define an intended process: draw its steps, or start from Keel's workflow or the
    most frequent path of the log (``?derive=workflow|variant``)."""
    actor = request.user
    logs = selectors.ready_imported_logs(actor=actor)
    process = request.GET.get("process", ProcessKind.SALES_ORDER)
    imported = logs.filter(pk=request.GET.get("log") or 0).first() if request.GET.get("log", "").isdigit() else None
    if process not in ProcessKind.values or (process == ProcessKind.IMPORTED and imported is None):
        process, imported = ProcessKind.SALES_ORDER, None
    if request.method == "POST":
        form = forms.ProcessModelForm(request.POST, logs=logs)
        steps = forms.StepFormSet(request.POST, prefix="steps")
        if form.is_valid() and steps.is_valid():
            data = form.cleaned_data
            try:
                model = services.create_process_model(
                    actor=actor, name=data["name"], process=data["process"], imported_log=data["imported_log"],
                    steps=_step_rows(steps), description=data["description"],
                    source=request.POST.get("source", "drawn"))
            except ValidationFailed as error:
                _apply_problems(form, error, steps=steps)
            else:
                messages.success(request, f"{model.name} was saved as version 1.")
                return redirect("processes:model", pk=model.pk)
        source = request.POST.get("source", "drawn")
    else:
        initial = _initial_steps(request, process, imported)
        source = {"workflow": "Keel's workflow", "variant": "the most frequent path"}.get(
            request.GET.get("derive", ""), "drawn")
        names: dict[str, str] = {ProcessKind.SALES_ORDER: "Order fulfillment", ProcessKind.PURCHASE_ORDER: "Purchasing"}
        form = forms.ProcessModelForm(logs=logs, initial={"process": process, "imported_log": imported,
                                                          "name": names.get(process, imported.name if imported else "")})
        steps = forms.StepFormSet(prefix="steps", initial=initial)
    activities = selectors.activities_of(actor=actor, process=process, imported=imported)
    return render(request, "processes/model_form.html", {
        "form": form, "steps": steps, "heading": "New process model", "source": source, "activities": activities,
        "process": process, "imported": imported, "logs": logs, "derivable": process in flows.KEEL_WORKFLOWS,
    }, status=400 if problems_shown(form, steps) else 200)


@requires(p.VIEW_PROCESS.code)
def model_view(request: HttpRequest, pk: int) -> HttpResponse:
    model = selectors.process_model(actor=request.user, pk=pk)
    versions = selectors.model_versions(model)
    shown = next((v for v in versions if str(v.number) == request.GET.get("version")), model.current)
    return render(request, "processes/model.html", {
        "model": model, "versions": versions, "shown": shown, "can_manage": _can(request, p.MANAGE_MODEL.code),
        "workflow": flows.workflow(list(shown.steps)) if shown else None,
    })


@requires(p.MANAGE_MODEL.code)
@require_http_methods(["GET", "POST"])
def model_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Change the steps: saved as the model's next version."""
    actor = request.user
    model = selectors.process_model(actor=actor, pk=pk)
    if request.method == "POST":
        form = forms.ModelVersionForm(request.POST)
        steps = forms.StepFormSet(request.POST, prefix="steps")
        if form.is_valid() and steps.is_valid():
            try:
                version = services.change_process_model(actor=actor, model=model, steps=_step_rows(steps),
                                                        note=form.cleaned_data["note"],
                                                        description=form.cleaned_data["description"])
            except ValidationFailed as error:
                _apply_problems(form, error, steps=steps)
            else:
                messages.success(request, f"{model.name} was saved as version {version.number}.")
                return redirect("processes:model", pk=model.pk)
    else:
        form = forms.ModelVersionForm(initial={"description": model.description})
        current = list(model.current.steps) if model.current else []
        steps = forms.StepFormSet(prefix="steps", initial=current)
    activities = selectors.activities_of(actor=actor, process=model.process, imported=model.imported_log)
    return render(request, "processes/model_form.html", {
        "form": form, "steps": steps, "heading": f"Change {model.name}", "model": model, "activities": activities,
        "process": model.process,
    }, status=400 if problems_shown(form, steps) else 200)


# --- Conformance ----------------------------------------------------------------------

DEVIATION_HEADER = ["Case", "Category", "Activity", "Team", "Site"]


@requires(p.VIEW_PROCESS.code)
def conformance_view(request: HttpRequest) -> HttpResponseBase:
    """Token-replay fitness per case and overall, deviations ranked by team and site,
    the cases behind each; ``?export=csv|xlsx`` downloads the deviations."""
    actor = request.user
    models = list(selectors.process_models(actor=actor))
    params = request.GET
    model = next((m for m in models if str(m.pk) == params.get("model")), models[0] if models else None)
    if model is None or model.current is None:
        return render(request, "processes/conformance.html", {"models": models, "model": None,
                                                              "can_manage": _can(request, p.MANAGE_MODEL.code)})
    include_open = params.get("open") == "1"
    result = selectors.conformance(actor=actor, model=model, include_open=include_open)
    filters = {key: params.get(key, "").strip() for key in ("team", "site", "category", "activity", "q")}
    found = result.deviations
    for key in ("team", "site", "category", "activity"):
        if filters[key]:
            found = found.filter(pl.col(key) == filters[key])
    if params.get("export") in {"csv", "xlsx"}:
        if filters["q"]:
            found = found.filter(pl.col("case_id").str.contains(filters["q"], literal=True))
        record_export(actor=actor, object_type="conformance_deviation", row_count=found.height,
                      file_format=params["export"])
        rows = [[case, selectors.CATEGORY_LABELS[category], activity, team, site]
                for case, category, activity, team, site in found.iter_rows()]
        return download(filename=f"conformance-{model.pk}", header=DEVIATION_HEADER, rows=rows,
                        file_format=params["export"])
    cases = result.cases
    if any(filters[key] for key in ("team", "site", "category", "activity")):
        cases = cases.filter(pl.col("case_id").is_in(found.get_column("case_id").unique().implode()))
    elif params.get("fit") == "0":
        cases = cases.filter(~pl.col("is_fit"))
    if filters["q"]:
        cases = cases.filter(pl.col("case_id").str.contains(filters["q"], literal=True))
    page = Paginator(cases.to_dicts(), 25).get_page(params.get("page"))
    base = params.copy()
    base.pop("page", None)
    base.pop("export", None)
    return render(request, "processes/conformance.html", {
        "models": models, "model": model, "result": result, "filters": filters, "page": page,
        "by_team": result.by_team.head(15).to_dicts(), "by_site": result.by_site.head(10).to_dicts(),
        "chart": selectors.deviation_chart(result), "categories": selectors.CATEGORY_LABELS,
        "teams": sorted(result.by_team.get_column("team").unique().to_list()),
        "sites": sorted(result.by_site.get_column("site").unique().to_list()),
        "query": base.urlencode(),
        # Keel's own cases open in the process screens' case timeline.
        "case_slug": {kind: slug for slug, kind in PROCESS_SLUGS.items()}.get(model.process, ""),
        "include_open": include_open,
    })


# --- Initiatives ----------------------------------------------------------------------

INITIATIVE_COLUMNS = (
    Column("name", "Name", sort="name"),
    Column("owner", "Owner", sort="owner__full_name", value=lambda item: item.owner.full_name),
    Column("process", "Process", sort="process", value=lambda item: item.get_process_display()),
    Column("measure", "KPI", sort="measure", value=lambda item: item.get_measure_display()),
    Column("baseline_value", "Baseline", sort="baseline_value", numeric=True),
    Column("target_value", "Target", sort="target_value", numeric=True),
    Column("change_on", "Change on", sort="change_on"),
    Column("status", "Status", sort="status", value=lambda item: item.get_status_display()),
)


@requires(p.VIEW_PROCESS.code)
def initiatives_view(request: HttpRequest) -> HttpResponse:
    rows = selectors.initiatives(actor=request.user)
    status = request.GET.get("status", "")
    if status:
        rows = rows.filter(status=status)
    listing = Listing(request=request, queryset=rows, columns=INITIATIVE_COLUMNS,
                      search_fields=("name", "owner__full_name", "description"), default_sort="-change_on",
                      export_name="initiatives")
    exported = listing.export()
    if exported is not None:
        return exported
    from keel.processes.choices import InitiativeStatus

    return render(request, "processes/initiatives.html", {
        "listing": listing, "can_manage": _can(request, p.MANAGE_INITIATIVE.code),
        "statuses": InitiativeStatus.choices,
    })


def _initiative_form(request: HttpRequest, data: Any = None) -> forms.InitiativeForm:
    actor = request.user
    return forms.InitiativeForm(
        data, people=Person.objects.restrict(actor, "organization.view_person").filter(is_active=True)
        if actor.has_action("organization.view_person") else Person.objects.filter(pk=actor.pk),  # type: ignore[union-attr]
        logs=selectors.ready_imported_logs(actor=actor), models=selectors.process_models(actor=actor),
        initial=None if data is not None else {"owner": actor.pk, "process": request.GET.get("process", ProcessKind.SALES_ORDER)},
    )


@requires(p.MANAGE_INITIATIVE.code)
@require_http_methods(["GET", "POST"])
def initiative_create_view(request: HttpRequest) -> HttpResponse:
    form = _initiative_form(request, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            item = services.create_initiative(
                actor=request.user, name=data["name"], owner=data["owner"], process=data["process"],
                imported_log=data["imported_log"], measure=data["measure"], activity=data["activity"],
                process_model=data["process_model"], baseline_from=data["baseline_from"],
                baseline_to=data["baseline_to"], target_value=data["target_value"], change_on=data["change_on"],
                status=data["status"], description=data["description"])
        except ValidationFailed as error:
            _apply_problems(form, error)
        else:
            messages.success(request, f"{item.name} was started; its baseline is {item.baseline_value:.4g}.")
            return redirect("processes:initiative", pk=item.pk)
    activities = selectors.activities_of(actor=request.user, process=ProcessKind.SALES_ORDER, imported=None)
    return render(request, "processes/initiative_form.html", {"form": form, "activities": activities},
                  status=400 if form.errors else 200)


@requires(p.VIEW_PROCESS.code)
@require_http_methods(["GET", "POST"])
def initiative_view(request: HttpRequest, pk: int) -> HttpResponse:
    """An initiative's before/after: the measure over the baseline and since the change,
    weekly with the target; its status, target and change date can be updated."""
    actor = request.user
    item = selectors.initiative(actor=actor, pk=pk)
    can_manage = _can(request, p.MANAGE_INITIATIVE.code)
    update = forms.InitiativeUpdateForm(request.POST or None, initial={
        "status": item.status, "target_value": item.target_value, "change_on": item.change_on})
    if request.method == "POST":
        if not can_manage:
            return refuse(request, p.MANAGE_INITIATIVE.code)
        if update.is_valid():
            try:
                item = services.update_initiative(actor=actor, initiative=item, **update.cleaned_data)
            except ValidationFailed as error:
                _apply_problems(update, error)
            else:
                messages.success(request, f"{item.name} was updated.")
                return redirect("processes:initiative", pk=item.pk)
    result = selectors.before_after(actor=actor, item=item, today=clock.localdate())
    unit = UNITS.get(item.measure, "")
    lower_better = item.measure in LOWER_IS_BETTER
    improved = None if result.change is None else (result.change < 0 if lower_better else result.change > 0)
    reached = None if result.after is None else (
        result.after <= item.target_value if lower_better else result.after >= item.target_value)
    return render(request, "processes/initiative.html", {
        "item": item, "result": result, "chart": selectors.initiative_chart(item, result, unit=unit), "unit": unit,
        "improved": improved, "reached": reached, "update": update, "can_manage": can_manage,
        "series": [{"week": week, "value": value, "cases": cases} for week, value, cases in result.series],
    }, status=400 if update.errors else 200)


# --- Imported logs --------------------------------------------------------------------

LOG_COLUMNS = (
    Column("name", "Name", sort="name"),
    Column("filename", "File", sort="filename"),
    Column("file_format", "Format", sort="file_format", value=lambda log: log.get_file_format_display()),
    Column("status", "Status", sort="status", value=lambda log: log.get_status_display()),
    Column("event_count", "Events", sort="event_count", numeric=True),
    Column("case_count", "Cases", sort="case_count", numeric=True),
    Column("created_at", "Imported", sort="created_at"),
)


@requires(p.VIEW_PROCESS.code)
def logs_view(request: HttpRequest) -> HttpResponse:
    listing = Listing(request=request, queryset=selectors.imported_logs(actor=request.user), columns=LOG_COLUMNS,
                      search_fields=("name", "filename"), default_sort="-created_at", export_name="imported-logs")
    exported = listing.export()
    if exported is not None:
        return exported
    return render(request, "processes/logs.html", {"listing": listing,
                                                   "can_import": _can(request, p.IMPORT_LOG.code),
                                                   "can_export": _can(request, EXPORT_EVENTS.code)})


@requires(p.IMPORT_LOG.code)
@require_http_methods(["GET", "POST"])
def log_import_view(request: HttpRequest) -> HttpResponse:
    """Upload a CSV (with its column mapping), XES or OCEL 2.0 file; it is imported in the
    background and the log's page follows the progress."""
    form = forms.LogImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload = data["file"]
        try:
            item = services.queue_log_import(
                actor=request.user, name=data["name"], filename=upload.name, content=upload, size=upload.size,
                mapping={"case": data["case_column"], "activity": data["activity_column"],
                         "timestamp": data["timestamp_column"], "resource": data["resource_column"]},
                case_notion=data["case_notion"])
        except ValidationFailed as error:
            _apply_problems(form, error)
        else:
            return redirect("processes:log", pk=item.pk)
    return render(request, "processes/log_import.html", {"form": form}, status=400 if form.errors else 200)


@requires(p.VIEW_PROCESS.code)
def log_view(request: HttpRequest, pk: int) -> HttpResponse:
    """An imported log: its progress while importing (htmx polls the panel), then its
    figures, problems or exports."""
    item = selectors.imported_log(actor=request.user, pk=pk)
    context = {"log": item, "can_import": _can(request, p.IMPORT_LOG.code),
               "models": list(item.process_models.select_related("current")) if item.is_ready else []}
    if request.headers.get("HX-Request") == "true":
        return render(request, "processes/log_progress.html", context)
    return render(request, "processes/log.html", context)


@requires(p.IMPORT_LOG.code)
@require_POST
def log_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.imported_log(actor=request.user, pk=pk, action=p.IMPORT_LOG.code)
    services.delete_imported_log(actor=request.user, log=item)
    messages.success(request, f"{item.name} was deleted.")
    return redirect("processes:logs")


# The process screens' slugs (keel/processes/sources.py) name the same processes.
PROCESS_SLUGS: dict[str, str] = {"order-fulfillment": ProcessKind.SALES_ORDER, "purchasing": ProcessKind.PURCHASE_ORDER}
EXPORT_FORMATS = {"xes": ("xes", "application/xml"), "ocel-json": ("jsonocel", "application/json"),
                  "ocel-sqlite": ("sqlite", "application/vnd.sqlite3")}


def _export_file(request: HttpRequest, log: Any, *, name: str, object_type: str) -> HttpResponseBase:
    file_format = request.GET.get("format", "xes")
    if file_format not in EXPORT_FORMATS:
        raise ValidationFailed("Choose an export format.", problems=[])
    suffix, content_type = EXPORT_FORMATS[file_format]
    folder = Path(tempfile.mkdtemp(prefix="keel-export-"))
    path = folder / f"{name}.{suffix}"
    if file_format == "xes":
        write_xes(log, path)
    elif file_format == "ocel-json":
        write_json(imports.as_ocel(log, object_type=object_type), path)
    else:
        write_sqlite(imports.as_ocel(log, object_type=object_type), path)
    record_export(actor=request.user, object_type=f"process_log:{object_type}", row_count=log.event_count,
                  file_format=file_format)
    content = path.read_bytes()
    path.unlink(missing_ok=True)
    folder.rmdir()
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}.{suffix}"'
    return response


@requires(p.IMPORT_LOG.code)
def log_export_view(request: HttpRequest, pk: int) -> HttpResponseBase:
    """An imported log as XES or OCEL 2.0 (``?format=xes|ocel-json|ocel-sqlite``)."""
    item = selectors.imported_log(actor=request.user, pk=pk)
    if not item.is_ready:
        raise Http404("The log has no events yet")
    log = selectors.log_for(actor=request.user, process=ProcessKind.IMPORTED, imported=item)
    return _export_file(request, log, name=f"log-{item.pk}", object_type=item.case_notion or "case")


@requires(EXPORT_EVENTS.code)
def process_export_view(request: HttpRequest, process: str) -> HttpResponseBase:
    """One of Keel's own processes (its objects as cases) as XES or OCEL 2.0."""
    process = PROCESS_SLUGS.get(process, process)
    if process not in {ProcessKind.SALES_ORDER, ProcessKind.PURCHASE_ORDER}:
        raise Http404("No such process")
    log = selectors.log_for(actor=request.user, process=process, imported=None)
    return _export_file(request, log, name=process.replace("_", "-"), object_type=process)
