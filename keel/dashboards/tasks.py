"""Background tasks of the dashboards app."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from keel.dashboards.services import evaluate_alerts
from keel.kpis import services as kpi_services


@task()
def evaluate_alerts_task(*, snapshot: bool = True) -> dict[str, Any]:
    """Store the KPI snapshots not stored yet, then evaluate every KPI's thresholds."""
    stored = kpi_services.snapshot(actor=None).stored if snapshot else 0
    result = evaluate_alerts()
    return {"snapshots": stored, "checked": result.checked, "crossings": result.crossings, "alerts": result.alerts}
