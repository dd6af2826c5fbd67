"""Event log pages: browse, export as OCEL 2.0, import a file."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from keel.core.errors import ValidationFailed
from keel.core.listing import Column, Listing
from keel.core.views import date_param, refuse, requires
from keel.events import ocel, selectors, services
from keel.events.permissions import EXPORT_EVENTS, IMPORT_EVENTS, VIEW_EVENT

COLUMNS = (
    Column("occurred_at", "Time", sort="occurred_at"),
    Column("event_type.name", "Activity", sort="event_type__name"),
    Column("source", "Source", sort="source"),
    Column("ocel_id", "Event id"),
)
MAX_IMPORT_BYTES = 200 * 1024 * 1024


@requires(VIEW_EVENT.code)
def events_view(request: HttpRequest) -> HttpResponse:
    params = request.GET
    rows = selectors.events(
        actor=request.user,
        activity=params.get("activity") or None,
        object_type=params.get("object_type") or None,
        object_id=params.get("object") or None,
        since=date_param(request, "since"),
        until=date_param(request, "until"),
    )
    listing = Listing(request=request, queryset=rows, columns=COLUMNS, search_fields=("ocel_id",),
                      default_sort="-occurred_at", export_name="events")
    if params.get("export") in {"csv", "xlsx"}:
        if not request.user.has_action(EXPORT_EVENTS.code):  # type: ignore[union-attr]
            return refuse(request, EXPORT_EVENTS.code)
        from keel.audit.services import record_export

        response = listing.export()
        assert response is not None
        record_export(actor=request.user, object_type="event", row_count=listing.filtered.count(),
                      file_format=params["export"])
        return response
    page_rows = listing.rows
    links = selectors.event_links([row.pk for row in page_rows])
    return render(request, "events/list.html", {
        "listing": listing,
        "rows": [{"event": row, "objects": links[row.pk]} for row in page_rows],
        "activities": selectors.activity_names(),
        "object_types": selectors.object_type_names(),
        "can_export": request.user.has_action(EXPORT_EVENTS.code),  # type: ignore[union-attr]
        "can_import": request.user.has_action(IMPORT_EVENTS.code),  # type: ignore[union-attr]
    })


@requires(EXPORT_EVENTS.code)
def export_view(request: HttpRequest) -> HttpResponseBase:
    """Download the visible event log as OCEL 2.0 JSON (default) or SQLite."""
    file_format = "sqlite" if request.GET.get("format") == "sqlite" else "json"
    log = selectors.export_log(actor=request.user)
    suffix = ".sqlite" if file_format == "sqlite" else ".jsonocel"
    filename = f"keel-events-{timezone.now():%Y%m%d-%H%M%S}{suffix}"
    with tempfile.TemporaryDirectory(prefix="keel-export-") as directory:
        path = Path(directory) / filename
        ocel.write_log(log, path)
        # The open handle keeps the data readable after the directory is removed (POSIX),
        # so no copy of the log stays on disk once the response is sent.
        handle = path.open("rb")
    services.record_export(actor=request.user, filename=filename, event_count=len(log.events),
                           object_count=len(log.objects))
    content_type = "application/vnd.sqlite3" if file_format == "sqlite" else "application/json"
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)


@requires(IMPORT_EVENTS.code)
@require_http_methods(["GET", "POST"])
def import_view(request: HttpRequest) -> HttpResponse:
    error: ValidationFailed | None = None
    problems: list[tuple[str, str]] = []
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            error = ValidationFailed("Choose an OCEL 2.0 file (.jsonocel, .json or .sqlite).")
        elif upload.size and upload.size > MAX_IMPORT_BYTES:
            error = ValidationFailed("The file is larger than 200 MB; use `keel import-events` for it.")
        else:
            name = Path(upload.name or "upload.jsonocel").name
            directory = Path(tempfile.mkdtemp(prefix="keel-import-"))
            path = directory / name
            with path.open("wb") as handle:
                for chunk in upload.chunks():
                    handle.write(chunk)
            try:
                log = ocel.read_log(path)
                summary = services.import_log(actor=request.user, log=log, source="import", filename=name)
            except ocel.OcelFormatError as format_error:
                error = ValidationFailed(f"{name} is not a valid OCEL 2.0 file; nothing was imported.")
                problems = list(format_error.problems)[:200]
            except ValidationFailed as failed:
                error = failed
            else:
                messages.success(
                    request,
                    f"Imported {summary.event_count} events and {summary.object_count} objects from {name}.",
                )
                return redirect("events:list")
            finally:
                path.unlink(missing_ok=True)
                directory.rmdir()
    return render(request, "events/import.html", {"error": error, "problems": problems},
                  status=422 if error else 200)
