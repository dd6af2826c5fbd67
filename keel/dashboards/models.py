"""Dashboard presets per job title, personal layouts, KPI statuses and alerts.

A layout is an ordered list of KPI keys (``keel.kpis.catalogue.CATALOGUE``). Values are
never stored here: tiles are computed by ``keel.kpis.selectors.tiles()``. What is stored
is the last known status of each KPI in each scope (to detect crossings) and the alerts
those crossings raised.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from keel.core import clock
from keel.dashboards.choices import Status


class DashboardPreset(models.Model):
    """The KPI tiles a job title's holders start from (shipped for the 31 catalogue titles)."""

    title = models.OneToOneField("organization.JobTitle", on_delete=models.CASCADE, related_name="dashboard_preset")
    kpi_keys = models.JSONField(default=list, help_text="Ordered KPI keys")
    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["title__sort_order", "title__name"]

    def __str__(self) -> str:
        return f"Dashboard preset of {self.title_id}"


class PersonalDashboard(models.Model):
    """A person's own arrangement of tiles; without one, the title's preset applies."""

    person = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="dashboard")
    kpi_keys = models.JSONField(default=list, help_text="Ordered KPI keys")
    updated_at = models.DateTimeField(default=clock.now)

    def __str__(self) -> str:
        return f"Dashboard of {self.person_id}"


class KpiStatus(models.Model):
    """The last known status of one KPI in one scope: what a crossing is measured from.

    ``scope_key`` names the data scope the value was computed for, as
    ``keel.kpis.scope.Scope.key`` writes it: ``company``, ``site:3``, ``sites:1,4`` or
    ``departments:2``. ``crossings`` counts the status changes so far;
    each alert names the crossing it belongs to, so the same crossing can never alert
    twice (a unique constraint).
    """

    kpi_key = models.CharField(max_length=64)
    scope_key = models.CharField(max_length=200)
    status = models.CharField(max_length=8, choices=Status.choices)
    value = models.FloatField(null=True, blank=True)
    display = models.CharField(max_length=64, blank=True)
    crossings = models.PositiveIntegerField(default=0)
    changed_at = models.DateTimeField(default=clock.now)
    evaluated_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["kpi_key", "scope_key"]
        constraints = [
            models.UniqueConstraint(fields=["kpi_key", "scope_key"], name="kpi_status_unique_scope"),
        ]

    def __str__(self) -> str:
        return f"{self.kpi_key} in {self.scope_key}: {self.status}"


class AlertQuerySet(models.QuerySet["Alert"]):
    def unread(self) -> AlertQuerySet:
        return self.filter(read_at__isnull=True)


class Alert(models.Model):
    """A KPI's status crossed a threshold: one row per person told (the KPI owner's holders)."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="kpi_alerts")
    kpi_key = models.CharField(max_length=64)
    kpi_name = models.CharField(max_length=120)
    scope_key = models.CharField(max_length=200)
    scope_label = models.CharField(max_length=200)
    crossing = models.PositiveIntegerField(help_text="KpiStatus.crossings when it was raised")
    previous_status = models.CharField(max_length=8, choices=Status.choices)
    status = models.CharField(max_length=8, choices=Status.choices)
    value = models.FloatField(null=True, blank=True)
    display = models.CharField(max_length=64, blank=True)
    target = models.FloatField(null=True, blank=True)
    raised_at = models.DateTimeField(default=clock.now)
    read_at = models.DateTimeField(null=True, blank=True)

    objects = AlertQuerySet.as_manager()

    class Meta:
        ordering = ["-raised_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "kpi_key", "scope_key", "crossing"],
                                    name="alert_once_per_crossing"),
        ]
        indexes = [models.Index(fields=["recipient", "read_at"], name="alert_unread")]

    def __str__(self) -> str:
        return f"{self.kpi_name}: {self.previous_status} → {self.status}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    @property
    def is_worse(self) -> bool:
        from keel.dashboards.choices import SEVERITY

        return SEVERITY[Status(self.status)] > SEVERITY[Status(self.previous_status)]
