"""Reading orders, shipments, customers and the fulfillment queue, scoped to the actor.

Lists are single queries (plus a count when paginated) whatever their length: related
rows come through ``select_related`` and per-order totals through annotations.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from keel.core.money import Money
from keel.orders.choices import (
    CANCELLABLE_STATUSES,
    OPEN_STATUSES,
    WORKABLE_STATUSES,
    PickListStatus,
    ShipmentStatus,
)
from keel.orders.models import (
    Allocation,
    Carrier,
    CarrierService,
    Customer,
    Package,
    PickList,
    SalesChannel,
    SalesOrder,
    SalesOrderLine,
    Shipment,
)
from keel.orders.permissions import VIEW_CUSTOMER, VIEW_ORDER

ZERO = Value(Decimal(0), output_field=DecimalField(max_digits=18, decimal_places=4))


def _total(field: str) -> Coalesce:
    return Coalesce(Sum(f"lines__{field}"), ZERO, output_field=DecimalField(max_digits=18, decimal_places=4))


def orders(
    *, actor: Any, action: str = VIEW_ORDER.code, status: str | None = None, customer_code: str | None = None,
    site_code: str | None = None, search: str | None = None,
) -> QuerySet[SalesOrder]:
    rows: QuerySet[SalesOrder] = SalesOrder.objects.restrict(actor, action).select_related(
        "customer", "channel", "ship_from"
    )
    if status == "open":
        rows = rows.filter(status__in=OPEN_STATUSES)
    elif status:
        rows = rows.filter(status=status)
    if customer_code:
        rows = rows.filter(customer__code=customer_code)
    if site_code:
        rows = rows.filter(ship_from__code=site_code)
    if search:
        rows = rows.filter(Q(number__icontains=search) | Q(customer__name__icontains=search)
                           | Q(customer__code__icontains=search) | Q(customer_reference__icontains=search))
    return rows


def with_totals(rows: QuerySet[SalesOrder]) -> QuerySet[SalesOrder]:
    """Annotate line count and quantity totals in the same query (one GROUP BY)."""
    return rows.annotate(
        line_count=Count("lines"),
        quantity_total=_total("quantity"),
        allocated_total=_total("allocated_quantity"),
        packed_total=_total("packed_quantity"),
        shipped_total=_total("shipped_quantity"),
    )


def order_lines(*, orders: QuerySet[SalesOrder]) -> QuerySet[SalesOrderLine]:
    """The lines of already scoped orders, with what an export needs, in one query."""
    return SalesOrderLine.objects.filter(order__in=orders).select_related(
        "order", "order__customer", "order__ship_from", "order__channel", "item"
    ).order_by("order__number", "line_number")


def order(*, actor: Any, pk: int, action: str = VIEW_ORDER.code) -> SalesOrder | None:
    """One order if the actor may act on it; None otherwise (callers answer 404)."""
    return orders(actor=actor, action=action).filter(pk=pk).first()


# The queue's totals; ``QUEUE_TOTAL_KEYS`` are computed for a page of rows at a time
# (``with_queue_totals``) unless a list sorts or exports by them.
QUEUE_TOTAL_KEYS = frozenset({"line_count", "quantity_total", "allocated_total", "packed_total", "shipped_total",
                              "backordered_total"})


def with_queue_totals(rows: QuerySet[SalesOrder]) -> QuerySet[SalesOrder]:
    """The line totals of ``with_totals`` and what allocation could not cover yet."""
    return with_totals(rows).annotate(
        backordered_total=ExpressionWrapper(F("quantity_total") - F("allocated_total"),
                                            output_field=DecimalField(max_digits=18, decimal_places=4)),
    )


def add_queue_totals(orders: Sequence[SalesOrder]) -> None:
    """Set the ``QUEUE_TOTAL_KEYS`` on already loaded orders (a page): one query."""
    if not orders:
        return
    names = sorted(QUEUE_TOTAL_KEYS)
    totals = {row["pk"]: row for row in with_queue_totals(
        SalesOrder.objects.filter(pk__in=[order.pk for order in orders])).values("pk", *names)}
    for order in orders:
        for name in names:
            setattr(order, name, totals[order.pk][name])


def _at_risk(today: date, tomorrow: date) -> QuerySet[SalesOrderLine, dict[str, Any]]:
    """Ids of the open orders due today or tomorrow with something not packed yet.

    A small set, read once per query (through the index over open orders by promise),
    whatever the size of the queue.
    """
    return (
        SalesOrderLine.objects.filter(order__status__in=sorted(OPEN_STATUSES), order__promised_ship_on__gte=today,
                                      order__promised_ship_on__lte=tomorrow)
        .order_by().values("order_id").annotate(unpacked=Sum(F("quantity") - F("packed_quantity")))
        .filter(unpacked__gt=0).values("order_id")
    )


def fulfillment_queue(
    *, actor: Any, today: date | None = None, site_code: str | None = None, flag: str | None = None,
    search: str | None = None,
) -> QuerySet[SalesOrder]:
    """Open orders in the actor's scope, soonest promised ship date first, with flags.

    ``is_late``: promised to ship before today and not yet (fully) shipped.
    ``is_at_risk``: promised to ship today or tomorrow and not yet fully packed.
    ``today`` defaults to the current date in the active time zone; pass it for a fixed
    answer. One query, however many orders: the flags need no totals (at risk reads the
    lines of the orders due today or tomorrow only, once), so the page is an ordered scan
    of an index over open orders. Line totals come from ``with_queue_totals`` or, for a
    page, ``add_queue_totals``.
    """
    today = today or timezone.localdate()
    tomorrow = today + timedelta(days=1)
    rows = orders(actor=actor, site_code=site_code, search=search).filter(status__in=sorted(OPEN_STATUSES))
    at_risk = _at_risk(today, tomorrow)
    rows = rows.annotate(
        is_late=Case(When(promised_ship_on__lt=today, then=Value(True)), default=Value(False),
                     output_field=BooleanField()),
        is_at_risk=Case(When(pk__in=at_risk, then=Value(True)), default=Value(False), output_field=BooleanField()),
    )
    if flag == "late":
        rows = rows.filter(promised_ship_on__lt=today)
    elif flag == "at_risk":
        rows = rows.filter(promised_ship_on__gte=today, promised_ship_on__lte=tomorrow, pk__in=at_risk)
    elif flag == "on_hold":
        rows = rows.filter(is_on_hold=True)
    return rows.order_by(F("promised_ship_on").asc(nulls_last=True), "number")


def queue_summary(*, actor: Any, today: date | None = None, site_code: str | None = None) -> dict[str, int]:
    """How many open orders are in the queue, late, at risk and on hold (one query)."""
    rows = fulfillment_queue(actor=actor, today=today, site_code=site_code).order_by()
    return rows.aggregate(
        total=Count("pk"),
        late=Count("pk", filter=Q(is_late=True)),
        at_risk=Count("pk", filter=Q(is_at_risk=True)),
        on_hold=Count("pk", filter=Q(is_on_hold=True)),
    )


@dataclass(frozen=True, slots=True)
class OrderDetail:
    """An order with everything its page shows, in a fixed number of queries."""

    order: SalesOrder
    lines: list[SalesOrderLine]
    allocations: list[Allocation]
    pick_lists: list[PickList]
    packages: list[Package]
    shipments: list[Shipment]

    @property
    def has_lots(self) -> bool:
        return any(allocation.lot_code for allocation in self.allocations)

    @property
    def has_releases(self) -> bool:
        return any(allocation.released_quantity for allocation in self.allocations)

    @property
    def is_cancellable(self) -> bool:
        """Cancelling is possible until anything ships."""
        return self.order.status in CANCELLABLE_STATUSES and not any(line.shipped_quantity for line in self.lines)

    @property
    def is_workable(self) -> bool:
        return self.order.status in WORKABLE_STATUSES

    @property
    def backordered(self) -> Decimal:
        return sum((line.backordered_quantity for line in self.lines), Decimal(0))

    @property
    def to_pick(self) -> Decimal:
        """Allocated, not picked, and not on an open pick list."""
        listed = sum((entry.quantity for pick_list in self.pick_lists if pick_list.status == PickListStatus.OPEN
                      for entry in pick_list.lines.all()), Decimal(0))
        unpicked = sum((a.quantity - a.released_quantity - a.picked_quantity for a in self.allocations), Decimal(0))
        return unpicked - listed

    @property
    def to_pack(self) -> Decimal:
        return sum((line.picked_quantity - line.packed_quantity for line in self.lines), Decimal(0))

    @property
    def to_ship(self) -> Decimal:
        return sum((line.packed_quantity - line.shipped_quantity for line in self.lines), Decimal(0))

    @property
    def total(self) -> Money:
        return sum((line.amount for line in self.lines), Money.of(0, self.order.currency))


def order_detail(*, actor: Any, pk: int) -> OrderDetail | None:
    found = order(actor=actor, pk=pk)
    if found is None:
        return None
    lines = list(found.lines.select_related("item").order_by("line_number"))
    allocations = list(
        Allocation.objects.filter(line__order=found).select_related("line", "line__item", "location", "location__site")
        .order_by("line__line_number", "id")
    )
    # Pick lines are written in walking order, so their key order is the walk.
    pick_lists = list(found.pick_lists.prefetch_related("lines__line__item", "lines__location").order_by("id"))
    packages = list(found.packages.prefetch_related("lines__line__item").order_by("id"))
    shipments = list(found.shipments.select_related("carrier_service__carrier").prefetch_related("lines__line__item")
                     .order_by("shipped_at", "id"))
    return OrderDetail(order=found, lines=lines, allocations=allocations, pick_lists=pick_lists,
                       packages=packages, shipments=shipments)


def shipment(*, actor: Any, pk: int, action: str = VIEW_ORDER.code) -> Shipment | None:
    return shipments(actor=actor, action=action).filter(pk=pk).first()


def shipments(
    *, actor: Any, action: str = VIEW_ORDER.code, status: str | None = None, carrier_code: str | None = None, search: str | None = None,
) -> QuerySet[Shipment]:
    rows: QuerySet[Shipment] = Shipment.objects.restrict(actor, action).select_related(
        "order", "order__customer", "order__ship_from", "carrier_service", "carrier_service__carrier"
    )
    if status in ShipmentStatus.values:
        rows = rows.filter(status=status)
    if carrier_code:
        rows = rows.filter(carrier_service__carrier__code=carrier_code)
    if search:
        rows = rows.filter(Q(tracking_number__icontains=search) | Q(order__number__icontains=search)
                           | Q(order__customer__name__icontains=search))
    return rows


def customers(
    *, actor: Any, action: str = VIEW_CUSTOMER.code, search: str | None = None, channel_code: str | None = None,
    country: str | None = None,
) -> QuerySet[Customer]:
    rows: QuerySet[Customer] = Customer.objects.restrict(actor, action).select_related("channel")
    if search:
        rows = rows.filter(Q(code__icontains=search) | Q(name__icontains=search) | Q(email__icontains=search))
    if channel_code:
        rows = rows.filter(channel__code=channel_code)
    if country:
        rows = rows.filter(country=country.upper())
    return rows


def with_order_counts(rows: QuerySet[Customer], *, actor: Any) -> QuerySet[Customer]:
    """Open and total orders per customer, counting only orders the actor may see."""
    reach = actor.reach()
    if not actor.has_action(VIEW_ORDER.code) or (not reach.is_company_wide and not reach.site_ids):
        return rows.annotate(order_count=Value(0), open_order_count=Value(0))
    scope = Q()
    if not reach.is_company_wide:
        scope = Q(orders__ship_from_id__in=sorted(reach.site_ids))
    return rows.annotate(
        order_count=Count("orders", filter=scope),
        open_order_count=Count("orders", filter=scope & Q(orders__status__in=OPEN_STATUSES)),
    )


def channels(*, actor: Any, action: str = VIEW_CUSTOMER.code) -> QuerySet[SalesChannel]:
    return SalesChannel.objects.restrict(actor, action)


def carriers(*, actor: Any, action: str = VIEW_ORDER.code) -> QuerySet[Carrier]:
    return Carrier.objects.restrict(actor, action).prefetch_related("services")


def carrier_services(*, actor: Any, action: str = VIEW_ORDER.code) -> QuerySet[CarrierService]:
    return CarrierService.objects.restrict(actor, action).select_related("carrier").filter(
        is_active=True, carrier__is_active=True
    )
