"""Fact frames: the records behind each KPI, one row per record and period.

Every builder takes :class:`~keel.analytics.kpi.frames.Inputs` and a
:class:`~keel.analytics.kpi.periods.Window` and returns the rows that make up the KPI:
``period`` (start date), ``record`` (what a person would look up, e.g. an order number),
``at`` (the timestamp that placed the row in its period), the dimension columns the KPI
allows (``site``, ``channel``, ``carrier``, ``supplier``, ``team``, ``item``) and the
measure columns its value expression aggregates. The same rows give the value, every
breakdown and the drill-down's record list, so those can never disagree.
"""

from __future__ import annotations

import polars as pl

from keel.analytics.kpi.frames import Inputs, to_reporting
from keel.analytics.kpi.periods import Window, assign

HOUR = 3_600_000_000  # microseconds
DAY = 24 * HOUR

SHIPPED = ("shipped", "delivered")
ALLOCATION_ACTIVITIES = ("Allocate order", "Backorder order")
FLAW_ACTIVITIES = ("Hold order", "Correct address")


def _hours(later: str, earlier: str) -> pl.Expr:
    return (pl.col(later) - pl.col(earlier)).dt.total_microseconds() / HOUR


def _days(later: str, earlier: str) -> pl.Expr:
    return (pl.col(later) - pl.col(earlier)).dt.total_microseconds() / DAY


def order_facts(inputs: Inputs) -> pl.DataFrame:
    """One row per order with its shipment facts: last shipped and delivered times, the
    carrier of its last shipment, shipment count, whether it shipped in full, and
    whether it was ever held or needed an address correction.

    >>> from datetime import datetime
    >>> inputs = Inputs.of(
    ...     orders=pl.DataFrame({"order_id": [1], "number": ["SO-1"], "status": ["delivered"]}),
    ...     lines=pl.DataFrame({"order_id": [1], "quantity": [2.0], "shipped_quantity": [2.0], "status": ["shipped"]}),
    ...     shipments=pl.DataFrame({"shipment_id": [7], "order_id": [1], "carrier": [3],
    ...                             "shipped_at": [datetime(2026, 1, 5)], "delivered_at": [datetime(2026, 1, 7)]}))
    >>> order_facts(inputs).select("number", "carrier", "shipment_count", "is_in_full", "was_flawed").row(0)
    ('SO-1', 3, 1, True, False)
    """
    shipments = (
        inputs.shipments.sort("shipped_at")
        .group_by("order_id")
        .agg(
            last_shipped_at=pl.col("shipped_at").max(),
            last_delivered_at=pl.col("delivered_at").max(),
            carrier=pl.col("carrier").last(),
            shipment_count=pl.len().cast(pl.Int64),
        )
    )
    lines = inputs.lines.group_by("order_id").agg(
        quantity=pl.col("quantity").sum(),
        amount=(pl.col("quantity") * pl.col("unit_price")).sum(),
        is_complete=((pl.col("shipped_quantity") >= pl.col("quantity")) & (pl.col("status") != "cancelled")).all(),
    )
    flawed = (
        inputs.order_events.filter(pl.col("activity").is_in(FLAW_ACTIVITIES))
        .select("order_id").unique().with_columns(was_flawed=pl.lit(True))
    )
    return (
        inputs.orders.join(shipments, on="order_id", how="left")
        .join(lines, on="order_id", how="left")
        .join(flawed, on="order_id", how="left")
        .with_columns(
            shipment_count=pl.col("shipment_count").fill_null(0),
            was_flawed=pl.col("was_flawed").fill_null(False),
            is_fully_shipped=pl.col("status").is_in(SHIPPED),
            is_delivered=pl.col("status") == "delivered",
        )
        .with_columns(is_in_full=pl.col("is_complete").fill_null(False) & (pl.col("shipment_count") == 1))
    )


def _order_rows(frame: pl.DataFrame, at: str, window: Window) -> pl.DataFrame:
    return assign(frame.with_columns(record=pl.col("number"), at=pl.col(at)), "at", window)


def order_cycle_time(inputs: Inputs, window: Window) -> pl.DataFrame:
    """Delivered orders, placed by the last delivery; ``x`` = hours from confirmation."""
    orders = order_facts(inputs).filter(pl.col("is_delivered"))
    return _order_rows(orders, "last_delivered_at", window).with_columns(x=_hours("last_delivered_at", "confirmed_at"))


def order_to_ship_time(inputs: Inputs, window: Window) -> pl.DataFrame:
    """Fully shipped orders, placed by the last shipment; ``x`` = hours from confirmation."""
    orders = order_facts(inputs).filter(pl.col("is_fully_shipped"))
    return _order_rows(orders, "last_shipped_at", window).with_columns(x=_hours("last_shipped_at", "confirmed_at"))


def on_time_shipment(inputs: Inputs, window: Window) -> pl.DataFrame:
    """Fully shipped orders with a promised ship date; ``hit`` = shipped by that date."""
    orders = order_facts(inputs).filter(pl.col("is_fully_shipped") & pl.col("promised_ship_on").is_not_null())
    return _order_rows(orders, "last_shipped_at", window).with_columns(
        hit=pl.col("last_shipped_at").dt.date() <= pl.col("promised_ship_on"))


def _delivered_with_promise(inputs: Inputs, window: Window) -> pl.DataFrame:
    orders = order_facts(inputs).filter(pl.col("is_delivered") & pl.col("promised_delivery_on").is_not_null())
    return _order_rows(orders, "last_delivered_at", window).with_columns(
        is_on_time=pl.col("last_delivered_at").dt.date() <= pl.col("promised_delivery_on"))


def on_time_delivery(inputs: Inputs, window: Window) -> pl.DataFrame:
    """Delivered orders with a promised delivery date; ``hit`` = delivered by that date."""
    return _delivered_with_promise(inputs, window).with_columns(hit=pl.col("is_on_time"))


def otif(inputs: Inputs, window: Window) -> pl.DataFrame:
    """As on-time delivery; ``hit`` = on time and in full (all of every line, one shipment)."""
    return _delivered_with_promise(inputs, window).with_columns(hit=pl.col("is_on_time") & pl.col("is_in_full"))


def perfect_order(inputs: Inputs, window: Window) -> pl.DataFrame:
    """As OTIF; ``hit`` also needs the order never held and its address never corrected."""
    return _delivered_with_promise(inputs, window).with_columns(
        hit=pl.col("is_on_time") & pl.col("is_in_full") & ~pl.col("was_flawed"))


def first_allocation(inputs: Inputs, window: Window) -> pl.DataFrame:
    """Orders placed by confirmation, with their first allocation run (orders not allocated
    yet are left out); ``num`` = units that run covered, ``den`` = units ordered,
    ``hit`` = it left something backordered."""
    first = (
        inputs.order_events.filter(pl.col("activity").is_in(ALLOCATION_ACTIVITIES))
        .sort("at")
        .group_by("order_id")
        .agg(allocated_at=pl.col("at").first(), backordered=pl.col("backordered").first().fill_null(0.0))
    )
    quantity = inputs.lines.group_by("order_id").agg(den=pl.col("quantity").sum())
    rows = inputs.orders.join(first, on="order_id", how="inner").join(quantity, on="order_id", how="left")
    return _order_rows(rows, "confirmed_at", window).with_columns(
        num=(pl.col("den") - pl.col("backordered")).clip(lower_bound=0.0),
        hit=pl.col("backordered") > 0,
    )


def orders_placed(inputs: Inputs, window: Window) -> pl.DataFrame:
    """Orders placed by confirmation, cancelled ones left out; ``amount`` in the reporting currency."""
    amounts = inputs.lines.filter(pl.col("status") != "cancelled").group_by("order_id").agg(
        amount=(pl.col("quantity") * pl.col("unit_price")).sum())
    orders = inputs.orders.filter(pl.col("status") != "cancelled").join(amounts, on="order_id", how="left")
    return _order_rows(orders, "confirmed_at", window).with_columns(
        x=to_reporting(pl.col("amount").fill_null(0.0), pl.col("currency"), inputs.rates))


def order_lines_placed(inputs: Inputs, window: Window) -> pl.DataFrame:
    """Lines of orders placed in the period (as :func:`orders_placed`); ``x`` = line value."""
    orders = inputs.orders.filter(pl.col("status") != "cancelled")
    lines = inputs.lines.filter(pl.col("status") != "cancelled").join(orders, on="order_id", how="inner")
    return _order_rows(lines, "confirmed_at", window).with_columns(
        x=to_reporting(pl.col("quantity") * pl.col("unit_price"), pl.col("currency"), inputs.rates))


def repeat_purchases(inputs: Inputs, window: Window) -> pl.DataFrame:
    """Orders placed in the period with their customer; ``repeat`` = the customer's first
    order came before the period began."""
    rows = orders_placed(inputs, window).join(inputs.first_orders, on="customer", how="left")
    return rows.with_columns(
        repeat=pl.col("first_confirmed_at").dt.date() < pl.col("period"))


def backlog(inputs: Inputs, window: Window) -> pl.DataFrame:
    """For each period's end: orders confirmed by then, not cancelled by then and not fully
    shipped by then. ``at`` is the order's confirmation."""
    orders = order_facts(inputs).with_columns(record=pl.col("number"), at=pl.col("confirmed_at"))
    periods = window.frame().select("period", "ends_at")
    rows = orders.join(periods, how="cross")
    return rows.filter(
        (pl.col("confirmed_at") < pl.col("ends_at"))
        & (pl.col("cancelled_at").is_null() | (pl.col("cancelled_at") >= pl.col("ends_at")))
        & ~(pl.col("is_fully_shipped") & (pl.col("last_shipped_at") < pl.col("ends_at")))
    ).drop("ends_at")


def shipments(inputs: Inputs, window: Window) -> pl.DataFrame:
    """Shipments placed by their shipping time, with their order's site and channel;
    ``x`` = shipping cost in the reporting currency."""
    orders = inputs.orders.select("order_id", "number", "site", "channel")
    rows = inputs.shipments.join(orders, on="order_id", how="inner").with_columns(
        record=pl.col("number"), at=pl.col("shipped_at"))
    return assign(rows, "at", window).with_columns(x=to_reporting(pl.col("cost"), pl.col("currency"), inputs.rates))


def labour(inputs: Inputs, window: Window) -> pl.DataFrame:
    """Worked shifts (``hours``) and shipments (``order_id``) of the period, one frame."""
    shifts = assign(inputs.shifts, "at", window).with_columns(
        record=pl.lit("shift"), order_id=pl.lit(None, dtype=pl.Int64))
    shipped = shipments(inputs, window).with_columns(hours=pl.lit(0.0), team=pl.lit(None, dtype=pl.Int64))
    columns = ["period", "record", "at", "site", "team", "order_id", "hours"]
    return pl.concat([shifts.select(columns), shipped.select(columns)], how="vertical_relaxed")


def receipts(inputs: Inputs, window: Window) -> pl.DataFrame:
    """Receipt lines placed by receipt time; ``hit`` = arrived by the expected date,
    ``x`` = days since the purchase order was sent, ``ppv`` = price variance."""
    rows = inputs.receipts.with_columns(record=pl.col("number"), at=pl.col("received_at"))
    price = to_reporting(pl.col("unit_price"), pl.col("currency"), inputs.rates)
    cost = to_reporting(pl.col("standard_cost"), pl.col("cost_currency"), inputs.rates)
    return assign(rows, "at", window).with_columns(
        hit=pl.col("received_at").dt.date() <= pl.col("expected_on"),
        x=_days("received_at", "sent_at"),
        ppv=(price - cost) * pl.col("accepted"),
    )


def inventory(inputs: Inputs, window: Window) -> pl.DataFrame:
    """For each period and (site, item): on hand and value at the period's start and end,
    and the cost of goods shipped in it, all at standard cost in the reporting currency.

    On hand at a moment is today's on hand minus every movement since that moment (the
    ledger replayed backwards), so ``movements`` must cover the whole window.
    """
    stock = inputs.stock.with_columns(
        cost=to_reporting(pl.col("standard_cost"), pl.col("cost_currency"), inputs.rates),
        record=pl.col("sku"))
    periods = window.frame()
    periods = periods.with_columns(starts_at=pl.col("period").cast(pl.Datetime("us")))
    movements = inputs.movements
    grid = stock.join(periods, how="cross")
    after_end = (
        grid.select("site", "item", "period", "ends_at")
        .join(movements, on=["site", "item"], how="inner")
        .filter(pl.col("at") >= pl.col("ends_at"))
        .group_by("site", "item", "period").agg(moved_after_end=pl.col("quantity").sum())
    )
    after_start = (
        grid.select("site", "item", "period", "starts_at")
        .join(movements, on=["site", "item"], how="inner")
        .filter(pl.col("at") >= pl.col("starts_at"))
        .group_by("site", "item", "period").agg(moved_after_start=pl.col("quantity").sum())
    )
    shipped = (
        grid.select("site", "item", "period", "starts_at", "ends_at")
        .join(movements.filter(pl.col("reason") == "shipment"), on=["site", "item"], how="inner")
        .filter((pl.col("at") >= pl.col("starts_at")) & (pl.col("at") < pl.col("ends_at")))
        .group_by("site", "item", "period").agg(shipped=-pl.col("quantity").sum())
    )
    keys = ["site", "item", "period"]
    return (
        grid.join(after_end, on=keys, how="left").join(after_start, on=keys, how="left").join(shipped, on=keys, how="left")
        .with_columns(
            on_hand_end=pl.col("on_hand") - pl.col("moved_after_end").fill_null(0.0),
            on_hand_start=pl.col("on_hand") - pl.col("moved_after_start").fill_null(0.0),
            at=pl.col("ends_at"),
        )
        .with_columns(
            x=pl.col("on_hand_end") * pl.col("cost"),
            value_start=pl.col("on_hand_start") * pl.col("cost"),
            cogs=pl.col("shipped").fill_null(0.0) * pl.col("cost"),
            hit=pl.col("on_hand_end") <= 0,
        )
    )


def marketing(inputs: Inputs, window: Window) -> pl.DataFrame:
    """Marketing spend of the period; ``x`` = amount in the reporting currency."""
    rows = inputs.marketing.with_columns(record=pl.lit("marketing spend"))
    return assign(rows, "at", window).with_columns(
        x=to_reporting(pl.col("amount"), pl.col("currency"), inputs.rates))
