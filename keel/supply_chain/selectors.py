"""Reading items, locations, balances and movements; suppliers, purchase orders, receipts
and supplier scorecards. Always scoped to the actor."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import (
    Count,
    DecimalField,
    F,
    FilteredRelation,
    Min,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from keel.supply_chain.choices import PurchaseOrderStatus
from keel.supply_chain.models import (
    Item,
    Location,
    PriceBreak,
    PurchaseOrder,
    PurchaseOrderLine,
    Receipt,
    ReceiptLine,
    StockBalance,
    StockMovement,
    Supplier,
    SupplierItem,
)
from keel.supply_chain.permissions import VIEW_ITEM, VIEW_PURCHASE_ORDER, VIEW_SUPPLIER


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
    """Annotate ``on_hand_total``, ``reserved_total`` and ``available_total`` over the sites
    the actor may see, from the stock summary (``ItemStock``), in the same query.

    A company-wide actor reads each item's company-wide row through an inner join, so a
    list sorted by a total is an ordered index scan; a site-scoped actor sums the rows of
    its sites (zero where the item has no stock there).
    """
    reach = actor.reach()
    if reach.is_company_wide:
        rows = rows.alias(
            company_stock=FilteredRelation("stock_summaries", condition=Q(stock_summaries__site__isnull=True))
        ).filter(company_stock__isnull=False)
        return rows.annotate(on_hand_total=F("company_stock__on_hand"), reserved_total=F("company_stock__reserved"),
                             available_total=F("company_stock__available"))
    if not reach.site_ids:
        nothing = Value(None, output_field=DecimalField(max_digits=18, decimal_places=4))
        return rows.annotate(on_hand_total=nothing, reserved_total=nothing, available_total=nothing)
    rows = rows.alias(
        site_stock=FilteredRelation("stock_summaries", condition=Q(stock_summaries__site_id__in=sorted(reach.site_ids)))
    )
    # Zero where the item has no stock at these sites, so it sorts with the zeros on every database.
    return rows.annotate(**{
        name: Coalesce(Sum(f"site_stock__{column}"), Value(Decimal(0)), output_field=DecimalField(max_digits=18, decimal_places=4))
        for name, column in (("on_hand_total", "on_hand"), ("reserved_total", "reserved"), ("available_total", "available"))
    })


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


# --- Suppliers ------------------------------------------------------------------------


def suppliers(*, actor: Any, search: str | None = None, is_active: bool | None = None,
              currency: str | None = None) -> QuerySet[Supplier]:
    rows: QuerySet[Supplier] = Supplier.objects.restrict(actor, VIEW_SUPPLIER.code)
    if search:
        rows = rows.filter(Q(code__icontains=search) | Q(name__icontains=search) | Q(contact_name__icontains=search))
    if is_active is not None:
        rows = rows.filter(is_active=is_active)
    if currency:
        rows = rows.filter(currency=currency.upper())
    return rows


def supplier(*, actor: Any, code: str) -> Supplier | None:
    return suppliers(actor=actor).filter(code__iexact=code.strip()).first()


def supplier_items(*, actor: Any, supplier: Supplier | None = None, item: Item | None = None) -> QuerySet[SupplierItem]:
    rows: QuerySet[SupplierItem] = (
        SupplierItem.objects.restrict(actor, VIEW_SUPPLIER.code)
        .select_related("supplier", "item")
        .prefetch_related(Prefetch("price_breaks", queryset=PriceBreak.objects.order_by("minimum_quantity")))
    )
    if supplier is not None:
        rows = rows.filter(supplier=supplier)
    if item is not None:
        rows = rows.filter(item=item)
    return rows


# --- Purchase orders ------------------------------------------------------------------

ORDER_TOTAL = Sum(F("lines__ordered_quantity") * F("lines__unit_price"),
                  output_field=DecimalField(max_digits=30, decimal_places=8))


# The earliest expected date among the lines still waiting for goods.
NEXT_DUE = Min("lines__expected_on", filter=Q(lines__received_quantity__lt=F("lines__ordered_quantity")))


def purchase_orders(
    *, actor: Any, action: str = VIEW_PURCHASE_ORDER.code, statuses: Sequence[str] | None = None,
    supplier_code: str | None = None, site_code: str | None = None, search: str | None = None,
) -> QuerySet[PurchaseOrder]:
    """Purchase orders at the actor's sites, each annotated with its ``total``."""
    rows: QuerySet[PurchaseOrder] = (
        PurchaseOrder.objects.restrict(actor, action)
        .select_related("supplier", "site", "created_by", "approved_by")
        .annotate(total=ORDER_TOTAL, line_count=Count("lines", distinct=True), due_on=NEXT_DUE)
    )
    if statuses:
        rows = rows.filter(status__in=list(statuses))
    if supplier_code:
        rows = rows.filter(supplier__code__iexact=supplier_code)
    if site_code:
        rows = rows.filter(site__code=site_code)
    if search:
        # A subquery, not a join: joining the lines again would multiply the totals.
        with_sku = PurchaseOrderLine.objects.filter(item__sku__icontains=search).values("order_id")
        rows = rows.filter(Q(number__icontains=search) | Q(supplier__code__icontains=search)
                           | Q(supplier__name__icontains=search) | Q(pk__in=with_sku))
    return rows


def purchase_order(*, actor: Any, pk: int, action: str = VIEW_PURCHASE_ORDER.code) -> PurchaseOrder | None:
    """One order with its lines and receipts, or None when it is not in the actor's scope."""
    return (
        purchase_orders(actor=actor, action=action)
        .prefetch_related(
            Prefetch("lines", queryset=PurchaseOrderLine.objects.select_related("item").order_by("line_number")))
        .prefetch_related(
            Prefetch("receipts", queryset=Receipt.objects.select_related("received_by").order_by("received_at", "id")))
        .prefetch_related(
            Prefetch("receipts__lines", queryset=ReceiptLine.objects.select_related("order_line__item", "location__site")))
        .filter(pk=pk)
        .first()
    )


def status_counts(*, actor: Any) -> dict[str, int]:
    """How many orders the actor can see in each status (for the board's tabs)."""
    counts = dict.fromkeys(PurchaseOrderStatus.values, 0)
    rows = PurchaseOrder.objects.restrict(actor, VIEW_PURCHASE_ORDER.code).values_list("status").annotate(n=Count("id"))
    for status, number in rows:
        counts[status] = number
    return counts


def receiving_locations(*, actor: Any, order: PurchaseOrder, action: str) -> QuerySet[Location]:
    """Active locations at the order's ship-to site that the actor may post stock to."""
    return locations(actor=actor, action=action).filter(site=order.site, is_active=True).order_by("kind", "code")


# --- Supplier scorecard ---------------------------------------------------------------

RATE = Decimal("0.0001")
DAYS = Decimal("0.01")
AMOUNT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class ScorecardPeriod:
    """A supplier's performance over one month (or, for the total, the whole range).

    A delivery is what one receipt brought for one order line. Rates are fractions (0 to 1)
    rounded to four places; ``None`` where there is nothing to measure.
    """

    month: date | None
    deliveries: int
    on_time: int
    in_full: int
    lead_time_mean_days: Decimal | None
    lead_time_stdev_days: Decimal | None
    price_variance: Decimal | None
    price_variance_rate: Decimal | None
    received_quantity: Decimal
    rejected_quantity: Decimal

    @property
    def on_time_rate(self) -> Decimal | None:
        return _rate(self.on_time, self.deliveries)

    @property
    def in_full_rate(self) -> Decimal | None:
        return _rate(self.in_full, self.deliveries)

    @property
    def reject_rate(self) -> Decimal | None:
        return _rate(self.rejected_quantity, self.received_quantity)


@dataclass(frozen=True, slots=True)
class Scorecard:
    supplier: Supplier
    currency: str
    since: date
    until: date
    months: list[ScorecardPeriod]
    total: ScorecardPeriod


@dataclass(slots=True)
class _Delivery:
    local_date: date
    expected_on: date
    sent_on: date | None
    accepted: Decimal
    rejected: Decimal
    open_before: Decimal
    unit_price: Decimal
    reference_price: Decimal | None


def _rate(part: Decimal | int, whole: Decimal | int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(RATE, rounding=ROUND_HALF_EVEN)


def _local_date(moment: datetime, zone: str) -> date:
    try:
        return timezone.localtime(moment, ZoneInfo(zone)).date()
    except (KeyError, ValueError):
        return timezone.localtime(moment, ZoneInfo("UTC")).date()


def _period(month: date | None, deliveries: list[_Delivery]) -> ScorecardPeriod:
    lead_times = [Decimal((d.local_date - d.sent_on).days) for d in deliveries if d.sent_on is not None]
    priced = [d for d in deliveries if d.reference_price is not None and d.accepted > 0]
    variance = sum(((d.unit_price - d.reference_price) * d.accepted for d in priced), Decimal(0))  # type: ignore[operator]
    reference = sum((d.reference_price * d.accepted for d in priced), Decimal(0))  # type: ignore[operator]
    return ScorecardPeriod(
        month=month,
        deliveries=len(deliveries),
        on_time=sum(1 for d in deliveries if d.local_date <= d.expected_on),
        in_full=sum(1 for d in deliveries if d.accepted >= d.open_before),
        lead_time_mean_days=statistics.mean(lead_times).quantize(DAYS) if lead_times else None,
        lead_time_stdev_days=statistics.stdev(lead_times).quantize(DAYS) if len(lead_times) > 1 else None,
        price_variance=variance.quantize(AMOUNT) if priced else None,
        price_variance_rate=_rate(variance, reference) if priced and reference else None,
        received_quantity=sum((d.accepted + d.rejected for d in deliveries), Decimal(0)),
        rejected_quantity=sum((d.rejected for d in deliveries), Decimal(0)),
    )


def _add_months(first_of_month: date, months: int) -> date:
    index = first_of_month.year * 12 + first_of_month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _month_starts(since: date, until: date) -> list[date]:
    months, current = [], since.replace(day=1)
    while current <= until:
        months.append(current)
        current = _add_months(current, 1)
    return months


def supplier_scorecard(*, actor: Any, supplier: Supplier, since: date | None = None,
                       until: date | None = None) -> Scorecard:
    """On time, in full, lead time, price variance and rejects of one supplier per month.

    Over the receipts (at the sites the actor can see) whose local date at the ship-to site
    falls between ``since`` and ``until`` (default: the last twelve months), at most 36 months.
    Formulas (docs/purchasing.md): a delivery is on time when it arrived on or before the
    line's expected date, in full when it brought everything still open on the line; lead
    time is the days from the order being sent to the delivery; price variance compares the
    order price with the item's standard cost (same currency) or else the supplier's first
    price break, weighted by the accepted quantity; the reject rate is rejected / received.
    """
    until = until or timezone.localdate()
    since = since or _add_months(until.replace(day=1), -11)
    since = max(since, _add_months(until.replace(day=1), -35))
    first_breaks: dict[int, Decimal] = {}
    for item_id, price, currency in (
        PriceBreak.objects.filter(supplier_item__supplier=supplier)
        .order_by("supplier_item__item_id", "minimum_quantity")
        .values_list("supplier_item__item_id", "unit_price", "currency")
    ):
        if currency == supplier.currency:
            first_breaks.setdefault(item_id, price)
    rows = (
        ReceiptLine.objects.restrict(actor, VIEW_SUPPLIER.code)
        .filter(receipt__order__supplier=supplier, receipt__order__currency=supplier.currency,
                receipt__received_at__date__gte=since - timedelta(days=1),
                receipt__received_at__date__lte=until + timedelta(days=1))
        .values_list(
            "receipt_id", "order_line_id", "receipt__received_at", "receipt__order__site__time_zone",
            "order_line__expected_on", "receipt__order__sent_at", "accepted_quantity", "rejected_quantity",
            "open_quantity_before", "unit_price", "order_line__item_id", "order_line__item__standard_cost",
            "order_line__item__cost_currency",
        )
        .order_by("receipt__received_at", "receipt_id", "id")
    )
    grouped: dict[tuple[int, int], _Delivery] = {}
    for (receipt_id, line_id, received_at, zone, expected_on, sent_at, accepted, rejected, open_before, unit_price,
         item_id, standard_cost, cost_currency) in rows:
        local = _local_date(received_at, zone)
        if not since <= local <= until:
            continue
        key = (receipt_id, line_id)
        if key in grouped:  # one line split over locations in one receipt is one delivery
            grouped[key].accepted += accepted
            grouped[key].rejected += rejected
            continue
        reference = standard_cost if standard_cost is not None and cost_currency == supplier.currency else first_breaks.get(item_id)
        grouped[key] = _Delivery(
            local_date=local, expected_on=expected_on, sent_on=_local_date(sent_at, zone) if sent_at else None,
            accepted=accepted, rejected=rejected, open_before=open_before, unit_price=unit_price,
            reference_price=reference,
        )
    by_month: dict[date, list[_Delivery]] = defaultdict(list)
    for delivery in grouped.values():
        by_month[delivery.local_date.replace(day=1)].append(delivery)
    months = [_period(month, by_month.get(month, [])) for month in _month_starts(since, until)]
    return Scorecard(supplier=supplier, currency=supplier.currency, since=since, until=until, months=months,
                     total=_period(None, list(grouped.values())))
