"""REST operations for item and opening stock imports, on the supply chain router.

A file is imported while the client waits (200 with the counts, or 422 with every problem
by row and column, nothing written) unless it has more than KEEL_IMPORT_BACKGROUND_ROWS
rows or ``background=true`` is asked: then it becomes a job (202) whose progress the
job's GET follows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja import Field, File, Query, Schema, Status, UploadedFile

from keel.core.errors import NotFound
from keel.core.models import ImportJob
from keel.core.spreadsheets import read_rows
from keel.supply_chain import imports
from keel.supply_chain import permissions as p
from keel.supply_chain.api import router
from keel.supply_chain.tasks import MAX_BACKGROUND_BYTES, MAX_BACKGROUND_ROWS


class ImportReportOut(Schema):
    rows: int
    created: int
    updated: int
    unchanged: int


class ImportJobOut(Schema):
    id: int
    kind: str
    filename: str
    status: str = Field(..., description="queued, running, succeeded or failed")
    phase: str = Field(..., description="While running: checking (rows checked) or writing (rows written)")
    total_rows: int
    processed_rows: int = Field(..., description="Rows checked")
    written_rows: int = Field(..., description="Rows written so far; kept only if every row is written")
    report: dict[str, Any] = Field(..., description="When finished: the counts, or the detail and problems by row")
    created_at: datetime
    finished_at: datetime | None
    url: str


class ImportQuery(Schema):
    background: bool = Field(False, description="Import as a background job whatever the file's size")


# kind -> the path segment of its operations
PATHS = {"items": "items", "opening_stock": "opening-stock"}


def job_out(job: ImportJob) -> dict[str, Any]:
    return {
        "id": job.pk, "kind": job.kind, "filename": job.filename, "status": job.status, "phase": job.phase,
        "total_rows": job.total_rows, "processed_rows": job.processed_rows, "written_rows": job.written_rows,
        "report": job.report, "created_at": job.created_at, "finished_at": job.finished_at,
        "url": f"/api/v1/imports/{PATHS[job.kind]}/{job.pk}",
    }


def _import(request: HttpRequest, kind: str, upload: UploadedFile, background: bool) -> Status[dict[str, Any]]:
    actor = request.auth  # type: ignore[attr-defined]
    content = upload.read()
    filename = upload.name or "import"
    rows = read_rows(name=filename, content=content, max_rows=MAX_BACKGROUND_ROWS, max_bytes=MAX_BACKGROUND_BYTES)
    if background or len(rows) > settings.KEEL_IMPORT_BACKGROUND_ROWS:
        job = imports.queue_import(actor=actor, kind=kind, filename=filename, content=content, total_rows=len(rows))
        return Status(202, job_out(imports.import_job(actor=actor, pk=job.pk) or job))
    result = imports.run_import(kind, actor=actor, rows=rows, filename=filename)
    return Status(200, {"rows": result.rows, "created": result.created, "updated": result.updated,
                        "unchanged": result.unchanged})


def _job(request: HttpRequest, kind: str, job_id: int) -> dict[str, Any]:
    job = imports.import_job(actor=request.auth, pk=job_id, kinds=[kind])  # type: ignore[attr-defined]
    if job is None:
        raise NotFound(f"There is no {kind.replace('_', ' ')} import {job_id} of yours.")
    return job_out(job)


@router.post("/imports/items", response={200: ImportReportOut, 202: ImportJobOut}, action=p.CREATE_ITEM.code,
             summary="Import new items from a CSV or XLSX file, all or nothing",
             description="Multipart field `file`. 200 with the counts; 422 with every problem by row (the header "
                         "is row 1) and column, nothing written; 202 with a job for large files or `background=true`.")
def import_items(request: HttpRequest, file: File[UploadedFile], params: Query[ImportQuery]) -> Status[dict[str, Any]]:
    return _import(request, "items", file, params.background)


@router.get("/imports/items/{job_id}", response=ImportJobOut, action=p.CREATE_ITEM.code,
            summary="A background item import: status, rows checked and written, report")
def get_item_import(request: HttpRequest, job_id: int) -> dict[str, Any]:
    return _job(request, "items", job_id)


@router.post("/imports/opening-stock", response={200: ImportReportOut, 202: ImportJobOut},
             action=p.MOVE_STOCK.code, summary="Import opening stock from a CSV or XLSX file as one receipt",
             description="Multipart field `file`. 200 with the counts; 422 with every problem by row (the header "
                         "is row 1) and column, nothing written; 202 with a job for large files or `background=true`.")
def import_opening_stock(request: HttpRequest, file: File[UploadedFile],
                         params: Query[ImportQuery]) -> Status[dict[str, Any]]:
    return _import(request, "opening_stock", file, params.background)


@router.get("/imports/opening-stock/{job_id}", response=ImportJobOut, action=p.MOVE_STOCK.code,
            summary="A background opening stock import: status, rows checked and written, report")
def get_opening_stock_import(request: HttpRequest, job_id: int) -> dict[str, Any]:
    return _job(request, "opening_stock", job_id)
