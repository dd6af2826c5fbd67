"""REST operations of planning: runs (start, status, list), item plans (list, detail with
the explanation trace), approval of proposals, service targets, overrides and accuracy."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Status

from keel.core.api import KeelRouter, Page, PageParams, apply_ordering, paginate
from keel.core.errors import FieldProblem, NotFound, ValidationFailed
from keel.organization.models import Site
from keel.planning import permissions as p
from keel.planning import selectors, services
from keel.planning.choices import RunTrigger
from keel.planning.models import ItemPlan, PlanningRun, PolicyOverride, ServiceTarget
from keel.planning.schemas import (
    AccuracyOut,
    ApproveIn,
    ApproveOut,
    ItemPlanDetailOut,
    ItemPlanOut,
    ItemPlansQuery,
    OverrideIn,
    OverrideOut,
    RunIn,
    RunOut,
    TargetIn,
    TargetOut,
)
from keel.supply_chain import selectors as supply_selectors

router = KeelRouter(tags=["planning"])


def _actor(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def run_out(run: PlanningRun, *, with_staleness: bool = False) -> dict[str, Any]:
    out = {name: getattr(run, name) for name in (
        "status", "trigger", "created_at", "started_at", "finished_at", "progress", "phase", "parameters",
        "planned_on", "history_from", "period_days", "horizon", "item_count", "proposal_count", "stockout_count",
        "duration_seconds", "accuracy", "message")}
    out["id"] = run.pk
    out["requested_by"] = run.requested_by.email if run.requested_by else None
    if with_staleness and run.status == "succeeded":
        stale = selectors.staleness(run)
        out["is_stale"], out["stale_since"] = stale.is_stale, stale.since
    return out


def plan_out(plan: ItemPlan) -> dict[str, Any]:
    out = {name: getattr(plan, name) for name in (
        "abc_class", "xyz_class", "method", "mase", "wape", "bias", "demand_mean", "demand_sd", "lead_time_days",
        "lead_time_sd_days", "on_hand", "reserved", "backorders", "on_order", "target_kind", "target_level",
        "safety_stock", "reorder_point", "order_up_to", "proposed_quantity", "order_by", "arrives_on", "stockout_on",
        "days_of_supply", "urgency_rank", "status")}
    out.update({"id": plan.pk, "run": plan.run_id, "sku": plan.item.sku, "item_name": plan.item.name,
                "site": plan.site.code, "supplier": plan.supplier.code if plan.supplier else None,
                "purchase_order": plan.purchase_order.number if plan.purchase_order else None})
    return out


def target_out(target: ServiceTarget) -> dict[str, Any]:
    return {"id": target.pk, "abc_class": target.abc_class, "xyz_class": target.xyz_class,
            "site": target.site.code if target.site else None, "kind": target.kind, "level": target.level,
            "updated_at": target.updated_at}


def override_out(override: PolicyOverride) -> dict[str, Any]:
    return {"sku": override.item.sku, "site": override.site.code if override.site else None,
            "method": override.method, "service_level": override.service_level, "minimum": override.minimum,
            "maximum": override.maximum, "lead_time_days": override.lead_time_days, "note": override.note,
            "updated_at": override.updated_at}


def _site(actor: Any, code: str | None, action: str, detail: str) -> Site | None:
    if not code:
        return None
    site = selectors.target_sites(actor=actor, action=action).filter(code=code).first()
    if site is None:
        raise ValidationFailed(detail, problems=[FieldProblem(field="site", message=f"unknown site {code!r} in your scope")])
    return site


# --- Runs -------------------------------------------------------------------------------


@router.get("/planning/runs", response=Page[RunOut], action=p.VIEW_PLAN.code, summary="Planning runs, newest first")
def list_runs(request: HttpRequest, page: Query[PageParams]) -> dict[str, Any]:
    result = paginate(selectors.runs(actor=_actor(request)).order_by("-created_at", "-pk"), page)
    result["items"] = [run_out(run) for run in result["items"]]
    return result


@router.post("/planning/runs", response={202: RunOut}, action=p.RUN_PLAN.code,
             summary="Start a planning run",
             description="Queues a run (in embedded mode it runs before the response). Poll "
                         "`GET /planning/runs/{id}` for its progress. 409 while another run is queued or running.")
def start_run(request: HttpRequest, payload: RunIn) -> Status[dict[str, Any]]:
    run = services.start_planning_run(actor=_actor(request), trigger=RunTrigger.API,
                                      parameters=payload.dict(exclude_none=True))
    run.refresh_from_db()
    return Status(202, run_out(run))


@router.get("/planning/runs/{run_id}", response=RunOut, action=p.VIEW_PLAN.code,
            summary="One planning run: status, progress, counts and whether it is stale")
def get_run(request: HttpRequest, run_id: int) -> dict[str, Any]:
    run = selectors.run(actor=_actor(request), pk=run_id)
    if run is None:
        raise NotFound(f"No planning run {run_id}.")
    return run_out(run, with_staleness=True)


# --- Item plans --------------------------------------------------------------------------


def _run_or_latest(actor: Any, run_id: int | None) -> PlanningRun:
    run = selectors.run(actor=actor, pk=run_id) if run_id else selectors.latest_run(actor=actor)
    if run is None:
        raise NotFound("No such planning run." if run_id else "No successful planning run yet.")
    return run


@router.get("/planning/item-plans", response=Page[ItemPlanOut], action=p.VIEW_PLAN.code,
            summary="Item plans of a run (default the newest), in your sites, most urgent first")
def list_item_plans(request: HttpRequest, filters: Query[ItemPlansQuery], page: Query[PageParams]) -> dict[str, Any]:
    actor = _actor(request)
    if filters.run is None and selectors.latest_run(actor=actor) is None:
        return {"count": 0, "limit": page.limit, "offset": page.offset, "items": []}
    run = _run_or_latest(actor, filters.run)
    rows = selectors.item_plans(actor=actor, planning_run=run, search=filters.q, site_code=filters.site,
                                supplier_code=filters.supplier, abc_class=filters.abc, xyz_class=filters.xyz,
                                urgency=filters.urgency, status=filters.status)
    rows = apply_ordering(rows, filters.ordering, {
        "urgency_rank": "urgency_rank", "stockout_on": "stockout_on", "days_of_supply": "days_of_supply",
        "sku": "item__sku", "proposed_quantity": "proposed_quantity", "order_by": "order_by", "wape": "wape",
    }, "urgency_rank")
    result = paginate(rows, page)
    result["items"] = [plan_out(plan) for plan in result["items"]]
    return result


@router.get("/planning/item-plans/{plan_id}", response=ItemPlanDetailOut, action=p.VIEW_PLAN.code,
            summary="One item plan with its history, forecast, projection and explanation trace")
def get_item_plan(request: HttpRequest, plan_id: int) -> dict[str, Any]:
    plan = selectors.item_plan(actor=_actor(request), pk=plan_id)
    if plan is None:
        raise NotFound(f"No item plan {plan_id} in your scope.")
    out = plan_out(plan)
    out.update({name: getattr(plan, name) for name in (
        "history", "forecast", "forecast_lower", "forecast_upper", "projected", "projected_with_order", "trace")})
    return out


@router.post("/planning/proposals/approve", response={201: ApproveOut}, action=p.APPROVE_PROPOSAL.code,
             summary="Approve proposals into draft purchase orders",
             description="One draft per supplier and site, lines rounded up to the supplier's minimum and "
                         "multiple; all or nothing. Approved proposals cannot be approved again (409). Also needs "
                         "supply_chain.change_purchase_order.")
def approve(request: HttpRequest, payload: ApproveIn) -> Status[dict[str, Any]]:
    orders = services.approve_proposals(actor=_actor(request), plan_ids=payload.proposals)
    return Status(201, {"approved": len(set(payload.proposals)), "purchase_orders": [
        {"id": order.pk, "number": order.number, "supplier": order.supplier.code, "site": order.site.code,
         "lines": order.lines.count()} for order in orders]})


# --- Accuracy ----------------------------------------------------------------------------


@router.get("/planning/accuracy", response=AccuracyOut, action=p.VIEW_PLAN.code,
            summary="Forecast accuracy (MASE, WAPE, bias) overall, by class, by site and by method")
def accuracy(request: HttpRequest, run: int | None = None) -> dict[str, Any]:
    actor = _actor(request)
    if run is None and selectors.latest_run(actor=actor) is None:
        return {"run": None, "overall": [], "by_class": [], "by_site": [], "by_method": []}
    chosen = _run_or_latest(actor, run)
    return {"run": chosen.pk, **{key: selectors.accuracy_groups(actor=actor, planning_run=chosen, by=by)
                                 for key, by in (("overall", "overall"), ("by_class", "class"), ("by_site", "site"),
                                                 ("by_method", "method"))}}


# --- Targets and overrides -----------------------------------------------------------------


@router.get("/planning/service-targets", response=list[TargetOut], action=p.VIEW_PLAN.code,
            summary="Service targets by ABC/XYZ class")
def list_targets(request: HttpRequest) -> list[dict[str, Any]]:
    return [target_out(target) for target in selectors.service_targets(actor=_actor(request))]


@router.put("/planning/service-targets", response=TargetOut, action=p.MANAGE_TARGETS.code,
            summary="Set the service target of a class, company-wide or at a site")
def put_target(request: HttpRequest, payload: TargetIn) -> dict[str, Any]:
    actor = _actor(request)
    site = _site(actor, payload.site, p.MANAGE_TARGETS.code, "The service target was not saved.")
    target = services.set_service_target(actor=actor, abc_class=payload.abc_class, xyz_class=payload.xyz_class,
                                         site=site, kind=payload.kind, level=payload.level)
    return target_out(target)


@router.delete("/planning/service-targets/{target_id}", response={204: None}, action=p.MANAGE_TARGETS.code,
               summary="Remove a service target")
def delete_target(request: HttpRequest, target_id: int) -> Status[None]:
    actor = _actor(request)
    target = selectors.service_targets(actor=actor).filter(pk=target_id).first()
    if target is None:
        raise NotFound(f"No service target {target_id}.")
    services.remove_service_target(actor=actor, target=target)
    return Status(204, None)


@router.get("/planning/overrides", response=list[OverrideOut], action=p.VIEW_PLAN.code,
            summary="Policy overrides in your sites and company-wide")
def list_overrides(request: HttpRequest, sku: str | None = None) -> list[dict[str, Any]]:
    return [override_out(override) for override in selectors.overrides(actor=_actor(request), sku=sku)]


@router.put("/planning/overrides", response={200: OverrideOut, 204: None}, action=p.MANAGE_TARGETS.code,
            summary="Set an item's override (all fields blank removes it: 204)")
def put_override(request: HttpRequest, payload: OverrideIn) -> Status[dict[str, Any] | None]:
    actor = _actor(request)
    item = supply_selectors.items(actor=actor).filter(sku=payload.sku).first()
    if item is None:
        raise ValidationFailed("The override was not saved.",
                               problems=[FieldProblem(field="sku", message=f"unknown item {payload.sku!r}")])
    site = _site(actor, payload.site, p.MANAGE_TARGETS.code, "The override was not saved.")
    override = services.set_policy_override(
        actor=actor, item=item, site=site, method=payload.method, service_level=payload.service_level,
        minimum=payload.minimum, maximum=payload.maximum, lead_time_days=payload.lead_time_days, note=payload.note)
    if override is None:
        return Status(204, None)
    return Status(200, override_out(override))
