"""Planning records: service targets, policy overrides, planning runs and their item plans.

A planning run reads demand, stock, open orders and lead times once, computes forecasts,
policies and proposals for every item at every site with the vectorised engines
(``keel.analytics``) and stores one ``ItemPlan`` per item and site. Runs are kept: the
workbench shows the newest successful run, older runs stay for comparison and audit.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models

from keel.core import clock
from keel.core.scoping import RestrictedManager
from keel.planning.choices import (
    ABC_CLASSES,
    XYZ_CLASSES,
    ProposalStatus,
    RunStatus,
    RunTrigger,
    TargetKind,
)


def _quantity(**kwargs: object) -> models.DecimalField:
    return models.DecimalField(max_digits=18, decimal_places=4, **kwargs)  # type: ignore[arg-type]


class ServiceTarget(models.Model):
    """The service an ABC/XYZ class should get: a cycle service level or a fill rate,
    at one site or company-wide (no site). A site's own target wins over the company's."""

    abc_class = models.CharField(max_length=1, choices=ABC_CLASSES)
    xyz_class = models.CharField(max_length=1, choices=XYZ_CLASSES)
    site = models.ForeignKey("organization.Site", on_delete=models.CASCADE, null=True, blank=True, related_name="+",
                             help_text="Empty: company-wide")
    kind = models.CharField(max_length=24, choices=TargetKind.choices, default=TargetKind.CYCLE_SERVICE_LEVEL)
    level = models.DecimalField(max_digits=6, decimal_places=4, help_text="Between 0 and 1, e.g. 0.95")
    updated_at = models.DateTimeField(default=clock.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")

    objects = RestrictedManager()
    scope_global = True  # targets are planning master data: every planner sees what applies

    class Meta:
        ordering = ["site", "abc_class", "xyz_class"]
        constraints = [
            models.UniqueConstraint(fields=["abc_class", "xyz_class", "site"], condition=models.Q(site__isnull=False),
                                    name="service_target_unique_site"),
            models.UniqueConstraint(fields=["abc_class", "xyz_class"], condition=models.Q(site__isnull=True),
                                    name="service_target_unique_company"),
            models.CheckConstraint(condition=models.Q(level__gt=0) & models.Q(level__lt=1),
                                   name="service_target_level_between_0_and_1"),
        ]

    def __str__(self) -> str:
        where = self.site.code if self.site is not None else "company"
        return f"{self.abc_class}{self.xyz_class} at {where}: {self.get_kind_display()} {self.level}"


class PolicyOverride(models.Model):
    """A planner's fixed choice for one item at one site (or every site): the forecast
    method, the service level, the min/max levels or the lead time. Blank fields follow the plan."""

    item = models.ForeignKey("supply_chain.Item", on_delete=models.CASCADE, related_name="+")
    site = models.ForeignKey("organization.Site", on_delete=models.CASCADE, null=True, blank=True, related_name="+",
                             help_text="Empty: every site")
    method = models.CharField(max_length=32, blank=True, help_text="A forecasting family, e.g. ses or croston")
    service_level = models.DecimalField(max_digits=6, decimal_places=4, null=True, blank=True)
    minimum = _quantity(null=True, blank=True, help_text="Fixed reorder point (min)")
    maximum = _quantity(null=True, blank=True, help_text="Fixed order-up-to level (max)")
    lead_time_days = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)
    updated_at = models.DateTimeField(default=clock.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")

    objects = RestrictedManager()
    scope_site_field = "site"

    class Meta:
        ordering = ["item", "site"]
        constraints = [
            models.UniqueConstraint(fields=["item", "site"], condition=models.Q(site__isnull=False),
                                    name="policy_override_unique_site"),
            models.UniqueConstraint(fields=["item"], condition=models.Q(site__isnull=True),
                                    name="policy_override_unique_company"),
            models.CheckConstraint(condition=models.Q(service_level__isnull=True)
                                   | (models.Q(service_level__gt=0) & models.Q(service_level__lt=1)),
                                   name="policy_override_level_between_0_and_1"),
            models.CheckConstraint(condition=models.Q(minimum__isnull=True) | models.Q(maximum__isnull=True)
                                   | models.Q(maximum__gte=models.F("minimum")),
                                   name="policy_override_max_at_least_min"),
        ]

    def __str__(self) -> str:
        return f"override of item {self.item_id} at {self.site_id or 'every site'}"


class PlanningRun(models.Model):
    """One planning run over every item and site: when, by whom, how far, with which
    parameters and what came out."""

    status = models.CharField(max_length=16, choices=RunStatus.choices, default=RunStatus.QUEUED, db_index=True)
    trigger = models.CharField(max_length=16, choices=RunTrigger.choices, default=RunTrigger.PAGE)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")
    created_at = models.DateTimeField(default=clock.now, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent done")
    phase = models.CharField(max_length=80, blank=True)
    parameters = models.JSONField(default=dict)
    planned_on = models.DateField(null=True, blank=True, help_text="Period 0 of the plan: the day it looks ahead from")
    history_from = models.DateField(null=True, blank=True)
    period_days = models.PositiveSmallIntegerField(default=1)
    horizon = models.PositiveSmallIntegerField(default=28, help_text="Periods planned ahead")
    item_count = models.PositiveIntegerField(default=0, help_text="Item plans (item x site)")
    proposal_count = models.PositiveIntegerField(default=0)
    stockout_count = models.PositiveIntegerField(default=0, help_text="Item plans projected to run out")
    duration_seconds = models.FloatField(null=True, blank=True)
    event_mark = models.BigIntegerField(default=0, help_text="The newest event when the data was read")
    event_id = models.BigIntegerField(null=True, blank=True, help_text="The run's own event")
    accuracy = models.JSONField(default=dict, help_text="MASE, WAPE and bias over all item plans")
    message = models.CharField(max_length=500, blank=True)

    objects = RestrictedManager()
    scope_global = True  # a run covers the company; its item plans are scoped by site

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"planning run {self.pk} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in {RunStatus.SUCCEEDED, RunStatus.FAILED}


class ItemPlan(models.Model):
    """What one run computed for one item at one site: forecast, accuracy, policy,
    projection, the proposed order and the explanation trace behind it."""

    run = models.ForeignKey(PlanningRun, on_delete=models.CASCADE, related_name="item_plans")
    item = models.ForeignKey("supply_chain.Item", on_delete=models.PROTECT, related_name="+")
    site = models.ForeignKey("organization.Site", on_delete=models.PROTECT, related_name="+")
    supplier = models.ForeignKey("supply_chain.Supplier", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+")
    abc_class = models.CharField(max_length=1, choices=ABC_CLASSES)
    xyz_class = models.CharField(max_length=1, choices=XYZ_CLASSES)
    # Forecast and its accuracy (backtest of the chosen method).
    method = models.CharField(max_length=64)
    history = models.JSONField(default=list, help_text="Demand per period, oldest first")
    forecast = models.JSONField(default=list, help_text="Forecast per period from period 0")
    forecast_lower = models.JSONField(default=list, help_text="80% interval, lower bound")
    forecast_upper = models.JSONField(default=list, help_text="80% interval, upper bound")
    mase = models.FloatField(null=True, blank=True)
    wape = models.FloatField(null=True, blank=True)
    bias = models.FloatField(null=True, blank=True)
    # Backtest totals, so that WAPE and bias aggregate exactly over any group of plans.
    absolute_error_total = models.FloatField(default=0.0)
    error_total = models.FloatField(default=0.0)
    actual_total = models.FloatField(default=0.0)
    demand_mean = models.FloatField(help_text="Forecast demand per period over the protection interval")
    demand_sd = models.FloatField(help_text="One-step forecast error: the demand variability per period")
    # Supply.
    lead_time_days = models.FloatField()
    lead_time_sd_days = models.FloatField(default=0.0)
    lead_time_receipts = models.PositiveIntegerField(default=0)
    lead_time_source = models.CharField(max_length=16, help_text="receipts, supplier or override")
    on_hand = _quantity(default=Decimal(0))
    reserved = _quantity(default=Decimal(0))
    backorders = _quantity(default=Decimal(0))
    on_order = _quantity(default=Decimal(0))
    # Policy.
    target_kind = models.CharField(max_length=24, choices=TargetKind.choices)
    target_level = models.FloatField()
    safety_stock = models.FloatField()
    reorder_point = models.FloatField()
    order_up_to = models.FloatField()
    order_quantity = models.FloatField(help_text="Q: EOQ, or max - min under an override")
    # Projection and proposal.
    projected = models.JSONField(default=list, help_text="Projected net stock at the end of each period")
    projected_with_order = models.JSONField(default=list)
    stockout_on = models.DateField(null=True, blank=True)
    days_of_supply = models.FloatField(null=True, blank=True, help_text="Empty: beyond the horizon")
    urgency_rank = models.PositiveIntegerField(help_text="1 = most urgent in the run")
    proposed_quantity = _quantity(default=Decimal(0))
    order_by = models.DateField(null=True, blank=True)
    arrives_on = models.DateField(null=True, blank=True)
    trace = models.JSONField(default=dict, help_text="Every number behind the proposal and the formula used")
    # Approval.
    status = models.CharField(max_length=16, choices=ProposalStatus.choices, default=ProposalStatus.NO_ORDER,
                              db_index=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    purchase_order = models.ForeignKey("supply_chain.PurchaseOrder", on_delete=models.SET_NULL, null=True, blank=True,
                                       related_name="+")

    objects = RestrictedManager()
    scope_site_field = "site"

    class Meta:
        ordering = ["run", "urgency_rank"]
        constraints = [
            models.UniqueConstraint(fields=["run", "item", "site"], name="item_plan_unique_item_site"),
            models.CheckConstraint(condition=models.Q(proposed_quantity__gte=0), name="item_plan_quantity_not_negative"),
            models.CheckConstraint(condition=~models.Q(status="approved") | models.Q(approved_at__isnull=False),
                                   name="item_plan_approved_has_time"),
        ]
        indexes = [models.Index(fields=["run", "urgency_rank"], name="item_plan_run_urgency")]

    def __str__(self) -> str:
        return f"plan of item {self.item_id} at site {self.site_id} (run {self.run_id})"

    @property
    def is_approvable(self) -> bool:
        return self.status == ProposalStatus.PROPOSED and self.supplier_id is not None
