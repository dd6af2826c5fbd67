"""Set-based SQL that reads Keel's records into the KPI engine's frames.

One query per frame, scoped to a :class:`~keel.kpis.scope.Scope` (sites, and
departments where the rows have them), bounded by the window's start. Numbers are cast
to floats and JSON attributes extracted in the database, so a frame is built from plain
tuples without touching model instances.

Which orders a window needs: every order confirmed, shipped, delivered or cancelled in
the window, and every order still open — with all their lines, shipments and order
events, so an order's facts never depend on where the window starts.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import polars as pl
from django.conf import settings
from django.db.models import CharField, F, FloatField, Q, QuerySet, Value
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.utils import timezone

from keel.analytics.kpi import SCHEMAS, Inputs, conform
from keel.analytics.kpi.facts import ALLOCATION_ACTIVITIES, FLAW_ACTIVITIES
from keel.events.models import Event
from keel.kpis.scope import Scope
from keel.orders.choices import OPEN_STATUSES, OrderStatus
from keel.orders.models import SalesOrder, SalesOrderLine, Shipment
from keel.supply_chain.choices import Lifecycle
from keel.supply_chain.models import ItemStock, ReceiptLine, StockMovement


def _float(field: str) -> Cast:
    return Cast(F(field), FloatField())


def _frame(name: str, rows: Iterable[tuple[Any, ...]]) -> pl.DataFrame:
    """Tuples in the schema's column order -> a conformed frame, timestamps made naive UTC."""
    schema = SCHEMAS[name]
    data = list(rows)
    if not data:
        return conform(name, pl.DataFrame(schema=schema))
    columns = list(schema)
    frame = pl.DataFrame(data, schema=columns, orient="row", infer_schema_length=None)
    fixes = [
        pl.col(column).dt.replace_time_zone(None)
        for column, dtype in frame.schema.items()
        if isinstance(dtype, pl.Datetime) and dtype.time_zone is not None
    ]
    if fixes:
        frame = frame.with_columns(fixes)
    return conform(name, frame)


def _aware(moment: datetime) -> datetime:
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment, UTC)


def window_orders(*, scope: Scope, start: datetime) -> QuerySet[SalesOrder]:
    """Orders whose facts can land in a window beginning at ``start`` (see module docstring)."""
    since = _aware(start)
    # A plain (not correlated) subquery: the database reads the window's shipments once.
    moved = Shipment.objects.filter(Q(shipped_at__gte=since) | Q(delivered_at__gte=since)).values("order_id")
    orders = SalesOrder.objects.filter(confirmed_at__isnull=False).filter(
        Q(confirmed_at__gte=since) | Q(status__in=sorted(OPEN_STATUSES)) | Q(cancelled_at__gte=since) | Q(pk__in=moved)
    )
    return scope.filter(orders, site_field="ship_from")


def load_orders(orders: QuerySet[SalesOrder]) -> pl.DataFrame:
    rows = orders.values_list("id", "number", "ship_from_id", "channel_id", "customer_id", "currency", "status",
                              "created_at", "confirmed_at", "cancelled_at", "promised_ship_on", "promised_delivery_on")
    return _frame("orders", rows.order_by())


def _order_range(orders: pl.DataFrame) -> tuple[int, int] | None:
    if orders.is_empty():
        return None
    return int(orders["order_id"].min()), int(orders["order_id"].max())  # type: ignore[arg-type]


def _of_window(frame: pl.DataFrame, orders: pl.DataFrame) -> pl.DataFrame:
    """Rows of the window's orders only (a semi-join), in the frame's own columns."""
    return frame.join(orders.select("order_id"), on="order_id", how="semi")


def load_lines(orders: pl.DataFrame) -> pl.DataFrame:
    """Lines of the window's orders: an index range scan on the order key, then a semi-join,
    so the window's order query is not run again inside this one."""
    bounds = _order_range(orders)
    if bounds is None:
        return _frame("lines", [])
    rows = SalesOrderLine.objects.filter(order_id__gte=bounds[0], order_id__lte=bounds[1]).order_by().values_list(
        "order_id", "item_id", _float("quantity"), _float("unit_price"), _float("shipped_quantity"), "status")
    return _of_window(_frame("lines", rows), orders)


def load_shipments(orders: pl.DataFrame) -> pl.DataFrame:
    bounds = _order_range(orders)
    if bounds is None:
        return _frame("shipments", [])
    rows = Shipment.objects.filter(order_id__gte=bounds[0], order_id__lte=bounds[1]).order_by().values_list(
        "id", "order_id", "carrier_service__carrier_id", "shipped_at", "delivered_at", _float("shipping_cost"),
        "shipping_cost_currency")
    return _of_window(_frame("shipments", rows), orders)


def load_order_events(orders: pl.DataFrame) -> pl.DataFrame:
    """Allocation runs, holds and address corrections of the window's orders, whenever they
    happened: read from the earliest creation among those orders on (nothing happens to an
    order before it exists), which the log's time index serves, then semi-joined."""
    if orders.is_empty():
        return _frame("order_events", [])
    since = orders["created_at"].min()
    events = Event.objects.filter(event_type__name__in=[*ALLOCATION_ACTIVITIES, *FLAW_ACTIVITIES],
                                  object_links__object__object_type__name="sales_order")
    if isinstance(since, datetime):
        events = events.filter(occurred_at__gte=_aware(since))
    rows = events.order_by().values_list("object_links__object__ocel_id", "event_type__name", "occurred_at",
                                         Cast(KT("attributes__backordered"), FloatField()))
    data = [(int(ref.partition(":")[2]), activity, at, backordered) for ref, activity, at, backordered in rows]
    return _of_window(_frame("order_events", data), orders)


def load_first_orders(*, scope: Scope, orders: QuerySet[SalesOrder]) -> pl.DataFrame:
    """Each window customer's first confirmed, not cancelled order in scope."""
    from django.db.models import Min

    rows = (
        scope.filter(SalesOrder.objects.filter(confirmed_at__isnull=False), site_field="ship_from")
        .exclude(status=OrderStatus.CANCELLED)
        .filter(customer__in=orders.values("customer_id"))
        .order_by()
        .values("customer_id")
        .annotate(first=Min("confirmed_at"))
        .values_list("customer_id", "first")
    )
    return _frame("first_orders", rows)


def load_receipts(*, scope: Scope, start: datetime) -> pl.DataFrame:
    lines = scope.filter(ReceiptLine.objects.filter(receipt__received_at__gte=_aware(start)),
                         site_field="receipt__order__site")
    rows = lines.order_by().values_list(
        "id", "receipt__order__number", "receipt__order__site_id", "receipt__order__supplier_id", "order_line__item_id",
        "receipt__received_at", "receipt__order__sent_at", "order_line__expected_on", _float("accepted_quantity"),
        _float("unit_price"), "order_line__currency", _float("order_line__item__standard_cost"),
        "order_line__item__cost_currency")
    return _frame("receipts", rows)


def load_stock(*, scope: Scope) -> pl.DataFrame:
    """Today's stock per stocked item and site (items being sold: new, active, phasing out)."""
    rows = scope.filter(ItemStock.objects.filter(site__isnull=False), site_field="site").exclude(
        item__lifecycle=Lifecycle.DISCONTINUED
    ).order_by().values_list("site_id", "item_id", "item__sku", _float("on_hand"), _float("item__standard_cost"),
                             "item__cost_currency")
    return _frame("stock", rows)


def load_movements(*, scope: Scope, start: datetime) -> pl.DataFrame:
    movements = scope.filter(StockMovement.objects.filter(occurred_at__gte=_aware(start)).exclude(quantity=0),
                             site_field="location__site")
    rows = movements.order_by().values_list("location__site_id", "item_id", "occurred_at", _float("quantity"), "reason")
    return _frame("movements", rows)


def _events(scope: Scope, activity: str, start: datetime) -> QuerySet[Event]:
    events = Event.objects.filter(event_type__name=activity, occurred_at__gte=_aware(start))
    return scope.filter(events, site_field="site_id", department_field="department_id")


def load_shifts(*, scope: Scope, start: datetime) -> pl.DataFrame:
    rows = _events(scope, "Work shift", start).order_by().values_list(
        "occurred_at", "site_id", Value(None, output_field=CharField()), Cast(KT("attributes__hours"), FloatField()))
    return _frame("shifts", rows)


def load_marketing(*, scope: Scope, start: datetime) -> pl.DataFrame:
    rows = (
        _events(scope, "Spend on marketing", start)
        .filter(object_links__object__object_type__name="sales_channel")
        .order_by()
        .values_list("occurred_at", "object_links__object__ocel_id", Cast(KT("attributes__amount"), FloatField()),
                     KT("attributes__currency"), Cast(KT("attributes__new_customers"), FloatField()))
    )
    data = [(at, int(ref.partition(":")[2]), amount, currency, new) for at, ref, amount, currency, new in rows]
    return _frame("marketing", data)


def rates() -> dict[str, float]:
    """Units of the reporting currency per unit of each currency (the reporting one is 1)."""
    configured = {code.upper(): float(rate) for code, rate in getattr(settings, "KEEL_KPI_EXCHANGE_RATES", {}).items()}
    configured[str(getattr(settings, "KEEL_KPI_CURRENCY", "EUR")).upper()] = 1.0
    return configured


def load(*, needs: Iterable[str], scope: Scope, start: datetime) -> Inputs:
    """The frames ``needs`` names, for windows beginning at ``start``: one query each."""
    wanted = set(needs)
    inputs = Inputs(rates=rates(), carrying_rate=float(getattr(settings, "KEEL_KPI_CARRYING_RATE", 0.25)))
    if wanted & {"orders", "lines", "shipments", "order_events", "first_orders"}:
        orders = window_orders(scope=scope, start=start)
        inputs.orders = load_orders(orders)
        if "lines" in wanted:
            inputs.lines = load_lines(inputs.orders)
        if "shipments" in wanted:
            inputs.shipments = load_shipments(inputs.orders)
        if "order_events" in wanted:
            inputs.order_events = load_order_events(inputs.orders)
        if "first_orders" in wanted:
            inputs.first_orders = load_first_orders(scope=scope, orders=orders)
    if "receipts" in wanted:
        inputs.receipts = load_receipts(scope=scope, start=start)
    if "stock" in wanted:
        inputs.stock = load_stock(scope=scope)
    if "movements" in wanted:
        inputs.movements = load_movements(scope=scope, start=start)
    if "shifts" in wanted:
        inputs.shifts = load_shifts(scope=scope, start=start)
    if "marketing" in wanted:
        inputs.marketing = load_marketing(scope=scope, start=start)
    return inputs
