"""Process mining pages: the process map, cases behind an arc, a case's timeline, the
variant explorer, bottlenecks (with rework and throughput) and the period comparison.

Each view parses the filters, authorises (``@requires``), asks :mod:`keel.processes.analysis`
and renders. htmx requests for the map or a drill-down get just that fragment.
"""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from keel.audit.services import record_export
from keel.core.errors import FieldProblem, ValidationFailed
from keel.core.spreadsheets import download
from keel.core.views import requires
from keel.processes import analysis, maps, sources
from keel.processes.analysis import Filters, ProcessLog
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
