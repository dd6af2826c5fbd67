"""Planning pages: the replenishment workbench with its "why" panel, approval, planning
runs and their progress, the item planning page, forecast accuracy and service targets."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from keel.audit.services import record_export
from keel.core.errors import ValidationFailed
from keel.core.listing import Column, Listing
from keel.core.views import requires
from keel.organization.forms import apply_problems
from keel.organization.models import Site
from keel.planning import charts, selectors, services
from keel.planning import permissions as p
from keel.planning.choices import ProposalStatus, RunTrigger, TargetKind
from keel.planning.forms import OverrideForm, TargetForm
from keel.planning.models import ItemPlan, PlanningRun
from keel.supply_chain import selectors as supply_selectors
from keel.supply_chain.permissions import CHANGE_PURCHASE_ORDER, VIEW_SUPPLIER


def _number(value: object) -> object:
    return "" if value is None else value


WORKBENCH_COLUMNS = (
    Column("urgency_rank", "#", sort="urgency_rank", numeric=True),
    Column("item.sku", "SKU", sort="item__sku"),
    Column("item.name", "Item", sort="item__name"),
    Column("site.code", "Site", sort="site__code"),
    Column("class", "Class", sort="abc_class", value=lambda plan: f"{plan.abc_class}{plan.xyz_class}"),
    Column("stockout_on", "Runs out", sort="stockout_on"),
    Column("days_of_supply", "Days of supply", sort="days_of_supply", numeric=True,
           value=lambda plan: "" if plan.days_of_supply is None else round(plan.days_of_supply, 1)),
    Column("on_hand", "On hand", sort="on_hand", numeric=True),
    Column("on_order", "On order", sort="on_order", numeric=True),
    Column("proposed_quantity", "Propose", sort="proposed_quantity", numeric=True),
    Column("supplier.code", "Supplier", sort="supplier__code",
           value=lambda plan: plan.supplier.code if plan.supplier else ""),
    Column("order_by", "Order by", sort="order_by"),
    Column("status", "Status", sort="status", value=lambda plan: plan.get_status_display()),
)
EXPORT_EXTRA = (
    Column("method", "Forecast method"),
    Column("demand_mean", "Demand per period", value=lambda plan: round(plan.demand_mean, 4)),
    Column("safety_stock", "Safety stock", value=lambda plan: round(plan.safety_stock, 4)),
    Column("reorder_point", "Min (reorder point)", value=lambda plan: round(plan.reorder_point, 4)),
    Column("order_up_to", "Max (order-up-to)", value=lambda plan: round(plan.order_up_to, 4)),
    Column("lead_time_days", "Lead time (days)", value=lambda plan: round(plan.lead_time_days, 2)),
)
ACCURACY_COLUMNS = (
    Column("item.sku", "SKU", sort="item__sku"),
    Column("item.name", "Item", sort="item__name"),
    Column("site.code", "Site", sort="site__code"),
    Column("class", "Class", sort="abc_class", value=lambda plan: f"{plan.abc_class}{plan.xyz_class}"),
    Column("method", "Method", sort="method"),
    Column("mase", "MASE", sort="mase", numeric=True, value=lambda plan: _number(plan.mase)),
    Column("wape", "WAPE", sort="wape", numeric=True, value=lambda plan: _number(plan.wape)),
    Column("bias", "Bias", sort="bias", numeric=True, value=lambda plan: _number(plan.bias)),
    Column("actual_total", "Backtest demand", sort="actual_total", numeric=True),
)


def _can(request: HttpRequest, action: str) -> bool:
    return bool(request.user.has_action(action))  # type: ignore[union-attr]


def _run_context(request: HttpRequest) -> dict[str, Any]:
    latest = selectors.latest_run(actor=request.user)
    return {
        "run": latest, "active_run": selectors.active_run(actor=request.user),
        "staleness": selectors.staleness(latest) if latest else None,
        "can_run": _can(request, p.RUN_PLAN.code),
    }


@requires(p.VIEW_PLAN.code)
def workbench_view(request: HttpRequest) -> HttpResponse:
    """Items by urgency with the proposed order, filters, export and approval."""
    context = _run_context(request)
    latest: PlanningRun | None = context["run"]
    params = request.GET
    filters = {"search": None, "site_code": params.get("site") or None, "supplier_code": params.get("supplier") or None,
               "abc_class": params.get("abc") or None, "xyz_class": params.get("xyz") or None,
               "urgency": params.get("urgency") or None, "status": params.get("status") or None}
    context.update({
        "sites": selectors.target_sites(actor=request.user, action=p.VIEW_PLAN.code),
        "suppliers": (supply_selectors.suppliers(actor=request.user).only("code", "name").order_by("code")
                      if _can(request, VIEW_SUPPLIER.code) else []),
        "urgencies": selectors.URGENCY, "statuses": ProposalStatus.choices, "filters": filters,
        "can_approve": _can(request, p.APPROVE_PROPOSAL.code) and _can(request, CHANGE_PURCHASE_ORDER.code),
    })
    if latest is None:
        return render(request, "planning/workbench.html", context)
    rows = selectors.item_plans(actor=request.user, planning_run=latest, **filters)
    listing = Listing(request=request, queryset=rows, columns=WORKBENCH_COLUMNS, search_fields=("item__sku", "item__name"),
                      default_sort="urgency_rank", export_name=f"replenishment-run-{latest.pk}")
    if request.GET.get("export") in {"csv", "xlsx"}:
        listing.columns = (*WORKBENCH_COLUMNS, *EXPORT_EXTRA)
        record_export(actor=request.user, object_type="item_plan", row_count=listing.filtered.count(),
                      file_format=request.GET["export"])
        export = listing.export()
        assert export is not None
        return export
    context["listing"] = listing
    return render(request, "planning/workbench.html", context)


def _visible_plan(request: HttpRequest, pk: int) -> ItemPlan:
    plan = selectors.item_plan(actor=request.user, pk=pk)
    if plan is None:
        raise Http404("No such item plan in your scope")
    return plan


@requires(p.VIEW_PLAN.code)
def why_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The "why" panel of one proposal (htmx fragment; a full page without htmx)."""
    plan = _visible_plan(request, pk)
    is_htmx = bool(request.headers.get("HX-Request"))
    if request.GET.get("close"):
        return HttpResponse("") if is_htmx else redirect("planning:workbench")
    template = "planning/partials/why.html" if is_htmx else "planning/why_page.html"
    return render(request, template, {"plan": plan, "trace": plan.trace, "closable": is_htmx})


@requires(p.APPROVE_PROPOSAL.code)
@require_POST
def approve_view(request: HttpRequest) -> HttpResponse:
    ids = []
    for value in request.POST.getlist("plan"):
        if value.isdigit():
            ids.append(int(value))
    if not ids:
        messages.error(request, "Select at least one proposal to approve.")
        return redirect(request.POST.get("next") or reverse("planning:workbench"))
    orders = services.approve_proposals(actor=request.user, plan_ids=ids)
    numbers = ", ".join(order.number for order in orders)
    messages.success(request, f"{len(ids)} proposal{'s' if len(ids) != 1 else ''} approved into "
                              f"{len(orders)} draft purchase order{'s' if len(orders) != 1 else ''}: {numbers}.")
    return redirect(reverse("planning:workbench"))


@requires(p.RUN_PLAN.code)
@require_POST
def run_start_view(request: HttpRequest) -> HttpResponse:
    planning_run = services.start_planning_run(actor=request.user, trigger=RunTrigger.PAGE)
    messages.success(request, f"Planning run {planning_run.pk} started.")
    return redirect(reverse("planning:workbench"))


@requires(p.VIEW_PLAN.code)
def run_status_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress bar of a run, polled while it runs; a finished run reloads the page."""
    planning_run = selectors.run(actor=request.user, pk=pk)
    if planning_run is None:
        raise Http404("No such planning run")
    response = render(request, "planning/partials/run_progress.html", {"active_run": planning_run})
    if planning_run.is_finished and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response


@requires(p.VIEW_PLAN.code)
def runs_view(request: HttpRequest) -> HttpResponse:
    rows = selectors.runs(actor=request.user).order_by("-created_at", "-pk")[:50]
    return render(request, "planning/runs.html", {"runs": list(rows), "can_run": _can(request, p.RUN_PLAN.code),
                                                  "active_run": selectors.active_run(actor=request.user)})


def _override_sites(request: HttpRequest) -> list[tuple[str, str]]:
    sites = [(site.code, f"{site.code} · {site.name}")
             for site in selectors.target_sites(actor=request.user, action=p.MANAGE_TARGETS.code)]
    if request.user.reach().is_company_wide:  # type: ignore[union-attr]
        sites.insert(0, ("", "Every site"))
    return sites


@requires(p.VIEW_PLAN.code)
@require_http_methods(["GET", "POST"])
def item_view(request: HttpRequest, sku: str) -> HttpResponse:
    """One item: history and forecast with intervals per site, backtest per method,
    the policy and its numbers, overrides with their audit trail."""
    latest = selectors.latest_run(actor=request.user)
    plans = selectors.plans_of_item(actor=request.user, planning_run=latest, sku=sku) if latest else []
    if not plans:
        raise Http404("No plan for this item in your sites yet")
    chosen = next((plan for plan in plans if plan.site.code == request.GET.get("site")), plans[0])
    can_manage = _can(request, p.MANAGE_TARGETS.code)
    form = OverrideForm(request.POST or None, sites=_override_sites(request)) if can_manage else None
    if form is not None and request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        site = Site.objects.filter(code=data["site"]).first() if data["site"] else None
        try:
            services.set_policy_override(actor=request.user, item=chosen.item, site=site, method=data["method"],
                                         service_level=data["service_level"], minimum=data["minimum"],
                                         maximum=data["maximum"], lead_time_days=data["lead_time_days"],
                                         note=data["note"])
        except ValidationFailed as failure:
            apply_problems(form, failure)
        else:
            messages.success(request, f"Override of {chosen.item.sku} saved; the next planning run uses it.")
            return redirect(f"{reverse('planning:item', args=[sku])}?site={chosen.site.code}")
    assert latest is not None
    season = 7 if latest.period_days == 1 else None
    return render(request, "planning/item.html", {
        "run": latest, "plans": plans, "plan": chosen, "trace": chosen.trace, "on_item_page": True,
        "forecast_chart": charts.forecast_chart(chosen, latest),
        "projection_chart": charts.projection_chart(chosen, latest),
        "backtest": selectors.backtest_by_method(chosen, season_length=season),
        "overrides": list(selectors.overrides(actor=request.user, sku=sku)),
        "history": selectors.override_history(actor=request.user, item_id=chosen.item_id),
        "form": form, "can_manage": can_manage,
    }, status=400 if form is not None and form.errors else 200)


@requires(p.VIEW_PLAN.code)
def accuracy_view(request: HttpRequest) -> HttpResponse:
    latest = selectors.latest_run(actor=request.user)
    context: dict[str, Any] = {"run": latest, "sites": selectors.target_sites(actor=request.user, action=p.VIEW_PLAN.code)}
    if latest is None:
        return render(request, "planning/accuracy.html", context)
    params = request.GET
    rows = selectors.accuracy_rows(actor=request.user, planning_run=latest, site_code=params.get("site") or None,
                                   abc_class=params.get("abc") or None, xyz_class=params.get("xyz") or None)
    listing = Listing(request=request, queryset=rows, columns=ACCURACY_COLUMNS, search_fields=("item__sku", "item__name"),
                      default_sort="-actual_total", export_name=f"forecast-accuracy-run-{latest.pk}")
    export = listing.export()
    if export is not None:
        record_export(actor=request.user, object_type="item_plan", row_count=listing.filtered.count(),
                      file_format=request.GET["export"])
        return export
    context.update({
        "listing": listing,
        "groups": [(title, selectors.accuracy_groups(actor=request.user, planning_run=latest, by=by))
                   for title, by in (("Overall", "overall"), ("By ABC/XYZ class", "class"), ("By site", "site"),
                                     ("By method", "method"))],
    })
    return render(request, "planning/accuracy.html", context)


def _target_sites(request: HttpRequest) -> list[tuple[str, str]]:
    return _override_sites(request)


@requires(p.VIEW_PLAN.code)
@require_http_methods(["GET", "POST"])
def targets_view(request: HttpRequest) -> HttpResponse:
    """Service targets per ABC/XYZ class, company-wide and per site."""
    can_manage = _can(request, p.MANAGE_TARGETS.code)
    form = TargetForm(request.POST or None, sites=_target_sites(request)) if can_manage else None
    if request.method == "POST":
        if form is None:
            raise Http404
        if "remove" in request.POST:
            target = selectors.service_targets(actor=request.user).filter(pk=request.POST.get("remove") or 0).first()
            if target is None:
                raise Http404("No such service target")
            services.remove_service_target(actor=request.user, target=target)
            messages.success(request, "Service target removed.")
            return redirect("planning:targets")
        if form.is_valid():
            data = form.cleaned_data
            site = Site.objects.filter(code=data["site"]).first() if data["site"] else None
            try:
                services.set_service_target(actor=request.user, abc_class=data["abc_class"], xyz_class=data["xyz_class"],
                                            site=site, kind=data["kind"], level=data["level"])
            except ValidationFailed as failure:
                apply_problems(form, failure)
            else:
                messages.success(request, f"Target for class {data['abc_class']}{data['xyz_class']} saved.")
                return redirect("planning:targets")
    targets = list(selectors.service_targets(actor=request.user))
    company = {(t.abc_class, t.xyz_class): t for t in targets if t.site_id is None}
    matrix = [{"abc": abc, "cells": [{"xyz": xyz, "target": company.get((abc, xyz))} for xyz in "XYZ"]} for abc in "ABC"]
    latest = selectors.latest_run(actor=request.user)
    return render(request, "planning/targets.html", {
        "targets": targets, "matrix": matrix, "form": form, "can_manage": can_manage,
        "default_level": (latest.parameters.get("service_level") if latest else None)
        or services.DEFAULT_PARAMETERS["service_level"], "kinds": TargetKind,
    }, status=400 if form is not None and form.errors else 200)
