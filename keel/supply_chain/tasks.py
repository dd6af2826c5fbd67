"""Background tasks of the supply chain app: large imports with progress."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections
from django.utils import timezone
from django_tasks import task

from keel.core.errors import ValidationFailed
from keel.core.models import ImportJob
from keel.core.spreadsheets import read_rows
from keel.organization.auth import TokenActor
from keel.organization.models import ApiToken

MAX_BACKGROUND_ROWS = 100_000
MAX_BACKGROUND_BYTES = 50 * 1024 * 1024

log = logging.getLogger(__name__)


def import_path(job_id: int) -> Path:
    """Where a queued import's uploaded file waits for the worker."""
    return Path(settings.MEDIA_ROOT) / "imports" / str(job_id)


def progress_path(job_id: int) -> Path:
    """Where a job on SQLite keeps the rows written so far (see ``WriteProgress``)."""
    return Path(settings.MEDIA_ROOT) / "imports" / f"{job_id}.progress"


def store_import_file(job: ImportJob, content: bytes) -> None:
    path = import_path(job.pk)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)


def remove_import_files(job_ids: Iterable[int]) -> None:
    """Delete what jobs may have left behind (their upload, their progress file)."""
    for job_id in job_ids:
        import_path(job_id).unlink(missing_ok=True)
        progress_path(job_id).unlink(missing_ok=True)


class WriteProgress:
    """Reports the rows written by an import from inside its one write transaction, where
    an update of the job's row would stay invisible until the end.

    On PostgreSQL a second connection, in autocommit, updates the job's row: readers see
    each update at once, and the import's transaction stays all or nothing. SQLite allows
    one writer at a time (the import holds the write lock), so there the count goes to a
    small file beside the upload, which ``with_write_progress`` reads while the job runs.
    Progress is best effort: a failure to report is logged and never stops the import.
    """

    def __init__(self, job_id: int) -> None:
        self.job_id = job_id
        self.uses_file = connection.vendor == "sqlite"
        self._side: Any = None

    def __call__(self, rows: int) -> None:
        try:
            if self.uses_file:
                self._write_file(rows)
            else:
                self._write_row(rows)
        except (DatabaseError, OSError):
            log.warning("Could not report the progress of import job %s", self.job_id, exc_info=True)

    def _write_file(self, rows: int) -> None:
        path = progress_path(self.job_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".progress.tmp")
        partial.write_text(json.dumps({"phase": ImportJob.Phase.WRITING, "written_rows": rows}))
        os.replace(partial, path)  # readers never see half a file

    def _write_row(self, rows: int) -> None:
        if self._side is None:
            self._side = connections.create_connection(DEFAULT_DB_ALIAS)
            with self._side.cursor() as cursor:
                # Never wait behind a lock on the job's row: a missed update is better than a stall.
                cursor.execute("SET lock_timeout = '500ms'")
        table = connection.ops.quote_name(ImportJob._meta.db_table)
        with self._side.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET phase = %s, written_rows = %s WHERE id = %s",  # noqa: S608
                           [ImportJob.Phase.WRITING, rows, self.job_id])

    def close(self) -> None:
        if self._side is not None:
            self._side.close()
            self._side = None
        progress_path(self.job_id).unlink(missing_ok=True)


def with_write_progress(job: ImportJob) -> ImportJob:
    """The job with the rows written so far, also where they are kept outside its row (SQLite)."""
    if job.status == ImportJob.Status.RUNNING:
        try:
            state = json.loads(progress_path(job.pk).read_text())
        except (OSError, ValueError):
            state = None
        if isinstance(state, dict):
            job.phase = str(state.get("phase", job.phase))
            job.written_rows = int(state.get("written_rows", job.written_rows))
    return job


@task()
def run_import_task(*, job_id: int) -> dict[str, Any]:
    """Read the stored file of ``job_id``, import it all or nothing, and keep the job's
    progress (rows checked, then rows written) and final report; the stored file is
    deleted when done."""
    from django.contrib.auth import get_user_model

    from keel.supply_chain.imports import IMPORT_ACTIONS, run_import
    from keel.supply_chain.permissions import CHANGE_SUPPLIER

    job = ImportJob.objects.get(pk=job_id)
    path = import_path(job.pk)
    actor: Any = get_user_model().objects.filter(pk=job.created_by_id).first() if job.created_by_id else None
    if job.token_id is not None:
        # Queued through an API token: the job acts with the token's narrowed actions, and
        # not at all once the token is revoked or expired.
        token = ApiToken.objects.filter(pk=job.token_id, person_id=actor.pk).first() if actor else None
        if token is None or not token.is_usable:
            path.unlink(missing_ok=True)
            _finish(job.pk, ImportJob.Status.FAILED,
                    {"detail": "The API token that queued this import was revoked or has expired; nothing changed."})
            return {"status": ImportJob.Status.FAILED}
        actor = TokenActor(person=actor, token=token)
    needed = IMPORT_ACTIONS.get(job.kind, CHANGE_SUPPLIER.code)
    if actor is None or not actor.has_action(needed):
        path.unlink(missing_ok=True)
        _finish(job.pk, ImportJob.Status.FAILED,
                {"detail": f"Whoever queued this import may no longer do it ({needed}); nothing changed."})
        return {"status": ImportJob.Status.FAILED}
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.RUNNING, phase=ImportJob.Phase.CHECKING)

    def progress(rows: int) -> None:
        # Outside the import's write transaction: each update commits on its own.
        ImportJob.objects.filter(pk=job.pk).update(processed_rows=rows)

    written = WriteProgress(job.pk)
    try:
        rows = read_rows(name=job.filename, content=path.read_bytes(), max_rows=MAX_BACKGROUND_ROWS,
                         max_bytes=MAX_BACKGROUND_BYTES)
        ImportJob.objects.filter(pk=job.pk).update(total_rows=len(rows))
        result = run_import(job.kind, actor=actor, rows=rows, filename=job.filename, progress=progress,
                            written=written)
    except ValidationFailed as failure:
        report: dict[str, Any] = {"detail": failure.detail,
                                  "problems": [problem.as_dict() for problem in failure.problems]}
        status = ImportJob.Status.FAILED
    except Exception:
        written.close()
        _finish(job.pk, ImportJob.Status.FAILED, {"detail": "The import stopped on an unexpected error; nothing changed."})
        path.unlink(missing_ok=True)
        raise
    else:
        report = {"rows": result.rows, "created": result.created, "updated": result.updated,
                  "unchanged": result.unchanged}
        status = ImportJob.Status.SUCCEEDED
    written.close()
    path.unlink(missing_ok=True)
    _finish(job.pk, status, report)
    return {"status": status, **report}


def _finish(job_id: int, status: str, report: dict[str, Any]) -> None:
    job = ImportJob.objects.get(pk=job_id)
    job.status, job.report, job.finished_at, job.phase = status, report, timezone.now(), ""
    if status == ImportJob.Status.SUCCEEDED:
        job.processed_rows = job.total_rows
        job.written_rows = job.total_rows
    else:
        job.written_rows = 0  # a failed import wrote nothing
    job.save(update_fields=["status", "report", "finished_at", "processed_rows", "written_rows", "phase"])
