"""REST operations for transfers between sites and cycle counts, on the supply chain router."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Schema, Status

from keel.core.api import InputSchema, Page, PageParams, apply_ordering, paginate
from keel.core.errors import FieldProblem, NotFound, ValidationFailed
from keel.core.idempotency import run_once
from keel.organization.models import Site
from keel.supply_chain import permissions as p
from keel.supply_chain import transfers as t
from keel.supply_chain.api import _caller, router
from keel.supply_chain.choices import TRANSFER_IN_TRANSIT_STATUSES
from keel.supply_chain.models import CycleCount, Item, Location, Transfer

# --- Schemas --------------------------------------------------------------------------


class TransferLineIn(InputSchema):
    sku: str = Field(..., max_length=64)
    quantity: Decimal
    from_location: str = Field(..., max_length=40, description="Location code at the source site")
    to_location: str = Field("", max_length=40, description="Location code at the destination (or at receipt)")
    lot: str = Field("", max_length=64)


class TransferIn(InputSchema):
    from_site: str
    to_site: str
    notes: str = Field("", max_length=300)
    lines: list[TransferLineIn] = Field(..., max_length=500)


class ReceiveTransferLineIn(InputSchema):
    line: int = Field(..., description="The transfer line's number")
    quantity: Decimal | None = Field(None, description="What arrived; empty: everything still in transit on the line")
    to_location: str = Field("", max_length=40, description="Location code at the destination; empty: the line's")


class ReceiveTransferIn(InputSchema):
    lines: list[ReceiveTransferLineIn] = Field(
        default_factory=list, max_length=500,
        description="Only these lines are received; no lines: everything still in transit")


class TransferLineOut(Schema):
    line: int
    sku: str
    quantity: Decimal
    from_location: str
    to_location: str | None
    lot: str
    received_quantity: Decimal
    in_transit: Decimal


class TransferOut(Schema):
    id: int
    number: str
    from_site: str
    to_site: str
    status: str
    in_transit: Decimal
    created_at: datetime
    shipped_at: datetime | None
    received_at: datetime | None
    lines: list[TransferLineOut] = []
    replayed: bool = False


class TransfersQuery(Schema):
    status: list[str] | None = Field(None, description="One or more statuses")
    q: str | None = Field(None, max_length=200, description="Number, site or SKU")
    ordering: str | None = Field(None, description="number, created_at, status; prefix - for descending")


class CountIn(InputSchema):
    site: str
    locations: list[str] = Field(default_factory=list, max_length=500, description="Location codes at the site")
    items: list[str] = Field(default_factory=list, max_length=500, description="SKUs")


class CountedLineIn(InputSchema):
    line: int
    counted_quantity: Decimal
    reason: str = Field("", description="damaged, misplaced, theft, data_error, unknown (needed for a variance)")


class RecordCountsIn(InputSchema):
    lines: list[CountedLineIn] = Field(..., max_length=2000)


class CountLineOut(Schema):
    line: int
    location: str
    sku: str
    lot: str
    expected_quantity: Decimal
    counted_quantity: Decimal | None
    variance: Decimal | None
    reason: str


class CountOut(Schema):
    id: int
    number: str
    site: str
    status: str
    variance_value: Decimal
    created_at: datetime
    submitted_at: datetime | None
    approved_at: datetime | None
    posted_at: datetime | None
    cancelled_at: datetime | None
    cancel_reason: str
    lines: list[CountLineOut] = []
    replayed: bool = False


class CountsQuery(Schema):
    status: list[str] | None = None
    q: str | None = Field(None, max_length=200)
    ordering: str | None = Field(None, description="number, created_at, status; prefix - for descending")


ORDERING = {"number": "pk", "created_at": "created_at", "status": "status"}

# --- Transfers ------------------------------------------------------------------------


def transfer_out(row: Transfer, *, with_lines: bool = True) -> dict[str, Any]:
    lines = list(row.lines.all()) if with_lines else []
    return {
        "id": row.pk, "number": row.number, "from_site": row.from_site.code, "to_site": row.to_site.code,
        "status": row.status, "in_transit": getattr(row, "in_transit", Decimal(0)), "created_at": row.created_at,
        "shipped_at": row.shipped_at, "received_at": row.received_at,
        "lines": [{"line": line.line_number, "sku": line.item.sku, "quantity": line.quantity,
                   "from_location": line.from_location.code,
                   "to_location": line.to_location.code if line.to_location else None, "lot": line.lot_code,
                   "received_quantity": line.received_quantity,
                   "in_transit": line.outstanding_quantity if row.status in TRANSFER_IN_TRANSIT_STATUSES else Decimal(0)}
                  for line in lines],
    }


def _transfer(actor: Any, pk: int) -> Transfer:
    row = t.transfer(actor=actor, pk=pk)
    if row is None:
        raise NotFound(f"There is no transfer {pk} at your sites.")
    return row


@router.get("/transfers", response=Page[TransferOut], action=p.MOVE_STOCK.code, summary="Transfers from or to your sites")
def list_transfers(request: HttpRequest, filters: Query[TransfersQuery], page: Query[PageParams]) -> dict[str, Any]:
    rows = t.transfers(actor=request.auth, statuses=filters.status, search=filters.q)  # type: ignore[attr-defined]
    result = paginate(apply_ordering(rows, filters.ordering, ORDERING, "-created_at"), page)
    result["items"] = [transfer_out(row, with_lines=False) for row in result["items"]]
    return result


@router.get("/transfers/{transfer_id}", response=TransferOut, action=p.MOVE_STOCK.code, summary="One transfer")
def get_transfer(request: HttpRequest, transfer_id: int) -> dict[str, Any]:
    return transfer_out(_transfer(request.auth, transfer_id))  # type: ignore[attr-defined]


def _transfer_lines(actor: Any, payload: TransferIn, from_site: Site, to_site: Site) -> list[t.TransferLineIn]:
    items = {item.sku: item for item in Item.objects.filter(sku__in={line.sku for line in payload.lines})}
    places = {(loc.site_id, loc.code): loc for loc in Location.objects.filter(site__in=[from_site, to_site])}
    problems: list[FieldProblem] = []
    wanted = []
    for row, line in enumerate(payload.lines):
        item = items.get(line.sku)
        source = places.get((from_site.pk, line.from_location.strip().upper()))
        target = places.get((to_site.pk, line.to_location.strip().upper())) if line.to_location.strip() else None
        if item is None:
            problems.append(FieldProblem(field="lines.sku", message=f"unknown SKU {line.sku!r}", row=row))
        if source is None:
            problems.append(FieldProblem(field="lines.from_location", row=row,
                                         message=f"unknown location {line.from_location!r} at {from_site.code}"))
        if line.to_location.strip() and target is None:
            problems.append(FieldProblem(field="lines.to_location", row=row,
                                         message=f"unknown location {line.to_location!r} at {to_site.code}"))
        if item is not None and source is not None:
            wanted.append(t.TransferLineIn(item=item, quantity=line.quantity, from_location=source,
                                           to_location=target, lot_code=line.lot.strip()))
    if problems:
        raise ValidationFailed("The transfer was not created.", problems=problems)
    return wanted


@router.post("/transfers", response={201: TransferOut, 200: TransferOut}, action=p.MOVE_STOCK.code,
             summary="Draft a transfer between sites (send an Idempotency-Key)",
             description="A repeat with the same Idempotency-Key and body returns the first transfer (200, replayed).")
def create_transfer(request: HttpRequest, payload: TransferIn) -> Status[dict[str, Any]]:
    actor = request.auth  # type: ignore[attr-defined]

    def work() -> tuple[int, dict[str, Any]]:
        from_site = Site.objects.restrict(actor, p.MOVE_STOCK.code).filter(code=payload.from_site).first()
        to_site = Site.objects.filter(code=payload.to_site).first()  # any site may receive
        problems = []
        if from_site is None:
            problems.append(FieldProblem(field="from_site", message=f"unknown site {payload.from_site!r} in your scope"))
        if to_site is None:
            problems.append(FieldProblem(field="to_site", message=f"unknown site {payload.to_site!r}"))
        if from_site is None or to_site is None:
            raise ValidationFailed("The transfer was not created.", problems=problems)
        created = t.create_transfer(actor=actor, from_site=from_site, to_site=to_site, notes=payload.notes,
                                    lines=_transfer_lines(actor, payload, from_site, to_site))
        return 201, TransferOut(**transfer_out(_transfer(actor, created.pk))).model_dump(mode="json")

    answer = run_once(caller=_caller(request), operation="transfers.create",
                      key=request.headers.get("Idempotency-Key"), payload=payload.model_dump(mode="json"), work=work)
    return Status(200 if answer.replayed else answer.status_code, {**answer.body, "replayed": answer.replayed})


@router.post("/transfers/{transfer_id}/ship", response=TransferOut, action=p.MOVE_STOCK.code,
             summary="Ship a draft transfer: stock leaves the source locations")
def ship_transfer(request: HttpRequest, transfer_id: int) -> dict[str, Any]:
    actor = request.auth  # type: ignore[attr-defined]
    t.ship_transfer(actor=actor, transfer=_transfer(actor, transfer_id))
    return transfer_out(_transfer(actor, transfer_id))


@router.post("/transfers/{transfer_id}/receive", response=TransferOut, action=p.MOVE_STOCK.code,
             summary="Receive what arrived: everything still in transit, or the lines and quantities given "
                     "(send an Idempotency-Key)",
             description="Receiving more than is still in transit on a line is refused (422) and changes nothing. "
                         "A repeat with the same Idempotency-Key and body returns the first answer (replayed) "
                         "and receives nothing.")
def receive_transfer(request: HttpRequest, transfer_id: int, payload: ReceiveTransferIn | None = None) -> dict[str, Any]:
    actor = request.auth  # type: ignore[attr-defined]
    body = payload or ReceiveTransferIn()

    def work() -> tuple[int, dict[str, Any]]:
        row = _transfer(actor, transfer_id)
        wanted: list[t.ReceiveLineIn] = []
        places = {loc.code: loc for loc in Location.objects.filter(site_id=row.to_site_id)} if body.lines else {}
        problems = []
        for index, line in enumerate(body.lines):
            code = line.to_location.strip().upper()
            location = places.get(code) if code else None
            if code and location is None:
                problems.append(FieldProblem(field="lines.to_location", row=index,
                                             message=f"unknown location {line.to_location!r} at {row.to_site.code}"))
            wanted.append(t.ReceiveLineIn(line=line.line, quantity=line.quantity, to_location=location))
        if problems:
            raise ValidationFailed("The transfer was not received; nothing changed.", problems=problems)
        try:
            t.receive_transfer(actor=actor, transfer=row, lines=wanted)
        except ValidationFailed as failure:
            raise ValidationFailed(failure.detail, problems=[
                FieldProblem(field=f"lines.{problem.field}", message=problem.message, row=problem.row)
                for problem in failure.problems]) from None
        return 200, TransferOut(**transfer_out(_transfer(actor, transfer_id))).model_dump(mode="json")

    answer = run_once(caller=_caller(request), operation=f"transfers.receive:{transfer_id}",
                      key=request.headers.get("Idempotency-Key"), payload=body.model_dump(mode="json"), work=work)
    return {**answer.body, "replayed": answer.replayed}


@router.post("/transfers/{transfer_id}/cancel", response=TransferOut, action=p.MOVE_STOCK.code,
             summary="Cancel a draft transfer")
def cancel_transfer(request: HttpRequest, transfer_id: int) -> dict[str, Any]:
    actor = request.auth  # type: ignore[attr-defined]
    t.cancel_transfer(actor=actor, transfer=_transfer(actor, transfer_id))
    return transfer_out(_transfer(actor, transfer_id))


# --- Cycle counts ---------------------------------------------------------------------


def count_out(row: CycleCount, *, with_lines: bool = True) -> dict[str, Any]:
    return {
        "id": row.pk, "number": row.number, "site": row.site.code, "status": row.status,
        "variance_value": row.variance_value, "created_at": row.created_at, "submitted_at": row.submitted_at,
        "approved_at": row.approved_at, "posted_at": row.posted_at, "cancelled_at": row.cancelled_at,
        "cancel_reason": row.cancel_reason,
        "lines": [{"line": line.line_number, "location": line.location.code, "sku": line.item.sku,
                   "lot": line.lot_code, "expected_quantity": line.expected_quantity,
                   "counted_quantity": line.counted_quantity, "variance": line.variance, "reason": line.reason}
                  for line in (row.lines.all() if with_lines else [])],
    }


def _count(actor: Any, pk: int) -> CycleCount:
    row = t.count(actor=actor, pk=pk)
    if row is None:
        raise NotFound(f"There is no cycle count {pk} at your sites.")
    return row


@router.get("/counts", response=Page[CountOut], action=p.ADJUST_STOCK.code, summary="Cycle counts at your sites")
def list_counts(request: HttpRequest, filters: Query[CountsQuery], page: Query[PageParams]) -> dict[str, Any]:
    rows = t.counts(actor=request.auth, statuses=filters.status, search=filters.q)  # type: ignore[attr-defined]
    result = paginate(apply_ordering(rows, filters.ordering, ORDERING, "-created_at"), page)
    result["items"] = [count_out(row, with_lines=False) for row in result["items"]]
    return result


@router.get("/counts/{count_id}", response=CountOut, action=p.ADJUST_STOCK.code, summary="One cycle count")
def get_count(request: HttpRequest, count_id: int) -> dict[str, Any]:
    return count_out(_count(request.auth, count_id))  # type: ignore[attr-defined]


@router.post("/counts", response={201: CountOut, 200: CountOut}, action=p.ADJUST_STOCK.code,
             summary="Open a cycle count of locations or items (send an Idempotency-Key)")
def create_count(request: HttpRequest, payload: CountIn) -> Status[dict[str, Any]]:
    actor = request.auth  # type: ignore[attr-defined]

    def work() -> tuple[int, dict[str, Any]]:
        site = Site.objects.restrict(actor, p.ADJUST_STOCK.code).filter(code=payload.site).first()
        if site is None:
            raise ValidationFailed("The count was not created.", problems=[
                FieldProblem(field="site", message=f"unknown site {payload.site!r} in your scope")])
        codes = {code.strip().upper() for code in payload.locations}
        locations = list(Location.objects.filter(site=site, code__in=codes))
        items = list(Item.objects.filter(sku__in=set(payload.items)))
        problems = [FieldProblem(field="locations", message=f"unknown location {code!r} at {site.code}")
                    for code in sorted(codes - {loc.code for loc in locations})]
        problems += [FieldProblem(field="items", message=f"unknown SKU {sku!r}")
                     for sku in sorted(set(payload.items) - {item.sku for item in items})]
        if problems:
            raise ValidationFailed("The count was not created.", problems=problems)
        created = t.create_count(actor=actor, site=site, locations=locations, items=items)
        return 201, CountOut(**count_out(_count(actor, created.pk))).model_dump(mode="json")

    answer = run_once(caller=_caller(request), operation="counts.create",
                      key=request.headers.get("Idempotency-Key"), payload=payload.model_dump(mode="json"), work=work)
    return Status(200 if answer.replayed else answer.status_code, {**answer.body, "replayed": answer.replayed})


@router.post("/counts/{count_id}/record", response=CountOut, action=p.ADJUST_STOCK.code,
             summary="Record counted quantities (and variance reasons) of an open count")
def record_counts(request: HttpRequest, count_id: int, payload: RecordCountsIn) -> dict[str, Any]:
    actor = request.auth  # type: ignore[attr-defined]
    t.record_counts(actor=actor, count=_count(actor, count_id), counts=[
        t.CountIn(line=line.line, counted_quantity=line.counted_quantity, reason=line.reason) for line in payload.lines])
    return count_out(_count(actor, count_id))


@router.post("/counts/{count_id}/submit", response=CountOut, action=p.ADJUST_STOCK.code,
             summary="Submit a count; above KEEL_COUNT_APPROVAL_THRESHOLD it needs approval")
def submit_count(request: HttpRequest, count_id: int) -> dict[str, Any]:
    actor = request.auth  # type: ignore[attr-defined]
    t.submit_count(actor=actor, count=_count(actor, count_id))
    return count_out(_count(actor, count_id))


@router.post("/counts/{count_id}/approve", response=CountOut, action=p.APPROVE_COUNT.code,
             summary="Approve a count that needs approval (not by its counter)")
def approve_count(request: HttpRequest, count_id: int) -> dict[str, Any]:
    actor = request.auth  # type: ignore[attr-defined]
    t.approve_count(actor=actor, count=_count(actor, count_id))
    return count_out(_count(actor, count_id))


@router.post("/counts/{count_id}/post", response=CountOut, action=p.ADJUST_STOCK.code,
             summary="Post the variances to stock as count corrections")
def post_count(request: HttpRequest, count_id: int) -> dict[str, Any]:
    actor = request.auth  # type: ignore[attr-defined]
    t.post_count(actor=actor, count=_count(actor, count_id))
    return count_out(_count(actor, count_id))


class CancelCountIn(InputSchema):
    reason: str = Field("", max_length=300)


@router.post("/counts/{count_id}/cancel", response=CountOut, action=p.ADJUST_STOCK.code,
             summary="Cancel a count that is not posted yet (nothing moves)")
def cancel_count(request: HttpRequest, count_id: int, payload: CancelCountIn | None = None) -> dict[str, Any]:
    actor = request.auth  # type: ignore[attr-defined]
    t.cancel_count(actor=actor, count=_count(actor, count_id), reason=payload.reason if payload else "")
    return count_out(_count(actor, count_id))
