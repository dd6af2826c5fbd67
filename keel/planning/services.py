"""Planning runs, approval of proposals into purchase orders, service targets and overrides.

A planning run (``start_planning_run`` then ``execute_planning_run``) reads everything it
needs with a handful of set-based queries, turns it into NumPy arrays (items x periods),
calls the vectorised engines in ``keel.analytics`` once for all item-site pairs, and writes
one ``ItemPlan`` per pair with ``bulk_create`` in one transaction, together with its
operations event and audit record. Conventions (docs/planning.md, ADR 18):

- **Demand** is what customers ordered: sales order lines by the day their order was
  created, at the order's ship-from site, drafts and cancellations left out. Shipments
  would understate demand while an item is out of stock (censored demand).
- **Committed demand** (subtracted from on hand): stock reserved for open orders plus what
  allocation could not cover yet (backorders).
- **On order**: what is left to receive on open purchase orders, drafts included, so that
  approved proposals count at once; due on the line's expected date (late: period 0).
- **Lead time**: days from the purchase order (sent, else approved, else created) to each
  receipt, per item and site; else per item; else the supplier's declared lead time.
- **Policy**: min/max, (s, S) reviewed every R days: ``min = D (R + L) + SS``,
  ``max = min + Q`` with Q the EOQ; the order is ``max - inventory position``, raised to
  the supplier's minimum and rounded up to its multiple.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_CEILING, Decimal
from typing import Any

import numpy as np
import numpy.typing as npt
from django.db import transaction
from django.db.models import F, Min, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from keel.analytics import forecasting, inventory
from keel.analytics.forecasting import FAMILIES
from keel.audit.choices import AuditAction
from keel.audit.services import record_audit
from keel.core import clock
from keel.core.errors import (
    Conflict,
    FieldProblem,
    PermissionDenied,
    ProblemCollector,
    ValidationFailed,
)
from keel.events.selectors import high_water_mark
from keel.events.services import ObjectRef, record_event
from keel.orders.choices import LineStatus, OrderStatus
from keel.orders.models import SalesOrderLine
from keel.organization.models import Site
from keel.planning.choices import BUCKETS, ProposalStatus, RunStatus, RunTrigger, TargetKind
from keel.planning.models import ItemPlan, PlanningRun, PolicyOverride, ServiceTarget
from keel.planning.permissions import APPROVE_PROPOSAL, MANAGE_TARGETS
from keel.supply_chain.choices import PO_OPEN_STATUSES
from keel.supply_chain.models import (
    Item,
    ItemStock,
    PurchaseOrder,
    PurchaseOrderLine,
    ReceiptLine,
    SupplierItem,
)
from keel.supply_chain.permissions import CHANGE_PURCHASE_ORDER
from keel.supply_chain.services import OrderLineIn, create_purchase_order

FloatArray = npt.NDArray[np.float64]

DEFAULT_PARAMETERS: dict[str, Any] = {
    "bucket": "day",            # day or week
    "history_days": 364,        # how far back demand is read
    "horizon_days": 56,         # how far ahead the plan looks
    "review_days": 7,           # R: how often the plan is reviewed (min covers R + L)
    "ordering_cost": 50.0,      # K per purchase order line, in the item's cost currency
    "holding_rate": 0.25,       # h per year, as a share of the unit cost
    "service_level": 0.95,      # cycle service level where no target is set
    "interval_level": 0.8,      # prediction interval shown on the item page
}
NO_TARGET_SOURCE = "default"


# --- Parameters -----------------------------------------------------------------------


def clean_parameters(raw: dict[str, Any] | None) -> dict[str, Any]:
    """The run's parameters, defaults filled in; every problem named by its field."""
    values = dict(DEFAULT_PARAMETERS)
    problems = ProblemCollector()
    for name, given in (raw or {}).items():
        if given is None or given == "":
            continue
        if name not in DEFAULT_PARAMETERS:
            problems.add(name, "is not a planning parameter")
            continue
        if name == "bucket":
            if given not in BUCKETS:
                problems.add(name, "day or week")
            else:
                values[name] = given
            continue
        try:
            number = float(given)
        except (TypeError, ValueError):
            problems.add(name, "must be a number")
            continue
        values[name] = number
    checks = {
        "history_days": (14, 3660, "between 14 and 3660 days"),
        "horizon_days": (7, 366, "between 7 and 366 days"),
        "review_days": (1, 91, "between 1 and 91 days"),
        "ordering_cost": (0, 1e9, "at least 0"),
        "holding_rate": (1e-6, 10, "above 0 (0.25 = 25% a year)"),
    }
    for name, (low, high, message) in checks.items():
        if not low <= float(values[name]) <= high:
            problems.add(name, message)
    for name in ("service_level", "interval_level"):
        if not 0 < float(values[name]) < 1:
            problems.add(name, "strictly between 0 and 1, e.g. 0.95")
    problems.raise_if_any("The planning run was not started.")
    for name in ("history_days", "horizon_days", "review_days"):
        values[name] = int(values[name])
    return values


# --- Starting and running -------------------------------------------------------------


@transaction.atomic
def start_planning_run(*, actor: Any, trigger: str = RunTrigger.PAGE,
                       parameters: dict[str, Any] | None = None, enqueue: bool = True) -> PlanningRun:
    """Queue a planning run; the task runs it after commit (in-process in embedded mode,
    on ``keel worker`` in production). Refused while another run is queued or running."""
    clean = clean_parameters(parameters)
    busy = (PlanningRun.objects.select_for_update().filter(status__in=[RunStatus.QUEUED, RunStatus.RUNNING])
            .order_by("pk").first())
    if busy is not None:
        raise Conflict(f"Planning run {busy.pk} is {busy.get_status_display().lower()}; wait for it to finish.",
                       problems=[FieldProblem(field="status", message=f"run {busy.pk} is {busy.status}")])
    person = _person(actor)
    run = PlanningRun.objects.create(trigger=trigger, requested_by=person, parameters=clean,
                                     period_days=BUCKETS[clean["bucket"]], phase="Queued")
    record_audit(actor=actor, action=AuditAction.CREATE, object_type="planning_run", object_id=run.pk,
                 object_repr=f"planning run {run.pk}", after={"trigger": trigger, "parameters": clean})
    if enqueue:
        from keel.planning.tasks import run_planning_task

        transaction.on_commit(lambda: run_planning_task.enqueue(run_id=run.pk))
    return run


def _person(actor: Any) -> Any:
    """The person behind an actor (API tokens wrap one), or None for the system."""
    person = getattr(actor, "person", actor)
    return person if getattr(person, "_meta", None) is not None and getattr(person, "pk", None) else None


def _progress(run: PlanningRun, percent: int, phase: str) -> None:
    # Outside the write transaction: each update commits on its own, so the page sees it.
    PlanningRun.objects.filter(pk=run.pk).update(progress=percent, phase=phase)


def execute_planning_run(*, run_id: int, today: date | None = None) -> PlanningRun:
    """Compute and store the plan of every item at every site for a queued run.

    A failure marks the run failed with a message and writes nothing else.
    """
    run = PlanningRun.objects.get(pk=run_id)
    started = time.perf_counter()
    # A conditional update claims the run: of two workers given the same run, one runs it.
    claimed = PlanningRun.objects.filter(pk=run.pk, status=RunStatus.QUEUED).update(
        status=RunStatus.RUNNING, started_at=clock.now(), progress=1, phase="Reading demand, stock and orders")
    if not claimed:
        run.refresh_from_db()
        return run
    try:
        plan = compute_plan(run=run, today=today or timezone.localdate(clock.now()))
        _progress(run, 90, "Writing item plans")
        _write_plan(run=run, plan=plan, started=started)
    except Exception as error:  # a run records why it failed instead of vanishing
        message = error.detail if isinstance(error, ValidationFailed) else f"{type(error).__name__}: {error}"
        PlanningRun.objects.filter(pk=run.pk).update(status=RunStatus.FAILED, finished_at=clock.now(), phase="",
                                                     message=message[:500],
                                                     duration_seconds=time.perf_counter() - started)
        if not isinstance(error, ValidationFailed):
            raise
    run.refresh_from_db()
    return run


def run_planning(*, actor: Any, trigger: str = RunTrigger.COMMAND, parameters: dict[str, Any] | None = None,
                 today: date | None = None) -> PlanningRun:
    """Start and run a plan in this process (``keel plan``, tests)."""
    run = start_planning_run(actor=actor, trigger=trigger, parameters=parameters, enqueue=False)
    return execute_planning_run(run_id=run.pk, today=today)


# --- Reading --------------------------------------------------------------------------


@dataclass
class Inputs:
    """Everything a run reads, as arrays over item-site pairs (rows) and periods."""

    item_ids: npt.NDArray[np.int64]
    site_ids: npt.NDArray[np.int64]
    history: FloatArray
    history_from: date
    planned_on: date
    period_days: int
    on_hand: FloatArray
    reserved: FloatArray
    backorders: FloatArray
    open_row: npt.NDArray[np.int64]
    open_quantity: FloatArray
    open_due: npt.NDArray[np.int64]
    lead_days: FloatArray
    lead_sd_days: FloatArray
    lead_receipts: npt.NDArray[np.int64]
    lead_source: list[str]
    supplier_ids: list[int | None]
    minimum: FloatArray
    multiple: FloatArray
    unit_cost: FloatArray


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))


def read_inputs(*, planned_on: date, parameters: dict[str, Any]) -> Inputs:
    """Read demand, stock, commitments, open orders, receipts and supplier terms."""
    period_days = BUCKETS[parameters["bucket"]]
    end = planned_on  # history runs up to yesterday; period 0 of the plan is today
    earliest = end - timedelta(days=int(parameters["history_days"]))
    live_lines = (SalesOrderLine.objects.exclude(status=LineStatus.CANCELLED)
                  .exclude(order__status__in=[OrderStatus.CANCELLED, OrderStatus.DRAFT]))
    first = live_lines.filter(order__created_at__lt=_start_of(end)).aggregate(first=Min("order__created_at"))["first"]
    if first is None:
        raise ValidationFailed("No sales history to plan from: at least two periods of orders are needed.")
    first_day = max(timezone.localdate(first), earliest)
    periods = (end - first_day).days // period_days
    if periods < 2:
        raise ValidationFailed(f"Sales history covers {(end - first_day).days} days: at least two "
                               f"{parameters['bucket']}s are needed.")
    history_from = end - timedelta(days=periods * period_days)

    demand = list(
        live_lines.filter(order__created_at__gte=_start_of(history_from), order__created_at__lt=_start_of(end))
        .annotate(day=TruncDate("order__created_at"))
        .values("item_id", "order__ship_from_id", "day").annotate(quantity=Sum("quantity"))
        .values_list("item_id", "order__ship_from_id", "day", "quantity").order_by()
    )
    stock = list(ItemStock.objects.filter(site__isnull=False).values_list("item_id", "site_id", "on_hand", "reserved"))
    active_items = set(Item.objects.filter(is_active=True).exclude(lifecycle="discontinued").values_list("pk", flat=True))
    active_sites = set(Site.objects.filter(is_active=True).values_list("pk", flat=True))
    pairs = sorted({(item, site) for item, site, *_ in demand} | {(item, site) for item, site, *_ in stock})
    pairs = [(item, site) for item, site in pairs if item in active_items and site in active_sites]
    if not pairs:
        raise ValidationFailed("No active item is stocked or sold at an active site.")
    count = len(pairs)
    item_ids = np.fromiter((pair[0] for pair in pairs), dtype=np.int64, count=count)
    site_ids = np.fromiter((pair[1] for pair in pairs), dtype=np.int64, count=count)
    row_of = {pair: row for row, pair in enumerate(pairs)}

    history = np.zeros((count, periods))
    if demand:
        rows = np.array([row_of.get((item, site), -1) for item, site, _, _ in demand], dtype=np.int64)
        offsets = np.array([(day - history_from).days // period_days for _, _, day, _ in demand], dtype=np.int64)
        quantities = np.array([float(quantity) for *_, quantity in demand])
        keep = rows >= 0
        np.add.at(history, (rows[keep], offsets[keep]), quantities[keep])

    on_hand, reserved = np.zeros(count), np.zeros(count)
    for item, site, held, kept in stock:
        row = row_of.get((item, site))
        if row is not None:
            on_hand[row], reserved[row] = float(held), float(kept)
    backorders = np.zeros(count)
    owed = (live_lines.filter(status__in=[LineStatus.OPEN, LineStatus.BACKORDERED, LineStatus.PARTIALLY_ALLOCATED])
            .values("item_id", "order__ship_from_id").annotate(owed=Sum(F("quantity") - F("allocated_quantity")))
            .values_list("item_id", "order__ship_from_id", "owed").order_by())
    for item, site, quantity in owed:
        row = row_of.get((item, site))
        if row is not None and quantity:
            backorders[row] = max(float(quantity), 0.0)

    open_lines = list(
        PurchaseOrderLine.objects.filter(order__status__in=sorted(PO_OPEN_STATUSES), received_quantity__lt=F("ordered_quantity"))
        .values_list("item_id", "order__site_id", "ordered_quantity", "received_quantity", "expected_on")
    )
    open_row = np.array([row_of.get((item, site), -1) for item, site, *_ in open_lines], dtype=np.int64)
    open_quantity = np.array([float(ordered - received) for _, _, ordered, received, _ in open_lines])
    open_due = np.array([(due - planned_on).days // period_days for *_, due in open_lines], dtype=np.int64)
    keep = open_row >= 0
    open_row, open_quantity, open_due = open_row[keep], open_quantity[keep], open_due[keep]

    lead = _lead_times(row_of=row_of, item_ids=item_ids)
    terms = _supplier_terms(item_ids=item_ids)
    lead_days = np.where(lead["count"] > 0, lead["mean"], terms["lead_days"])
    lead_sd = np.where(lead["count"] > 0, lead["sd"], 0.0)
    source = np.where(lead["count"] > 0, "receipts", "supplier").tolist()
    return Inputs(
        item_ids=item_ids, site_ids=site_ids, history=history, history_from=history_from, planned_on=planned_on,
        period_days=period_days, on_hand=on_hand, reserved=reserved, backorders=backorders, open_row=open_row,
        open_quantity=open_quantity, open_due=open_due, lead_days=lead_days, lead_sd_days=lead_sd,
        lead_receipts=lead["count"], lead_source=source, supplier_ids=terms["supplier_ids"],
        minimum=terms["minimum"], multiple=terms["multiple"], unit_cost=terms["unit_cost"],
    )


def _lead_times(*, row_of: dict[tuple[int, int], int], item_ids: npt.NDArray[np.int64]) -> dict[str, Any]:
    """Lead time per pair from receipts at that site, else from the item's receipts anywhere."""
    receipts = list(
        ReceiptLine.objects.filter(accepted_quantity__gt=0)
        .annotate(ordered_at=Coalesce("receipt__order__sent_at", "receipt__order__approved_at", "receipt__order__created_at"))
        .values_list("order_line__item_id", "receipt__order__site_id", "ordered_at", "receipt__received_at")
    )
    count = len(row_of)
    days = np.array([(received - ordered).total_seconds() / 86400 for *_, ordered, received in receipts])
    pair_rows = np.array([row_of.get((item, site), -1) for item, site, *_ in receipts], dtype=np.int64)
    known = pair_rows >= 0
    per_pair = inventory.lead_time_statistics(item=pair_rows[known], lead_time=days[known], items=count)
    # Per item over every site, for pairs without receipts of their own.
    items, item_index = np.unique(item_ids, return_inverse=True)
    receipt_items = np.array([item for item, *_ in receipts], dtype=np.int64)
    position = np.searchsorted(items, receipt_items)
    position = np.clip(position, 0, max(len(items) - 1, 0))
    matched = items[position] == receipt_items if len(items) else np.zeros(0, dtype=bool)
    per_item = inventory.lead_time_statistics(item=position[matched], lead_time=days[matched], items=len(items))
    own = per_pair.count > 0
    return {
        "count": np.where(own, per_pair.count, per_item.count[item_index]),
        "mean": np.where(own, per_pair.mean, per_item.mean[item_index]),
        "sd": np.where(own, per_pair.sd, per_item.sd[item_index]),
    }


def _supplier_terms(*, item_ids: npt.NDArray[np.int64]) -> dict[str, Any]:
    """The supplier of each item (the one it was last ordered from, else the quickest
    active one) with its minimum, multiple, declared lead time and a unit cost."""
    wanted = {int(item) for item in item_ids}
    newest = PurchaseOrderLine.objects.filter(item_id=OuterRef("pk")).order_by("-order__created_at", "-pk")
    last_ordered = dict(Item.objects.filter(pk__in=wanted).annotate(
        supplier_id=Subquery(newest.values("order__supplier_id")[:1])).values_list("pk", "supplier_id"))
    choice: dict[int, SupplierItem | None] = {}
    for supplier_item in (SupplierItem.objects.filter(item_id__in=wanted, is_active=True, supplier__is_active=True)
                          .select_related("supplier").prefetch_related("price_breaks")
                          .order_by("item_id", "supplier__code")):
        current = choice.get(supplier_item.item_id)
        preferred = last_ordered.get(supplier_item.item_id)
        if current is None or (supplier_item.supplier_id == preferred and current.supplier_id != preferred) or (
                current.supplier_id != preferred
                and supplier_item.effective_lead_time_days < current.effective_lead_time_days):
            choice[supplier_item.item_id] = supplier_item
    costs = dict(Item.objects.filter(pk__in=wanted).values_list("pk", "standard_cost"))
    count = len(item_ids)
    minimum, multiple, lead_days, unit_cost = np.zeros(count), np.zeros(count), np.zeros(count), np.ones(count)
    supplier_ids: list[int | None] = []
    for row, item in enumerate(item_ids.tolist()):
        chosen = choice.get(item)
        supplier_ids.append(chosen.supplier_id if chosen else None)
        price = None
        if chosen is not None:
            minimum[row] = float(chosen.minimum_order_quantity)
            multiple[row] = float(chosen.order_multiple)
            lead_days[row] = float(chosen.effective_lead_time_days)
            breaks = list(chosen.price_breaks.all())
            price = float(breaks[0].unit_price) if breaks else None
        cost = costs.get(item)
        unit_cost[row] = float(cost) if cost else (price or 1.0)
    return {"supplier_ids": supplier_ids, "minimum": minimum, "multiple": multiple, "lead_days": lead_days,
            "unit_cost": np.maximum(unit_cost, 1e-6)}


# --- Computing ------------------------------------------------------------------------


@dataclass
class Plan:
    """What a run computed, as arrays over the pairs, ready to store."""

    inputs: Inputs
    abc: npt.NDArray[np.str_]
    xyz: npt.NDArray[np.str_]
    method: list[str]
    forecast: FloatArray
    lower: FloatArray
    upper: FloatArray
    accuracy: forecasting.Accuracy
    demand_mean: FloatArray
    demand_sd: FloatArray
    lead_days: FloatArray
    lead_sd_days: FloatArray
    lead_source: list[str]
    target_kind: list[str]
    target_level: FloatArray
    policy: inventory.Policy
    proposals: inventory.Proposals
    rank: npt.NDArray[np.int64]
    formulas: list[dict[str, str]]
    event_mark: int


def _season_length(bucket: str, periods: int) -> int | None:
    season = 7 if bucket == "day" else 52
    return season if periods > 2 * season else None


def compute_plan(*, run: PlanningRun, today: date) -> Plan:
    """Read the inputs and run the engines over every pair at once."""
    parameters = run.parameters
    mark = high_water_mark()  # events after this one may change what the plan read
    inputs = read_inputs(planned_on=today, parameters=parameters)
    _progress(run, 20, f"Forecasting {len(inputs.item_ids)} item-site pairs")
    count, periods = inputs.history.shape
    period_days = inputs.period_days
    horizon = max(1, math.ceil(parameters["horizon_days"] / period_days))
    overrides = _overrides(inputs)

    # Forecasts: one engine call per method asked for (auto for pairs without an override).
    season = _season_length(parameters["bucket"], periods)
    forecast = np.zeros((count, horizon))
    sigma = np.zeros((count, horizon))
    method = [""] * count
    totals = {name: np.full(count, np.nan) for name in forecasting.Accuracy.__dataclass_fields__}
    totals["count"] = np.zeros(count)
    for family in sorted(set(overrides["method"])):
        rows = np.flatnonzero(np.asarray(overrides["method"]) == family)
        result = forecasting.forecast(inputs.history[rows], horizon=horizon, season_length=season,
                                      method=family or "auto")
        forecast[rows], sigma[rows] = result.forecast, result.sigma
        for row, label in zip(rows.tolist(), result.method_labels.tolist(), strict=True):
            method[row] = label
        for name in totals:
            totals[name][rows] = getattr(result.accuracy, name)
    forecast = np.maximum(forecast, 0.0)
    sigma = np.nan_to_num(sigma, nan=0.0)
    spread = forecasting.prediction_interval(
        forecasting.ForecastResult(forecast=forecast, sigma=sigma, method_index=np.zeros(count, dtype=np.int64),
                                   methods=("",), backtest_mse=np.zeros(count), accuracy=_accuracy(totals),
                                   origins=0, backtest_horizon=0),
        level=float(parameters["interval_level"]))
    _progress(run, 50, "Classifying items and computing policies")

    # Classes, targets, lead times.
    value = inputs.history.sum(axis=1) * inputs.unit_cost
    abc = inventory.abc_classes(value)
    xyz = inventory.xyz_classes(_weekly(inputs.history, period_days))
    target_kind, target_level = _targets(inputs, abc, xyz, overrides, float(parameters["service_level"]))
    lead_days = np.where(np.isnan(overrides["lead_time"]), inputs.lead_days, overrides["lead_time"])
    lead_sd_days = np.where(np.isnan(overrides["lead_time"]), inputs.lead_sd_days, 0.0)
    lead_source = [("override" if not math.isnan(overrides["lead_time"][row]) else inputs.lead_source[row])
                   for row in range(count)]
    lead = lead_days / period_days
    lead_sd = lead_sd_days / period_days
    review = parameters["review_days"] / period_days

    # Demand per period over the protection interval (R + L), from the forecast.
    cover = np.clip(np.ceil(review + lead).astype(np.int64), 1, horizon)
    cumulative = np.cumsum(forecast, axis=1)
    demand_mean = cumulative[np.arange(count), cover - 1] / cover
    demand_sd = sigma[:, 0]

    policy = _policy(demand_mean=demand_mean, demand_sd=demand_sd, lead=lead, lead_sd=lead_sd, review=review,
                     unit_cost=inputs.unit_cost, period_days=period_days, parameters=parameters,
                     target_kind=target_kind, target_level=target_level, overrides=overrides)
    _progress(run, 70, "Projecting stock and proposing orders")
    proposals = inventory.propose(
        on_hand=inputs.on_hand, backorders=inputs.reserved + inputs.backorders, forecast=forecast, lead_time=lead,
        lead_time_sd=lead_sd, policy=policy, kind=inventory.ORDER_UP_TO, open_order_item=inputs.open_row,
        open_order_quantity=inputs.open_quantity, open_order_due=inputs.open_due, minimum=inputs.minimum,
        multiple=inputs.multiple, period_days=float(period_days),
    )
    # Earliest stockout, then fewest days of supply (Proposals.urgency_order), then the
    # fastest mover: among items already out, the one losing the most sales comes first.
    stockout = np.where(proposals.stockout_period < 0, np.iinfo(np.int64).max, proposals.stockout_period)
    rank = np.empty(count, dtype=np.int64)
    rank[np.lexsort((-demand_mean, proposals.days_of_supply, stockout))] = np.arange(1, count + 1)
    formulas = _formulas(demand_mean=demand_mean, demand_sd=demand_sd, lead=lead, lead_sd=lead_sd, review=review,
                         policy=policy, target_kind=target_kind, target_level=target_level,
                         overridden=~np.isnan(overrides["minimum"]), parameters=parameters,
                         unit_cost=inputs.unit_cost, period_days=period_days)
    return Plan(inputs=inputs, abc=abc, xyz=xyz, method=method, forecast=forecast, lower=spread[0], upper=spread[1],
                accuracy=_accuracy(totals), demand_mean=demand_mean, demand_sd=demand_sd, lead_days=lead_days,
                lead_sd_days=lead_sd_days, lead_source=lead_source, target_kind=target_kind,
                target_level=target_level, policy=policy, proposals=proposals, rank=rank, formulas=formulas,
                event_mark=mark)


def _weekly(history: FloatArray, period_days: int) -> FloatArray:
    """Daily history summed into its most recent whole weeks: XYZ measures variability
    week to week, since nearly every item's daily demand is intermittent."""
    weeks = history.shape[1] // 7
    if period_days != 1 or weeks < 2:
        return history
    recent = history[:, history.shape[1] - weeks * 7:]
    return recent.reshape(history.shape[0], weeks, 7).sum(axis=2)


def _accuracy(totals: dict[str, FloatArray]) -> forecasting.Accuracy:
    return forecasting.Accuracy(
        mase=totals["mase"], wape=totals["wape"], bias=totals["bias"],
        absolute_error_total=totals["absolute_error_total"], error_total=totals["error_total"],
        actual_total=totals["actual_total"], count=np.asarray(totals["count"]).astype(np.int64))


def _overrides(inputs: Inputs) -> dict[str, Any]:
    """Per pair: the override's method ('' = auto), service level, min, max and lead time (NaN: none)."""
    count = len(inputs.item_ids)
    result: dict[str, Any] = {"method": [""] * count}
    for name in ("service_level", "minimum", "maximum", "lead_time"):
        result[name] = np.full(count, np.nan)
    rows_of_item: dict[int, list[int]] = defaultdict(list)
    for row, item in enumerate(inputs.item_ids.tolist()):
        rows_of_item[item].append(row)
    site_of = inputs.site_ids
    # Company-wide overrides first, so that a site's own override wins.
    for override in PolicyOverride.objects.filter(item_id__in=list(rows_of_item)).order_by(F("site_id").asc(nulls_first=True)):
        for row in rows_of_item[override.item_id]:
            if override.site_id is not None and override.site_id != site_of[row]:
                continue
            if override.method:
                result["method"][row] = override.method
            for name, value in (("service_level", override.service_level), ("minimum", override.minimum),
                                ("maximum", override.maximum), ("lead_time", override.lead_time_days)):
                if value is not None:
                    result[name][row] = float(value)
    return result


def _targets(inputs: Inputs, abc: npt.NDArray[np.str_], xyz: npt.NDArray[np.str_], overrides: dict[str, Any],
             default_level: float) -> tuple[list[str], FloatArray]:
    company: dict[tuple[str, str], tuple[str, float]] = {}
    by_site: dict[tuple[str, str, int], tuple[str, float]] = {}
    for target in ServiceTarget.objects.all():
        entry = (target.kind, float(target.level))
        if target.site_id is None:
            company[(target.abc_class, target.xyz_class)] = entry
        else:
            by_site[(target.abc_class, target.xyz_class, target.site_id)] = entry
    kinds: list[str] = []
    levels = np.empty(len(abc))
    for row, (a, x, site) in enumerate(zip(abc.tolist(), xyz.tolist(), inputs.site_ids.tolist(), strict=True)):
        kind, level = by_site.get((a, x, site)) or company.get((a, x)) or (TargetKind.CYCLE_SERVICE_LEVEL, default_level)
        if not math.isnan(overrides["service_level"][row]):
            kind, level = TargetKind.CYCLE_SERVICE_LEVEL, float(overrides["service_level"][row])
        kinds.append(kind)
        levels[row] = level
    return kinds, levels


def _policy(*, demand_mean: FloatArray, demand_sd: FloatArray, lead: FloatArray, lead_sd: FloatArray, review: float,
            unit_cost: FloatArray, period_days: int, parameters: dict[str, Any], target_kind: list[str],
            target_level: FloatArray, overrides: dict[str, Any]) -> inventory.Policy:
    """Min/max ((s, S) reviewed every R): cycle-service targets and fill-rate targets in
    one engine call each. A fill rate without demand variability (or without demand)
    needs no safety stock: those pairs take a safety factor of 0."""
    count = len(demand_mean)
    holding = float(parameters["holding_rate"]) * unit_cost * period_days / 365.0
    common = {"holding_cost": holding, "ordering_cost": np.full(count, float(parameters["ordering_cost"]))}
    _, sigma = inventory.protection_demand(demand_mean=demand_mean, demand_sd=demand_sd, periods=lead + review,
                                           lead_time_sd=lead_sd)
    fill = np.asarray(target_kind) == TargetKind.FILL_RATE
    quantity = inventory.eoq(demand=demand_mean, ordering_cost=common["ordering_cost"], holding_cost=holding).quantity
    usable_fill = fill & (sigma > 0) & (quantity > 0)
    level = np.where(fill & ~usable_fill, 0.5, target_level)
    fields = {name: np.zeros(count) for name in ("reorder_point", "order_quantity", "order_up_to", "safety_stock",
                                                  "expected_cost", "z")}
    for mask, target in ((~usable_fill, "service_level"), (usable_fill, "fill_rate")):
        if not mask.any():
            continue
        part = inventory.reorder_point_policy(
            demand_mean=demand_mean[mask], demand_sd=demand_sd[mask], lead_time=lead[mask], lead_time_sd=lead_sd[mask],
            review_period=review, holding_cost=holding[mask], ordering_cost=common["ordering_cost"][mask],
            **{target: level[mask]},
        )
        for name in fields:
            fields[name][mask] = getattr(part, name)
    fixed_min, fixed_max = overrides["minimum"], overrides["maximum"]
    has_min = ~np.isnan(fixed_min)
    fields["reorder_point"] = np.where(has_min, fixed_min, fields["reorder_point"])
    fields["order_up_to"] = np.where(~np.isnan(fixed_max), fixed_max,
                                     np.where(has_min, fixed_min + fields["order_quantity"], fields["order_up_to"]))
    fields["order_quantity"] = fields["order_up_to"] - fields["reorder_point"]
    return inventory.Policy(**fields)


def _formulas(*, demand_mean: FloatArray, demand_sd: FloatArray, lead: FloatArray, lead_sd: FloatArray, review: float,
              policy: inventory.Policy, target_kind: list[str], target_level: FloatArray, overridden: npt.NDArray[np.bool_],
              parameters: dict[str, Any], unit_cost: FloatArray, period_days: int) -> list[dict[str, str]]:
    """The policy's formulas with each pair's numbers filled in (the proposal's own
    formula comes from ``Proposals.explain``)."""
    interval = lead + review
    k = float(parameters["ordering_cost"])
    h = float(parameters["holding_rate"]) * unit_cost * period_days / 365.0
    sigma = np.sqrt(interval * demand_sd ** 2 + demand_mean ** 2 * lead_sd ** 2)
    result = []
    for row in range(len(demand_mean)):
        d, s, p_len, sl = demand_mean[row], demand_sd[row], interval[row], lead_sd[row]
        z, ss = policy.z[row], policy.safety_stock[row]
        target = ("cycle service level" if target_kind[row] == TargetKind.CYCLE_SERVICE_LEVEL else "fill rate")
        factor = (f"z = Φ⁻¹({target_level[row]:g}) = {z:.3f}" if target_kind[row] == TargetKind.CYCLE_SERVICE_LEVEL
                  else f"z from sd_P G(z) = (1 - {target_level[row]:g}) Q: z = {z:.3f}")
        entry = {
            "target": f"{target} {target_level[row]:g}",
            "safety_factor": factor,
            "demand_over_interval": (f"sd_P = √(P sd² + D² sd_L²) = √({p_len:.2f} · {s:.2f}² + {d:.2f}² · {sl:.2f}²) "
                                     f"= {sigma[row]:.2f} over P = R + L = {review:g} + {lead[row]:.2f} periods"),
            "safety_stock": f"SS = z sd_P = {z:.3f} · {sigma[row]:.2f} = {ss:.2f}",
            "order_quantity": (f"Q = √(2 K D / h) = √(2 · {k:g} · {d:.2f} / {h[row]:.4f}) = "
                               f"{policy.order_quantity[row]:.2f}"),
            "reorder_point": (f"min = D (R + L) + SS = {d:.2f} · {p_len:.2f} + {ss:.2f} = "
                              f"{policy.reorder_point[row]:.2f}"),
            "order_up_to": f"max = min + Q = {policy.reorder_point[row]:.2f} + {policy.order_quantity[row]:.2f} = "
                           f"{policy.order_up_to[row]:.2f}",
        }
        if overridden[row]:
            entry["reorder_point"] = f"min = {policy.reorder_point[row]:g} (override)"
            entry["order_up_to"] = f"max = {policy.order_up_to[row]:g} (override)"
        result.append(entry)
    return result


# --- Writing --------------------------------------------------------------------------


def _finite(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def _rounded(values: FloatArray) -> list[float]:
    return [round(float(value), 4) for value in values]


def _write_plan(*, run: PlanningRun, plan: Plan, started: float) -> None:
    inputs, proposals = plan.inputs, plan.proposals
    planned_on, period_days = inputs.planned_on, inputs.period_days
    count = len(inputs.item_ids)

    def day(period: int) -> date | None:
        return planned_on + timedelta(days=int(period) * period_days) if period >= 0 else None

    rows = []
    accuracy = plan.accuracy
    for row in range(count):
        quantity = Decimal(str(round(float(proposals.quantity[row]), 4)))
        trace = proposals.explain(row)
        trace.update(plan.formulas[row])
        trace.update({"method": plan.method[row], "period_days": period_days, "z": float(plan.policy.z[row]),
                      "lead_time_days": float(plan.lead_days[row]), "lead_time_sd_days": float(plan.lead_sd_days[row]),
                      "lead_time_source": plan.lead_source[row], "demand_mean": float(plan.demand_mean[row]),
                      "demand_sd": float(plan.demand_sd[row]), "reserved": float(inputs.reserved[row]),
                      "open_backorders": float(inputs.backorders[row])})
        trace = {key: (_finite(value) if isinstance(value, float) else value) for key, value in trace.items()}
        rows.append(ItemPlan(
            run=run, item_id=int(inputs.item_ids[row]), site_id=int(inputs.site_ids[row]),
            supplier_id=inputs.supplier_ids[row], abc_class=str(plan.abc[row]), xyz_class=str(plan.xyz[row]),
            method=plan.method[row], history=_rounded(inputs.history[row]), forecast=_rounded(plan.forecast[row]),
            forecast_lower=_rounded(plan.lower[row]), forecast_upper=_rounded(plan.upper[row]),
            mase=_finite(accuracy.mase[row]), wape=_finite(accuracy.wape[row]), bias=_finite(accuracy.bias[row]),
            absolute_error_total=float(np.nan_to_num(accuracy.absolute_error_total[row])),
            error_total=float(np.nan_to_num(accuracy.error_total[row])),
            actual_total=float(np.nan_to_num(accuracy.actual_total[row])),
            demand_mean=float(plan.demand_mean[row]), demand_sd=float(plan.demand_sd[row]),
            lead_time_days=float(plan.lead_days[row]), lead_time_sd_days=float(plan.lead_sd_days[row]),
            lead_time_receipts=int(inputs.lead_receipts[row]), lead_time_source=plan.lead_source[row],
            on_hand=Decimal(str(inputs.on_hand[row])), reserved=Decimal(str(inputs.reserved[row])),
            backorders=Decimal(str(inputs.backorders[row])), on_order=Decimal(str(round(float(proposals.on_order[row]), 4))),
            target_kind=plan.target_kind[row], target_level=float(plan.target_level[row]),
            safety_stock=float(plan.policy.safety_stock[row]), reorder_point=float(plan.policy.reorder_point[row]),
            order_up_to=float(plan.policy.order_up_to[row]), order_quantity=float(plan.policy.order_quantity[row]),
            projected=_rounded(proposals.projected[row]), projected_with_order=_rounded(proposals.projected_with_order[row]),
            stockout_on=day(proposals.stockout_period[row]), days_of_supply=_finite(proposals.days_of_supply[row]),
            urgency_rank=int(plan.rank[row]), proposed_quantity=quantity,
            order_by=day(proposals.order_period[row]) if quantity > 0 else None,
            arrives_on=day(proposals.arrival_period[row]) if quantity > 0 else None, trace=trace,
            status=ProposalStatus.PROPOSED if quantity > 0 else ProposalStatus.NO_ORDER,
        ))
    proposal_count = int((proposals.quantity > 0).sum())
    stockouts = int((proposals.stockout_period >= 0).sum())
    overall = {key: _finite(value) for key, value in accuracy.overall().items()}
    with transaction.atomic():
        ItemPlan.objects.bulk_create(rows, batch_size=500)
        now = clock.now()
        event = record_event(
            activity="Run planning", objects=[ObjectRef("planning_run", str(run.pk), "ran")], occurred_at=now,
            actor=run.requested_by,
            attributes={"item_plans": count, "proposals": proposal_count, "stockouts": stockouts,
                        "trigger": run.trigger},
        )
        PlanningRun.objects.filter(pk=run.pk).update(
            status=RunStatus.SUCCEEDED, finished_at=now, progress=100, phase="", planned_on=planned_on,
            history_from=inputs.history_from, period_days=period_days, horizon=proposals.forecast.shape[1],
            item_count=count, proposal_count=proposal_count, stockout_count=stockouts,
            duration_seconds=time.perf_counter() - started, event_mark=plan.event_mark, event_id=event.pk,
            accuracy=overall,
        )
        record_audit(actor=run.requested_by, action=AuditAction.CHANGE, object_type="planning_run", object_id=run.pk,
                     object_repr=f"planning run {run.pk}", before={"status": RunStatus.RUNNING},
                     after={"status": RunStatus.SUCCEEDED, "item_plans": count, "proposals": proposal_count,
                            "stockouts": stockouts})


# --- Approval ---------------------------------------------------------------------------


def round_up_to_terms(quantity: Decimal, *, minimum: Decimal, multiple: Decimal) -> Decimal:
    """Raise to the supplier's minimum, then round up to its order multiple.

    >>> round_up_to_terms(Decimal("37"), minimum=Decimal("50"), multiple=Decimal("12"))
    Decimal('60')
    """
    value = max(quantity, minimum)
    if multiple > 0:
        value = (value / multiple).to_integral_value(rounding=ROUND_CEILING) * multiple
    return value.normalize() if value == value.to_integral_value() else value


@transaction.atomic
def approve_proposals(*, actor: Any, plan_ids: Sequence[int], occurred_at: datetime | None = None) -> list[PurchaseOrder]:
    """Turn proposals into draft purchase orders, one per supplier and site, each line
    rounded to the supplier's current minimum and multiple; mark the proposals approved.
    All or nothing: any problem changes nothing, and an approved proposal stays approved."""
    if actor is not None and not actor.has_action(CHANGE_PURCHASE_ORDER.code):
        raise PermissionDenied("Approving proposals raises purchase orders: it needs "
                               f"{CHANGE_PURCHASE_ORDER.code} as well.")
    problems = ProblemCollector()
    wanted = list(dict.fromkeys(int(pk) for pk in plan_ids))
    if not wanted:
        problems.add("proposals", "select at least one proposal")
        problems.raise_if_any("Nothing was approved.")
    visible = ItemPlan.objects.restrict(actor, APPROVE_PROPOSAL.code) if actor is not None else ItemPlan.objects.all()
    locked = set(visible.select_for_update().filter(pk__in=wanted).order_by("pk").values_list("pk", flat=True))
    plans = {plan.pk: plan for plan in ItemPlan.objects.filter(pk__in=locked)
             .select_related("item", "site", "supplier", "run", "purchase_order")}
    latest = PlanningRun.objects.filter(status=RunStatus.SUCCEEDED).order_by("-created_at", "-pk").first()
    for row, pk in enumerate(wanted):
        plan = plans.get(pk)
        if plan is None:
            problems.add("proposals", f"no proposal {pk} in your scope", row)
        elif plan.status == ProposalStatus.APPROVED:
            number = plan.purchase_order.number if plan.purchase_order else "a purchase order"
            raise Conflict(f"{plan.item.sku} at {plan.site.code} was already approved into {number}; nothing was approved.",
                           problems=[FieldProblem(field="proposals", message="already approved", row=row)])
        elif plan.status == ProposalStatus.NO_ORDER:
            problems.add("proposals", f"{plan.item.sku} at {plan.site.code}: the plan proposes no order", row)
        elif plan.supplier is None:
            problems.add("proposals", f"{plan.item.sku} has no active supplier: add one under Suppliers", row)
        elif latest is None or plan.run_id != latest.pk:
            problems.add("proposals", f"{plan.item.sku} at {plan.site.code} is from run {plan.run_id}; "
                         f"approve from the newest run" + (f" ({latest.pk})" if latest else ""), row)
    problems.raise_if_any("Nothing was approved.")
    chosen = [plans[pk] for pk in wanted]
    terms = {(term.supplier_id, term.item_id): term for term in SupplierItem.objects.filter(
        Q(*[Q(supplier_id=plan.supplier_id, item_id=plan.item_id) for plan in chosen], _connector=Q.OR))}
    groups: dict[tuple[str, str], list[ItemPlan]] = defaultdict(list)
    for plan in chosen:
        assert plan.supplier is not None
        groups[(plan.supplier.code, plan.site.code)].append(plan)
    now = occurred_at or clock.now()
    orders = []
    for key in sorted(groups):
        members = sorted(groups[key], key=lambda plan: plan.item.sku)
        lines = []
        for plan in members:
            term = terms.get((plan.supplier_id or 0, plan.item_id))
            quantity = plan.proposed_quantity
            if term is not None:
                quantity = round_up_to_terms(quantity, minimum=term.minimum_order_quantity, multiple=term.order_multiple)
            lines.append(OrderLineIn(item=plan.item, quantity=quantity))
        first = members[0]
        assert first.supplier is not None
        order = create_purchase_order(
            actor=actor, supplier=first.supplier, site=first.site, lines=lines, created_at=now,
            notes=f"Raised from planning run {first.run_id}: " + ", ".join(plan.item.sku for plan in members),
        )
        orders.append(order)
        for plan in members:
            plan.status, plan.approved_at, plan.approved_by, plan.purchase_order = (
                ProposalStatus.APPROVED, now, _person(actor), order)
    ItemPlan.objects.bulk_update(chosen, ["status", "approved_at", "approved_by", "purchase_order"])
    run = chosen[0].run
    record_event(
        activity="Approve replenishment proposals",
        objects=[ObjectRef("planning_run", str(run.pk), "approved from"),
                 *[ObjectRef("purchase_order", str(order.pk), "raised", site_id=order.site_id) for order in orders]],
        occurred_at=now, actor=actor,
        attributes={"proposals": len(chosen), "purchase_orders": len(orders)},
    )
    record_audit(actor=actor, action=AuditAction.APPROVE, object_type="planning_run", object_id=run.pk,
                 object_repr=f"planning run {run.pk}",
                 after={"proposals": [{"sku": plan.item.sku, "site": plan.site.code,
                                       "quantity": f"{plan.proposed_quantity.normalize():f}"} for plan in chosen],
                        "purchase_orders": [order.number for order in orders]})
    return orders


# --- Targets and overrides -------------------------------------------------------------


def _check_reach(actor: Any, site: Site | None, problems: ProblemCollector) -> None:
    """A company-wide setting needs company-wide reach; a site's, that site in scope."""
    if actor is None:
        return
    if site is None:
        if not actor.reach().is_company_wide:
            raise PermissionDenied("Company-wide planning settings need a company-wide role; choose your site.")
    elif not Site.objects.restrict(actor, MANAGE_TARGETS.code).filter(pk=site.pk).exists():
        problems.add("site", f"{site.code} is not in your scope")


def _level(problems: ProblemCollector, name: str, value: object, *, optional: bool = False) -> Decimal | None:
    if value is None or value == "":
        if not optional:
            problems.add(name, "required: a number between 0 and 1, e.g. 0.95")
        return None
    try:
        level = Decimal(str(value))
    except ArithmeticError:
        problems.add(name, "must be a number between 0 and 1, e.g. 0.95")
        return None
    if not level.is_finite() or not 0 < level < 1 or level != level.quantize(Decimal("0.0001")):
        problems.add(name, "strictly between 0 and 1 with at most 4 decimals, e.g. 0.95")
        return None
    return level


def _target_state(target: ServiceTarget) -> dict[str, Any]:
    return {"class": f"{target.abc_class}{target.xyz_class}", "site": target.site.code if target.site else None,
            "kind": target.kind, "level": f"{target.level.normalize():f}"}


@transaction.atomic
def set_service_target(*, actor: Any, abc_class: str, xyz_class: str, site: Site | None, kind: str,
                       level: object) -> ServiceTarget:
    """Set (or change) the service target of one ABC/XYZ class, at a site or company-wide."""
    problems = ProblemCollector()
    if abc_class not in {"A", "B", "C"}:
        problems.add("abc_class", "A, B or C")
    if xyz_class not in {"X", "Y", "Z"}:
        problems.add("xyz_class", "X, Y or Z")
    if kind not in TargetKind.values:
        problems.add("kind", "cycle_service_level or fill_rate")
    clean_level = _level(problems, "level", level)
    _check_reach(actor, site, problems)
    problems.raise_if_any("The service target was not saved.")
    assert clean_level is not None
    # Ordered by pk: the default ordering joins the (nullable) site, which FOR UPDATE refuses.
    target = ServiceTarget.objects.select_for_update().filter(abc_class=abc_class, xyz_class=xyz_class,
                                                              site=site).order_by("pk").first()
    before = _target_state(target) if target else None
    now = clock.now()
    if target is None:
        target = ServiceTarget(abc_class=abc_class, xyz_class=xyz_class, site=site)
    target.kind, target.level, target.updated_at, target.updated_by = kind, clean_level, now, _person(actor)
    target.save()
    after = _target_state(target)
    if before == after:
        return target
    record_event(activity="Set service target", objects=[ObjectRef("service_target", str(target.pk), "set",
                                                                   site_id=target.site_id)],
                 occurred_at=now, site_id=target.site_id, actor=actor, attributes=after)
    record_audit(actor=actor, action=AuditAction.CREATE if before is None else AuditAction.CHANGE,
                 object_type="service_target", object_id=target.pk, object_repr=str(target), site_id=target.site_id,
                 before=before, after=after)
    return target


@transaction.atomic
def remove_service_target(*, actor: Any, target: ServiceTarget) -> None:
    """Remove a target: the class falls back to the company's target or the default."""
    problems = ProblemCollector()
    _check_reach(actor, target.site, problems)
    problems.raise_if_any("The service target was not removed.")
    before = _target_state(target)
    pk, site_id, label = target.pk, target.site_id, str(target)
    target.delete()
    record_event(activity="Remove service target", objects=[ObjectRef("service_target", str(pk), "removed",
                                                                      site_id=site_id)],
                 site_id=site_id, actor=actor, attributes=before)
    record_audit(actor=actor, action=AuditAction.DELETE, object_type="service_target", object_id=pk,
                 object_repr=label, site_id=site_id, before=before)


def _override_state(override: PolicyOverride | None) -> dict[str, Any] | None:
    if override is None:
        return None

    def text(value: Decimal | None) -> str | None:
        return None if value is None else f"{value.normalize():f}"

    return {"method": override.method or None, "service_level": text(override.service_level),
            "minimum": text(override.minimum), "maximum": text(override.maximum),
            "lead_time_days": text(override.lead_time_days), "note": override.note or None}


def _quantity(problems: ProblemCollector, name: str, value: object, places: int = 4) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        problems.add(name, "must be a number")
        return None
    if not number.is_finite() or number < 0 or number != number.quantize(Decimal(1).scaleb(-places)):
        problems.add(name, f"a number, at least 0, with at most {places} decimals")
        return None
    return number


@transaction.atomic
def set_policy_override(*, actor: Any, item: Item, site: Site | None, method: str = "", service_level: object = None,
                        minimum: object = None, maximum: object = None, lead_time_days: object = None,
                        note: str = "") -> PolicyOverride | None:
    """Fix the method, service level, min/max or lead time of one item at one site (or
    every site). With every field blank the override is removed. The next run uses it."""
    problems = ProblemCollector()
    method = (method or "").strip()
    if method and method not in FAMILIES:
        problems.add("method", f"one of {', '.join(sorted(FAMILIES))}, or blank for the automatic choice")
    level = _level(problems, "service_level", service_level, optional=True)
    low, high = _quantity(problems, "minimum", minimum), _quantity(problems, "maximum", maximum)
    lead = _quantity(problems, "lead_time_days", lead_time_days, places=2)
    if (low is None) != (high is None):
        problems.add("maximum" if high is None else "minimum", "give both min and max, or neither")
    elif low is not None and high is not None and high < low:
        problems.add("maximum", "must be at least the minimum")
    if len(note) > 300:
        problems.add("note", "at most 300 characters")
    _check_reach(actor, site, problems)
    problems.raise_if_any("The override was not saved.")
    override = PolicyOverride.objects.select_for_update().filter(item=item, site=site).order_by("pk").first()
    before = _override_state(override)
    now = clock.now()
    repr_ = f"{item.sku} at {site.code if site else 'every site'}"
    if not any([method, level, low, high, lead]):
        if override is None:
            return None
        override.delete()
        override = None
        action = AuditAction.DELETE
    else:
        action = AuditAction.CREATE if override is None else AuditAction.CHANGE
        if override is None:
            override = PolicyOverride(item=item, site=site)
        override.method, override.service_level, override.minimum, override.maximum = method, level, low, high
        override.lead_time_days, override.note = lead, note.strip()
        override.updated_at, override.updated_by = now, _person(actor)
        override.save()
    after = _override_state(override)
    if before == after:
        return override
    site_id = site.pk if site else None
    record_event(activity="Override planning policy", objects=[ObjectRef("item", str(item.pk), "overridden",
                                                                         site_id=site_id)],
                 occurred_at=now, site_id=site_id, actor=actor,
                 attributes={"sku": item.sku, "site": site.code if site else "", "removed": override is None})
    record_audit(actor=actor, action=action, object_type="policy_override", object_id=item.pk, object_repr=repr_,
                 site_id=site_id, before=before, after=after)
    return override
