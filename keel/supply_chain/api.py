"""REST operations of the supply chain: items, locations, balances, stock postings;
suppliers, their items and scorecards, purchase orders and receiving."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest
from ninja import Query, Status

from keel.core.api import KeelRouter, Page, PageParams, apply_ordering, paginate
from keel.core.errors import FieldProblem, NotFound, PermissionDenied, ValidationFailed
from keel.core.idempotency import run_once
from keel.core.money import Money, MoneyOut
from keel.organization.models import Site
from keel.supply_chain import permissions as p
from keel.supply_chain import selectors, services
from keel.supply_chain.choices import PO_OPEN_STATUSES, PurchaseOrderStatus
from keel.supply_chain.models import Item, PurchaseOrder, StockMovement, Supplier, SupplierItem
from keel.supply_chain.schemas import (
    BalanceOut,
    CancelIn,
    ItemIn,
    ItemOut,
    ItemsQuery,
    LocationIn,
    LocationOut,
    MovementOut,
    MovementsQuery,
    PostingIn,
    PostingOut,
    PurchaseOrderIn,
    PurchaseOrderOut,
    PurchaseOrdersQuery,
    PurchaseOrderSummaryOut,
    ReceiveIn,
    ScorecardOut,
    ScorecardQuery,
    SupplierIn,
    SupplierItemIn,
    SupplierItemOut,
    SupplierOut,
    SuppliersQuery,
)
from keel.supply_chain.selectors import ScorecardPeriod

router = KeelRouter(tags=["supply chain"])


def _caller(request: HttpRequest) -> str:
    actor = request.auth  # type: ignore[attr-defined]
    return f"person:{getattr(getattr(actor, 'person', actor), 'pk', '')}"


def _money(amount: Any, currency: str) -> MoneyOut | None:
    return MoneyOut.of(Money.of(amount, currency)) if amount is not None else None


def item_out(item: Item) -> dict[str, Any]:
    return {
        "sku": item.sku, "name": item.name, "category": item.category, "unit": item.unit,
        "pack_size": item.pack_size, "weight_kg": item.weight_kg,
        "standard_cost": _money(item.standard_cost, item.cost_currency),
        "list_price": _money(item.list_price, item.price_currency),
        "lifecycle": item.lifecycle, "is_active": item.is_active, "tracks_lots": item.tracks_lots,
        "tracks_expiry": item.tracks_expiry,
        "on_hand": getattr(item, "on_hand_total", None), "reserved": getattr(item, "reserved_total", None),
    }


def movement_out(movement: StockMovement) -> dict[str, Any]:
    return {
        "id": movement.pk, "posting": movement.posting, "sku": movement.item.sku,
        "site": movement.location.site.code, "location": movement.location.code, "lot": movement.lot_code,
        "reason": movement.reason, "quantity": movement.quantity, "reserved_quantity": movement.reserved_quantity,
        "occurred_at": movement.occurred_at, "reference": movement.reference, "reverses": movement.reverses_id,
    }


@router.get("/items", response=Page[ItemOut], action=p.VIEW_ITEM.code, summary="Items with stock in your scope")
def list_items(request: HttpRequest, filters: Query[ItemsQuery], page: Query[PageParams]) -> dict[str, Any]:
    actor = request.auth  # type: ignore[attr-defined]
    rows = selectors.items(actor=actor, search=filters.q, category=filters.category,
                           lifecycle=filters.lifecycle, is_active=filters.is_active)
    rows = apply_ordering(rows, filters.ordering, {"sku": "sku", "name": "name", "category": "category"}, "sku")
    result = paginate(selectors.with_stock_totals(rows, actor=actor), page)
    result["items"] = [item_out(item) for item in result["items"]]
    return result


@router.get("/items/{sku}", response=ItemOut, action=p.VIEW_ITEM.code, summary="One item")
def get_item(request: HttpRequest, sku: str) -> dict[str, Any]:
    actor = request.auth  # type: ignore[attr-defined]
    item = selectors.with_stock_totals(selectors.items(actor=actor).filter(sku=sku), actor=actor).first()
    if item is None:
        raise NotFound(f"No item {sku!r}.")
    return item_out(item)


@router.post("/items", response={201: ItemOut, 200: ItemOut}, action=p.CREATE_ITEM.code, summary="Add an item")
def create_item(request: HttpRequest, payload: ItemIn) -> Status[dict[str, Any]]:
    def work() -> tuple[int, dict[str, Any]]:
        item = services.create_item(actor=request.auth, **payload.dict())  # type: ignore[attr-defined]
        return 201, ItemOut(**item_out(item)).model_dump(mode="json")

    answer = run_once(caller=_caller(request), operation="items.create",
                      key=request.headers.get("Idempotency-Key"), payload=payload.dict(), work=work)
    return Status(200 if answer.replayed else answer.status_code, answer.body)


@router.get("/locations", response=list[LocationOut], action=p.VIEW_ITEM.code, summary="Locations in your scope")
def list_locations(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {"id": loc.pk, "site": loc.site.code, "code": loc.code, "zone": loc.zone, "kind": loc.kind, "is_active": loc.is_active}
        for loc in selectors.locations(actor=request.auth)  # type: ignore[attr-defined]
    ]


@router.post("/locations", response={201: LocationOut}, action=p.CREATE_ITEM.code, summary="Add a location")
def create_location(request: HttpRequest, payload: LocationIn) -> Status[dict[str, Any]]:
    actor = request.auth  # type: ignore[attr-defined]
    site = Site.objects.restrict(actor, p.CREATE_ITEM.code).filter(code=payload.site).first()
    if site is None:
        raise ValidationFailed("The location was not created.",
                               problems=[FieldProblem(field="site", message=f"unknown site {payload.site!r} in your scope")])
    loc = services.create_location(actor=actor, site=site, code=payload.code, zone=payload.zone, kind=payload.kind)
    return Status(201, {"id": loc.pk, "site": site.code, "code": loc.code, "zone": loc.zone, "kind": loc.kind,
                        "is_active": loc.is_active})


@router.get("/stock/balances", response=Page[BalanceOut], action=p.VIEW_ITEM.code, summary="Stock by item and location")
def list_balances(request: HttpRequest, page: Query[PageParams], sku: str | None = None, site: str | None = None) -> dict[str, Any]:
    actor = request.auth  # type: ignore[attr-defined]
    item = Item.objects.filter(sku=sku).first() if sku else None
    if sku and item is None:
        raise NotFound(f"No item {sku!r}.")
    rows = selectors.balances(actor=actor, item=item, site_code=site).order_by("item__sku", "location__site__code", "location__code", "lot_code")
    result = paginate(rows, page)
    result["items"] = [
        {"sku": b.item.sku, "site": b.location.site.code, "location": b.location.code, "lot": b.lot_code,
         "on_hand": b.on_hand, "reserved": b.reserved, "available": b.available}
        for b in result["items"]
    ]
    return result


@router.get("/stock/movements", response=Page[MovementOut], action=p.VIEW_ITEM.code, summary="The stock ledger")
def list_movements(request: HttpRequest, filters: Query[MovementsQuery], page: Query[PageParams]) -> dict[str, Any]:
    actor = request.auth  # type: ignore[attr-defined]
    item = Item.objects.filter(sku=filters.sku).first() if filters.sku else None
    if filters.sku and item is None:
        raise NotFound(f"No item {filters.sku!r}.")
    rows = selectors.movements(actor=actor, item=item, reason=filters.reason)
    rows = apply_ordering(rows, filters.ordering, {"occurred_at": "occurred_at"}, "-occurred_at")
    result = paginate(rows, page)
    result["items"] = [movement_out(m) for m in result["items"]]
    return result


def _resolve_lines(actor: Any, payload: PostingIn) -> list[services.MovementLine]:
    problems: list[FieldProblem] = []
    skus = {line.sku for line in payload.lines}
    items = {item.sku: item for item in selectors.items(actor=actor).filter(sku__in=skus)}
    wanted_sites = {line.site for line in payload.lines}
    places = {
        (loc.site.code, loc.code): loc
        for loc in selectors.locations(actor=actor, action=p.MOVE_STOCK.code).filter(site__code__in=wanted_sites)
    }
    lines = []
    for row, line in enumerate(payload.lines):
        item = items.get(line.sku)
        place = places.get((line.site, line.location.strip().upper()))
        if item is None:
            problems.append(FieldProblem(field="lines.sku", message=f"unknown SKU {line.sku!r}", row=row))
        if place is None:
            problems.append(FieldProblem(field="lines.location",
                                         message=f"unknown location {line.site}/{line.location} in your scope", row=row))
        if item is not None and place is not None:
            lines.append(services.MovementLine(
                item=item, location=place, quantity=line.quantity, reserved_quantity=line.reserved_quantity,
                lot_code=line.lot.strip(), expires_on=line.expires_on,
            ))
    if problems:
        raise ValidationFailed("The stock movement was refused; nothing changed.", problems=problems)
    return lines


@router.post(
    "/stock/postings", response={201: PostingOut, 200: PostingOut}, action=p.MOVE_STOCK.code,
    summary="Post stock movements (all or nothing; send an Idempotency-Key)",
    description="Adjustments, count corrections and scrap also need supply_chain.adjust_stock. "
                "A repeat with the same Idempotency-Key and body returns the first result (200) and "
                "moves nothing; the same key with another body is a 409.",
)
def post_stock(request: HttpRequest, payload: PostingIn) -> Status[dict[str, Any]]:
    actor = request.auth  # type: ignore[attr-defined]
    if payload.reason in services.ADJUSTING_REASONS and not actor.has_action(p.ADJUST_STOCK.code):
        raise PermissionDenied(f"Your role does not allow {p.ADJUST_STOCK.code}.")

    def work() -> tuple[int, dict[str, Any]]:
        lines = _resolve_lines(actor, payload)
        posting = services.post_movements(actor=actor, reason=payload.reason, lines=lines,
                                          reference=payload.reference, note=payload.note,
                                          occurred_at=payload.occurred_at)
        body = PostingOut(posting=posting.posting_id, reason=payload.reason,
                          movements=[MovementOut(**movement_out(m)) for m in posting.movements])
        return 201, body.model_dump(mode="json")

    answer = run_once(caller=_caller(request), operation="stock.post", key=request.headers.get("Idempotency-Key"),
                      payload=payload.model_dump(mode="json"), work=work)
    body = dict(answer.body)
    body["replayed"] = answer.replayed
    return Status(200 if answer.replayed else answer.status_code, body)


@router.post("/stock/postings/{posting_id}/reverse", response={201: PostingOut}, action=p.ADJUST_STOCK.code,
             summary="Reverse an earlier posting with opposite movements")
def reverse_stock(request: HttpRequest, posting_id: uuid.UUID) -> Status[dict[str, Any]]:
    actor = request.auth  # type: ignore[attr-defined]
    if not selectors.movements(actor=actor).filter(posting=posting_id).exists():
        raise NotFound("No such posting in your scope.")
    posting = services.reverse_posting(actor=actor, posting_id=posting_id)
    return Status(201, {"posting": posting.posting_id, "reason": "reversal",
                        "movements": [movement_out(m) for m in posting.movements]})


# --- Suppliers ------------------------------------------------------------------------


def supplier_out(supplier: Supplier) -> dict[str, Any]:
    return {name: getattr(supplier, name) for name in SupplierOut.model_fields}


def supplier_item_out(supplier_item: SupplierItem) -> dict[str, Any]:
    return {
        "supplier": supplier_item.supplier.code, "sku": supplier_item.item.sku, "item_name": supplier_item.item.name,
        "supplier_sku": supplier_item.supplier_sku, "minimum_order_quantity": supplier_item.minimum_order_quantity,
        "order_multiple": supplier_item.order_multiple, "lead_time_days": supplier_item.effective_lead_time_days,
        "is_active": supplier_item.is_active,
        "price_breaks": [
            {"minimum_quantity": b.minimum_quantity, "unit_price": MoneyOut.of(Money.of(b.unit_price, b.currency))}
            for b in supplier_item.price_breaks.all()
        ],
    }


def _supplier(actor: Any, code: str) -> Supplier:
    found = selectors.supplier(actor=actor, code=code)
    if found is None:
        raise NotFound(f"No supplier {code!r}.")
    return found


@router.get("/suppliers", response=Page[SupplierOut], action=p.VIEW_SUPPLIER.code, summary="Suppliers")
def list_suppliers(request: HttpRequest, filters: Query[SuppliersQuery], page: Query[PageParams]) -> dict[str, Any]:
    rows = selectors.suppliers(actor=request.auth, search=filters.q, is_active=filters.is_active,  # type: ignore[attr-defined]
                               currency=filters.currency)
    rows = apply_ordering(rows, filters.ordering, {"code": "code", "name": "name", "lead_time_days": "lead_time_days"}, "code")
    result = paginate(rows, page)
    result["items"] = [supplier_out(supplier) for supplier in result["items"]]
    return result


@router.get("/suppliers/{supplier_code}", response=SupplierOut, action=p.VIEW_SUPPLIER.code, summary="One supplier")
def get_supplier(request: HttpRequest, supplier_code: str) -> dict[str, Any]:
    return supplier_out(_supplier(request.auth, supplier_code))  # type: ignore[attr-defined]


@router.post("/suppliers", response={201: SupplierOut, 200: SupplierOut}, action=p.CHANGE_SUPPLIER.code,
             summary="Add a supplier (send an Idempotency-Key)")
def create_supplier(request: HttpRequest, payload: SupplierIn) -> Status[dict[str, Any]]:
    def work() -> tuple[int, dict[str, Any]]:
        supplier = services.create_supplier(actor=request.auth, **payload.dict())  # type: ignore[attr-defined]
        return 201, SupplierOut(**supplier_out(supplier)).model_dump(mode="json")

    answer = run_once(caller=_caller(request), operation="suppliers.create",
                      key=request.headers.get("Idempotency-Key"), payload=payload.model_dump(mode="json"), work=work)
    return Status(200 if answer.replayed else answer.status_code, answer.body)


@router.get("/suppliers/{supplier_code}/items", response=list[SupplierItemOut], action=p.VIEW_SUPPLIER.code,
            summary="What a supplier sells, with price breaks")
def list_supplier_items(request: HttpRequest, supplier_code: str) -> list[dict[str, Any]]:
    actor = request.auth  # type: ignore[attr-defined]
    rows = selectors.supplier_items(actor=actor, supplier=_supplier(actor, supplier_code)).order_by("item__sku")
    return [supplier_item_out(row) for row in rows]


@router.post("/suppliers/{supplier_code}/items", response={201: SupplierItemOut, 200: SupplierItemOut},
             action=p.CHANGE_SUPPLIER.code, summary="Add or replace a supplier's item (terms and all price breaks)")
def save_supplier_item(request: HttpRequest, supplier_code: str, payload: SupplierItemIn) -> Status[dict[str, Any]]:
    actor = request.auth  # type: ignore[attr-defined]
    supplier = _supplier(actor, supplier_code)
    item = Item.objects.filter(sku=payload.sku).first()  # items are company-wide master data
    if item is None:
        raise ValidationFailed("The supplier's item was not saved.",
                               problems=[FieldProblem(field="sku", message=f"unknown SKU {payload.sku!r}")])
    supplier_item, created = services.save_supplier_item(
        actor=actor, supplier=supplier, item=item, supplier_sku=payload.supplier_sku,
        minimum_order_quantity=payload.minimum_order_quantity, order_multiple=payload.order_multiple,
        lead_time_days=payload.lead_time_days, is_active=payload.is_active,
        price_breaks=[(b.minimum_quantity, b.unit_price) for b in payload.price_breaks],
    )
    row = selectors.supplier_items(actor=actor, supplier=supplier).get(pk=supplier_item.pk)
    return Status(201 if created else 200, supplier_item_out(row))


def _period_out(period: ScorecardPeriod, currency: str) -> dict[str, Any]:
    return {
        "month": period.month, "deliveries": period.deliveries, "on_time_rate": period.on_time_rate,
        "in_full_rate": period.in_full_rate, "lead_time_mean_days": period.lead_time_mean_days,
        "lead_time_stdev_days": period.lead_time_stdev_days,
        "price_variance": _money(period.price_variance, currency), "price_variance_rate": period.price_variance_rate,
        "received_quantity": period.received_quantity, "rejected_quantity": period.rejected_quantity,
        "reject_rate": period.reject_rate,
    }


@router.get("/suppliers/{supplier_code}/scorecard", response=ScorecardOut, action=p.VIEW_SUPPLIER.code,
            summary="On time, in full, lead time, price variance and rejects per month",
            description="Over the receipts at the sites you can see. Formulas: docs/purchasing.md.")
def supplier_scorecard(request: HttpRequest, supplier_code: str, period: Query[ScorecardQuery]) -> dict[str, Any]:
    actor = request.auth  # type: ignore[attr-defined]
    if period.since and period.until and period.since > period.until:
        raise ValidationFailed("The period is empty.",
                               problems=[FieldProblem(field="since", message="must not be after until")])
    card = selectors.supplier_scorecard(actor=actor, supplier=_supplier(actor, supplier_code),
                                        since=period.since, until=period.until)
    return {
        "supplier": card.supplier.code, "currency": card.currency, "since": card.since, "until": card.until,
        "months": [_period_out(month, card.currency) for month in card.months],
        "total": _period_out(card.total, card.currency),
    }


# --- Purchase orders ------------------------------------------------------------------

ORDER_ORDERING = {"number": "number", "created_at": "created_at", "expected_on": "expected_on", "status": "status",
                  "total": "total", "supplier": "supplier__code"}


def _person_label(person: Any) -> str | None:
    return person.email if person is not None else None


def order_summary_out(order: PurchaseOrder) -> dict[str, Any]:
    total = getattr(order, "total", None)
    if total is None:
        total = services.order_total(order)
    return {
        "id": order.pk, "number": order.number, "supplier": order.supplier.code, "site": order.site.code,
        "status": order.status, "total": MoneyOut.of(Money.of(total, order.currency).rounded()),
        "expected_on": order.expected_on, "created_at": order.created_at, "created_by": _person_label(order.created_by),
    }


def order_out(order: PurchaseOrder) -> dict[str, Any]:
    return {
        **order_summary_out(order), "currency": order.currency, "notes": order.notes,
        "approved_by": _person_label(order.approved_by), "submitted_at": order.submitted_at,
        "approved_at": order.approved_at, "sent_at": order.sent_at, "received_at": order.received_at,
        "closed_at": order.closed_at, "cancelled_at": order.cancelled_at, "cancel_reason": order.cancel_reason,
        "lines": [
            {"id": line.pk, "line_number": line.line_number, "sku": line.item.sku, "ordered_quantity": line.ordered_quantity,
             "unit_price": MoneyOut.of(Money.of(line.unit_price, line.currency)), "expected_on": line.expected_on,
             "received_quantity": line.received_quantity, "rejected_quantity": line.rejected_quantity,
             "open_quantity": line.open_quantity}
            for line in order.lines.all()
        ],
        "receipts": [
            {"id": receipt.pk, "received_at": receipt.received_at, "received_by": _person_label(receipt.received_by),
             "posting": receipt.posting, "note": receipt.note,
             "lines": [
                 {"line_number": rl.order_line.line_number, "sku": rl.order_line.item.sku,
                  "accepted_quantity": rl.accepted_quantity, "rejected_quantity": rl.rejected_quantity,
                  "location": str(rl.location) if rl.location else None, "lot": rl.lot_code,
                  "quality_hold": rl.is_quality_hold}
                 for rl in receipt.lines.all()
             ]}
            for receipt in order.receipts.all()
        ],
    }


def _order(actor: Any, order_id: int, action: str) -> PurchaseOrder:
    order = selectors.purchase_order(actor=actor, pk=order_id, action=action)
    if order is None:
        raise NotFound(f"No purchase order {order_id} in your scope.")
    return order


def _statuses(requested: list[str] | None) -> list[str] | None:
    if not requested:
        return None
    wanted: set[str] = set()
    for status in requested:
        for part in status.split(","):
            if part == "open":
                wanted |= set(PO_OPEN_STATUSES)
            elif part in PurchaseOrderStatus.values:
                wanted.add(part)
            else:
                raise ValidationFailed("The filter could not be read.", problems=[FieldProblem(
                    field="status", message=f"unknown status {part!r}; use open or one of {', '.join(PurchaseOrderStatus.values)}")])
    return sorted(wanted)


@router.get("/purchase-orders", response=Page[PurchaseOrderSummaryOut], action=p.VIEW_PURCHASE_ORDER.code,
            summary="Purchase orders at your sites")
def list_purchase_orders(request: HttpRequest, filters: Query[PurchaseOrdersQuery], page: Query[PageParams]) -> dict[str, Any]:
    rows = selectors.purchase_orders(actor=request.auth, statuses=_statuses(filters.status),  # type: ignore[attr-defined]
                                     supplier_code=filters.supplier, site_code=filters.site, search=filters.q)
    rows = apply_ordering(rows, filters.ordering, ORDER_ORDERING, "-created_at")
    result = paginate(rows, page)
    result["items"] = [order_summary_out(order) for order in result["items"]]
    return result


@router.get("/purchase-orders/{order_id}", response=PurchaseOrderOut, action=p.VIEW_PURCHASE_ORDER.code,
            summary="One purchase order with its lines and receipts")
def get_purchase_order(request: HttpRequest, order_id: int) -> dict[str, Any]:
    return order_out(_order(request.auth, order_id, p.VIEW_PURCHASE_ORDER.code))  # type: ignore[attr-defined]


def _order_lines(payload: PurchaseOrderIn, problems: list[FieldProblem]) -> list[services.OrderLineIn]:
    items = {item.sku: item for item in Item.objects.filter(sku__in={line.sku for line in payload.lines})}
    problems += [
        FieldProblem(field="lines.sku", message=f"unknown SKU {line.sku!r}", row=row)
        for row, line in enumerate(payload.lines) if line.sku not in items
    ]
    return [services.OrderLineIn(item=items[line.sku], quantity=line.quantity, unit_price=line.unit_price,
                                 expected_on=line.expected_on) for line in payload.lines if line.sku in items]


@router.post(
    "/purchase-orders", response={201: PurchaseOrderOut, 200: PurchaseOrderOut}, action=p.CHANGE_PURCHASE_ORDER.code,
    summary="Raise a draft purchase order (send an Idempotency-Key)",
    description="Lines without a unit_price take the supplier's price break for the quantity. A repeat with the "
                "same Idempotency-Key and body returns the first order (200, replayed) and creates nothing.",
)
def create_purchase_order(request: HttpRequest, payload: PurchaseOrderIn) -> Status[dict[str, Any]]:
    actor = request.auth  # type: ignore[attr-defined]

    def work() -> tuple[int, dict[str, Any]]:
        problems: list[FieldProblem] = []
        supplier = Supplier.objects.filter(code__iexact=payload.supplier.strip()).first()  # company-wide
        if supplier is None:
            problems.append(FieldProblem(field="supplier", message=f"unknown supplier {payload.supplier!r}"))
        site = Site.objects.restrict(actor, p.CHANGE_PURCHASE_ORDER.code).filter(code=payload.site).first()
        if site is None:
            problems.append(FieldProblem(field="site", message=f"unknown site {payload.site!r} in your scope"))
        lines = _order_lines(payload, problems)
        if supplier is None or site is None or problems:
            raise ValidationFailed("The purchase order was not created.", problems=problems)
        order = services.create_purchase_order(actor=actor, supplier=supplier, site=site, lines=lines,
                                               expected_on=payload.expected_on, notes=payload.notes)
        return 201, PurchaseOrderOut(**order_out(_order(actor, order.pk, p.CHANGE_PURCHASE_ORDER.code))).model_dump(mode="json")

    answer = run_once(caller=_caller(request), operation="purchase_orders.create",
                      key=request.headers.get("Idempotency-Key"), payload=payload.model_dump(mode="json"), work=work)
    return Status(200 if answer.replayed else answer.status_code, {**answer.body, "replayed": answer.replayed})


def _transition_answer(actor: Any, order: PurchaseOrder, action: str) -> dict[str, Any]:
    return order_out(_order(actor, order.pk, action))


@router.post("/purchase-orders/{order_id}/submit", response=PurchaseOrderOut, action=p.CHANGE_PURCHASE_ORDER.code,
             summary="Submit a draft for approval")
def submit_purchase_order(request: HttpRequest, order_id: int) -> dict[str, Any]:
    actor = request.auth  # type: ignore[attr-defined]
    order = services.submit_purchase_order(actor=actor, order=_order(actor, order_id, p.CHANGE_PURCHASE_ORDER.code))
    return _transition_answer(actor, order, p.CHANGE_PURCHASE_ORDER.code)


@router.post("/purchase-orders/{order_id}/approve", response=PurchaseOrderOut, action=p.APPROVE_PURCHASE_ORDER.code,
             summary="Approve a submitted order",
             description="The author of an order may approve it only while its total is within "
                         "KEEL_PO_SELF_APPROVAL_LIMIT (default 1000, in the order's currency); above it, a 403.")
def approve_purchase_order(request: HttpRequest, order_id: int) -> dict[str, Any]:
    actor = request.auth  # type: ignore[attr-defined]
    order = services.approve_purchase_order(actor=actor, order=_order(actor, order_id, p.APPROVE_PURCHASE_ORDER.code))
    return _transition_answer(actor, order, p.APPROVE_PURCHASE_ORDER.code)


@router.post("/purchase-orders/{order_id}/send", response=PurchaseOrderOut, action=p.CHANGE_PURCHASE_ORDER.code,
             summary="Record that an approved order went to the supplier")
def send_purchase_order(request: HttpRequest, order_id: int) -> dict[str, Any]:
    actor = request.auth  # type: ignore[attr-defined]
    order = services.send_purchase_order(actor=actor, order=_order(actor, order_id, p.CHANGE_PURCHASE_ORDER.code))
    return _transition_answer(actor, order, p.CHANGE_PURCHASE_ORDER.code)


@router.post("/purchase-orders/{order_id}/cancel", response=PurchaseOrderOut, action=p.CHANGE_PURCHASE_ORDER.code,
             summary="Cancel an order that is not yet received")
def cancel_purchase_order(request: HttpRequest, order_id: int, payload: CancelIn | None = None) -> dict[str, Any]:
    actor = request.auth  # type: ignore[attr-defined]
    order = services.cancel_purchase_order(actor=actor, order=_order(actor, order_id, p.CHANGE_PURCHASE_ORDER.code),
                                           reason=payload.reason if payload else "")
    return _transition_answer(actor, order, p.CHANGE_PURCHASE_ORDER.code)


@router.post("/purchase-orders/{order_id}/close", response=PurchaseOrderOut, action=p.CHANGE_PURCHASE_ORDER.code,
             summary="Close a received or partially received order")
def close_purchase_order(request: HttpRequest, order_id: int) -> dict[str, Any]:
    actor = request.auth  # type: ignore[attr-defined]
    order = services.close_purchase_order(actor=actor, order=_order(actor, order_id, p.CHANGE_PURCHASE_ORDER.code))
    return _transition_answer(actor, order, p.CHANGE_PURCHASE_ORDER.code)


def _receive_lines(actor: Any, order: PurchaseOrder, payload: ReceiveIn) -> list[services.ReceiveLine]:
    lines = {line.line_number: line for line in order.lines.all()}
    places = {loc.code: loc for loc in selectors.receiving_locations(actor=actor, order=order,
                                                                     action=p.RECEIVE_PURCHASE_ORDER.code)}
    problems: list[FieldProblem] = []
    wanted = []
    for row, line in enumerate(payload.lines):
        order_line = lines.get(line.line)
        location = places.get(line.location.strip().upper()) if line.location.strip() else None
        if order_line is None:
            problems.append(FieldProblem(field="lines.line", message=f"{order.number} has no line {line.line}", row=row))
        if line.location.strip() and location is None:
            problems.append(FieldProblem(field="lines.location", row=row,
                                         message=f"unknown location {line.location!r} at {order.site.code}"))
        if order_line is not None:
            wanted.append(services.ReceiveLine(
                line=order_line, quantity=line.quantity, location=location, lot_code=line.lot.strip(),
                expires_on=line.expires_on, quality_hold=line.quality_hold, rejected_quantity=line.rejected_quantity,
            ))
    if problems:
        raise ValidationFailed(f"The receipt against {order.number} was refused; nothing changed.", problems=problems)
    return wanted


@router.post(
    "/purchase-orders/{order_id}/receipts", response={201: PurchaseOrderOut, 200: PurchaseOrderOut},
    action=p.RECEIVE_PURCHASE_ORDER.code, summary="Receive a delivery (all or nothing; send an Idempotency-Key)",
    description="Accepted quantities are posted to stock; quality-hold stock must go to a quarantine location; "
                "rejected quantities are recorded only. A repeat with the same Idempotency-Key and body returns "
                "the first answer (200, replayed) and receives nothing.",
)
def receive_purchase_order(request: HttpRequest, order_id: int, payload: ReceiveIn) -> Status[dict[str, Any]]:
    actor = request.auth  # type: ignore[attr-defined]

    def work() -> tuple[int, dict[str, Any]]:
        order = _order(actor, order_id, p.RECEIVE_PURCHASE_ORDER.code)
        services.receive_purchase_order(actor=actor, order=order, lines=_receive_lines(actor, order, payload),
                                        note=payload.note)
        fresh = _order(actor, order_id, p.RECEIVE_PURCHASE_ORDER.code)
        return 201, PurchaseOrderOut(**order_out(fresh)).model_dump(mode="json")

    answer = run_once(caller=_caller(request), operation="purchase_orders.receive",
                      key=request.headers.get("Idempotency-Key"),
                      payload={"order": order_id, **payload.model_dump(mode="json")}, work=work)
    return Status(200 if answer.replayed else answer.status_code, {**answer.body, "replayed": answer.replayed})


# Transfers and counts, and item and opening stock imports, register on this router.
from keel.supply_chain import import_api, transfer_api  # noqa: E402, F401
