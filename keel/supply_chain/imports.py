"""Item and opening stock imports: all or nothing, every problem named by row and column.

Items are created through ``services.create_item`` inside one transaction; opening stock is
one ``post_movements`` receipt. Rows are mappings of column name to text with ``row`` the
spreadsheet row number (see ``keel.core.spreadsheets.read_rows``). Large files become
background ``ImportJob``s (``queue_import``), read back with ``import_job`` and purged with
``purge_import_jobs``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone

from keel.audit.choices import AuditAction
from keel.audit.services import record_audit
from keel.core.errors import FieldProblem, ProblemCollector, ValidationFailed
from keel.core.models import ImportJob
from keel.events.services import record_event
from keel.supply_chain import services, tasks
from keel.supply_chain.choices import MovementReason
from keel.supply_chain.models import Item, Location
from keel.supply_chain.permissions import CHANGE_SUPPLIER, CREATE_ITEM, MOVE_STOCK

ITEM_COLUMNS = ("sku", "name", "category", "unit", "pack_size", "standard_cost", "cost_currency", "list_price",
                "price_currency", "lifecycle", "tracks_lots", "tracks_expiry")
OPENING_STOCK_COLUMNS = ("sku", "site", "location", "quantity", "lot", "expires_on")
ITEM_ALIASES = {
    "item": "sku", "item_code": "sku", "description": "name", "uom": "unit", "unit_of_measure": "unit",
    "cost": "standard_cost", "price": "list_price", "currency": "cost_currency", "lots": "tracks_lots",
    "expiry": "tracks_expiry",
}
STOCK_ALIASES = {
    "item": "sku", "site_code": "site", "bin": "location", "location_code": "location", "qty": "quantity",
    "lot_code": "lot", "expiry": "expires_on", "expiry_date": "expires_on",
}
FAILED = "The file was not imported; nothing changed."


def _aliased(rows: Sequence[dict[str, str]], aliases: dict[str, str]) -> list[dict[str, str]]:
    return [{aliases.get(name, name): value for name, value in row.items()} for row in rows]


def _row(raw: dict[str, str], position: int) -> int:
    return int(raw.get("row", position + 2))


def _flag(problems: ProblemCollector, raw: dict[str, str], column: str, row: int) -> bool:
    text = raw.get(column, "").strip().lower()
    if text in services.FALSE_WORDS or text == "":
        return False
    if text in services.TRUE_WORDS:
        return True
    problems.add(column, f"{raw[column]!r} is not yes or no", row)
    return False


def _number(problems: ProblemCollector, raw: dict[str, str], column: str, row: int) -> Decimal | None:
    text = raw.get(column, "").strip()
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        problems.add(column, f"{text!r} is not a number", row)
        return None
    if not value.is_finite():
        problems.add(column, f"{text!r} is not a finite number", row)
        return None
    return value


Progress = Callable[[int], None]
PROGRESS_CHUNK = 500


def _report(progress: Progress | None, position: int, total: int) -> None:
    """Tell ``progress`` how many rows were checked, every PROGRESS_CHUNK rows and at the end."""
    if progress is not None and (position % PROGRESS_CHUNK == 0 or position == total):
        progress(position)


def import_items(*, actor: Any, rows: Sequence[dict[str, str]], filename: str = "",
                 progress: Progress | None = None, written: Progress | None = None) -> services.ImportResult:
    """Create items from spreadsheet rows, all or nothing (existing SKUs are problems).

    Rows are checked first (``progress`` hears how many), then every item is created in one
    transaction (``written`` hears how many so far, every PROGRESS_CHUNK items); any problem
    rolls all of them back."""
    problems = ProblemCollector()
    rows = _aliased(rows, ITEM_ALIASES)
    services._check_columns(problems, rows, ITEM_COLUMNS, ("sku", "name", "unit"))
    problems.raise_if_any(FAILED)
    existing = set(Item.objects.filter(sku__in={r.get("sku", "").strip() for r in rows}).values_list("sku", flat=True))
    existing_lower = {sku.lower() for sku in existing}
    planned: list[tuple[int, dict[str, Any]]] = []
    seen: dict[str, int] = {}
    for position, raw in enumerate(rows):
        _report(progress, position, len(rows))
        row = _row(raw, position)
        sku = raw.get("sku", "").strip()
        if sku and sku.lower() in seen:
            problems.add("sku", f"{sku!r} is also on row {seen[sku.lower()]}", row)
            continue
        if sku:
            seen[sku.lower()] = row
        if sku.lower() in existing_lower:
            problems.add("sku", f"an item with SKU {sku!r} exists", row)
            continue
        pack_size = 1
        pack = _number(problems, raw, "pack_size", row)
        if pack is not None and pack != pack.to_integral_value():
            problems.add("pack_size", f"{raw['pack_size'].strip()!r} is not a whole number", row)
        elif pack is not None:
            pack_size = int(pack)
        fields: dict[str, Any] = {
            "sku": sku, "name": raw.get("name", ""), "unit": raw.get("unit", "").strip().lower(),
            "category": raw.get("category", ""), "pack_size": pack_size,
            "standard_cost": _number(problems, raw, "standard_cost", row),
            "cost_currency": raw.get("cost_currency", "").strip(),
            "list_price": _number(problems, raw, "list_price", row),
            "price_currency": raw.get("price_currency", "").strip(),
            "lifecycle": raw.get("lifecycle", "").strip().lower() or "active",
            "tracks_lots": _flag(problems, raw, "tracks_lots", row),
            "tracks_expiry": _flag(problems, raw, "tracks_expiry", row),
        }
        planned.append((row, fields))
    _report(progress, len(rows), len(rows))
    created = 0
    _report(written, 0, len(planned))
    with transaction.atomic():
        for position, (row, fields) in enumerate(planned, start=1):
            try:
                services.create_item(actor=actor, **fields)
            except ValidationFailed as failure:
                for problem in failure.problems:
                    problems.add(problem.field, problem.message, row)
            else:
                created += 1
            _report(written, position, len(planned))
        if problems.problems:
            problems.problems.sort(key=lambda problem: (problem.row or 0))
            # Raising rolls back every item created above: all or nothing.
            problems.raise_if_any(FAILED)
        record_audit(actor=actor, action=AuditAction.IMPORT, object_type="item", object_repr=filename or "items",
                     after={"rows": created, "created": created},
                     message=f"Imported items from {filename or 'a file'}")
    return services.ImportResult(created=created, updated=0, unchanged=0)


def import_opening_stock(*, actor: Any, rows: Sequence[dict[str, str]], filename: str = "",
                         progress: Progress | None = None, written: Progress | None = None) -> services.ImportResult:
    """Post opening balances as one receipt, all or nothing. Locations must be in the
    actor's scope for moving stock. The receipt is one ledger posting, so ``written`` hears
    0 when it starts and every row when it is written, nothing in between."""
    problems = ProblemCollector()
    rows = _aliased(rows, STOCK_ALIASES)
    services._check_columns(problems, rows, OPENING_STOCK_COLUMNS, ("sku", "site", "location", "quantity"))
    problems.raise_if_any(FAILED)
    items = {i.sku: i for i in Item.objects.filter(sku__in={r.get("sku", "").strip() for r in rows})}
    locations = {
        (loc.site.code.upper(), loc.code.upper()): loc
        for loc in Location.objects.restrict(actor, MOVE_STOCK.code).select_related("site").filter(
            code__in={r.get("location", "").strip().upper() for r in rows})
    }
    lines: list[services.MovementLine] = []
    line_rows: list[int] = []
    for position, raw in enumerate(rows):
        _report(progress, position, len(rows))
        row = _row(raw, position)
        sku = raw.get("sku", "").strip()
        item = items.get(sku)
        if item is None:
            problems.add("sku", f"unknown SKU {sku!r}" if sku else "required", row)
        site_code, location_code = raw.get("site", "").strip().upper(), raw.get("location", "").strip().upper()
        location = locations.get((site_code, location_code))
        if location is None:
            problems.add("location", f"unknown location {site_code}/{location_code}" if location_code else "required", row)
        quantity = _number(problems, raw, "quantity", row)
        if quantity is None and not raw.get("quantity", "").strip():
            problems.add("quantity", "required", row)
        elif quantity is not None:
            if quantity <= 0:
                problems.add("quantity", "must be positive", row)
            elif item is not None and not item.allows_fractions and quantity != quantity.to_integral_value():
                problems.add("quantity", f"{item.sku} is counted in {item.get_unit_display().lower()}: whole numbers only", row)
        expires_on = None
        expires_text = raw.get("expires_on", "").strip()
        if expires_text:
            try:
                expires_on = date.fromisoformat(expires_text[:10])
            except ValueError:
                problems.add("expires_on", f"{expires_text!r} is not a date (YYYY-MM-DD)", row)
        if item is None or location is None or quantity is None or quantity <= 0:
            continue
        lines.append(services.MovementLine(item=item, location=location, quantity=quantity,
                                           lot_code=raw.get("lot", "").strip(), expires_on=expires_on))
        line_rows.append(row)
    _report(progress, len(rows), len(rows))
    problems.raise_if_any(FAILED)
    column = {"lot_code": "lot", "reserved_quantity": "quantity"}
    if written is not None:
        written(0)
    try:
        with transaction.atomic():  # the receipt and its audit record together
            services.post_movements(actor=actor, reason=MovementReason.RECEIPT, lines=lines,
                                    reference=f"opening_stock:{filename or 'file'}"[:100], note="Opening stock import")
            record_audit(actor=actor, action=AuditAction.IMPORT, object_type="stock_balance",
                         object_repr=filename or "opening stock", after={"rows": len(lines)},
                         message=f"Imported opening stock from {filename or 'a file'}")
            if written is not None:
                written(len(lines))
    except ValidationFailed as failure:
        raise ValidationFailed(FAILED, problems=[
            type(problem)(field=column.get(problem.field, problem.field), message=problem.message,
                          row=line_rows[problem.row] if problem.row is not None and problem.row < len(line_rows) else None)
            for problem in failure.problems
        ]) from None
    return services.ImportResult(created=len(lines), updated=0, unchanged=0)


# The importers of the import screen and of background import jobs, by kind.
IMPORTERS: dict[str, Callable[..., services.ImportResult]] = {
    "suppliers": services.import_suppliers, "supplier_items": services.import_supplier_items,
    "items": import_items, "opening_stock": import_opening_stock,
}
# The action each kind of import needs, on the pages and in the API.
IMPORT_ACTIONS: dict[str, str] = {
    "suppliers": CHANGE_SUPPLIER.code, "supplier_items": CHANGE_SUPPLIER.code,
    "items": CREATE_ITEM.code, "opening_stock": MOVE_STOCK.code,
}
# Importers that report progress (the others run in one step).
REPORTS_PROGRESS = {"items", "opening_stock"}


def run_import(kind: str, *, actor: Any, rows: Sequence[dict[str, str]], filename: str,
               progress: Progress | None = None, written: Progress | None = None) -> services.ImportResult:
    importer = IMPORTERS[kind]
    if kind in REPORTS_PROGRESS:
        return importer(actor=actor, rows=rows, filename=filename, progress=progress, written=written)
    return importer(actor=actor, rows=rows, filename=filename)


# --- Background import jobs -------------------------------------------------------------


def queue_import(*, actor: Any, kind: str, filename: str, content: bytes, total_rows: int) -> ImportJob:
    """Keep the file and queue its import as a background job (all or nothing, like any
    import); the job's row follows its progress. The caller has checked the kind's action."""
    if kind not in IMPORTERS:
        raise ValueError(f"unknown import kind {kind!r}")
    token = getattr(actor, "token", None)
    job = ImportJob.objects.create(kind=kind, filename=filename or "import", total_rows=total_rows,
                                   created_by_id=getattr(actor, "pk", None), token_id=getattr(token, "pk", None))
    tasks.store_import_file(job, content)
    tasks.run_import_task.enqueue(job_id=job.pk)
    return job


def import_job(*, actor: Any, pk: int, kinds: Sequence[str] | None = None) -> ImportJob | None:
    """A background import as its reader sees it (including the rows written so far), or
    None unless the actor started it (administrators see every job) and holds the action
    its kind needs."""
    job = ImportJob.objects.filter(pk=pk).first()
    if job is None or (kinds is not None and job.kind not in kinds):
        return None
    is_admin = bool(getattr(getattr(actor, "person", actor), "is_superuser", False))
    if actor is None or (job.created_by_id != actor.pk and not is_admin):
        return None
    if not actor.has_action(IMPORT_ACTIONS.get(job.kind, CHANGE_SUPPLIER.code)):
        return None
    return tasks.with_write_progress(job)


@transaction.atomic
def purge_import_jobs(*, actor: Any, older_than_days: int, now: datetime | None = None) -> int:
    """Delete finished import jobs (and any file they left) that finished more than
    ``older_than_days`` days ago; queued and running jobs are kept. Returns how many."""
    if isinstance(older_than_days, bool) or not isinstance(older_than_days, int) or older_than_days < 1:
        raise ValidationFailed("No import jobs were deleted.", problems=[
            FieldProblem(field="older_than_days", message="a whole number of days, at least 1")])
    cutoff = (now or timezone.now()) - timedelta(days=older_than_days)
    old = ImportJob.objects.filter(status__in=[ImportJob.Status.SUCCEEDED, ImportJob.Status.FAILED],
                                   finished_at__lt=cutoff)
    ids = list(old.order_by("pk").values_list("pk", flat=True))
    if not ids:
        return 0
    ImportJob.objects.filter(pk__in=ids).delete()
    record_event(activity="Purge import jobs", objects=[], actor=actor,
                 attributes={"deleted": len(ids), "older_than_days": older_than_days})
    record_audit(actor=actor, action=AuditAction.DELETE, object_type="import_job",
                 object_repr=f"{len(ids)} import jobs", before={"ids": ids},
                 after={"deleted": len(ids), "older_than_days": older_than_days, "finished_before": cutoff.isoformat()},
                 message=f"Purged {len(ids)} import jobs finished before {cutoff:%Y-%m-%d %H:%M} UTC")
    transaction.on_commit(lambda: tasks.remove_import_files(ids))
    return len(ids)
