"""Background tasks of the dashboards app."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from keel.dashboards.services import evaluate_alerts


@task()
def evaluate_alerts_task() -> dict[str, Any]:
    """Evaluate every KPI's thresholds (enqueue it after KPI snapshots or on a schedule)."""
    result = evaluate_alerts()
    return {"checked": result.checked, "crossings": result.crossings, "alerts": result.alerts}
