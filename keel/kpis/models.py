"""Targets and thresholds of KPIs, and their stored history (snapshots).

The KPIs themselves are code (``keel.kpis.catalogue``); only what people set (targets)
and what Keel computed for closed periods (snapshots) is stored.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from keel.core import clock


class KpiTarget(models.Model):
    """A KPI's target and its amber and red thresholds, company-wide or for one site.

    ``amber`` and ``red`` are values in the KPI's unit; what counts as worse follows the
    KPI's direction (below for "higher is better", above for "lower is better"). A site's
    own line wins over the company-wide one for people who see that site only.
    """

    kpi_key = models.CharField(max_length=64, db_index=True)
    site = models.ForeignKey("organization.Site", on_delete=models.CASCADE, null=True, blank=True,
                             related_name="+", help_text="Empty: the company-wide line")
    target = models.FloatField(null=True, blank=True)
    amber = models.FloatField(null=True, blank=True, help_text="Worse than this is amber")
    red = models.FloatField(null=True, blank=True, help_text="Worse than this is red")
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["kpi_key", "site_id"]
        constraints = [
            models.UniqueConstraint(fields=["kpi_key", "site"], name="kpi_target_unique_site"),
            models.UniqueConstraint(fields=["kpi_key"], condition=Q(site__isnull=True),
                                    name="kpi_target_unique_global"),
        ]

    def __str__(self) -> str:
        return f"{self.kpi_key} target {self.target} ({self.site_id or 'company'})"


class KpiSnapshot(models.Model):
    """A KPI's value for one closed period and one scope, as computed at ``mark``."""

    kpi_key = models.CharField(max_length=64)
    grain = models.CharField(max_length=8)
    period_start = models.DateField()
    scope_key = models.CharField(max_length=200, help_text="company, site:<id>")
    value = models.FloatField(null=True, blank=True)
    mark = models.BigIntegerField(help_text="The event log's high-water mark when computed")
    computed_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["kpi_key", "scope_key", "period_start"]
        constraints = [
            models.UniqueConstraint(fields=["kpi_key", "scope_key", "grain", "period_start"],
                                    name="kpi_snapshot_unique_period"),
        ]
        indexes = [models.Index(fields=["scope_key", "kpi_key", "period_start"], name="kpi_snapshot_lookup")]

    def __str__(self) -> str:
        return f"{self.kpi_key} {self.scope_key} {self.period_start}: {self.value}"
