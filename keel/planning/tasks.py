"""Background tasks of the planning app: a planning run.

In embedded mode (``KEEL_TASKS=immediate``) the task runs in-process when the request
that queued it commits; in production it waits for ``keel worker``. Scheduling is left
to the operating system's scheduler (cron, a systemd timer) calling ``keel plan``
(docs/planning.md, ADR 18).
"""

from __future__ import annotations

from typing import Any

from django_tasks import task


@task()
def run_planning_task(*, run_id: int) -> dict[str, Any]:
    """Run the queued planning run ``run_id`` and report how it ended."""
    from keel.planning.services import execute_planning_run

    run = execute_planning_run(run_id=run_id)
    return {"run": run.pk, "status": run.status, "item_plans": run.item_count, "proposals": run.proposal_count,
            "message": run.message}
