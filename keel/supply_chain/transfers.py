"""Transfers between sites and cycle counts: the services that change them and the
selectors that read them. Stock moves only through ``post_movements``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import DecimalField, F, Prefetch, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from keel.audit.choices import AuditAction
from keel.audit.services import record_audit
from keel.core import clock
from keel.core.errors import (
    Conflict,
    FieldProblem,
    PermissionDenied,
    ProblemCollector,
    ValidationFailed,
)
from keel.events.services import ObjectRef, record_event
from keel.organization.models import Site
from keel.supply_chain.choices import (
    COUNT_CANCELLABLE_STATUSES,
    TRANSFER_IN_TRANSIT_STATUSES,
    CountStatus,
    MovementReason,
    TransferStatus,
    VarianceReason,
)
from keel.supply_chain.models import (
    CountLine,
    CycleCount,
    Item,
    Location,
    StockBalance,
    Transfer,
    TransferLine,
)
from keel.supply_chain.permissions import ADJUST_STOCK, APPROVE_COUNT, MOVE_STOCK
from keel.supply_chain.services import (
    MAX_PLACES,
    MovementLine,
    _person,
    plain_number,
    post_movements,
)

# --- Transfers ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TransferLineIn:
    """One requested line: ``to_location`` may be left for the receipt."""

    item: Item
    quantity: Decimal
    from_location: Location
    to_location: Location | None = None
    lot_code: str = ""


def _quantity_problem(value: object, item: Item) -> str | None:
    if not isinstance(value, Decimal) or not value.is_finite():
        return "must be a number"
    if value <= 0:
        return "must be more than zero"
    if value.as_tuple().exponent < -MAX_PLACES:  # type: ignore[operator]
        return f"at most {MAX_PLACES} decimal places"
    if value != value.to_integral_value() and not item.allows_fractions:
        return f"{item.sku} is counted in {item.get_unit_display().lower()}: whole numbers only"
    return None


def _transfer_state(transfer: Transfer) -> dict[str, Any]:
    return {"number": transfer.number, "status": transfer.status}


def _transfer_refs(transfer: Transfer, qualifier: str, lines: Sequence[TransferLine] = ()) -> list[ObjectRef]:
    refs = [ObjectRef("transfer", str(transfer.pk), qualifier, site_id=transfer.from_site_id)]
    refs += [ObjectRef("item", str(pk), "moved") for pk in sorted({line.item_id for line in lines})]
    return refs


def _refuse(obj: Transfer | CycleCount, verb: str, allowed: Sequence[str]) -> Conflict:
    names = dict(TransferStatus.choices) if isinstance(obj, Transfer) else dict(CountStatus.choices)
    labels = [str(names[status]).lower() for status in allowed]
    listed = labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} or {labels[-1]}"
    kind = "transfers" if isinstance(obj, Transfer) else "counts"
    return Conflict(
        f"{obj.number} is {str(names[obj.status]).lower()}; only {listed} {kind} can be {verb}.",
        problems=[FieldProblem(field="status", message=f"is {obj.status}")],
    )


@transaction.atomic
def create_transfer(
    *, actor: Any, from_site: Site, to_site: Site, lines: Sequence[TransferLineIn], notes: str = "",
) -> Transfer:
    """Draft a transfer of stock from ``from_site`` to ``to_site``."""
    problems = ProblemCollector()
    if from_site.pk == to_site.pk:
        problems.add("to_site", "must be another site than the source")
    if not lines:
        problems.add("lines", "at least one line")
    if len(lines) > 500:
        problems.add("lines", "at most 500 lines")
    if len(notes) > 300:
        problems.add("notes", "at most 300 characters")
    for row, line in enumerate(lines):
        message = _quantity_problem(line.quantity, line.item)
        if message:
            problems.add("quantity", message, row)
        if line.from_location.site_id != from_site.pk:
            problems.add("from_location", f"{line.from_location} is not at {from_site.code}", row)
        if line.to_location is not None and line.to_location.site_id != to_site.pk:
            problems.add("to_location", f"{line.to_location} is not at {to_site.code}", row)
        if line.item.tracks_lots and not line.lot_code:
            problems.add("lot_code", f"{line.item.sku} is tracked by lot: give the lot", row)
        if not line.item.tracks_lots and line.lot_code:
            problems.add("lot_code", f"{line.item.sku} is not tracked by lot", row)
    problems.raise_if_any("The transfer was not created.")
    now = clock.now()
    transfer = Transfer.objects.create(from_site=from_site, to_site=to_site, notes=notes.strip(),
                                       created_by=_person(actor), created_at=now)
    transfer.number = Transfer.number_for(transfer.pk)
    transfer.save(update_fields=["number"])
    created = TransferLine.objects.bulk_create([
        TransferLine(transfer=transfer, line_number=number, item=line.item, quantity=line.quantity,
                     from_location=line.from_location, to_location=line.to_location, lot_code=line.lot_code)
        for number, line in enumerate(lines, start=1)
    ])
    record_event(activity="Create transfer", objects=_transfer_refs(transfer, "created", created), occurred_at=now,
                 site_id=from_site.pk, actor=actor,
                 attributes={"number": transfer.number, "lines": len(created), "to_site": to_site.code})
    record_audit(
        actor=actor, action=AuditAction.CREATE, object_type="transfer", object_id=transfer.pk,
        object_repr=f"{transfer.number} {from_site.code} to {to_site.code}", site_id=from_site.pk,
        after={**_transfer_state(transfer), "from_site": from_site.code, "to_site": to_site.code,
               "lines": [{"sku": line.item.sku, "quantity": plain_number(line.quantity),
                          "from_location": line.from_location.code,
                          "to_location": line.to_location.code if line.to_location else "",
                          "lot": line.lot_code} for line in lines]},
    )
    return transfer


def _lock_transfer(transfer: Transfer, to: str, verb: str, allowed: Sequence[str]) -> Transfer:
    locked = Transfer.objects.select_for_update().get(pk=transfer.pk)
    if locked.status not in allowed:
        raise _refuse(locked, verb, allowed)
    return locked


def _finish_transfer(*, actor: Any, locked: Transfer, before: dict[str, Any], activity: str, verb: str,
                     stamp: str | None, when: datetime, original: Transfer,
                     attributes: dict[str, Any] | None = None, after: dict[str, Any] | None = None) -> Transfer:
    fields = ["status"]
    if stamp is not None:
        setattr(locked, stamp, when)
        fields.append(stamp)
    locked.save(update_fields=fields)
    lines = list(locked.lines.all())
    record_event(activity=activity, objects=_transfer_refs(locked, verb, lines), occurred_at=when,
                 site_id=locked.from_site_id, actor=actor,
                 attributes={"number": locked.number, "status": locked.status, **(attributes or {})})
    record_audit(actor=actor, action=AuditAction.CHANGE, object_type="transfer", object_id=locked.pk,
                 object_repr=locked.number, site_id=locked.from_site_id, before=before,
                 after={**_transfer_state(locked), **(after or {})})
    original.refresh_from_db()
    return locked


@transaction.atomic
def ship_transfer(*, actor: Any, transfer: Transfer) -> Transfer:
    """Take the stock out of the source locations: draft to in transit."""
    locked = _lock_transfer(transfer, TransferStatus.SHIPPED, "shipped", [TransferStatus.DRAFT])
    before = _transfer_state(locked)
    lines = list(locked.lines.select_related("item", "from_location").order_by("line_number"))
    post_movements(actor=actor, reason=MovementReason.TRANSFER_OUT, reference=f"transfer:{locked.pk}",
                   note=locked.number, lines=[
                       MovementLine(item=line.item, location=line.from_location, quantity=-line.quantity,
                                    lot_code=line.lot_code) for line in lines])
    locked.status = TransferStatus.SHIPPED
    return _finish_transfer(actor=actor, locked=locked, before=before, activity="Ship transfer", verb="shipped",
                            stamp="shipped_at", when=clock.now(), original=transfer)


@dataclass(frozen=True, slots=True)
class ReceiveLineIn:
    """What arrived of one transfer line (by line number). ``quantity`` None is everything
    still in transit on the line; ``to_location`` None is the line's planned destination.
    A line may be named twice to split what arrived over two locations."""

    line: int
    quantity: Decimal | None = None
    to_location: Location | None = None


def _received(lines: Sequence[TransferLine]) -> list[dict[str, Any]]:
    return [{"line": line.line_number, "sku": line.item.sku, "received_quantity": plain_number(line.received_quantity)}
            for line in lines]


@transaction.atomic
def receive_transfer(*, actor: Any, transfer: Transfer, lines: Sequence[ReceiveLineIn] | None = None,
                     received_before: dict[int, Decimal] | None = None) -> Transfer:
    """Put what arrived into destination locations. Without ``lines`` everything still in
    transit arrives; with them only the named lines, each in the quantity given (at most
    what is still in transit on it). The transfer is received when nothing is left in
    transit, otherwise partially received; the rest stays in transit.

    ``received_before`` (line number -> received quantity the caller saw) refuses the
    receipt when another one came first, so a form sent twice receives once."""
    locked = _lock_transfer(transfer, TransferStatus.RECEIVED, "received",
                            [TransferStatus.SHIPPED, TransferStatus.PARTIALLY_RECEIVED])
    all_lines = list(locked.lines.select_related("item", "to_location").order_by("line_number"))
    by_number = {line.line_number: line for line in all_lines}
    changed_since = [number for number, seen in (received_before or {}).items()
                     if number in by_number and by_number[number].received_quantity != seen]
    if changed_since:
        raise Conflict(
            f"{locked.number} was received by somebody else since you opened it (line "
            f"{', '.join(str(number) for number in changed_since)}); nothing changed. Open it again and check.",
            problems=[FieldProblem(field="received_quantity", message="changed since the page was opened")])
    before = {**_transfer_state(locked), "received": _received(all_lines)}
    wanted = list(lines) if lines else [ReceiveLineIn(line=line.line_number) for line in all_lines
                                        if line.outstanding_quantity > 0]
    problems = ProblemCollector()
    arriving: dict[int, Decimal] = {}
    movements: list[MovementLine] = []
    for row, entry in enumerate(wanted):
        line = by_number.get(entry.line)
        if line is None:
            problems.add("line", f"no line {entry.line} on {locked.number}", row)
            continue
        where = f"line {line.line_number} ({line.item.sku})"
        quantity = line.outstanding_quantity if entry.quantity is None else entry.quantity
        message = _quantity_problem(quantity, line.item)
        if message:
            problems.add("quantity", f"{where}: nothing left in transit" if entry.quantity is None else
                         f"{where}: {message}", row)
            continue
        arriving[line.line_number] = arriving.get(line.line_number, Decimal(0)) + quantity
        if arriving[line.line_number] > line.outstanding_quantity:
            problems.add("quantity", (
                f"{where}: {plain_number(arriving[line.line_number])} would be more than was shipped; "
                f"{plain_number(line.quantity)} shipped, {plain_number(line.received_quantity)} received so far, "
                f"so at most {plain_number(line.outstanding_quantity)} more"), row)
            continue
        location = entry.to_location or line.to_location
        if location is None:
            problems.add("to_location", f"{where}: choose where it goes", row)
            continue
        if location.site_id != locked.to_site_id:
            problems.add("to_location", f"{where}: {location} is not at the destination site", row)
            continue
        line.to_location = location
        movements.append(MovementLine(item=line.item, location=location, quantity=quantity, lot_code=line.lot_code))
    problems.raise_if_any("The transfer was not received; nothing changed.")
    for number, quantity in arriving.items():
        by_number[number].received_quantity += quantity
    changed = [by_number[number] for number in arriving]
    TransferLine.objects.bulk_update(changed, ["to_location", "received_quantity"])
    post_movements(actor=actor, reason=MovementReason.TRANSFER_IN, reference=f"transfer:{locked.pk}",
                   note=locked.number, lines=movements)
    is_complete = all(line.outstanding_quantity == 0 for line in all_lines)
    locked.status = TransferStatus.RECEIVED if is_complete else TransferStatus.PARTIALLY_RECEIVED
    return _finish_transfer(
        actor=actor, locked=locked, before=before, activity="Receive transfer", verb="received",
        stamp="received_at" if is_complete else None, when=clock.now(), original=transfer,
        attributes={"lines": len(arriving), "quantity": plain_number(sum(arriving.values(), Decimal(0))),
                    "is_complete": is_complete},
        after={"received": _received(all_lines)})


@transaction.atomic
def cancel_transfer(*, actor: Any, transfer: Transfer) -> Transfer:
    """Cancel a draft transfer (nothing has moved yet)."""
    locked = _lock_transfer(transfer, TransferStatus.CANCELLED, "cancelled", [TransferStatus.DRAFT])
    before = _transfer_state(locked)
    locked.status = TransferStatus.CANCELLED
    return _finish_transfer(actor=actor, locked=locked, before=before, activity="Cancel transfer", verb="cancelled",
                            stamp="cancelled_at", when=clock.now(), original=transfer)


IN_TRANSIT = Coalesce(
    Sum(F("lines__quantity") - F("lines__received_quantity"), filter=Q(status__in=TRANSFER_IN_TRANSIT_STATUSES)),
    Value(Decimal(0)), output_field=DecimalField(max_digits=18, decimal_places=4),
)


def transfers(*, actor: Any, action: str = MOVE_STOCK.code, statuses: Sequence[str] | None = None,
              search: str | None = None) -> QuerySet[Transfer]:
    """Transfers from or to the actor's sites, each with ``in_transit`` (shipped, not yet received)."""
    rows: QuerySet[Transfer] = (
        Transfer.objects.restrict(actor, action).select_related("from_site", "to_site", "created_by")
        .annotate(in_transit=IN_TRANSIT)
    )
    if statuses:
        rows = rows.filter(status__in=list(statuses))
    if search:
        with_sku = TransferLine.objects.filter(item__sku__icontains=search).values("transfer_id")
        rows = rows.filter(Q(number__icontains=search) | Q(from_site__code__icontains=search)
                           | Q(to_site__code__icontains=search) | Q(pk__in=with_sku))
    return rows


def transfer(*, actor: Any, pk: int, action: str = MOVE_STOCK.code) -> Transfer | None:
    """One transfer with its lines, or None when it is not in the actor's scope."""
    return (
        transfers(actor=actor, action=action)
        .prefetch_related(Prefetch("lines", queryset=TransferLine.objects.select_related(
            "item", "from_location__site", "to_location__site").order_by("line_number")))
        .filter(pk=pk).first()
    )


def in_transit_by_item(*, actor: Any, action: str = MOVE_STOCK.code) -> dict[str, Decimal]:
    """Quantity shipped and not yet received, per item SKU, over the actor's transfers."""
    visible = transfers(actor=actor, action=action).filter(status__in=TRANSFER_IN_TRANSIT_STATUSES).values("pk")
    rows = (TransferLine.objects.filter(transfer__in=Subquery(visible), received_quantity__lt=F("quantity"))
            .values("item__sku").annotate(total=Sum(F("quantity") - F("received_quantity"))).order_by("item__sku"))
    return {row["item__sku"]: row["total"] for row in rows}


def in_transit_items(transfer_row: Transfer) -> list[tuple[str, Decimal]]:
    """(SKU, quantity) still in transit on one transfer; empty unless it is shipped."""
    if transfer_row.status not in TRANSFER_IN_TRANSIT_STATUSES:
        return []
    totals: dict[str, Decimal] = {}
    for line in transfer_row.lines.all():
        if line.outstanding_quantity:
            totals[line.item.sku] = totals.get(line.item.sku, Decimal(0)) + line.outstanding_quantity
    return sorted(totals.items())


# --- Cycle counts ---------------------------------------------------------------------


def approval_threshold() -> Decimal:
    """Above this absolute variance value a count needs approval by somebody else."""
    return Decimal(str(getattr(settings, "KEEL_COUNT_APPROVAL_THRESHOLD", 500)))


def _count_state(count: CycleCount) -> dict[str, Any]:
    return {"number": count.number, "status": count.status, "variance_value": plain_number(count.variance_value)}


def _count_audit(actor: Any, count: CycleCount, before: dict[str, Any] | None, action: AuditAction) -> None:
    record_audit(actor=actor, action=action, object_type="cycle_count", object_id=count.pk,
                 object_repr=f"{count.number} at {count.site.code}", site_id=count.site_id,
                 before=before, after=_count_state(count))


@transaction.atomic
def create_count(*, actor: Any, site: Site, locations: Sequence[Location] = (), items: Sequence[Item] = ()) -> CycleCount:
    """Open a count of ``site``: every balance at the given locations (and/or of the given
    items) becomes a line, with the on-hand quantity of now as the expected quantity. A
    location given without stock gets no line unless an item is named too."""
    problems = ProblemCollector()
    if not locations and not items:
        problems.add("locations", "name locations or items to count")
    for location in locations:
        if location.site_id != site.pk:
            problems.add("locations", f"{location} is not at {site.code}")
    problems.raise_if_any("The count was not created.")
    balances = StockBalance.objects.filter(location__site=site).select_related("item", "location")
    if locations:
        balances = balances.filter(location__in=list(locations))
    if items:
        balances = balances.filter(item__in=list(items))
    keys: dict[tuple[int, int, str], tuple[Location, Item, Decimal]] = {}
    for balance in balances.order_by("location__code", "item__sku", "lot_code"):
        keys[(balance.location_id, balance.item_id, balance.lot_code)] = (balance.location, balance.item, balance.on_hand)
    # Named items at named locations are counted even without a balance (stock may be found).
    for location in locations:
        for item in items:
            if not item.tracks_lots:
                keys.setdefault((location.pk, item.pk, ""), (location, item, Decimal(0)))
    if not keys:
        raise ValidationFailed("The count was not created.",
                               problems=[FieldProblem(field="locations", message="nothing to count there")])
    now = clock.now()
    count = CycleCount.objects.create(site=site, created_by=_person(actor), created_at=now)
    count.number = CycleCount.number_for(count.pk)
    count.save(update_fields=["number"])
    CountLine.objects.bulk_create([
        CountLine(count=count, line_number=number, location=location, item=item, lot_code=key[2],
                  expected_quantity=expected)
        for number, (key, (location, item, expected)) in enumerate(keys.items(), start=1)
    ])
    record_event(activity="Create cycle count",
                 objects=[ObjectRef("cycle_count", str(count.pk), "created", site_id=site.pk)],
                 occurred_at=now, site_id=site.pk, actor=actor, attributes={"number": count.number, "lines": len(keys)})
    _count_audit(actor, count, None, AuditAction.CREATE)
    return count


@dataclass(frozen=True, slots=True)
class CountIn:
    """What was counted on one line (by line number), and why it differs, if it does."""

    line: int
    counted_quantity: Decimal
    reason: str = ""


def _lock_count(count: CycleCount, verb: str, allowed: Sequence[str]) -> CycleCount:
    locked = CycleCount.objects.select_for_update().select_related("site").get(pk=count.pk)
    if locked.status not in allowed:
        raise _refuse(locked, verb, allowed)
    return locked


@transaction.atomic
def record_counts(*, actor: Any, count: CycleCount, counts: Sequence[CountIn]) -> CycleCount:
    """Write counted quantities (and variance reasons) of an open count; lines not named
    keep what they had."""
    locked = _lock_count(count, "counted", [CountStatus.OPEN])
    lines = {line.line_number: line for line in locked.lines.select_related("item")}
    problems = ProblemCollector()
    changed = []
    for row, entry in enumerate(counts):
        line = lines.get(entry.line)
        if line is None:
            problems.add("line", f"no line {entry.line} on {locked.number}", row)
            continue
        if not isinstance(entry.counted_quantity, Decimal) or not entry.counted_quantity.is_finite() \
                or entry.counted_quantity < 0:
            problems.add("counted_quantity", "must be zero or more", row)
            continue
        message = None if entry.counted_quantity == 0 else _quantity_problem(entry.counted_quantity, line.item)
        if message:
            problems.add("counted_quantity", message, row)
            continue
        if entry.reason and entry.reason not in VarianceReason.values:
            problems.add("reason", f"use one of {', '.join(VarianceReason.values)}", row)
            continue
        line.counted_quantity = entry.counted_quantity
        line.variance = entry.counted_quantity - line.expected_quantity
        line.reason = entry.reason if line.variance else ""
        changed.append(line)
    problems.raise_if_any("The counts were not recorded; nothing changed.")
    CountLine.objects.bulk_update(changed, ["counted_quantity", "variance", "reason"])
    locked.counted_by = _person(actor)
    locked.save(update_fields=["counted_by"])
    _count_audit(actor, locked, _count_state(locked), AuditAction.CHANGE)
    count.refresh_from_db()
    return locked


def variance_value(lines: Sequence[CountLine]) -> Decimal:
    """Sum of |variance| x standard cost; units for items without a cost."""
    total = Decimal(0)
    for line in lines:
        cost = line.item.standard_cost if line.item.standard_cost is not None else Decimal(1)
        total += abs(line.variance or Decimal(0)) * cost
    return total


@transaction.atomic
def submit_count(*, actor: Any, count: CycleCount) -> CycleCount:
    """Finish counting: every line counted, every variance with a reason. A count whose
    variance value exceeds the threshold needs approval; otherwise it is submitted."""
    locked = _lock_count(count, "submitted", [CountStatus.OPEN])
    before = _count_state(locked)
    lines = list(locked.lines.select_related("item", "location").order_by("line_number"))
    problems = ProblemCollector()
    for row, line in enumerate(lines):
        where = f"line {line.line_number} ({line.item.sku} at {line.location.code})"
        if line.counted_quantity is None:
            problems.add("counted_quantity", f"{where}: not counted", row)
        elif line.variance and not line.reason:
            problems.add("reason", f"{where}: a variance of {plain_number(line.variance)} needs a reason", row)
    problems.raise_if_any("The count was not submitted.")
    now = clock.now()
    locked.variance_value = variance_value(lines)
    locked.status = CountStatus.NEEDS_APPROVAL if locked.variance_value > approval_threshold() else CountStatus.SUBMITTED
    locked.submitted_at = now
    if locked.counted_by_id is None:
        locked.counted_by = _person(actor)
    locked.save(update_fields=["status", "submitted_at", "variance_value", "counted_by"])
    record_event(activity="Submit cycle count",
                 objects=[ObjectRef("cycle_count", str(locked.pk), "submitted", site_id=locked.site_id)],
                 occurred_at=now, site_id=locked.site_id, actor=actor,
                 attributes={"number": locked.number, "status": locked.status,
                             "variance_value": plain_number(locked.variance_value)})
    _count_audit(actor, locked, before, AuditAction.CHANGE)
    count.refresh_from_db()
    return locked


@transaction.atomic
def approve_count(*, actor: Any, count: CycleCount) -> CycleCount:
    """Approve a count above the threshold. Needs ``supply_chain.approve_count``, and the
    approver must not be who counted (or opened) it."""
    if actor is None or not actor.has_action(APPROVE_COUNT.code):
        raise PermissionDenied(f"Your role does not allow {APPROVE_COUNT.code}.")
    locked = _lock_count(count, "approved", [CountStatus.NEEDS_APPROVAL])
    person = _person(actor)
    if person is not None and person.pk in {locked.counted_by_id, locked.created_by_id}:
        raise PermissionDenied(
            f"{locked.number} has a variance value of {plain_number(locked.variance_value)}, above the threshold of "
            f"{plain_number(approval_threshold())}: somebody other than its counter must approve it.",
            problems=[FieldProblem(field="approved_by", message="the counter cannot approve their own count")],
        )
    before = _count_state(locked)
    now = clock.now()
    locked.status, locked.approved_by, locked.approved_at = CountStatus.APPROVED, person, now
    locked.save(update_fields=["status", "approved_by", "approved_at"])
    record_event(activity="Approve cycle count",
                 objects=[ObjectRef("cycle_count", str(locked.pk), "approved", site_id=locked.site_id)],
                 occurred_at=now, site_id=locked.site_id, actor=actor, attributes={"number": locked.number})
    _count_audit(actor, locked, before, AuditAction.APPROVE)
    count.refresh_from_db()
    return locked


@transaction.atomic
def post_count(*, actor: Any, count: CycleCount) -> CycleCount:
    """Correct the stock by each non-zero variance (reason ``count_correction``)."""
    if actor is None or not actor.has_action(ADJUST_STOCK.code):
        raise PermissionDenied(f"Your role does not allow {ADJUST_STOCK.code}.")
    locked = _lock_count(count, "posted", [CountStatus.SUBMITTED, CountStatus.APPROVED])
    before = _count_state(locked)
    lines = [line for line in locked.lines.select_related("item", "location").order_by("line_number") if line.variance]
    posting_id = None
    reference = f"cycle_count:{locked.pk}"
    # One posting per reason, so each movement carries its own reason in the note.
    for reason in VarianceReason.values:
        with_reason = [line for line in lines if line.reason == reason]
        if with_reason:
            posting = post_movements(
                actor=actor, reason=MovementReason.COUNT_CORRECTION, reference=reference,
                note=f"{locked.number}: {VarianceReason(reason).label.lower()}",
                lines=[MovementLine(item=line.item, location=line.location, quantity=line.variance or Decimal(0),
                                    lot_code=line.lot_code) for line in with_reason])
            posting_id = posting_id or posting.posting_id
    now = clock.now()
    locked.status, locked.posted_at, locked.posting = CountStatus.POSTED, now, posting_id
    locked.save(update_fields=["status", "posted_at", "posting"])
    record_event(activity="Post cycle count",
                 objects=[ObjectRef("cycle_count", str(locked.pk), "posted", site_id=locked.site_id)],
                 occurred_at=now, site_id=locked.site_id, actor=actor,
                 attributes={"number": locked.number, "corrections": len(lines)})
    _count_audit(actor, locked, before, AuditAction.CHANGE)
    count.refresh_from_db()
    return locked


@transaction.atomic
def cancel_count(*, actor: Any, count: CycleCount, reason: str = "") -> CycleCount:
    """Cancel a count that is not posted yet: nothing has moved, the lines stay as counted."""
    if len(reason) > 300:
        raise ValidationFailed("The count was not cancelled.",
                               problems=[FieldProblem(field="reason", message="at most 300 characters")])
    locked = _lock_count(count, "cancelled", COUNT_CANCELLABLE_STATUSES)
    before = _count_state(locked)
    now = clock.now()
    locked.status, locked.cancelled_at, locked.cancel_reason = CountStatus.CANCELLED, now, reason.strip()
    locked.save(update_fields=["status", "cancelled_at", "cancel_reason"])
    record_event(activity="Cancel cycle count",
                 objects=[ObjectRef("cycle_count", str(locked.pk), "cancelled", site_id=locked.site_id)],
                 occurred_at=now, site_id=locked.site_id, actor=actor,
                 attributes={"number": locked.number, "status_before": before["status"], "reason": locked.cancel_reason})
    record_audit(actor=actor, action=AuditAction.CHANGE, object_type="cycle_count", object_id=locked.pk,
                 object_repr=f"{locked.number} at {locked.site.code}", site_id=locked.site_id, before=before,
                 after={**_count_state(locked), "reason": locked.cancel_reason})
    count.refresh_from_db()
    return locked


def counts(*, actor: Any, action: str = ADJUST_STOCK.code, statuses: Sequence[str] | None = None,
           search: str | None = None) -> QuerySet[CycleCount]:
    rows: QuerySet[CycleCount] = CycleCount.objects.restrict(actor, action).select_related(
        "site", "created_by", "counted_by", "approved_by")
    if statuses:
        rows = rows.filter(status__in=list(statuses))
    if search:
        rows = rows.filter(Q(number__icontains=search) | Q(site__code__icontains=search))
    return rows


def count(*, actor: Any, pk: int, action: str = ADJUST_STOCK.code) -> CycleCount | None:
    return (
        counts(actor=actor, action=action)
        .prefetch_related(Prefetch("lines", queryset=CountLine.objects.select_related("item", "location").order_by(
            "line_number")))
        .filter(pk=pk).first()
    )

