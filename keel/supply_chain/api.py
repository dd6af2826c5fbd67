"""REST operations of the supply chain: items, locations, balances, stock postings."""

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
from keel.supply_chain.models import Item, StockMovement
from keel.supply_chain.schemas import (
    BalanceOut,
    ItemIn,
    ItemOut,
    ItemsQuery,
    LocationIn,
    LocationOut,
    MovementOut,
    MovementsQuery,
    PostingIn,
    PostingOut,
)

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
