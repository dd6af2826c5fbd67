"""Reading planning runs, item plans, accuracy, targets and overrides, scoped to the actor."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from django.db.models import Count, F, Min, Q, QuerySet, Sum

from keel.analytics import forecasting
from keel.analytics.forecasting import FAMILIES
from keel.audit.models import AuditRecord
from keel.events.models import Event
from keel.organization.models import Site
from keel.planning.choices import ProposalStatus, RunStatus
from keel.planning.models import ItemPlan, PlanningRun, PolicyOverride, ServiceTarget
from keel.planning.permissions import VIEW_PLAN

URGENCY = {
    "stockout": "Projected to run out",
    "order_now": "Order due today",
    "order_soon": "Order due within the review period",
    "proposed": "Any proposal",
}


def runs(*, actor: Any) -> QuerySet[PlanningRun]:
    return PlanningRun.objects.restrict(actor, VIEW_PLAN.code).select_related("requested_by")


def run(*, actor: Any, pk: int) -> PlanningRun | None:
    return runs(actor=actor).filter(pk=pk).first()


def latest_run(*, actor: Any) -> PlanningRun | None:
    """The newest successful run: the one the workbench shows."""
    return runs(actor=actor).filter(status=RunStatus.SUCCEEDED).order_by("-created_at", "-pk").first()


def active_run(*, actor: Any) -> PlanningRun | None:
    """A queued or running run, if any."""
    return runs(actor=actor).filter(status__in=[RunStatus.QUEUED, RunStatus.RUNNING]).order_by("-pk").first()


@dataclass(frozen=True)
class Staleness:
    """Whether anything happened since a run read its data, and since when."""

    is_stale: bool
    since: datetime | None
    events: int


# Events touching these objects change what a plan reads: stock, orders, purchasing,
# supplier terms, targets and overrides (an override's event names the item).
PLANNING_INPUTS = ("item", "sales_order", "order_line", "shipment", "purchase_order", "supplier", "transfer",
                   "cycle_count", "service_target")


def staleness(planning_run: PlanningRun) -> Staleness:
    """Events on stock, orders, purchasing or planning settings after the run read its data
    (its own event aside) make the plan stale. One query over the newer events."""
    newer = (Event.objects.filter(pk__gt=planning_run.event_mark,
                                  object_links__object__object_type__name__in=PLANNING_INPUTS)
             .exclude(pk=planning_run.event_id or 0)
             .aggregate(count=Count("pk", distinct=True), since=Min("occurred_at")))
    return Staleness(bool(newer["count"]), newer["since"], newer["count"])


def item_plans(*, actor: Any, planning_run: PlanningRun, search: str | None = None, site_code: str | None = None,
               supplier_code: str | None = None, abc_class: str | None = None, xyz_class: str | None = None,
               urgency: str | None = None, status: str | None = None) -> QuerySet[ItemPlan]:
    """The run's item plans in the actor's sites, filtered; most urgent first by default."""
    rows = (ItemPlan.objects.restrict(actor, VIEW_PLAN.code).filter(run=planning_run)
            .select_related("item", "site", "supplier", "purchase_order"))
    if search:
        rows = rows.filter(Q(item__sku__icontains=search) | Q(item__name__icontains=search))
    if site_code:
        rows = rows.filter(site__code=site_code)
    if supplier_code:
        rows = rows.filter(supplier__code=supplier_code)
    if abc_class:
        rows = rows.filter(abc_class=abc_class)
    if xyz_class:
        rows = rows.filter(xyz_class=xyz_class)
    if status:
        rows = rows.filter(status=status)
    if urgency == "stockout":
        rows = rows.filter(stockout_on__isnull=False)
    elif urgency == "order_now" and planning_run.planned_on:
        rows = rows.filter(status=ProposalStatus.PROPOSED, order_by__lte=planning_run.planned_on)
    elif urgency == "order_soon" and planning_run.planned_on:
        review = int(planning_run.parameters.get("review_days", 7))
        rows = rows.filter(status=ProposalStatus.PROPOSED,
                           order_by__lte=planning_run.planned_on + timedelta(days=review))
    elif urgency == "proposed":
        rows = rows.exclude(status=ProposalStatus.NO_ORDER)
    return rows.order_by("urgency_rank", "pk")


def item_plan(*, actor: Any, pk: int) -> ItemPlan | None:
    return (ItemPlan.objects.restrict(actor, VIEW_PLAN.code).filter(pk=pk)
            .select_related("item", "site", "supplier", "run", "purchase_order", "approved_by").first())


def plans_of_item(*, actor: Any, planning_run: PlanningRun, sku: str) -> list[ItemPlan]:
    """One item's plans in a run, one per site in scope."""
    return list(ItemPlan.objects.restrict(actor, VIEW_PLAN.code).filter(run=planning_run, item__sku=sku)
                .select_related("item", "site", "supplier", "purchase_order").order_by("site__code"))


@dataclass(frozen=True)
class MethodScore:
    """One forecasting family's backtest on one series."""

    family: str
    label: str
    rmse: float | None
    mase: float | None
    wape: float | None
    bias: float | None
    is_chosen: bool


def backtest_by_method(plan: ItemPlan, *, season_length: int | None) -> list[MethodScore]:
    """Every family's best parameters on this item's history, scored by the same backtest
    the run used: computed on demand for one series (a few milliseconds)."""
    history = np.asarray([plan.history], dtype=np.float64)
    if history.shape[1] < 2:
        return []
    horizon = max(1, len(plan.forecast))
    scores = []
    for family in FAMILIES:
        try:
            result = forecasting.forecast(history, horizon=horizon, season_length=season_length, method=family)
        except ValueError:
            continue
        label = str(result.method_labels[0])

        def finite(value: float) -> float | None:
            return float(value) if np.isfinite(value) else None

        scores.append(MethodScore(
            family=family, label=label, rmse=finite(float(np.sqrt(result.backtest_mse[0]))),
            mase=finite(float(result.accuracy.mase[0])), wape=finite(float(result.accuracy.wape[0])),
            bias=finite(float(result.accuracy.bias[0])), is_chosen=label == plan.method,
        ))
    return sorted(scores, key=lambda score: (score.rmse is None, score.rmse or 0.0))


# --- Accuracy ----------------------------------------------------------------------------


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    return numerator / denominator if numerator is not None and denominator else None


def accuracy_groups(*, actor: Any, planning_run: PlanningRun, by: str) -> list[dict[str, Any]]:
    """MASE (mean of per-item values), WAPE and bias (ratios of totals) per group, one query.

    ``by`` is ``overall``, ``class`` (ABC/XYZ), ``abc``, ``xyz``, ``site`` or ``method``
    (the method's family, its parameters aside).
    """
    fields = {"overall": [], "class": ["abc_class", "xyz_class"], "abc": ["abc_class"], "xyz": ["xyz_class"],
              "site": ["site__code"], "method": ["method"]}[by]
    plans = ItemPlan.objects.restrict(actor, VIEW_PLAN.code).filter(run=planning_run)
    totals = {"plans": Count("pk"), "mase_total": Sum("mase"), "mase_count": Count("mase"),
              "absolute": Sum("absolute_error_total"), "error": Sum("error_total"), "actual": Sum("actual_total")}
    if not fields:
        rows = [{**plans.aggregate(**totals), "label": "All items"}]
    else:
        rows = [{**row, "label": " ".join(str(row[name]) for name in fields)}
                for row in plans.values(*fields).annotate(**totals).order_by(*fields)]
    if by == "method":
        merged: dict[str, dict[str, Any]] = {}
        for row in rows:
            family = row["label"].split("(")[0]
            entry = merged.setdefault(family, {"label": family, **dict.fromkeys(totals, 0)})
            for key in totals:
                entry[key] += row[key] or 0
        rows = sorted(merged.values(), key=lambda row: -row["plans"])
    return [{"label": row["label"], "plans": row["plans"] or 0,
             "mase": _ratio(row["mase_total"], row["mase_count"]),
             "wape": _ratio(row["absolute"], row["actual"]), "bias": _ratio(row["error"], row["actual"])}
            for row in rows if row["plans"]]


def accuracy_rows(*, actor: Any, planning_run: PlanningRun, search: str | None = None, site_code: str | None = None,
                  abc_class: str | None = None, xyz_class: str | None = None) -> QuerySet[ItemPlan]:
    return item_plans(actor=actor, planning_run=planning_run, search=search, site_code=site_code,
                      abc_class=abc_class, xyz_class=xyz_class).order_by("-actual_total", "pk")


# --- Targets and overrides ----------------------------------------------------------------


def service_targets(*, actor: Any) -> QuerySet[ServiceTarget]:
    return ServiceTarget.objects.restrict(actor, VIEW_PLAN.code).select_related("site", "updated_by")


def target_sites(*, actor: Any, action: str) -> QuerySet[Site]:
    return Site.objects.restrict(actor, action).filter(is_active=True).order_by("code")


def overrides(*, actor: Any, sku: str | None = None) -> QuerySet[PolicyOverride]:
    """Overrides in the actor's sites, and the company-wide ones (they apply everywhere)."""
    visible = PolicyOverride.objects.restrict(actor, VIEW_PLAN.code)
    rows = visible | PolicyOverride.objects.filter(site__isnull=True) if actor is not None and actor.has_action(
        VIEW_PLAN.code) else visible
    rows = rows.select_related("item", "site", "updated_by")
    if sku:
        rows = rows.filter(item__sku=sku)
    return rows.order_by("item__sku", F("site__code").asc(nulls_first=True))


def override_history(*, actor: Any, item_id: int, limit: int = 20) -> list[AuditRecord]:
    """The audit trail of an item's overrides: in the actor's sites and company-wide."""
    sites = list(Site.objects.restrict(actor, VIEW_PLAN.code).values_list("pk", flat=True))
    return list(AuditRecord.objects.filter(object_type="policy_override", object_id=str(item_id))
                .filter(Q(site_id__in=sites) | Q(site_id__isnull=True)).order_by("-at", "-pk")[:limit])


def chart_dates(planning_run: PlanningRun, *, history: int, horizon: int) -> tuple[list[str], list[str]]:
    """The labels of the history periods and of the forecast periods."""
    start = planning_run.history_from or planning_run.created_at.date()
    step = planning_run.period_days
    past = [(start + timedelta(days=index * step)).isoformat() for index in range(history)]
    origin = planning_run.planned_on or planning_run.created_at.date()
    ahead = [(origin + timedelta(days=index * step)).isoformat() for index in range(horizon)]
    return past, ahead
