"""Background tasks of the process area: importing an event log file with progress.

With the embedded (immediate) task backend the import runs in the request that queued
it; with the database backend a ``keel worker`` runs it and the log's page follows the
progress kept on its row (each update commits on its own: the import writes files, not
rows, so there is no long transaction to hide it).
"""

from __future__ import annotations

import logging
from typing import Any

from django_tasks import task

log = logging.getLogger(__name__)


@task()
def import_log_task(*, log_id: int) -> dict[str, Any]:
    """Read the uploaded file of ImportedLog ``log_id``, check it whole, store it as
    Parquet, and record the outcome; the upload is deleted when done."""
    from django.contrib.auth import get_user_model

    from keel.core.errors import ValidationFailed
    from keel.processes import imports, services
    from keel.processes.choices import ImportStatus
    from keel.processes.models import ImportedLog

    item = ImportedLog.objects.get(pk=log_id)
    actor = get_user_model().objects.filter(pk=item.created_by_id).first() if item.created_by_id else None

    def progress(phase: str, percent: int) -> None:
        ImportedLog.objects.filter(pk=log_id).update(phase=phase, processed=percent, total=100)

    ImportedLog.objects.filter(pk=log_id).update(status=ImportStatus.RUNNING, phase="reading", processed=0,
                                                 total=100)
    path = imports.upload_path(log_id)
    try:
        event_log = imports.read_log(path, filename=item.filename, file_format=item.file_format,
                                     mapping=item.mapping, case_notion=item.case_notion, progress=progress)
        if event_log.event_count == 0:
            raise ValidationFailed(imports.FAILED, problems=[
                imports.FieldProblem(field="file", message="the file holds no events")])
        progress("storing", 80)
        storage = imports.store(event_log, log_id=log_id)
    except ValidationFailed as failure:
        path.unlink(missing_ok=True)
        services.finish_log_import(log_id=log_id, actor=actor, summary=None,
                                   problems=[problem.as_dict() for problem in failure.problems],
                                   detail=failure.detail)
        return {"status": "failed", "problems": len(failure.problems)}
    except Exception:
        path.unlink(missing_ok=True)
        log.exception("Import of event log %s failed", log_id)
        services.finish_log_import(log_id=log_id, actor=actor, summary=None,
                                   detail="The import stopped on an unexpected error; nothing was stored.")
        raise
    path.unlink(missing_ok=True)
    frame = event_log.frame
    times = frame.get_column("timestamp")
    summary = {"event_count": event_log.event_count, "case_count": event_log.case_count,
               "activity_count": frame.get_column("activity").n_unique(),
               "first_event_at": times.min(), "last_event_at": times.max(), "storage_name": storage}
    services.finish_log_import(log_id=log_id, actor=actor, summary=summary)
    return {"status": "succeeded", "events": summary["event_count"], "cases": summary["case_count"]}
