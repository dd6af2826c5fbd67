"""Background tasks of the event log."""

from __future__ import annotations

from pathlib import Path

from django_tasks import task

from keel.events import ocel, services


@task()
def import_log_task(*, path: str, actor_id: int | None, filename: str) -> dict[str, int]:
    """Import an OCEL 2.0 file in the background; the summary is the task's result."""
    from django.contrib.auth import get_user_model

    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    log = ocel.read_log(Path(path))
    summary = services.import_log(actor=actor, log=log, source="import", filename=filename)
    return {
        "events": summary.event_count,
        "objects": summary.object_count,
        "event_object_links": summary.link_count,
        "object_relations": summary.relation_count,
    }
