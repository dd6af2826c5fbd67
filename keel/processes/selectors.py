"""Reads of the process area, scoped to the actor: process models, conformance,
initiatives with their before/after, imported logs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import polars as pl
from django.core.cache import cache
from django.db.models import QuerySet

from keel.analytics.process_mining import EventLog, LogFitness, PetriNet, TraceReplay, replay_trace
from keel.analytics.process_mining.log import ACTIVITY, CASE
from keel.core.errors import NotFound
from keel.events.selectors import high_water_mark
from keel.processes import flows
from keel.processes.choices import ImportStatus, Measure, ProcessKind
from keel.processes.measures import MeasureSpec, case_log, measure_series, measure_value
from keel.processes.models import ImportedLog, Initiative, ProcessModel, ProcessModelVersion
from keel.processes.permissions import IMPORT_LOG, VIEW_PROCESS

CATEGORIES = ("skipped", "repeated", "out_of_order", "unexpected")
CATEGORY_LABELS = {"skipped": "Skipped", "repeated": "Repeated", "out_of_order": "Out of order",
                   "unexpected": "Unexpected"}
NO_TEAM = "(no team)"
NO_SITE = "(no site)"


# --- Process models -------------------------------------------------------------------


def process_models(*, actor: Any) -> QuerySet[ProcessModel]:
    return (ProcessModel.objects.restrict(actor, VIEW_PROCESS.code)
            .select_related("current", "imported_log").order_by("name"))


def process_model(*, actor: Any, pk: int) -> ProcessModel:
    found = process_models(actor=actor).filter(pk=pk).first()
    if found is None:
        raise NotFound("No such process model.")
    return found


def model_versions(model: ProcessModel) -> list[ProcessModelVersion]:
    return list(model.versions.select_related("created_by").order_by("-number"))


def imported_logs(*, actor: Any) -> QuerySet[ImportedLog]:
    return ImportedLog.objects.restrict(actor, VIEW_PROCESS.code).select_related("created_by")


def ready_imported_logs(*, actor: Any) -> QuerySet[ImportedLog]:
    return imported_logs(actor=actor).filter(status=ImportStatus.SUCCEEDED)


def imported_log(*, actor: Any, pk: int, action: str = VIEW_PROCESS.code) -> ImportedLog:
    found = ImportedLog.objects.restrict(actor, action).select_related("created_by").filter(pk=pk).first()
    if found is None:
        raise NotFound("No such imported log.")
    return found


def can_import(actor: Any) -> bool:
    return bool(actor.has_action(IMPORT_LOG.code))


def log_for(*, actor: Any, process: str, imported: ImportedLog | None) -> EventLog:
    """The event log of a process, as the engine's table."""
    return case_log(actor=actor, process=process, imported_log=imported)


# --- Conformance ----------------------------------------------------------------------


@dataclass(frozen=True)
class Conformance:
    """Token-replay conformance of a process's cases against one model version.

    ``cases``: case_id, fitness, is_fit, deviations (text), team (the teams its
    deviations are charged to), site (of its first event), events;
    ``deviations``: case_id, category, activity, team, site (one row per deviation);
    ``by_team`` / ``by_site``: group, category, activity, cases, group_cases, share,
    most deviating cases first. Open cases (not ended with a final step of the model)
    are left out unless asked for.
    """

    version: ProcessModelVersion
    fitness: LogFitness
    case_count: int
    open_cases: int
    include_open: bool
    cases: pl.DataFrame
    deviations: pl.DataFrame
    by_team: pl.DataFrame
    by_site: pl.DataFrame

    @property
    def deviating_cases(self) -> int:
        return int(self.cases.filter(~pl.col("is_fit")).height)


def _fitness(missing: int, consumed: int, remaining: int, produced: int) -> float:
    consumed_part = 1.0 - missing / consumed if consumed > 0 else 1.0
    produced_part = 1.0 - remaining / produced if produced > 0 else 1.0
    return 0.5 * consumed_part + 0.5 * produced_part


def _attributed(index: int, category: str, length: int) -> int:
    """The event a deviation is charged to: a skipped step to the event before the point
    where it was missed (whoever handed the case on without it), anything else to the
    event itself."""
    if category == "skipped":
        index -= 1
    return max(0, min(index, length - 1))


def _ranked(deviations: pl.DataFrame, sizes: pl.DataFrame, by: str) -> pl.DataFrame:
    return (
        deviations.group_by(by, "category", ACTIVITY)
        .agg(pl.col(CASE).n_unique().cast(pl.Int64).alias("cases"))
        .join(sizes, on=by, how="left")
        .with_columns((pl.col("cases") / pl.col("group_cases")).alias("share"))
        .sort(["cases", by, "category", ACTIVITY], descending=[True, False, False, False])
    )


def conformance_of(log: EventLog, version: ProcessModelVersion, *, include_open: bool = False) -> Conformance:
    """Replay every case of ``log`` on ``version`` and attribute its deviations to the
    team and site of the event where each was found (see ``_attributed``)."""
    steps = list(version.steps)
    net: PetriNet = flows.petri_net(steps)
    finals = flows.final_activities(steps)
    frame = log.frame
    for column, missing in (("team", NO_TEAM), ("site", NO_SITE)):
        frame = frame.with_columns(
            (pl.col(column).cast(pl.String) if column in frame.columns else pl.lit(None, pl.String))
            .fill_null(missing).alias(column))
    traces = frame.group_by(CASE, maintain_order=True).agg(
        pl.col(ACTIVITY).alias("trace"), pl.col("team").alias("teams"), pl.col("site").alias("sites"))
    replays: dict[tuple[str, ...], TraceReplay] = {}
    paths: dict[Any, Any] = {}  # silent firing sequences, shared by the variants
    case_rows: list[tuple[Any, ...]] = []
    deviation_rows: list[tuple[str, str, str, str, str]] = []
    membership: list[tuple[str, str, str]] = []
    totals = [0, 0, 0, 0]
    open_cases = 0
    for case, trace, teams, sites in traces.iter_rows():
        if not include_open and trace[-1] not in finals:
            open_cases += 1
            continue
        key = tuple(trace)
        result = replays.get(key)
        if result is None:
            result = replays[key] = replay_trace(net, key, cache=paths)
        totals[0] += result.missing
        totals[1] += result.consumed
        totals[2] += result.remaining
        totals[3] += result.produced
        labels: list[str] = []
        charged: list[str] = []
        for (category, activity), position in zip(result.deviations, result.positions, strict=True):
            index = _attributed(position, category, len(trace))
            deviation_rows.append((case, category, activity, teams[index], sites[index]))
            labels.append(f"{CATEGORY_LABELS[category].lower()} {activity}")
            if teams[index] not in charged:
                charged.append(teams[index])
        case_rows.append((case, result.fitness, result.is_fit, "; ".join(labels), ", ".join(charged), sites[0],
                          len(trace)))
        membership.extend((case, team, site) for team, site in set(zip(teams, sites, strict=True)))
    cases = pl.DataFrame(case_rows, orient="row", schema={
        CASE: pl.String, "fitness": pl.Float64, "is_fit": pl.Boolean, "deviations": pl.String,
        "team": pl.String, "site": pl.String, "events": pl.Int64}).sort(["fitness", CASE])
    found = pl.DataFrame(deviation_rows, orient="row", schema={
        CASE: pl.String, "category": pl.String, ACTIVITY: pl.String, "team": pl.String, "site": pl.String})
    members = pl.DataFrame(membership, orient="row", schema={CASE: pl.String, "team": pl.String, "site": pl.String})
    team_sizes = members.group_by("team").agg(pl.col(CASE).n_unique().cast(pl.Int64).alias("group_cases"))
    site_sizes = members.group_by("site").agg(pl.col(CASE).n_unique().cast(pl.Int64).alias("group_cases"))
    count = cases.height
    if count:
        fitness = LogFitness(
            log_fitness=_fitness(*totals),
            average_trace_fitness=float(cases.get_column("fitness").sum()) / count,
            percentage_of_fitting_traces=100.0 * int(cases.get_column("is_fit").sum()) / count,
        )
    else:
        fitness = LogFitness(0.0, 0.0, 0.0)
    return Conformance(version=version, fitness=fitness, case_count=count, open_cases=open_cases,
                       include_open=include_open, cases=cases, deviations=found,
                       by_team=_ranked(found, team_sizes, "team"), by_site=_ranked(found, site_sizes, "site"))


def _scope_key(actor: Any) -> str:
    reach = actor.reach()
    return f"{reach.scope}:{sorted(reach.site_ids)}:{sorted(reach.department_ids)}"


def conformance(*, actor: Any, model: ProcessModel, version: ProcessModelVersion | None = None,
                include_open: bool = False) -> Conformance:
    """Conformance of the model's process, cached until the next event (or import)."""
    chosen = version or model.current
    if chosen is None:
        raise NotFound("This process model has no version yet.")
    mark = high_water_mark() if model.process != ProcessKind.IMPORTED else f"import-{model.imported_log_id}"
    key = f"processes:conformance:{chosen.pk}:{include_open}:{mark}:{_scope_key(actor)}"
    found = cache.get(key)
    if found is None:
        log = log_for(actor=actor, process=model.process, imported=model.imported_log)
        found = conformance_of(log, chosen, include_open=include_open)
        cache.set(key, found, 600)
    return found


def deviation_chart(result: Conformance, *, limit: int = 12) -> dict[str, Any]:
    """A Chart.js stacked bar config: deviating cases per team, one dataset per category."""
    table = result.by_team
    order = (table.group_by("team").agg(pl.col("cases").sum().alias("total"))
             .sort(["total", "team"], descending=[True, False]).head(limit).get_column("team").to_list())
    colours = {"skipped": "#c2410c", "repeated": "#7c3aed", "out_of_order": "#0e7490", "unexpected": "#64748b"}
    datasets = []
    for category in CATEGORIES:
        per_team = dict(
            table.filter(pl.col("category") == category).group_by("team").agg(pl.col("cases").sum()).iter_rows())
        if not per_team:
            continue
        datasets.append({"label": CATEGORY_LABELS[category], "data": [per_team.get(team, 0) for team in order],
                         "backgroundColor": colours[category]})
    return {
        "type": "bar",
        "data": {"labels": order, "datasets": datasets},
        "options": {
            "indexAxis": "y",
            "responsive": True,
            "maintainAspectRatio": False,
            "scales": {"x": {"stacked": True, "title": {"display": True, "text": "Deviations (case and step)"},
                             "beginAtZero": True},
                       "y": {"stacked": True}},
            "plugins": {"legend": {"position": "bottom"}},
        },
    }


# --- Initiatives ----------------------------------------------------------------------


def initiatives(*, actor: Any) -> QuerySet[Initiative]:
    return (Initiative.objects.restrict(actor, VIEW_PROCESS.code)
            .select_related("owner", "imported_log", "process_model"))


def initiative(*, actor: Any, pk: int) -> Initiative:
    found = initiatives(actor=actor).filter(pk=pk).first()
    if found is None:
        raise NotFound("No such initiative.")
    return found


def measure_spec(*, measure: str, activity: str, process_model: ProcessModel | None) -> MeasureSpec:
    net, finals = None, frozenset[str]()
    if measure == Measure.CONFORMANCE_FITNESS and process_model is not None and process_model.current is not None:
        steps = list(process_model.current.steps)
        net, finals = flows.petri_net(steps), frozenset(flows.final_activities(steps))
    return MeasureSpec(measure=measure, activity=activity, net=net, finals=finals)


@dataclass(frozen=True)
class BeforeAfter:
    """An initiative's measure before and after its change date, weekly, with the target."""

    before: float | None
    before_cases: int
    after: float | None
    after_cases: int
    after_from: date
    after_to: date
    series: list[tuple[date, float | None, int]]

    @property
    def change(self) -> float | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before


def before_after(*, actor: Any, item: Initiative, today: date) -> BeforeAfter:
    """The measure over the baseline period (as recorded) and from the change date until
    ``today``, and weekly from the baseline's start, for the chart."""
    mark = high_water_mark() if item.process != ProcessKind.IMPORTED else f"import-{item.imported_log_id}"
    key = f"processes:initiative:{item.pk}:{item.updated_at.isoformat()}:{today}:{mark}:{_scope_key(actor)}"
    found = cache.get(key)
    if found is not None:
        return found
    log = log_for(actor=actor, process=item.process, imported=item.imported_log)
    spec = measure_spec(measure=item.measure, activity=item.activity, process_model=item.process_model)
    end = max(today, item.change_on)
    if log.event_count:
        # No case starts after the log's last event (an imported log has its own span).
        last = log.frame.get_column("timestamp").max().date()  # type: ignore[union-attr]
        end = max(min(end, last), item.change_on)
    after, after_cases = measure_value(log, spec, start=item.change_on, end=end)
    series = measure_series(log, spec, start=item.baseline_from, end=end)
    found = BeforeAfter(before=item.baseline_value, before_cases=0, after=after, after_cases=after_cases,
                        after_from=item.change_on, after_to=end, series=series)
    cache.set(key, found, 600)
    return found


def initiative_chart(item: Initiative, result: BeforeAfter, *, unit: str) -> dict[str, Any]:
    """A Chart.js line config: the measure per week, the target and the change date."""
    # The week the change took effect is marked in its label.
    labels = [week.isoformat() + (" (change)" if week <= item.change_on < week + timedelta(days=7) else "")
              for week, _, _ in result.series]
    values = [None if value is None else round(value, 4) for _, value, _ in result.series]
    return {
        "type": "line",
        "data": {
            "labels": labels,
            "datasets": [
                {"label": f"{item.get_measure_display()} (week of cases started)", "data": values,
                 "borderColor": "#1d4ed8", "backgroundColor": "#1d4ed8", "spanGaps": True, "tension": 0.2},
                {"label": "Target", "data": [item.target_value] * len(labels), "borderColor": "#16a34a",
                 "borderDash": [6, 4], "pointRadius": 0, "fill": False},
                {"label": "Baseline", "data": [item.baseline_value] * len(labels), "borderColor": "#9ca3af",
                 "borderDash": [2, 3], "pointRadius": 0, "fill": False},
            ],
        },
        "options": {
            "responsive": True,
            "maintainAspectRatio": False,
            # Fitness lives near 1: a zero-based axis would flatten every change.
            "scales": {"y": {"title": {"display": True, "text": unit},
                             "beginAtZero": item.measure != Measure.CONFORMANCE_FITNESS}},
            "plugins": {"legend": {"position": "bottom"}},
        },
    }


def activities_of(*, actor: Any, process: str, imported: ImportedLog | None) -> list[str]:
    log = log_for(actor=actor, process=process, imported=imported)
    return sorted(log.frame.get_column(ACTIVITY).unique().to_list())
