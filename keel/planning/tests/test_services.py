"""Planning runs on a small hand-made company: every number checked against a value
computed independently here; approval into purchase orders; targets and overrides."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import timedelta
from decimal import Decimal
from statistics import NormalDist
from typing import Any

import pytest

from keel.audit.models import AuditRecord
from keel.core.errors import Conflict, PermissionDenied, ValidationFailed
from keel.events.models import Event
from keel.organization.models import Person, Site
from keel.planning import selectors, services
from keel.planning.choices import ProposalStatus, RunStatus
from keel.planning.models import ItemPlan, PlanningRun, PolicyOverride, ServiceTarget
from keel.planning.tests.conftest import PLAN_DAY, receive
from keel.supply_chain import services as supply
from keel.supply_chain.models import Item, PurchaseOrder, Supplier

# 28 days alternating 3 and 5 units, ending on 5: the naive forecast is 5 a day and its
# one-step backtest error is 2 every day.
ALTERNATING = [3, 5] * 14
Z95 = NormalDist().inv_cdf(0.95)

Seller = Callable[[Item, Site, Sequence[int]], None]


def plan_of(run: PlanningRun, item: Item, site: Site) -> ItemPlan:
    return ItemPlan.objects.get(run=run, item=item, site=site)


def run_plan(**parameters: Any) -> PlanningRun:
    run = services.run_planning(actor=None, parameters=parameters, today=PLAN_DAY)
    assert run.status == RunStatus.SUCCEEDED, run.message
    return run


@pytest.mark.django_db
def test_a_run_computes_forecast_safety_stock_min_max_and_the_proposal_exactly(
    site_dublin: Site, widget: Item, sell: Seller,
) -> None:
    # Given 28 days of sales alternating 3 and 5, 300 on hand, 112 owed to the open orders,
    # Acme's declared lead time of 10 days (no receipts yet), min 100 and multiples of 50,
    # and the naive method fixed by an override (so the forecast is known in closed form)
    sell(widget, site_dublin, ALTERNATING)
    receive(widget, site_dublin, 300)
    services.set_policy_override(actor=None, item=widget, site=None, method="naive")

    # When planning runs (daily buckets, 56 days ahead, reviewed every 7 days, K = 50, 25% a year)
    run = run_plan()
    plan = plan_of(run, widget, site_dublin)

    # Then the forecast is the last observation, the demand sd the one-step error 2
    assert plan.method == "naive"
    assert plan.history == [float(value) for value in ALTERNATING]
    assert plan.forecast == [5.0] * 56
    assert plan.demand_mean == 5.0
    assert plan.demand_sd == pytest.approx(2.0, abs=1e-12)
    # The lead time is the supplier's, without variability; stock and commitments as read
    assert (plan.lead_time_days, plan.lead_time_sd_days, plan.lead_time_source) == (10.0, 0.0, "supplier")
    assert (plan.on_hand, plan.reserved, plan.backorders, plan.on_order) == (Decimal(300), 0, Decimal(112), 0)
    # Safety stock for 95% over R + L = 17 days: z * sqrt(17 * 2^2)
    sigma = math.sqrt(17 * 2.0 ** 2)
    safety = Z95 * sigma
    assert plan.target_kind == "cycle_service_level"
    assert plan.target_level == 0.95
    assert plan.safety_stock == pytest.approx(safety, rel=1e-9)
    # min = D (R + L) + SS; Q = EOQ with h = 0.25 * 10 / 365 a day; max = min + Q
    minimum = 5 * 17 + safety
    quantity = math.sqrt(2 * 50 * 5 / (0.25 * 10 / 365))
    assert plan.reorder_point == pytest.approx(minimum, rel=1e-9)
    assert plan.order_quantity == pytest.approx(quantity, rel=1e-9)
    assert plan.order_up_to == pytest.approx(minimum + quantity, rel=1e-9)
    # Net stock 300 - 112 = 188 lasts 37.6 days and runs out in period 37
    assert plan.days_of_supply == pytest.approx(37.6)
    assert plan.stockout_on == PLAN_DAY + timedelta(days=37)
    # The position 188 - 5 t first falls to min (98.56...) at t = 18: order max - 98, rounded
    # up to the minimum 100 and the multiple 50
    position = 188 - 5 * 18
    raw = minimum + quantity - position
    assert plan.trace["raw_quantity"] == pytest.approx(raw, rel=1e-9)
    assert plan.proposed_quantity == Decimal(math.ceil(raw / 50) * 50) == Decimal(300)
    assert plan.order_by == PLAN_DAY + timedelta(days=18)
    assert plan.arrives_on == PLAN_DAY + timedelta(days=28)
    assert plan.status == ProposalStatus.PROPOSED
    assert plan.supplier is not None
    assert plan.supplier.code == "ACME"
    # The explanation names the formula with the numbers in it
    assert plan.trace["formula"].startswith(f"quantity = S - IP = {minimum + quantity:g} - {position:g}")
    assert plan.trace["safety_stock"] == f"SS = z sd_P = {Z95:.3f} · {sigma:.2f} = {safety:.2f}"
    # And the run recorded its counts, its event and its audit record
    assert (run.item_count, run.proposal_count, run.stockout_count, run.period_days, run.horizon) == (1, 1, 1, 1, 56)
    assert run.history_from == PLAN_DAY - timedelta(days=28)
    event = Event.objects.get(pk=run.event_id)
    assert event.event_type.name == "Run planning"
    assert AuditRecord.objects.filter(object_type="planning_run", object_id=str(run.pk)).count() == 2


@pytest.mark.django_db
def test_lead_times_come_from_receipts_order_date_to_receipt_date(
    site_dublin: Site, widget: Item, acme: Supplier, sell: Seller, director: Person,
) -> None:
    # Given two orders to Acme received after 8 and 12 days (sent on the day they were raised)
    from keel.core import clock
    from keel.planning.tests.conftest import moment

    sell(widget, site_dublin, ALTERNATING)
    location = supply.create_location(actor=None, site=site_dublin, code="R-01", kind="receiving")
    for raised, days in ((PLAN_DAY - timedelta(days=30), 8), (PLAN_DAY - timedelta(days=20), 12)):
        with clock.simulated(moment(raised)):
            order = supply.create_purchase_order(actor=None, supplier=acme, site=site_dublin, lines=[
                supply.OrderLineIn(item=widget, quantity=Decimal(100))])
            supply.submit_purchase_order(actor=None, order=order)
            supply.approve_purchase_order(actor=director, order=order)
            supply.send_purchase_order(actor=None, order=order)
        with clock.simulated(moment(raised + timedelta(days=days))):
            supply.receive_purchase_order(actor=None, order=order, lines=[
                supply.ReceiveLine(line=order.lines.get(), quantity=Decimal(100), location=location)])

    # When planning runs
    plan = plan_of(run_plan(), widget, site_dublin)

    # Then the lead time is the mean of 8 and 12 days and its sample sd sqrt(8)
    assert (plan.lead_time_days, plan.lead_time_receipts, plan.lead_time_source) == (10.0, 2, "receipts")
    assert plan.lead_time_sd_days == pytest.approx(math.sqrt(8))
    assert plan.on_hand == Decimal(200)


@pytest.mark.django_db
def test_a_fill_rate_target_of_the_class_and_a_site_override_apply(
    site_dublin: Site, site_columbus: Site, widget: Item, sell: Seller,
) -> None:
    # Given the same sales at Dublin and Columbus, a fill-rate target for the class,
    # and a cycle service level of 0.99 fixed for the widget at Columbus only
    sell(widget, site_dublin, ALTERNATING)
    sell(widget, site_columbus, ALTERNATING)
    services.set_policy_override(actor=None, item=widget, site=None, method="naive")
    services.set_policy_override(actor=None, item=widget, site=site_columbus, method="naive", service_level="0.99")
    # One item makes all the value: class A; weekly demand 28 every week: class X
    services.set_service_target(actor=None, abc_class="A", xyz_class="X", site=None, kind="fill_rate", level="0.98")

    run = run_plan()
    dublin, columbus = plan_of(run, widget, site_dublin), plan_of(run, widget, site_columbus)

    # Then Dublin plans for the fill rate: sd_P G(z) = (1 - 0.98) Q
    assert (dublin.abc_class, dublin.xyz_class, dublin.target_kind) == ("A", "X", "fill_rate")
    sigma = math.sqrt(17 * 4.0)
    quantity = math.sqrt(2 * 50 * 5 / (0.25 * 10 / 365))
    z = dublin.trace["z"]
    normal = NormalDist()
    loss = normal.pdf(z) - z * (1 - normal.cdf(z))
    assert sigma * loss == pytest.approx(0.02 * quantity, rel=1e-9)
    assert dublin.safety_stock == pytest.approx(z * sigma, rel=1e-12)
    # And Columbus for its own cycle service level of 0.99
    assert (columbus.target_kind, columbus.target_level) == ("cycle_service_level", 0.99)
    assert columbus.safety_stock == pytest.approx(NormalDist().inv_cdf(0.99) * sigma, rel=1e-9)


@pytest.mark.django_db
def test_a_min_max_override_replaces_the_computed_levels(site_dublin: Site, widget: Item, sell: Seller) -> None:
    sell(widget, site_dublin, ALTERNATING)
    receive(widget, site_dublin, 50)
    services.set_policy_override(actor=None, item=widget, site=site_dublin, method="naive", minimum="120",
                                 maximum="400", lead_time_days="3")
    plan = plan_of(run_plan(), widget, site_dublin)
    assert (plan.reorder_point, plan.order_up_to, plan.lead_time_days, plan.lead_time_source) == (120, 400, 3, "override")
    # Position 50 - 112 = -62 at once: order 400 + 62 = 462, rounded to fifties: 500
    assert plan.order_by == PLAN_DAY
    assert plan.proposed_quantity == Decimal(500)
    assert plan.trace["reorder_point"] == "min = 120 (override)"


@pytest.mark.django_db
def test_a_run_without_sales_history_fails_with_a_message_and_writes_no_plans(widget: Item) -> None:
    run = services.run_planning(actor=None, today=PLAN_DAY)
    assert run.status == RunStatus.FAILED
    assert run.message.startswith("No sales history to plan from")
    assert not ItemPlan.objects.exists()


@pytest.mark.django_db
def test_bad_parameters_name_each_field_and_start_nothing() -> None:
    with pytest.raises(ValidationFailed) as failure:
        services.start_planning_run(actor=None, parameters={"bucket": "month", "horizon_days": 2,
                                                            "service_level": 1.5, "colour": "red"})
    assert {problem.field for problem in failure.value.problems} == {"bucket", "horizon_days", "service_level",
                                                                     "colour"}
    assert not PlanningRun.objects.exists()


@pytest.mark.django_db
def test_only_one_run_at_a_time() -> None:
    services.start_planning_run(actor=None, enqueue=False)
    with pytest.raises(Conflict):
        services.start_planning_run(actor=None, enqueue=False)
    assert PlanningRun.objects.count() == 1


@pytest.fixture
def planned(site_dublin: Site, widget: Item, gadget: Item, beans: Item, sell: Seller) -> PlanningRun:
    """Three items short at Dublin: two from Acme, one from Beta."""
    for item in (widget, gadget, beans):
        sell(item, site_dublin, ALTERNATING)
        services.set_policy_override(actor=None, item=item, site=None, method="naive")
    return run_plan()


@pytest.mark.django_db
def test_approving_makes_one_draft_per_supplier_rounded_to_current_terms(
    planned: PlanningRun, site_dublin: Site, widget: Item, gadget: Item, beans: Item, acme: Supplier, planner: Person,
) -> None:
    plans = {plan.item.sku: plan for plan in ItemPlan.objects.filter(run=planned).select_related("item")}
    assert all(plan.status == ProposalStatus.PROPOSED for plan in plans.values())
    # Given Acme's gadget multiple changed to 100 after the run
    supply.save_supplier_item(actor=None, supplier=acme, item=gadget, minimum_order_quantity="0",
                              order_multiple="100", price_breaks=[("0", "3.00")])
    proposed = {sku: plan.proposed_quantity for sku, plan in plans.items()}

    # When the planner approves all three
    orders = services.approve_proposals(actor=planner, plan_ids=[plan.pk for plan in plans.values()])

    # Then there are two drafts: Acme with the gadget and the widget, Beta with the beans
    assert [(order.supplier.code, order.site.code, order.status) for order in orders] == [
        ("ACME", "dub", "draft"), ("BETA", "dub", "draft")]
    acme_lines = [(line.item.sku, line.ordered_quantity) for line in orders[0].lines.order_by("line_number")]
    gadget_quantity = Decimal(math.ceil(proposed["GADGET"] / 100) * 100)
    assert acme_lines == [("GADGET", gadget_quantity), ("WIDGET", proposed["WIDGET"])]
    assert [(line.item.sku, line.ordered_quantity) for line in orders[1].lines.all()] == [("BEANS", proposed["BEANS"])]
    assert proposed["WIDGET"] % 50 == 0
    assert proposed["BEANS"] % 20 == 0
    assert proposed["BEANS"] >= 40
    # The proposals are approved, linked to their orders, with an event and an audit record
    for plan in ItemPlan.objects.filter(run=planned).select_related("item", "purchase_order"):
        assert plan.status == ProposalStatus.APPROVED
        assert plan.approved_by_id == planner.pk
        assert plan.purchase_order == (orders[1] if plan.item.sku == "BEANS" else orders[0])
    assert Event.objects.filter(event_type__name="Approve replenishment proposals").count() == 1
    assert AuditRecord.objects.filter(object_type="planning_run", action="approve").count() == 1

    # And approving any of them again is refused, changing nothing
    with pytest.raises(Conflict):
        services.approve_proposals(actor=planner, plan_ids=[plans["BEANS"].pk])
    assert PurchaseOrder.objects.count() == 2


@pytest.mark.django_db
def test_a_bad_selection_approves_nothing(
    planned: PlanningRun, site_columbus: Site, planner: Person, make_person: Callable[..., Person],
) -> None:
    plans = list(ItemPlan.objects.filter(run=planned).order_by("pk"))
    # An id that does not exist is named by its row; nothing is created
    with pytest.raises(ValidationFailed) as failure:
        services.approve_proposals(actor=planner, plan_ids=[plans[0].pk, 999_999])
    assert [(problem.field, problem.row) for problem in failure.value.problems] == [("proposals", 1)]
    # A manager at Columbus does not see Dublin's proposals
    columbus = make_person("supply-chain-manager", site=site_columbus)
    with pytest.raises(ValidationFailed):
        services.approve_proposals(actor=columbus, plan_ids=[plans[0].pk])
    assert not PurchaseOrder.objects.exists()
    assert ItemPlan.objects.filter(status=ProposalStatus.APPROVED).count() == 0


@pytest.mark.django_db
def test_proposals_of_an_older_run_cannot_be_approved(planned: PlanningRun, planner: Person) -> None:
    old = ItemPlan.objects.filter(run=planned).first()
    assert old is not None
    run_plan()
    with pytest.raises(ValidationFailed) as failure:
        services.approve_proposals(actor=planner, plan_ids=[old.pk])
    assert "approve from the newest run" in failure.value.problems[0].message


@pytest.mark.django_db
def test_a_plan_turns_stale_when_stock_changes_after_it(planned: PlanningRun, widget: Item,
                                                          site_dublin: Site) -> None:
    planned.refresh_from_db()
    assert selectors.staleness(planned).is_stale is False
    receive(widget, site_dublin, 10)
    state = selectors.staleness(planned)
    # (the receipt; the new bin it went into changes nothing the plan reads)
    assert state.is_stale
    assert state.events == 1
    assert state.since is not None


@pytest.mark.django_db
def test_service_targets_are_validated_scoped_and_audited(
    site_dublin: Site, site_columbus: Site, planner: Person, director: Person,
) -> None:
    # A site-scoped manager sets a target for their own site
    target = services.set_service_target(actor=planner, abc_class="A", xyz_class="Y", site=site_dublin,
                                         kind="cycle_service_level", level="0.97")
    assert target.level == Decimal("0.97")
    # but not company-wide, nor for another site; a bad level names its field
    with pytest.raises(PermissionDenied):
        services.set_service_target(actor=planner, abc_class="A", xyz_class="Y", site=None,
                                    kind="cycle_service_level", level="0.97")
    with pytest.raises(ValidationFailed) as failure:
        services.set_service_target(actor=planner, abc_class="D", xyz_class="Y", site=site_columbus,
                                    kind="cycle_service_level", level="1.2")
    assert {problem.field for problem in failure.value.problems} == {"abc_class", "level", "site"}
    # The director sets the company's and changes it; every change is audited
    services.set_service_target(actor=director, abc_class="A", xyz_class="Y", site=None, kind="fill_rate", level="0.98")
    services.set_service_target(actor=director, abc_class="A", xyz_class="Y", site=None, kind="fill_rate", level="0.99")
    assert ServiceTarget.objects.count() == 2
    actions = list(AuditRecord.objects.filter(object_type="service_target").order_by("pk").values_list("action", flat=True))
    assert actions == ["create", "create", "change"]
    company = ServiceTarget.objects.get(site=None)
    services.remove_service_target(actor=director, target=company)
    assert ServiceTarget.objects.count() == 1


@pytest.mark.django_db
def test_overrides_are_validated_and_blank_removes_them(widget: Item, site_dublin: Site, planner: Person) -> None:
    with pytest.raises(ValidationFailed) as failure:
        services.set_policy_override(actor=planner, item=widget, site=site_dublin, method="arima", minimum="10",
                                     service_level="0")
    assert {problem.field for problem in failure.value.problems} == {"method", "maximum", "service_level"}
    assert not PolicyOverride.objects.exists()
    services.set_policy_override(actor=planner, item=widget, site=site_dublin, method="ses", note="promotion")
    assert PolicyOverride.objects.get().method == "ses"
    assert services.set_policy_override(actor=planner, item=widget, site=site_dublin) is None
    assert not PolicyOverride.objects.exists()
    assert [record.action for record in selectors.override_history(actor=planner, item_id=widget.pk)] == [
        "delete", "create"]


@pytest.mark.django_db
def test_keel_plan_runs_now_and_reports_or_fails_plainly(site_dublin: Site, widget: Item, sell: Seller) -> None:
    import io

    from django.core.management import call_command
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No sales history to plan from"):
        call_command("keel_plan", stdout=io.StringIO())
    sell(widget, site_dublin, ALTERNATING)
    out = io.StringIO()
    call_command("keel_plan", "--schedule", "--bucket", "week", stdout=out)
    run = PlanningRun.objects.get(status=RunStatus.SUCCEEDED)
    assert (run.trigger, run.period_days) == ("schedule", 7)
    assert out.getvalue().startswith(f"Planning run {run.pk}: 1 item plans, ")
