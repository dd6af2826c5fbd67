"""Changes to items, locations and stock.

Stock changes only through ``post_movements`` (and ``reverse_posting``): it validates every
line, then applies the net change of each balance with one conditional UPDATE, taken in a
fixed order (item, location, lot) so that concurrent postings never deadlock, and refuses
the whole posting if any balance would break a rule. Movements, the event and the audit
record are written in the same transaction.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from keel.audit.choices import AuditAction
from keel.audit.services import record_audit
from keel.core.errors import ProblemCollector, ValidationFailed
from keel.core.money import normalise_currency
from keel.core.retry import retry_on_conflict
from keel.events.services import ObjectRef, record_event
from keel.organization.models import Site
from keel.supply_chain.choices import (
    REASON_RULES,
    Lifecycle,
    LocationKind,
    MovementReason,
    UnitOfMeasure,
)
from keel.supply_chain.models import Item, Location, Lot, StockBalance, StockMovement, StockPolicy

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
                      occurred_at=occurred_at or timezone.now(), reverses=None)


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
    now = timezone.now()
    for key in sorted(net):  # a fixed order: concurrent postings lock rows the same way
        item_id, location_id, lot_code = key
        on_hand_change, reserved_change = net[key]
        balance, _ = StockBalance.objects.get_or_create(item_id=item_id, location_id=location_id, lot_code=lot_code)
        # available after = on_hand + d - (reserved + r) must stay >= 0, and reserved + r >= 0
        within = Q(on_hand__gte=F("reserved") + (reserved_change - on_hand_change))
        if locations[location_id].site_id in negative_allowed and reserved_change <= 0:
            within |= Q(reserved=-reserved_change)
        changed = (
            StockBalance.objects.filter(pk=balance.pk, reserved__gte=-reserved_change)
            .filter(within)
            .update(on_hand=F("on_hand") + on_hand_change, reserved=F("reserved") + reserved_change, updated_at=now)
        )
        if changed == 0:
            current = StockBalance.objects.get(pk=balance.pk)
            item = items[item_id]
            where = f"{item.sku} at {locations[location_id]}" + (f" lot {lot_code}" if lot_code else "")
            message = (
                f"only {current.available.normalize():f} available of {where} "
                f"({current.on_hand.normalize():f} on hand, {current.reserved.normalize():f} reserved)"
            )
            if reserved_change < 0 and current.reserved < -reserved_change:
                message = f"only {current.reserved.normalize():f} reserved of {where}"
            raise ValidationFailed(
                "The stock movement was refused; nothing changed.",
                problems=[_problem("quantity", message, row) for row in rows_by_key[key]],
            )
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


def _problem(field_name: str, message: str, row: int) -> Any:
    from keel.core.errors import FieldProblem

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
                      occurred_at=timezone.now(), reverses=originals)


# --- The ledger check -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LedgerProblem:
    item_id: int
    location_id: int
    lot_code: str
    problem: str


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


def check_ledger() -> list[LedgerProblem]:
    """Every cached balance equals the sum of its ledger, and no balance breaks a rule.

    Two set-based queries, whatever the size of the ledger.
    """
    from django.db import connection

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
        cursor.execute(RULES_SQL)
        for item_id, location_id, lot_code, on_hand, reserved, _ in cursor.fetchall():
            found.append(LedgerProblem(item_id, location_id, lot_code,
                                       f"breaks a stock rule: {_number(on_hand)} on hand, {_number(reserved)} reserved"))
    return found
