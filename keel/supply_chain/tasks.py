"""Background tasks of the supply chain app: large imports with progress."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from keel.core.errors import ValidationFailed
from keel.core.models import ImportJob
from keel.core.spreadsheets import read_rows

MAX_BACKGROUND_ROWS = 100_000
MAX_BACKGROUND_BYTES = 50 * 1024 * 1024


def import_path(job_id: int) -> Path:
    """Where a queued import's uploaded file waits for the worker."""
    return Path(settings.MEDIA_ROOT) / "imports" / str(job_id)


def store_import_file(job: ImportJob, content: bytes) -> None:
    path = import_path(job.pk)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)


@task()
def run_import_task(*, job_id: int) -> dict[str, Any]:
    """Read the stored file of ``job_id``, import it all or nothing, and keep the job's
    progress (rows checked) and final report; the stored file is deleted when done."""
    from django.contrib.auth import get_user_model

    from keel.supply_chain.imports import run_import

    job = ImportJob.objects.get(pk=job_id)
    path = import_path(job.pk)
    actor = get_user_model().objects.filter(pk=job.created_by_id).first() if job.created_by_id else None
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.RUNNING)

    def progress(rows: int) -> None:
        # Outside the import's write transaction: each update commits on its own.
        ImportJob.objects.filter(pk=job.pk).update(processed_rows=rows)

    try:
        rows = read_rows(name=job.filename, content=path.read_bytes(), max_rows=MAX_BACKGROUND_ROWS,
                         max_bytes=MAX_BACKGROUND_BYTES)
        ImportJob.objects.filter(pk=job.pk).update(total_rows=len(rows))
        result = run_import(job.kind, actor=actor, rows=rows, filename=job.filename, progress=progress)
    except ValidationFailed as failure:
        report: dict[str, Any] = {"detail": failure.detail,
                                  "problems": [problem.as_dict() for problem in failure.problems]}
        status = ImportJob.Status.FAILED
    except Exception:
        _finish(job.pk, ImportJob.Status.FAILED, {"detail": "The import stopped on an unexpected error; nothing changed."})
        path.unlink(missing_ok=True)
        raise
    else:
        report = {"rows": result.rows, "created": result.created, "updated": result.updated,
                  "unchanged": result.unchanged}
        status = ImportJob.Status.SUCCEEDED
    path.unlink(missing_ok=True)
    _finish(job.pk, status, report)
    return {"status": status, **report}


def _finish(job_id: int, status: str, report: dict[str, Any]) -> None:
    job = ImportJob.objects.get(pk=job_id)
    job.status, job.report, job.finished_at = status, report, timezone.now()
    if status == ImportJob.Status.SUCCEEDED:
        job.processed_rows = job.total_rows
    job.save(update_fields=["status", "report", "finished_at", "processed_rows"])
