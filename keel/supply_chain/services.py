"""Changes to items, locations and stock; suppliers, purchase orders and receiving.

Stock changes only through ``post_movements`` (and ``reverse_posting``): it validates every
line, then applies the net change of each balance with one conditional UPDATE, taken in a
fixed order (item, location, lot) so that concurrent postings never deadlock, and refuses
the whole posting if any balance would break a rule; then it adds the same changes to the
item stock summaries (per site and company-wide), locked after the balances. Movements,
the event and the audit record are written in the same transaction.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from keel.audit.choices import AuditAction
from keel.audit.services import changed_fields, record_audit
from keel.core import clock
from keel.core.errors import (
    Conflict,
    FieldProblem,
    PermissionDenied,
    ProblemCollector,
    ValidationFailed,
)
from keel.core.money import normalise_currency
from keel.core.retry import retry_on_conflict
from keel.events.services import ObjectRef, record_event, relate_objects
from keel.organization.models import Site
from keel.supply_chain.choices import (
    PO_RECEIVABLE_STATUSES,
    PO_TRANSITIONS,
    REASON_RULES,
    Lifecycle,
    LocationKind,
    MovementReason,
    PurchaseOrderStatus,
    UnitOfMeasure,
)
from keel.supply_chain.models import (
    Item,
    ItemStock,
    Location,
    Lot,
    PriceBreak,
    PurchaseOrder,
    PurchaseOrderLine,
    Receipt,
    ReceiptLine,
    StockBalance,
    StockMovement,
    StockPolicy,
    Supplier,
    SupplierItem,
)
from keel.supply_chain.permissions import APPROVE_PURCHASE_ORDER

MAX_PLACES = 4
ACTIVITY = {
    MovementReason.RECEIPT: "Receive stock",
    MovementReason.SHIPMENT: "Ship stock",
    MovementReason.TRANSFER_OUT: "Transfer stock out",
    MovementReason.TRANSFER_IN: "Transfer stock in",
    MovementReason.ADJUSTMENT: "Adjust stock",
    MovementReason.COUNT_CORRECTION: "Correct stock count",
    MovementReason.RETURN_TO_STOCK: "Return stock",
    MovementReason.SCRAP: "Scrap stock",
    MovementReason.RESERVATION: "Reserve stock",
    MovementReason.RELEASE: "Release reservation",
}
# Reasons that change stock without a business document behind them need adjust_stock.
ADJUSTING_REASONS = {MovementReason.ADJUSTMENT, MovementReason.COUNT_CORRECTION, MovementReason.SCRAP}


# --- Items and locations --------------------------------------------------------------


def _decimal(value: object) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, float):
        value = repr(value)
    try:
        result = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a number") from None
    if not result.is_finite():
        raise ValueError(f"{value!r} is not a finite number")
    return result


@transaction.atomic
def create_item(
    *, actor: Any, sku: str, name: str, unit: str = UnitOfMeasure.EACH, category: str = "",
    pack_size: int = 1, weight_kg: object = None, standard_cost: object = None, cost_currency: str = "",
    list_price: object = None, price_currency: str = "", lifecycle: str = Lifecycle.ACTIVE,
    tracks_lots: bool = False, tracks_expiry: bool = False,
) -> Item:
    problems = ProblemCollector()
    sku = sku.strip()
    if not sku:
        problems.add("sku", "required")
    elif Item.objects.filter(sku__iexact=sku).exists():
        problems.add("sku", f"an item with SKU {sku!r} exists")
    if not name.strip():
        problems.add("name", "required")
    if unit not in UnitOfMeasure.values:
        problems.add("unit", f"use one of {', '.join(UnitOfMeasure.values)}")
    if lifecycle not in Lifecycle.values:
        problems.add("lifecycle", f"use one of {', '.join(Lifecycle.values)}")
    if pack_size < 1:
        problems.add("pack_size", "at least 1")
    if tracks_expiry and not tracks_lots:
        problems.add("tracks_expiry", "expiry is kept per lot: turn on lot tracking too")
    amounts: dict[str, Decimal | None] = {}
    for name_, value in (("weight_kg", weight_kg), ("standard_cost", standard_cost), ("list_price", list_price)):
        try:
            amounts[name_] = _decimal(value)
        except ValueError as error:
            problems.add(name_, str(error))
            amounts[name_] = None
        if amounts[name_] is not None and amounts[name_] < 0:  # type: ignore[operator]
            problems.add(name_, "must not be negative")
    currencies = {}
    for amount_field, currency_field, currency in (
        ("standard_cost", "cost_currency", cost_currency), ("list_price", "price_currency", price_currency)
    ):
        currencies[currency_field] = ""
        if amounts.get(amount_field) is not None or currency:
            try:
                currencies[currency_field] = normalise_currency(currency)
            except ValueError:
                problems.add(currency_field, "a price needs its three-letter ISO currency, e.g. EUR")
    problems.raise_if_any("The item was not created.")
    item = Item.objects.create(
        sku=sku, name=name.strip(), unit=unit, category=category.strip(), pack_size=pack_size,
        weight_kg=amounts["weight_kg"], standard_cost=amounts["standard_cost"],
        cost_currency=currencies["cost_currency"], list_price=amounts["list_price"],
        price_currency=currencies["price_currency"], lifecycle=lifecycle,
        tracks_lots=tracks_lots, tracks_expiry=tracks_expiry,
    )
    ItemStock.objects.create(item=item)  # the company-wide stock summary, zero until stock moves
    record_event(activity="Create item", objects=[ObjectRef("item", str(item.pk), "created")], actor=actor,
                 attributes={"sku": item.sku})
    record_audit(actor=actor, action=AuditAction.CREATE, object_type="item", object_id=item.pk,
                 object_repr=str(item), after={"sku": item.sku, "name": item.name, "unit": item.unit})
    return item


@transaction.atomic
def create_location(*, actor: Any, site: Site, code: str, zone: str = "", kind: str = LocationKind.STORAGE) -> Location:
    problems = ProblemCollector()
    code = code.strip().upper()
    if not code:
        problems.add("code", "required")
    elif Location.objects.filter(site=site, code=code).exists():
        problems.add("code", f"{site.code} already has a location {code}")
    if kind not in LocationKind.values:
        problems.add("kind", f"use one of {', '.join(LocationKind.values)}")
    problems.raise_if_any("The location was not created.")
    location = Location.objects.create(site=site, code=code, zone=zone.strip(), kind=kind)
    record_event(activity="Create location", objects=[ObjectRef("location", str(location.pk), "created", site_id=site.pk)],
                 site_id=site.pk, actor=actor)
    record_audit(actor=actor, action=AuditAction.CREATE, object_type="location", object_id=location.pk,
                 object_repr=str(location), site_id=site.pk, after={"code": code, "zone": location.zone, "kind": kind})
    return location


@transaction.atomic
def set_stock_policy(*, actor: Any, site: Site, allows_negative_stock: bool) -> StockPolicy:
    policy, _ = StockPolicy.objects.select_for_update().get_or_create(site=site)
    before = policy.allows_negative_stock
    policy.allows_negative_stock = allows_negative_stock
    policy.save()
    if before != allows_negative_stock:
        record_audit(actor=actor, action=AuditAction.CHANGE, object_type="stock_policy", object_id=site.pk,
                     object_repr=site.name, site_id=site.pk, before={"allows_negative_stock": before},
                     after={"allows_negative_stock": allows_negative_stock})
    return policy


# --- The stock ledger -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MovementLine:
    """One requested change: ``quantity`` to on hand and ``reserved_quantity`` to the
    reservation, both signed (a shipment of 3 is quantity=-3)."""

    item: Item
    location: Location
    quantity: Decimal = Decimal(0)
    reserved_quantity: Decimal = Decimal(0)
    lot_code: str = ""
    expires_on: date | None = None


@dataclass(slots=True)
class Posting:
    """The result of one posting: its id and the movements it wrote."""

    posting_id: uuid.UUID
    movements: list[StockMovement] = field(default_factory=list)


def _sign(value: Decimal) -> int:
    return (value > 0) - (value < 0)


def _check_line(problems: ProblemCollector, row: int, reason: str, line: MovementLine) -> None:
    rule = REASON_RULES.get(reason)
    if rule is None:
        return
    for name, value in (("quantity", line.quantity), ("reserved_quantity", line.reserved_quantity)):
        if not isinstance(value, Decimal) or not value.is_finite():
            problems.add(name, "must be a finite decimal number", row)
            return
        if value.as_tuple().exponent < -MAX_PLACES:  # type: ignore[operator]
            problems.add(name, f"at most {MAX_PLACES} decimal places", row)
        if value != value.to_integral_value() and not line.item.allows_fractions:
            problems.add(name, f"{line.item.sku} is counted in {line.item.get_unit_display().lower()}: whole numbers only", row)
    if line.quantity == 0 and line.reserved_quantity == 0:
        problems.add("quantity", "nothing to move: the quantity is zero", row)
    on_hand_rule, reserved_rule = rule
    for name, value, expected in (
        ("quantity", line.quantity, on_hand_rule), ("reserved_quantity", line.reserved_quantity, reserved_rule)
    ):
        if expected == 0 and value != 0:
            problems.add(name, f"a {reason.replace('_', ' ')} does not change this", row)
        elif expected in {1, -1} and value != 0 and _sign(value) != expected:
            direction = "positive" if expected == 1 else "negative"
            problems.add(name, f"must be {direction} for a {reason.replace('_', ' ')}", row)
        elif expected in {1, -1} and value == 0 and name == "quantity":
            problems.add(name, "must not be zero", row)
    consumes = reason in {MovementReason.SHIPMENT, MovementReason.TRANSFER_OUT} and line.reserved_quantity != 0
    if consumes and (line.reserved_quantity > 0 or -line.reserved_quantity > -line.quantity):
        problems.add("reserved_quantity", "may only consume up to the quantity moved (a negative number)", row)
    if line.item.tracks_lots and not line.lot_code:
        problems.add("lot_code", f"{line.item.sku} is tracked by lot: give the lot", row)
    if not line.item.tracks_lots and line.lot_code:
        problems.add("lot_code", f"{line.item.sku} is not tracked by lot", row)
    if not line.location.is_active:
        problems.add("location", f"{line.location} is not active", row)


def _ensure_lots(problems: ProblemCollector, reason: str, lines: Sequence[MovementLine]) -> list[Lot]:
    """Lots named on a receipt are created (with their expiry); elsewhere they must exist."""
    wanted = {(line.item.pk, line.lot_code): (row, line) for row, line in enumerate(lines) if line.lot_code}
    existing = {
        (lot.item_id, lot.code): lot
        for lot in Lot.objects.filter(item_id__in={key[0] for key in wanted}, code__in={key[1] for key in wanted})
    }
    new_lots = []
    for key, (row, line) in wanted.items():
        if key in existing:
            continue
        if reason not in {MovementReason.RECEIPT, MovementReason.RETURN_TO_STOCK, MovementReason.ADJUSTMENT,
                          MovementReason.COUNT_CORRECTION, MovementReason.TRANSFER_IN}:
            problems.add("lot_code", f"unknown lot {line.lot_code!r} of {line.item.sku}", row)
        elif line.item.tracks_expiry and line.expires_on is None:
            problems.add("expires_on", f"a new lot of {line.item.sku} needs its expiry date", row)
        else:
            new_lots.append(Lot(item=line.item, code=line.lot_code, expires_on=line.expires_on))
    return new_lots


@retry_on_conflict()
def post_movements(
    *, actor: Any, reason: str, lines: Sequence[MovementLine], reference: str = "", note: str = "",
    occurred_at: datetime | None = None,
) -> Posting:
    """Post stock movements of one reason as one all-or-nothing change.

    >>> post_movements(actor=clerk, reason="receipt", reference="purchase_order:12",  # doctest: +SKIP
    ...                lines=[MovementLine(item=bolt, location=dock, quantity=Decimal(500))])
    """
    problems = ProblemCollector()
    if reason not in REASON_RULES:
        problems.add("reason", f"use one of {', '.join(sorted(REASON_RULES))}")
    if not lines:
        problems.add("lines", "at least one line")
    for row, line in enumerate(lines):
        _check_line(problems, row, reason, line)
    if len(note) > 300:
        problems.add("note", "at most 300 characters")
    problems.raise_if_any("The stock movement was refused; nothing changed.")
    new_lots = _ensure_lots(problems, reason, lines)
    problems.raise_if_any("The stock movement was refused; nothing changed.")
    with transaction.atomic():
        Lot.objects.bulk_create(new_lots, ignore_conflicts=True)
        return _apply(actor=actor, reason=reason, lines=lines, reference=reference, note=note,
                      occurred_at=occurred_at or clock.now(), reverses=None)


def _apply(
    *, actor: Any, reason: str, lines: Sequence[MovementLine], reference: str, note: str,
    occurred_at: datetime, reverses: Sequence[StockMovement] | None,
) -> Posting:
    """Apply net balance changes in key order, then write movements, event and audit."""
    net: dict[tuple[int, int, str], list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    rows_by_key: dict[tuple[int, int, str], list[int]] = defaultdict(list)
    for row, line in enumerate(lines):
        key = (line.item.pk, line.location.pk, line.lot_code)
        net[key][0] += line.quantity
        net[key][1] += line.reserved_quantity
        rows_by_key[key].append(row)
    site_ids = {line.location.site_id for line in lines}
    negative_allowed = set(
        StockPolicy.objects.filter(site_id__in=site_ids, allows_negative_stock=True).values_list("site_id", flat=True)
    )
    locations = {line.location.pk: line.location for line in lines}
    items = {line.item.pk: line.item for line in lines}
    now = clock.now()
    keys = sorted(net)
    item_ids, location_ids = {key[0] for key in keys}, {key[1] for key in keys}
    existing = set(
        StockBalance.objects.filter(item_id__in=item_ids, location_id__in=location_ids).values_list(
            "item_id", "location_id", "lot_code"
        )
    )
    StockBalance.objects.bulk_create(
        [StockBalance(item_id=i, location_id=loc, lot_code=lot) for i, loc, lot in keys if (i, loc, lot) not in existing],
        ignore_conflicts=True,
    )
    # Lock every balance the posting touches, in one fixed order (item, location, lot), so
    # concurrent postings queue instead of deadlocking; on SQLite the IMMEDIATE transaction
    # already holds the write lock. The rules are then checked on the locked rows.
    locked = {
        (b.item_id, b.location_id, b.lot_code): b
        for b in StockBalance.objects.select_for_update()
        .filter(item_id__in=item_ids, location_id__in=location_ids)
        .order_by("item_id", "location_id", "lot_code", "pk")
    }
    changed: list[tuple[int, Decimal, Decimal]] = []
    for key in keys:
        item_id, location_id, lot_code = key
        on_hand_change, reserved_change = net[key]
        balance = locked[key]
        new_on_hand, new_reserved = balance.on_hand + on_hand_change, balance.reserved + reserved_change
        may_go_negative = locations[location_id].site_id in negative_allowed and new_reserved == 0
        if new_reserved < 0 or (new_on_hand - new_reserved < 0 and not may_go_negative):
            item = items[item_id]
            where = f"{item.sku} at {locations[location_id]}" + (f" lot {lot_code}" if lot_code else "")
            message = (
                f"only {balance.available.normalize():f} available of {where} "
                f"({balance.on_hand.normalize():f} on hand, {balance.reserved.normalize():f} reserved)"
            )
            if new_reserved < 0:
                message = f"only {balance.reserved.normalize():f} reserved of {where}"
            raise ValidationFailed(
                "The stock movement was refused; nothing changed.",
                problems=[_problem("quantity", message, row) for row in rows_by_key[key]],
            )
        changed.append((balance.pk, on_hand_change, reserved_change))
    _add_to_locked_rows(StockBalance, changed, now=now)
    summary_changes: dict[tuple[int, int | None], list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for (item_id, location_id, _), (on_hand_change, reserved_change) in net.items():
        for site_id in (locations[location_id].site_id, None):
            summary_changes[(item_id, site_id)][0] += on_hand_change
            summary_changes[(item_id, site_id)][1] += reserved_change
    _change_summaries(summary_changes, now=now)
    posting = Posting(posting_id=uuid.uuid4())
    person = getattr(actor, "person", actor)
    actor_id = getattr(person, "pk", None) if getattr(person, "_meta", None) is not None else None
    movements = [
        StockMovement(
            posting=posting.posting_id, item=line.item, location=line.location, lot_code=line.lot_code,
            reason=reason if reverses is None else MovementReason.REVERSAL, quantity=line.quantity,
            reserved_quantity=line.reserved_quantity, occurred_at=occurred_at, recorded_at=now,
            actor_id=actor_id, reference=reference[:120], note=note[:300],
            reverses=reverses[row] if reverses is not None else None,
        )
        for row, line in enumerate(lines)
    ]
    posting.movements = StockMovement.objects.bulk_create(movements)
    activity = "Reverse stock posting" if reverses is not None else ACTIVITY[MovementReason(reason)]
    for site_id in sorted(site_ids):
        site_lines = [line for line in lines if line.location.site_id == site_id]
        objects = [ObjectRef("item", str(item_id), "moved", site_id=site_id) for item_id in sorted({line.item.pk for line in site_lines})]
        objects += [ObjectRef("location", str(loc), "at", site_id=site_id) for loc in sorted({line.location.pk for line in site_lines})]
        if reference and ":" in reference:
            kind, _, identifier = reference.partition(":")
            objects.append(ObjectRef(kind, identifier, "for"))
        record_event(
            activity=activity, objects=objects, occurred_at=occurred_at, site_id=site_id, actor=actor,
            attributes={"lines": len(site_lines), "quantity": str(sum((line.quantity for line in site_lines), Decimal(0)))},
        )
    record_audit(
        actor=actor, action=AuditAction.CREATE, object_type="stock_posting", object_id=posting.posting_id,
        object_repr=f"{activity}: {len(lines)} line(s)" + (f" for {reference}" if reference else ""),
        site_id=min(site_ids),
        after={"reason": reason, "reference": reference, "lines": [
            {"item": line.item.sku, "location": str(line.location), "lot": line.lot_code,
             "quantity": str(line.quantity), "reserved": str(line.reserved_quantity)} for line in lines
        ]},
    )
    return posting


# One statement adds a batch of changes to balances or summaries: the rows are locked and
# the rules checked on them already, so a relative update is exact, and it costs far less
# than a CASE per row and column (bulk_update). VALUES columns are column1..column3 on
# both PostgreSQL and SQLite (3.33+ for UPDATE ... FROM).
ADD_CHANGES_SQL = """
UPDATE {table}
SET on_hand = {table}.on_hand + changes.column2,
    reserved = {table}.reserved + changes.column3,
    updated_at = %s
FROM (VALUES {values}) AS changes
WHERE {table}.id = changes.column1
"""
CHANGE_VALUE = "(CAST(%s AS BIGINT), CAST(%s AS NUMERIC(18, 4)), CAST(%s AS NUMERIC(18, 4)))"


def _summary_key(key: tuple[int, int | None]) -> tuple[int, int]:
    """Item, then site, the company-wide row first: the order summaries are locked in."""
    return key[0], -1 if key[1] is None else key[1]


def _change_summaries(changes: dict[tuple[int, int | None], list[Decimal]], *, now: datetime) -> None:
    """Add a posting's net changes to the item stock summaries (per site and company-wide).

    Called with the posting's balances already locked: every posting locks its balances
    first, then its summaries, each in key order, so that concurrent postings queue instead
    of deadlocking. The rules were checked on the balances; a summary is only their sum.
    """
    keys = sorted(changes, key=_summary_key)
    item_ids = {item_id for item_id, _ in keys}
    site_ids = {site_id for _, site_id in keys if site_id is not None}
    scope = Q(item_id__in=item_ids) & (Q(site_id__in=site_ids) | Q(site__isnull=True))
    existing = set(ItemStock.objects.filter(scope).values_list("item_id", "site_id"))
    ItemStock.objects.bulk_create(
        [ItemStock(item_id=item_id, site_id=site_id) for item_id, site_id in keys if (item_id, site_id) not in existing],
        ignore_conflicts=True,
    )
    locked: dict[tuple[int, int | None], int] = {
        (item_id, site_id): pk
        for pk, item_id, site_id in ItemStock.objects.select_for_update().filter(scope)
        .order_by("item_id", F("site_id").asc(nulls_first=True), "pk").values_list("pk", "item_id", "site_id")
    }
    _add_to_locked_rows(ItemStock, [(locked[key], changes[key][0], changes[key][1]) for key in keys], now=now)


def _add_to_locked_rows(model: type[StockBalance] | type[ItemStock],
                        rows: Sequence[tuple[int, Decimal, Decimal]], *, now: datetime) -> None:
    """Add (id, on hand change, reserved change) to rows the transaction has locked."""
    table = model._meta.db_table
    for start in range(0, len(rows), 500):
        batch = rows[start:start + 500]
        with connection.cursor() as cursor:
            cursor.execute(ADD_CHANGES_SQL.format(table=table, values=", ".join([CHANGE_VALUE] * len(batch))),
                           [now, *(value for row in batch for value in row)])


def _problem(field_name: str, message: str, row: int) -> FieldProblem:
    return FieldProblem(field=field_name, message=message, row=row)


@retry_on_conflict()
def reverse_posting(*, actor: Any, posting_id: uuid.UUID, note: str = "") -> Posting:
    """Post the exact opposite of an earlier posting; the original stays as it was."""
    with transaction.atomic():
        originals = list(
            StockMovement.objects.filter(posting=posting_id).select_related("item", "location").order_by("id")
        )
        if not originals:
            raise ValidationFailed("There is no such posting.", problems=[_problem("posting", "unknown posting", 0)])
        if any(m.reason == MovementReason.REVERSAL for m in originals):
            raise ValidationFailed("A reversal cannot be reversed; post a new movement instead.",
                                   problems=[_problem("posting", "is itself a reversal", 0)])
        if StockMovement.objects.filter(reverses__in=originals).exists():
            raise ValidationFailed("This posting was already reversed.",
                                   problems=[_problem("posting", "already reversed", 0)])
        lines = [
            MovementLine(item=m.item, location=m.location, quantity=-m.quantity,
                         reserved_quantity=-m.reserved_quantity, lot_code=m.lot_code)
            for m in originals
        ]
        return _apply(actor=actor, reason=originals[0].reason, lines=lines,
                      reference=f"stock_posting:{posting_id}", note=note or "Reversal",
                      occurred_at=clock.now(), reverses=originals)


# --- The ledger check -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LedgerProblem:
    """A balance (``location_id`` set) or a stock summary row (``site_id``, or neither for
    the company-wide row) that disagrees with the ledger or breaks a rule."""

    item_id: int
    location_id: int | None
    lot_code: str
    problem: str
    site_id: int | None = None

    @property
    def place(self) -> str:
        if self.location_id is not None:
            return f"location {self.location_id}" + (f" lot {self.lot_code}" if self.lot_code else "")
        return f"site {self.site_id} (stock summary)" if self.site_id is not None else "company-wide (stock summary)"

    @property
    def is_summary(self) -> bool:
        return self.location_id is None


LEDGER_SQL = """
WITH ledger AS (
    SELECT item_id, location_id, lot_code,
           SUM(quantity) AS on_hand, SUM(reserved_quantity) AS reserved
    FROM supply_chain_stockmovement GROUP BY item_id, location_id, lot_code
)
SELECT b.item_id, b.location_id, b.lot_code, b.on_hand, b.reserved,
       COALESCE(l.on_hand, 0), COALESCE(l.reserved, 0)
FROM supply_chain_stockbalance b
LEFT JOIN ledger l ON l.item_id = b.item_id AND l.location_id = b.location_id AND l.lot_code = b.lot_code
WHERE ROUND(b.on_hand - COALESCE(l.on_hand, 0), 4) <> 0
   OR ROUND(b.reserved - COALESCE(l.reserved, 0), 4) <> 0
UNION ALL
SELECT l.item_id, l.location_id, l.lot_code, NULL, NULL, l.on_hand, l.reserved
FROM ledger l
LEFT JOIN supply_chain_stockbalance b
       ON l.item_id = b.item_id AND l.location_id = b.location_id AND l.lot_code = b.lot_code
WHERE b.id IS NULL AND (ROUND(l.on_hand, 4) <> 0 OR ROUND(l.reserved, 4) <> 0)
"""

# The stock summary per item and site, and company-wide for every item, against the
# ledger. A missing company-wide row is a problem even at zero: every item has one.
SUMMARY_SQL = """
WITH site_ledger AS (
    SELECT m.item_id, loc.site_id, SUM(m.quantity) AS on_hand, SUM(m.reserved_quantity) AS reserved
    FROM supply_chain_stockmovement m JOIN supply_chain_location loc ON loc.id = m.location_id
    GROUP BY m.item_id, loc.site_id
), ledger AS (
    SELECT item_id, site_id, on_hand, reserved FROM site_ledger
    UNION ALL
    SELECT i.id, NULL, COALESCE(SUM(sl.on_hand), 0), COALESCE(SUM(sl.reserved), 0)
    FROM supply_chain_item i LEFT JOIN site_ledger sl ON sl.item_id = i.id
    GROUP BY i.id
)
SELECT s.item_id, s.site_id, s.on_hand, s.reserved, COALESCE(l.on_hand, 0), COALESCE(l.reserved, 0)
FROM supply_chain_itemstock s
LEFT JOIN ledger l ON l.item_id = s.item_id AND COALESCE(l.site_id, 0) = COALESCE(s.site_id, 0)
WHERE ROUND(s.on_hand - COALESCE(l.on_hand, 0), 4) <> 0
   OR ROUND(s.reserved - COALESCE(l.reserved, 0), 4) <> 0
UNION ALL
SELECT l.item_id, l.site_id, NULL, NULL, l.on_hand, l.reserved
FROM ledger l
LEFT JOIN supply_chain_itemstock s ON l.item_id = s.item_id AND COALESCE(l.site_id, 0) = COALESCE(s.site_id, 0)
WHERE s.id IS NULL AND (l.site_id IS NULL OR ROUND(l.on_hand, 4) <> 0 OR ROUND(l.reserved, 4) <> 0)
"""

RULES_SQL = """
SELECT b.item_id, b.location_id, b.lot_code, b.on_hand, b.reserved,
       CASE WHEN p.allows_negative_stock THEN 1 ELSE 0 END
FROM supply_chain_stockbalance b
JOIN supply_chain_location loc ON loc.id = b.location_id
LEFT JOIN supply_chain_stockpolicy p ON p.site_id = loc.site_id
WHERE b.reserved < 0
   OR (b.reserved > 0 AND b.reserved > b.on_hand)
   OR (b.on_hand < 0 AND (p.allows_negative_stock IS NULL OR p.allows_negative_stock = FALSE))
"""


def _number(value: object) -> str:
    """The same text for a quantity whichever database returned it (SQLite gives floats)."""
    if value is None:
        return "0"
    number = Decimal(str(value)).quantize(Decimal("0.0001")).normalize()
    return f"{number:f}"


SUMMARY_SITE_ROWS = """
INSERT INTO {summary} (item_id, site_id, on_hand, reserved, updated_at)
SELECT b.item_id, loc.site_id, SUM(b.on_hand), SUM(b.reserved), %s
FROM {balance} b JOIN {location} loc ON loc.id = b.location_id
GROUP BY b.item_id, loc.site_id
"""
SUMMARY_COMPANY_ROWS = """
INSERT INTO {summary} (item_id, site_id, on_hand, reserved, updated_at)
SELECT i.id, NULL, COALESCE(SUM(b.on_hand), 0), COALESCE(SUM(b.reserved), 0), %s
FROM {item} i LEFT JOIN {balance} b ON b.item_id = i.id
GROUP BY i.id
"""


@transaction.atomic
def rebuild_stock_summary() -> None:
    """Recompute the per-item stock summary from the balances, set-based: for data loaded
    in bulk (the simulator's bulk path, benchmarks), never needed by postings, which keep
    the summary themselves. ``check_ledger`` proves the result against the ledger."""
    from keel.supply_chain.models import ItemStock

    names = {"item": Item._meta.db_table, "location": Location._meta.db_table,
             "balance": StockBalance._meta.db_table, "summary": ItemStock._meta.db_table}
    now = clock.now()
    ItemStock.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute(SUMMARY_SITE_ROWS.format(**names), [now])
        cursor.execute(SUMMARY_COMPANY_ROWS.format(**names), [now])


def check_ledger() -> list[LedgerProblem]:
    """Every cached balance and stock summary equals the sum of its ledger, and no balance
    breaks a rule.

    Three set-based queries, whatever the size of the ledger.
    """
    found: list[LedgerProblem] = []
    with connection.cursor() as cursor:
        cursor.execute(LEDGER_SQL)
        for item_id, location_id, lot_code, on_hand, reserved, ledger_on_hand, ledger_reserved in cursor.fetchall():
            if on_hand is None:
                detail = (f"no cached balance; the ledger sums to {_number(ledger_on_hand)} on hand, "
                          f"{_number(ledger_reserved)} reserved")
            else:
                detail = (f"cached {_number(on_hand)} on hand / {_number(reserved)} reserved, "
                          f"ledger {_number(ledger_on_hand)} on hand / {_number(ledger_reserved)} reserved")
            found.append(LedgerProblem(item_id, location_id, lot_code, detail))
        cursor.execute(SUMMARY_SQL)
        for item_id, site_id, on_hand, reserved, ledger_on_hand, ledger_reserved in cursor.fetchall():
            if on_hand is None:
                detail = (f"no stock summary; the ledger sums to {_number(ledger_on_hand)} on hand, "
                          f"{_number(ledger_reserved)} reserved")
            else:
                detail = (f"summary {_number(on_hand)} on hand / {_number(reserved)} reserved, "
                          f"ledger {_number(ledger_on_hand)} on hand / {_number(ledger_reserved)} reserved")
            found.append(LedgerProblem(item_id, None, "", detail, site_id=site_id))
        cursor.execute(RULES_SQL)
        for item_id, location_id, lot_code, on_hand, reserved, _ in cursor.fetchall():
            found.append(LedgerProblem(item_id, location_id, lot_code,
                                       f"breaks a stock rule: {_number(on_hand)} on hand, {_number(reserved)} reserved"))
    return found


# --- Suppliers and their prices -------------------------------------------------------

SUPPLIER_FIELDS = ("name", "contact_name", "contact_email", "contact_phone", "currency", "payment_terms_days",
                   "lead_time_days", "is_active")


def _whole_days(problems: ProblemCollector, name: str, value: object, row: int | None, *, optional: bool = False) -> int | None:
    if value is None or value == "":
        if not optional:
            problems.add(name, "required: a whole number of days", row)
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        problems.add(name, f"{value!r} is not a whole number of days", row)
        return None
    if number < 0 or number > 3650:
        problems.add(name, "between 0 and 3650 days", row)
        return None
    return number


def _check_supplier(
    problems: ProblemCollector, *, row: int | None = None, exclude_pk: int | None = None, **fields: Any
) -> dict[str, Any]:
    """Validate and normalise supplier fields (only those given); return the clean values."""
    clean: dict[str, Any] = {}
    if "code" in fields:
        code = str(fields["code"] or "").strip().upper()
        if not code:
            problems.add("code", "required", row)
        elif len(code) > 32 or not all(ch.isalnum() or ch in "-_." for ch in code):
            problems.add("code", "at most 32 letters, digits, '-', '_' or '.'", row)
        elif Supplier.objects.filter(code__iexact=code).exclude(pk=exclude_pk or 0).exists():
            problems.add("code", f"a supplier with code {code!r} exists", row)
        clean["code"] = code
    if "name" in fields:
        clean["name"] = str(fields["name"] or "").strip()
        if not clean["name"]:
            problems.add("name", "required", row)
        elif len(clean["name"]) > 200:
            problems.add("name", "at most 200 characters", row)
    for name, limit in (("contact_name", 160), ("contact_phone", 40)):
        if name in fields:
            clean[name] = str(fields[name] or "").strip()
            if len(clean[name]) > limit:
                problems.add(name, f"at most {limit} characters", row)
    if "contact_email" in fields:
        clean["contact_email"] = str(fields["contact_email"] or "").strip().lower()
        if clean["contact_email"]:
            try:
                validate_email(clean["contact_email"])
            except DjangoValidationError:
                problems.add("contact_email", f"{clean['contact_email']!r} is not an email address", row)
    if "currency" in fields:
        try:
            clean["currency"] = normalise_currency(str(fields["currency"] or ""))
        except ValueError:
            problems.add("currency", "three-letter ISO currency code, e.g. EUR", row)
    for name in ("payment_terms_days", "lead_time_days"):
        if name in fields:
            clean[name] = _whole_days(problems, name, fields[name], row)
    if "is_active" in fields:
        clean["is_active"] = bool(fields["is_active"])
    return clean


def _supplier_state(supplier: Supplier) -> dict[str, Any]:
    return {"code": supplier.code, **{name: getattr(supplier, name) for name in SUPPLIER_FIELDS}}


@transaction.atomic
def create_supplier(
    *, actor: Any, code: str, name: str, currency: str, contact_name: str = "", contact_email: str = "",
    contact_phone: str = "", payment_terms_days: int = 30, lead_time_days: int = 0, is_active: bool = True,
) -> Supplier:
    problems = ProblemCollector()
    clean = _check_supplier(
        problems, code=code, name=name, currency=currency, contact_name=contact_name, contact_email=contact_email,
        contact_phone=contact_phone, payment_terms_days=payment_terms_days, lead_time_days=lead_time_days,
        is_active=is_active,
    )
    problems.raise_if_any("The supplier was not created.")
    return _create_supplier(actor=actor, clean=clean)


def _create_supplier(*, actor: Any, clean: dict[str, Any], activity: str = "Create supplier") -> Supplier:
    supplier = Supplier.objects.create(**clean)
    record_event(activity=activity, objects=[ObjectRef("supplier", str(supplier.pk), "created")], actor=actor,
                 attributes={"code": supplier.code})
    record_audit(actor=actor, action=AuditAction.CREATE, object_type="supplier", object_id=supplier.pk,
                 object_repr=str(supplier), after=_supplier_state(supplier))
    return supplier


@transaction.atomic
def update_supplier(*, actor: Any, supplier: Supplier, **changes: Any) -> Supplier:
    """Change a supplier's name, contacts or terms. The code is its identity and stays."""
    unknown = set(changes) - set(SUPPLIER_FIELDS)
    if unknown:
        raise ValidationFailed("The supplier was not changed.",
                               problems=[FieldProblem(field=name, message="cannot be changed here") for name in sorted(unknown)])
    problems = ProblemCollector()
    clean = _check_supplier(problems, **changes)
    problems.raise_if_any("The supplier was not changed.")
    return _update_supplier(actor=actor, supplier=supplier, clean=clean)


def _update_supplier(*, actor: Any, supplier: Supplier, clean: dict[str, Any],
                     activity: str = "Change supplier") -> Supplier:
    supplier = Supplier.objects.select_for_update().get(pk=supplier.pk)
    before, after = changed_fields(_supplier_state(supplier), {**_supplier_state(supplier), **clean})
    if not after:
        return supplier
    for name, value in after.items():
        setattr(supplier, name, value)
    supplier.save(update_fields=list(after))
    record_event(activity=activity, objects=[ObjectRef("supplier", str(supplier.pk), "changed")], actor=actor,
                 attributes={"fields": ", ".join(sorted(after))})
    record_audit(actor=actor, action=AuditAction.CHANGE, object_type="supplier", object_id=supplier.pk,
                 object_repr=str(supplier), before=before, after=after)
    return supplier


def parse_price_breaks(text: str) -> list[tuple[Decimal, Decimal]]:
    """Read price breaks written as ``minimum quantity=unit price`` pairs.

    >>> parse_price_breaks("1=2.50; 100=2.10")
    [(Decimal('1'), Decimal('2.50')), (Decimal('100'), Decimal('2.10'))]
    """
    breaks: list[tuple[Decimal, Decimal]] = []
    for part in text.replace("\n", ";").split(";"):
        if not part.strip():
            continue
        quantity, separator, price = part.partition("=")
        if not separator:
            raise ValueError(f"{part.strip()!r} is not 'quantity=price' (e.g. 100=2.10)")
        parsed_quantity, parsed_price = _decimal(quantity.strip()), _decimal(price.strip())
        if parsed_quantity is None or parsed_price is None:
            raise ValueError(f"{part.strip()!r} needs both a quantity and a price")
        breaks.append((parsed_quantity, parsed_price))
    return breaks


def format_price_breaks(breaks: Sequence[PriceBreak]) -> str:
    return "; ".join(f"{b.minimum_quantity.normalize():f}={b.unit_price.normalize():f}" for b in breaks)


def _quantity_problem(value: object, *, item: Item | None = None, positive: bool = False) -> str | None:
    """Why a quantity is unusable, or None. Counted units take whole numbers."""
    if not isinstance(value, Decimal) or not value.is_finite():
        return "must be a number"
    if value < 0 or (positive and value == 0):
        return "must be more than zero" if positive else "must not be negative"
    if value.as_tuple().exponent < -MAX_PLACES:  # type: ignore[operator]
        return f"at most {MAX_PLACES} decimal places"
    if item is not None and value != value.to_integral_value() and not item.allows_fractions:
        return f"{item.sku} is counted in {item.get_unit_display().lower()}: whole numbers only"
    return None


def _check_supplier_item(
    problems: ProblemCollector, *, supplier: Supplier, item: Item, supplier_sku: str, minimum_order_quantity: object,
    order_multiple: object, lead_time_days: object, price_breaks: Sequence[tuple[object, object]], row: int | None = None,
) -> dict[str, Any]:
    clean: dict[str, Any] = {"supplier_sku": supplier_sku.strip()}
    if len(clean["supplier_sku"]) > 64:
        problems.add("supplier_sku", "at most 64 characters", row)
    for name, value, default in (("minimum_order_quantity", minimum_order_quantity, Decimal(0)),
                                 ("order_multiple", order_multiple, Decimal(1))):
        try:
            number = _decimal(value)
        except ValueError as error:
            problems.add(name, str(error), row)
            continue
        number = default if number is None else number
        message = _quantity_problem(number, item=item, positive=name == "order_multiple")
        if message:
            problems.add(name, message, row)
        clean[name] = number
    clean["lead_time_days"] = _whole_days(problems, "lead_time_days", lead_time_days, row, optional=True)
    seen: set[Decimal] = set()
    clean_breaks = []
    for quantity, price in price_breaks:
        try:
            parsed_quantity, parsed_price = _decimal(quantity), _decimal(price)
        except ValueError as error:
            problems.add("price_breaks", str(error), row)
            continue
        if parsed_quantity is None or parsed_price is None:
            problems.add("price_breaks", "each break needs a minimum quantity and a unit price", row)
            continue
        if _quantity_problem(parsed_quantity) or _quantity_problem(parsed_price):
            problems.add("price_breaks", f"{parsed_quantity:f}={parsed_price:f}: quantity and price must not be negative "
                                         f"and have at most {MAX_PLACES} decimal places", row)
            continue
        if parsed_quantity.normalize() in seen:
            problems.add("price_breaks", f"two prices from {parsed_quantity.normalize():f}", row)
            continue
        seen.add(parsed_quantity.normalize())
        clean_breaks.append((parsed_quantity, parsed_price))
    clean["price_breaks"] = sorted(clean_breaks)
    if not item.is_active:
        problems.add("sku", f"{item.sku} is not active", row)
    return clean


@transaction.atomic
def save_supplier_item(
    *, actor: Any, supplier: Supplier, item: Item, supplier_sku: str = "", minimum_order_quantity: object = None,
    order_multiple: object = None, lead_time_days: object = None, price_breaks: Sequence[tuple[object, object]] = (),
    is_active: bool = True,
) -> tuple[SupplierItem, bool]:
    """Create or replace what ``supplier`` sells of ``item``: terms and all price breaks.

    Returns the supplier item and whether it is new. Prices are in the supplier's currency.
    """
    problems = ProblemCollector()
    clean = _check_supplier_item(
        problems, supplier=supplier, item=item, supplier_sku=supplier_sku, minimum_order_quantity=minimum_order_quantity,
        order_multiple=order_multiple, lead_time_days=lead_time_days, price_breaks=price_breaks,
    )
    problems.raise_if_any("The supplier's item was not saved.")
    supplier_item, outcome = _save_supplier_item(actor=actor, supplier=supplier, item=item,
                                                 clean={**clean, "is_active": is_active})
    return supplier_item, outcome == "created"


def _supplier_item_state(supplier_item: SupplierItem) -> dict[str, Any]:
    return {
        "supplier_sku": supplier_item.supplier_sku,
        "minimum_order_quantity": f"{supplier_item.minimum_order_quantity.normalize():f}",
        "order_multiple": f"{supplier_item.order_multiple.normalize():f}",
        "lead_time_days": supplier_item.lead_time_days,
        "is_active": supplier_item.is_active,
        "price_breaks": format_price_breaks(list(supplier_item.price_breaks.all())),
    }


def _save_supplier_item(*, actor: Any, supplier: Supplier, item: Item, clean: dict[str, Any],
                        activity: str | None = None) -> tuple[SupplierItem, str]:
    """Write validated terms; the outcome is ``created``, ``changed`` or ``unchanged``."""
    clean = dict(clean)
    breaks = clean.pop("price_breaks")
    supplier_item = SupplierItem.objects.select_for_update().filter(supplier=supplier, item=item).first()
    created = supplier_item is None
    before = None if supplier_item is None else _supplier_item_state(supplier_item)
    if supplier_item is None:
        supplier_item = SupplierItem.objects.create(supplier=supplier, item=item, **clean)
    else:
        for name, value in clean.items():
            setattr(supplier_item, name, value)
        supplier_item.save()
        supplier_item.price_breaks.all().delete()
    PriceBreak.objects.bulk_create([
        PriceBreak(supplier_item=supplier_item, minimum_quantity=quantity, unit_price=price, currency=supplier.currency)
        for quantity, price in breaks
    ])
    after = _supplier_item_state(supplier_item)
    if before == after:
        return supplier_item, "unchanged"
    record_event(
        activity=activity or ("Add supplier item" if created else "Change supplier item"),
        objects=[ObjectRef("supplier", str(supplier.pk), "sells"), ObjectRef("item", str(item.pk), "sold")],
        actor=actor, attributes={"supplier": supplier.code, "sku": item.sku, "price_breaks": after["price_breaks"]},
    )
    record_audit(
        actor=actor, action=AuditAction.CREATE if created else AuditAction.CHANGE, object_type="supplier_item",
        object_id=supplier_item.pk, object_repr=f"{supplier.code} / {item.sku}",
        before=before, after=after,
    )
    return supplier_item, "created" if created else "changed"


def price_break_for(supplier_item: SupplierItem, quantity: Decimal) -> PriceBreak | None:
    """The break that applies to ``quantity``: the one with the largest minimum at or below it."""
    chosen = None
    for price_break in sorted(supplier_item.price_breaks.all(), key=lambda b: b.minimum_quantity):
        if price_break.minimum_quantity <= quantity:
            chosen = price_break
    return chosen


# --- Imports (all or nothing) ---------------------------------------------------------

SUPPLIER_COLUMNS = ("code", "name", "currency", "contact_name", "contact_email", "contact_phone",
                    "payment_terms_days", "lead_time_days", "is_active")
SUPPLIER_ITEM_COLUMNS = ("supplier", "sku", "supplier_sku", "minimum_order_quantity", "order_multiple",
                         "lead_time_days", "price_breaks", "is_active")
TRUE_WORDS = {"1", "true", "yes", "y", "active"}
FALSE_WORDS = {"0", "false", "no", "n", "inactive"}


@dataclass(frozen=True, slots=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int

    @property
    def rows(self) -> int:
        return self.created + self.updated + self.unchanged


def _flag(problems: ProblemCollector, value: str, row: int) -> bool:
    text = value.strip().lower()
    if text in TRUE_WORDS or text == "":
        return True
    if text in FALSE_WORDS:
        return False
    problems.add("is_active", f"{value!r} is not yes or no", row)
    return True


COLUMN_ALIASES = {"active": "is_active", "supplier_code": "supplier", "item": "sku", "moq": "minimum_order_quantity"}


def _aliased(rows: Sequence[dict[str, str]]) -> list[dict[str, str]]:
    return [{COLUMN_ALIASES.get(name, name): value for name, value in row.items()} for row in rows]


def _check_columns(problems: ProblemCollector, rows: Sequence[dict[str, str]], expected: Sequence[str],
                   required: Sequence[str]) -> None:
    if not rows:
        problems.add("file", "no rows below the header")
        return
    present = set(rows[0])
    for name in required:
        if name not in present:
            problems.add(name, "required column is missing")
    unknown = sorted(present - set(expected) - {"row"})
    if unknown:
        problems.add("file", f"unknown column(s) {', '.join(unknown)}; use {', '.join(expected)}")


@transaction.atomic
def import_suppliers(*, actor: Any, rows: Sequence[dict[str, str]], filename: str = "") -> ImportResult:
    """Create or update suppliers by code from spreadsheet rows, all or nothing.

    Each row is a mapping of column name to text, with ``row`` holding its row number in the
    file; every problem names that row and the column.
    """
    problems = ProblemCollector()
    rows = _aliased(rows)
    _check_columns(problems, rows, SUPPLIER_COLUMNS, ("code", "name", "currency"))
    problems.raise_if_any("The file was not imported; nothing changed.")
    existing = {s.code: s for s in Supplier.objects.filter(code__in={r.get("code", "").strip().upper() for r in rows})}
    planned: list[tuple[Supplier | None, dict[str, Any]]] = []
    seen: dict[str, int] = {}
    for position, raw in enumerate(rows):
        row = int(raw.get("row", position + 2))
        code = raw.get("code", "").strip().upper()
        if code and code in seen:
            problems.add("code", f"{code!r} is also on row {seen[code]}", row)
            continue
        seen[code] = row
        supplier = existing.get(code)
        fields: dict[str, Any] = {name: raw[name] for name in SUPPLIER_COLUMNS if name in raw and name != "is_active"}
        if "is_active" in raw:
            fields["is_active"] = _flag(problems, raw["is_active"], row)
        # An empty day count means the default for a new supplier and "keep" for a known one.
        for name, default in (("payment_terms_days", 30), ("lead_time_days", 0)):
            if not str(fields.get(name, "")).strip():
                if supplier is None:
                    fields[name] = default
                else:
                    fields.pop(name, None)
        if supplier is not None:
            fields.pop("code")
        clean = _check_supplier(problems, row=row, exclude_pk=supplier.pk if supplier else None, **fields)
        planned.append((supplier, clean))
    problems.raise_if_any("The file was not imported; nothing changed.")
    created = updated = 0
    for supplier, clean in planned:
        if supplier is None:
            supplier = _create_supplier(actor=actor, clean=clean, activity="Import supplier")
            created += 1
        else:
            before = _supplier_state(supplier)
            supplier = _update_supplier(actor=actor, supplier=supplier, clean=clean, activity="Import supplier")
            if _supplier_state(supplier) != before:
                updated += 1
    result = ImportResult(created=created, updated=updated, unchanged=len(planned) - created - updated)
    record_audit(actor=actor, action=AuditAction.IMPORT, object_type="supplier", object_repr=filename or "suppliers",
                 after={"rows": result.rows, "created": created, "updated": updated, "unchanged": result.unchanged},
                 message=f"Imported suppliers from {filename or 'a file'}")
    return result


@transaction.atomic
def import_supplier_items(*, actor: Any, rows: Sequence[dict[str, str]], filename: str = "") -> ImportResult:
    """Create or replace supplier items (terms and price breaks) from spreadsheet rows,
    all or nothing. ``price_breaks`` reads like ``1=2.50; 100=2.10``."""
    problems = ProblemCollector()
    rows = _aliased(rows)
    _check_columns(problems, rows, SUPPLIER_ITEM_COLUMNS, ("supplier", "sku"))
    problems.raise_if_any("The file was not imported; nothing changed.")
    suppliers = {s.code: s for s in Supplier.objects.filter(code__in={r.get("supplier", "").strip().upper() for r in rows})}
    items = {i.sku: i for i in Item.objects.filter(sku__in={r.get("sku", "").strip() for r in rows})}
    planned: list[tuple[Supplier, Item, dict[str, Any]]] = []
    seen: dict[tuple[str, str], int] = {}
    for position, raw in enumerate(rows):
        row = int(raw.get("row", position + 2))
        code, sku = raw.get("supplier", "").strip().upper(), raw.get("sku", "").strip()
        supplier, item = suppliers.get(code), items.get(sku)
        if supplier is None:
            problems.add("supplier", f"unknown supplier {code!r}" if code else "required", row)
        if item is None:
            problems.add("sku", f"unknown SKU {sku!r}" if sku else "required", row)
        if code and sku and (code, sku) in seen:
            problems.add("sku", f"{code} / {sku} is also on row {seen[(code, sku)]}", row)
            continue
        seen[(code, sku)] = row
        try:
            breaks: list[tuple[Decimal, Decimal]] = parse_price_breaks(raw.get("price_breaks", ""))
        except ValueError as error:
            problems.add("price_breaks", str(error), row)
            breaks = []
        is_active = _flag(problems, raw.get("is_active", ""), row)
        if supplier is None or item is None:
            continue
        clean = _check_supplier_item(
            problems, supplier=supplier, item=item, supplier_sku=raw.get("supplier_sku", ""),
            minimum_order_quantity=raw.get("minimum_order_quantity", ""), order_multiple=raw.get("order_multiple", ""),
            lead_time_days=raw.get("lead_time_days", ""), price_breaks=breaks, row=row,
        )
        planned.append((supplier, item, {**clean, "is_active": is_active}))
    problems.raise_if_any("The file was not imported; nothing changed.")
    outcomes = [
        _save_supplier_item(actor=actor, supplier=supplier, item=item, clean=clean, activity="Import supplier item")[1]
        for supplier, item, clean in planned
    ]
    created, updated = outcomes.count("created"), outcomes.count("changed")
    result = ImportResult(created=created, updated=updated, unchanged=len(planned) - created - updated)
    record_audit(actor=actor, action=AuditAction.IMPORT, object_type="supplier_item",
                 object_repr=filename or "supplier items",
                 after={"rows": result.rows, "created": created, "updated": updated, "unchanged": result.unchanged},
                 message=f"Imported supplier items from {filename or 'a file'}")
    return result


# --- Purchase orders ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OrderLineIn:
    """A requested purchase order line. Without ``unit_price`` the supplier's price break for
    the quantity applies; without ``expected_on``, the order's date or today plus lead time."""

    item: Item
    quantity: Decimal
    unit_price: Decimal | None = None
    expected_on: date | None = None


def plain_number(value: Decimal) -> str:
    """A decimal as plain text without trailing zeros (``0.0800`` -> ``0.08``, ``500.0000`` -> ``500``)."""
    return f"{value.normalize():f}"


def order_total(order: PurchaseOrder) -> Decimal:
    """Ordered quantity times unit price, summed over the lines (in the order's currency)."""
    return sum((line.ordered_quantity * line.unit_price for line in order.lines.all()), Decimal(0))


def _order_state(order: PurchaseOrder) -> dict[str, Any]:
    return {"number": order.number, "status": order.status}


def _order_refs(order: PurchaseOrder, qualifier: str, items: Sequence[Item] = ()) -> list[ObjectRef]:
    refs = [ObjectRef("purchase_order", str(order.pk), qualifier, site_id=order.site_id),
            ObjectRef("supplier", str(order.supplier_id), "supplier")]
    refs += [ObjectRef("item", str(item_id), "ordered") for item_id in sorted({item.pk for item in items})]
    return refs


def _check_order_lines(
    problems: ProblemCollector, *, supplier: Supplier, currency: str, lines: Sequence[OrderLineIn],
    expected_on: date | None, today: date,
) -> list[dict[str, Any]]:
    terms = {
        si.item_id: si
        for si in SupplierItem.objects.filter(supplier=supplier, item_id__in={line.item.pk for line in lines})
        .prefetch_related("price_breaks")
    }
    clean = []
    for row, line in enumerate(lines):
        item = line.item
        message = _quantity_problem(line.quantity, item=item, positive=True)
        if message:
            problems.add("lines.quantity", message, row)
        if not item.is_active:
            problems.add("lines.sku", f"{item.sku} is not active", row)
        supplier_item = terms.get(item.pk)
        if supplier_item is not None and not supplier_item.is_active:
            problems.add("lines.sku", f"{supplier.code} no longer sells {item.sku}", row)
        unit_price = line.unit_price
        if unit_price is not None:
            if _quantity_problem(unit_price):
                problems.add("lines.unit_price", "must be a number, not negative, with at most 4 decimal places", row)
        elif supplier_item is None:
            problems.add("lines.unit_price", f"{supplier.code} has no price for {item.sku}: give a unit price", row)
        elif currency != supplier.currency:
            problems.add("lines.unit_price", f"{supplier.code}'s prices are in {supplier.currency}: give a unit price", row)
        if supplier_item is not None and not message:
            below_minimum = line.quantity < supplier_item.minimum_order_quantity
            if below_minimum:
                problems.add("lines.quantity", f"{supplier.code} sells {item.sku} from "
                             f"{supplier_item.minimum_order_quantity.normalize():f} (minimum order quantity)", row)
            multiple = supplier_item.order_multiple
            if multiple > 0 and line.quantity % multiple != 0:
                lower = (line.quantity // multiple) * multiple
                options = [value for value in (lower, lower + multiple) if value > 0]
                nearest = " or ".join(f"{value.normalize():f}" for value in options)
                problems.add("lines.quantity", f"{supplier.code} sells {item.sku} in multiples of "
                             f"{multiple.normalize():f}: order {nearest}", row)
            if unit_price is None and currency == supplier.currency and not below_minimum:
                price_break = price_break_for(supplier_item, line.quantity)
                if price_break is None:
                    problems.add("lines.unit_price", f"{supplier.code} has no price for {line.quantity.normalize():f} "
                                 f"of {item.sku}: give a unit price", row)
                else:
                    unit_price = price_break.unit_price
        lead_time = supplier_item.effective_lead_time_days if supplier_item else supplier.lead_time_days
        clean.append({
            "item": item, "ordered_quantity": line.quantity, "unit_price": unit_price, "currency": currency,
            "expected_on": line.expected_on or expected_on or today + timedelta(days=lead_time),
        })
    return clean


@transaction.atomic
def create_purchase_order(
    *, actor: Any, supplier: Supplier, site: Site, lines: Sequence[OrderLineIn], expected_on: date | None = None,
    notes: str = "", currency: str | None = None, created_at: datetime | None = None,
) -> PurchaseOrder:
    """Raise a draft purchase order, pricing each line from the supplier's price breaks
    unless a price is given, and enforcing the minimum order quantity and order multiple."""
    problems = ProblemCollector()
    if not supplier.is_active:
        problems.add("supplier", f"{supplier.code} is not an active supplier")
    if not site.is_active:
        problems.add("site", f"{site} is not an active site")
    order_currency = supplier.currency
    if currency:
        try:
            order_currency = normalise_currency(currency)
        except ValueError:
            problems.add("currency", "three-letter ISO currency code, e.g. EUR")
    if not lines:
        problems.add("lines", "at least one line")
    if len(lines) > 500:
        problems.add("lines", "at most 500 lines")
    if len(notes) > 2000:
        problems.add("notes", "at most 2000 characters")
    now = created_at or clock.now()
    clean = _check_order_lines(problems, supplier=supplier, currency=order_currency, lines=lines,
                               expected_on=expected_on, today=timezone.localdate(now))
    problems.raise_if_any("The purchase order was not created.")
    person = _person(actor)
    # Without a date of its own the order is expected when its first line is.
    order_expected_on = expected_on or min(values["expected_on"] for values in clean)
    order = PurchaseOrder.objects.create(
        supplier=supplier, site=site, currency=order_currency, expected_on=order_expected_on, notes=notes.strip(),
        created_by=person, created_at=now,
    )
    order.number = PurchaseOrder.number_for(order.pk)
    order.save(update_fields=["number"])
    PurchaseOrderLine.objects.bulk_create([
        PurchaseOrderLine(order=order, line_number=number, **values) for number, values in enumerate(clean, start=1)
    ])
    total = order_total(order)
    record_event(
        activity="Create purchase order", objects=_order_refs(order, "created", [line.item for line in lines]),
        occurred_at=now, site_id=site.pk, actor=actor,
        attributes={"number": order.number, "lines": len(clean), "total": plain_number(total), "currency": order_currency},
    )
    relate_objects(source=ObjectRef("purchase_order", str(order.pk), site_id=site.pk),
                   target=ObjectRef("supplier", str(supplier.pk)), qualifier="placed with")
    record_audit(
        actor=actor, action=AuditAction.CREATE, object_type="purchase_order", object_id=order.pk,
        object_repr=f"{order.number} to {supplier.code}", site_id=site.pk,
        after={"number": order.number, "supplier": supplier.code, "site": site.code, "currency": order_currency,
               "total": plain_number(total), "status": order.status,
               "lines": [{"sku": values["item"].sku, "quantity": plain_number(values["ordered_quantity"]),
                          "unit_price": plain_number(values["unit_price"]), "expected_on": values["expected_on"].isoformat()}
                         for values in clean]},
    )
    return order


def _person(actor: Any) -> Any:
    """The person behind an actor (API tokens wrap one), or None for the system."""
    person = getattr(actor, "person", actor)
    return person if getattr(person, "_meta", None) is not None and getattr(person, "pk", None) else None


def _refuse_transition(order: PurchaseOrder, verb: str, allowed_from: Sequence[str]) -> Conflict:
    labels = [PurchaseOrderStatus(status).label.lower() for status in PurchaseOrderStatus.values if status in allowed_from]
    listed = labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} or {labels[-1]}"
    return Conflict(
        f"{order.number} is {order.get_status_display().lower()}; only {listed} orders can be {verb}.",
        problems=[FieldProblem(field="status", message=f"is {order.status}")],
    )


def _transition(
    *, actor: Any, order: PurchaseOrder, to: str, verb: str, activity: str, stamp: str,
    occurred_at: datetime | None, changes: dict[str, Any] | None = None,
    check: Callable[[PurchaseOrder], None] | None = None,
    audit_action: AuditAction = AuditAction.CHANGE,
) -> PurchaseOrder:
    """Move an order to ``to`` under a row lock, stamp the time, record event and audit."""
    locked = PurchaseOrder.objects.select_for_update().select_related("supplier").get(pk=order.pk)
    allowed_from = [status for status, targets in PO_TRANSITIONS.items() if to in targets and status != to]
    if locked.status not in allowed_from:
        raise _refuse_transition(locked, verb, allowed_from)
    if check is not None:
        check(locked)
    before = _order_state(locked)
    when = occurred_at or clock.now()
    locked.status = to
    setattr(locked, stamp, when)
    for name, value in (changes or {}).items():
        setattr(locked, name, value)
    locked.save(update_fields=["status", stamp, *(changes or {})])
    record_event(activity=activity, objects=_order_refs(locked, verb), occurred_at=when, site_id=locked.site_id,
                 actor=actor, attributes={"number": locked.number, "status": to})
    record_audit(actor=actor, action=audit_action, object_type="purchase_order", object_id=locked.pk,
                 object_repr=f"{locked.number} to {locked.supplier.code}", site_id=locked.site_id,
                 before=before, after=_order_state(locked))
    order.refresh_from_db()
    return locked


@transaction.atomic
def submit_purchase_order(*, actor: Any, order: PurchaseOrder, occurred_at: datetime | None = None) -> PurchaseOrder:
    """Ask for approval: draft to submitted."""
    return _transition(actor=actor, order=order, to=PurchaseOrderStatus.SUBMITTED, verb="submitted",
                       activity="Submit purchase order", stamp="submitted_at", occurred_at=occurred_at)


def self_approval_limit() -> Decimal:
    """Above this total (in the order's currency) the creator may not approve their own order."""
    return Decimal(str(getattr(settings, "KEEL_PO_SELF_APPROVAL_LIMIT", 1000)))


@transaction.atomic
def approve_purchase_order(*, actor: Any, order: PurchaseOrder, occurred_at: datetime | None = None) -> PurchaseOrder:
    """Approve a submitted order. Needs ``supply_chain.approve_purchase_order``; whoever
    raised the order may approve it only while its total is within the self-approval limit."""
    if actor is None or not actor.has_action(APPROVE_PURCHASE_ORDER.code):
        raise PermissionDenied(f"Your role does not allow {APPROVE_PURCHASE_ORDER.code}.")
    person = _person(actor)

    def four_eyes(locked: PurchaseOrder) -> None:
        total, limit = order_total(locked), self_approval_limit()
        if person is not None and locked.created_by_id == person.pk and total > limit:
            raise PermissionDenied(
                f"{locked.number} totals {total.normalize():f} {locked.currency}, above the self-approval limit of "
                f"{limit.normalize():f} {locked.currency}: somebody other than its author must approve it.",
                problems=[FieldProblem(field="approved_by", message="the author cannot approve an order above the limit")],
            )

    return _transition(actor=actor, order=order, to=PurchaseOrderStatus.APPROVED, verb="approved",
                       activity="Approve purchase order", stamp="approved_at", occurred_at=occurred_at,
                       changes={"approved_by": person}, check=four_eyes, audit_action=AuditAction.APPROVE)


@transaction.atomic
def send_purchase_order(*, actor: Any, order: PurchaseOrder, occurred_at: datetime | None = None) -> PurchaseOrder:
    """Record that the approved order went to the supplier; lead times count from here."""
    return _transition(actor=actor, order=order, to=PurchaseOrderStatus.SENT, verb="sent",
                       activity="Send purchase order", stamp="sent_at", occurred_at=occurred_at)


@transaction.atomic
def cancel_purchase_order(*, actor: Any, order: PurchaseOrder, reason: str = "",
                          occurred_at: datetime | None = None) -> PurchaseOrder:
    """Cancel an order before anything was received."""
    if len(reason) > 300:
        raise ValidationFailed("The purchase order was not cancelled.",
                               problems=[FieldProblem(field="reason", message="at most 300 characters")])
    return _transition(actor=actor, order=order, to=PurchaseOrderStatus.CANCELLED, verb="cancelled",
                       activity="Cancel purchase order", stamp="cancelled_at", occurred_at=occurred_at,
                       changes={"cancel_reason": reason.strip()})


@transaction.atomic
def close_purchase_order(*, actor: Any, order: PurchaseOrder, occurred_at: datetime | None = None) -> PurchaseOrder:
    """Close a received order, or a partially received one whose rest will not come."""
    return _transition(actor=actor, order=order, to=PurchaseOrderStatus.CLOSED, verb="closed",
                       activity="Close purchase order", stamp="closed_at", occurred_at=occurred_at)


class ReceiveLine(NamedTuple):
    """What arrived for one order line: ``quantity`` accepted into stock at ``location`` (a
    quarantine location when ``quality_hold``), and ``rejected_quantity`` refused at the door."""

    line: PurchaseOrderLine
    quantity: Decimal
    location: Location | None = None
    lot_code: str = ""
    expires_on: date | None = None
    quality_hold: bool = False
    rejected_quantity: Decimal = Decimal(0)


def over_receipt_percent() -> Decimal:
    """How far above the ordered quantity a line may be received, in percent."""
    return Decimal(str(getattr(settings, "KEEL_PO_OVER_RECEIPT_PERCENT", 0)))


@retry_on_conflict()
def receive_purchase_order(
    *, actor: Any, order: PurchaseOrder, lines: Sequence[ReceiveLine | tuple[Any, ...]],
    received_at: datetime | None = None, note: str = "",
) -> Receipt:
    """Receive a delivery against a sent order, all or nothing.

    Accepted quantities are posted to stock through ``post_movements`` (reason ``receipt``,
    reference ``purchase_order:<id>``); rejected quantities are recorded only. A receipt may
    bring at most what is still open on a line plus ``KEEL_PO_OVER_RECEIPT_PERCENT`` of the
    ordered quantity. The order becomes received when every line is, else partially received.
    """
    with transaction.atomic():
        return _receive(actor=actor, order=order, lines=[ReceiveLine(*line) for line in lines],
                        received_at=received_at or clock.now(), note=note)


def _check_receive_line(
    problems: ProblemCollector, row: int, order: PurchaseOrder, line: PurchaseOrderLine | None, wanted: ReceiveLine,
) -> None:
    if line is None:
        problems.add("line", f"is not a line of {order.number}", row)
        return
    for name, value in (("quantity", wanted.quantity), ("rejected_quantity", wanted.rejected_quantity)):
        message = _quantity_problem(value, item=line.item)
        if message:
            problems.add(name, f"line {line.line_number} ({line.item.sku}): {message}", row)
            return
    if wanted.quantity == 0 and wanted.rejected_quantity == 0:
        problems.add("quantity", f"line {line.line_number} ({line.item.sku}): nothing received", row)
    location = wanted.location
    if wanted.quantity > 0:
        if location is None:
            problems.add("location", f"line {line.line_number} ({line.item.sku}): where does the stock go?", row)
        elif location.site_id != order.site_id:
            problems.add("location", f"{location} is not at {order.site.code}, where {order.number} is delivered", row)
        elif wanted.quality_hold and location.kind != LocationKind.QUARANTINE:
            problems.add("location", f"{location} is not a quarantine location: stock on quality hold goes to quarantine", row)
        elif not wanted.quality_hold and location.kind == LocationKind.QUARANTINE:
            problems.add("quality_hold", f"{location} is a quarantine location: mark the stock as on quality hold", row)
    if len(wanted.lot_code) > 64:
        problems.add("lot_code", "at most 64 characters", row)


def _receive(*, actor: Any, order: PurchaseOrder, lines: Sequence[ReceiveLine], received_at: datetime,
             note: str) -> Receipt:
    locked = PurchaseOrder.objects.select_for_update().select_related("supplier", "site").get(pk=order.pk)
    if locked.status not in PO_RECEIVABLE_STATUSES:
        raise _refuse_transition(locked, "received", list(PO_RECEIVABLE_STATUSES))
    current = {line.pk: line for line in locked.lines.select_related("item").order_by("line_number")}
    problems = ProblemCollector()
    if not lines:
        problems.add("lines", "at least one line")
    if len(note) > 300:
        problems.add("note", "at most 300 characters")
    tolerance = over_receipt_percent()
    arriving: dict[int, Decimal] = defaultdict(Decimal)
    for row, wanted in enumerate(lines):
        line = current.get(getattr(wanted.line, "pk", 0) or 0)
        known = len(problems.problems)
        _check_receive_line(problems, row, locked, line, wanted)
        if line is None or len(problems.problems) > known:
            continue
        arriving[line.pk] += wanted.quantity + wanted.rejected_quantity
        ceiling = line.ordered_quantity * (1 + tolerance / 100) - line.received_quantity
        if arriving[line.pk] > ceiling:
            allowance = f" plus {tolerance.normalize():f}% tolerance" if tolerance else ""
            problems.add(
                "quantity",
                f"line {line.line_number} ({line.item.sku}): {arriving[line.pk].normalize():f} would be over-received; "
                f"{line.ordered_quantity.normalize():f} ordered{allowance}, {line.received_quantity.normalize():f} "
                f"received so far, so at most {max(ceiling, Decimal(0)).normalize():f} more",
                row,
            )
    problems.raise_if_any(f"The receipt against {locked.number} was refused; nothing changed.")
    stocked = [(row, wanted) for row, wanted in enumerate(lines) if wanted.quantity > 0]
    posting_id = None
    if stocked:
        movement_lines = [
            MovementLine(item=current[wanted.line.pk].item, location=wanted.location,  # type: ignore[arg-type]
                         quantity=wanted.quantity, lot_code=wanted.lot_code.strip(), expires_on=wanted.expires_on)
            for _, wanted in stocked
        ]
        try:
            posting = post_movements(actor=actor, reason=MovementReason.RECEIPT, lines=movement_lines,
                                     reference=f"purchase_order:{locked.pk}", note=f"Receipt against {locked.number}",
                                     occurred_at=received_at)
        except ValidationFailed as error:  # name the receipt's own rows, not the posting's
            rows = [row for row, _ in stocked]
            raise ValidationFailed(
                f"The receipt against {locked.number} was refused; nothing changed.",
                problems=[replace(problem, row=rows[problem.row] if problem.row is not None else None)
                          for problem in error.problems],
            ) from error
        posting_id = posting.posting_id
    receipt = Receipt.objects.create(order=locked, received_at=received_at, received_by=_person(actor),
                                     posting=posting_id, note=note.strip())
    ReceiptLine.objects.bulk_create([
        ReceiptLine(
            receipt=receipt, order_line_id=wanted.line.pk, location=wanted.location if wanted.quantity > 0 else None,
            lot_code=wanted.lot_code.strip() if wanted.quantity > 0 else "", accepted_quantity=wanted.quantity,
            rejected_quantity=wanted.rejected_quantity, is_quality_hold=wanted.quality_hold and wanted.quantity > 0,
            open_quantity_before=current[wanted.line.pk].open_quantity, unit_price=current[wanted.line.pk].unit_price,
        )
        for wanted in lines
    ])
    accepted: dict[int, Decimal] = defaultdict(Decimal)
    rejected: dict[int, Decimal] = defaultdict(Decimal)
    for wanted in lines:
        accepted[wanted.line.pk] += wanted.quantity
        rejected[wanted.line.pk] += wanted.rejected_quantity
    for line_id in sorted(accepted):
        PurchaseOrderLine.objects.filter(pk=line_id).update(
            received_quantity=F("received_quantity") + accepted[line_id],
            rejected_quantity=F("rejected_quantity") + rejected[line_id],
        )
    before = _order_state(locked)
    complete = all(line.received_quantity >= line.ordered_quantity for line in locked.lines.all())
    locked.status = PurchaseOrderStatus.RECEIVED if complete else PurchaseOrderStatus.PARTIALLY_RECEIVED
    locked.received_at = received_at if complete else None
    locked.save(update_fields=["status", "received_at"])
    items = [current[line_id].item for line_id in accepted]
    total_accepted, total_rejected = sum(accepted.values(), Decimal(0)), sum(rejected.values(), Decimal(0))
    record_event(
        activity="Receive purchase order", objects=_order_refs(locked, "received", items), occurred_at=received_at,
        site_id=locked.site_id, actor=actor,
        attributes={"number": locked.number, "receipt": receipt.pk, "accepted": plain_number(total_accepted),
                    "rejected": plain_number(total_rejected), "status": locked.status},
    )
    record_audit(
        actor=actor, action=AuditAction.CREATE, object_type="receipt", object_id=receipt.pk,
        object_repr=f"Receipt against {locked.number}", site_id=locked.site_id,
        before=before,
        after={**_order_state(locked), "lines": [
            {"line": current[w.line.pk].line_number, "sku": current[w.line.pk].item.sku, "accepted": plain_number(w.quantity),
             "rejected": plain_number(w.rejected_quantity), "location": str(w.location) if w.quantity > 0 else None,
             "lot": w.lot_code, "quality_hold": w.quality_hold} for w in lines
        ]},
    )
    order.refresh_from_db()
    return receipt
