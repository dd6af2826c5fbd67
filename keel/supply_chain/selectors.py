"""Reading items, locations, balances and movements, scoped to the actor."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet, Sum

from keel.supply_chain.models import Item, Location, StockBalance, StockMovement
from keel.supply_chain.permissions import VIEW_ITEM


def items(*, actor: Any, search: str | None = None, category: str | None = None, lifecycle: str | None = None,
          is_active: bool | None = None) -> QuerySet[Item]:
    rows: QuerySet[Item] = Item.objects.restrict(actor, VIEW_ITEM.code)
    if search:
        rows = rows.filter(Q(sku__icontains=search) | Q(name__icontains=search))
    if category:
        rows = rows.filter(category=category)
    if lifecycle:
        rows = rows.filter(lifecycle=lifecycle)
    if is_active is not None:
        rows = rows.filter(is_active=is_active)
    return rows


def with_stock_totals(rows: QuerySet[Item], *, actor: Any) -> QuerySet[Item]:
    """Annotate on hand and reserved over the locations the actor may see, in the same query."""
    reach = actor.reach()
    scope = Q()
    if not reach.is_company_wide:
        scope = Q(balances__location__site_id__in=sorted(reach.site_ids))
    return rows.annotate(
        on_hand_total=Sum("balances__on_hand", filter=scope),
        reserved_total=Sum("balances__reserved", filter=scope),
    )


def locations(*, actor: Any, action: str = VIEW_ITEM.code) -> QuerySet[Location]:
    return Location.objects.restrict(actor, action).select_related("site")


def balances(*, actor: Any, item: Item | None = None, site_code: str | None = None) -> QuerySet[StockBalance]:
    rows: QuerySet[StockBalance] = StockBalance.objects.restrict(actor, VIEW_ITEM.code).select_related(
        "item", "location", "location__site"
    )
    if item is not None:
        rows = rows.filter(item=item)
    if site_code:
        rows = rows.filter(location__site__code=site_code)
    return rows


def movements(*, actor: Any, item: Item | None = None, reason: str | None = None,
              location_id: int | None = None) -> QuerySet[StockMovement]:
    rows: QuerySet[StockMovement] = StockMovement.objects.restrict(actor, VIEW_ITEM.code).select_related(
        "item", "location", "location__site", "actor"
    )
    if item is not None:
        rows = rows.filter(item=item)
    if reason:
        rows = rows.filter(reason=reason)
    if location_id:
        rows = rows.filter(location_id=location_id)
    return rows
