"""Each KPI as code: which fact rows it reads and how it aggregates them.

``FORMULAS[key]`` pairs a fact builder (:mod:`.facts`) with a value expression; the
functions here compute a KPI per period (:func:`values`), per period and dimension
(:func:`breakdown`) and list the rows behind it (:func:`records`).

>>> from datetime import date, datetime
>>> from keel.analytics.kpi.frames import Inputs
>>> from keel.analytics.kpi.periods import Window
>>> inputs = Inputs.of(marketing=pl.DataFrame({
...     "at": [datetime(2026, 11, 2), datetime(2026, 11, 20)], "channel": [1, 2],
...     "amount": [300.0, 100.0], "currency": ["EUR", "EUR"], "new_customers": [3.0, 1.0]}))
>>> window = Window.ending(datetime(2026, 11, 26), grain="month", count=1)
>>> values("customer_acquisition_cost", inputs, window)
{datetime.date(2026, 11, 1): 100.0}
>>> breakdown("customer_acquisition_cost", inputs, window, "channel")[date(2026, 11, 1)]
{1: 100.0, 2: 100.0}
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl

from keel.analytics.kpi import facts
from keel.analytics.kpi.frames import Inputs
from keel.analytics.kpi.periods import Window

Facts = Callable[[Inputs, Window], pl.DataFrame]


def _safe(numerator: pl.Expr, denominator: pl.Expr) -> pl.Expr:
    """``numerator / denominator``, null when the denominator is zero or null."""
    return pl.when(denominator > 0).then(numerator / denominator).otherwise(None)


def median_x(inputs: Inputs) -> pl.Expr:
    return pl.col("x").median()


def share_hit(inputs: Inputs) -> pl.Expr:
    return _safe(pl.col("hit").cast(pl.Float64).sum() * 100, pl.col("hit").count().cast(pl.Float64))


def sum_x(inputs: Inputs) -> pl.Expr:
    return pl.col("x").fill_null(0.0).sum()


def count_rows(inputs: Inputs) -> pl.Expr:
    return pl.len().cast(pl.Float64)


def ratio_num_den(inputs: Inputs) -> pl.Expr:
    return _safe(pl.col("num").sum() * 100, pl.col("den").sum())


def per_order(inputs: Inputs) -> pl.Expr:
    return _safe(pl.col("x").sum(), pl.col("order_id").drop_nulls().n_unique().cast(pl.Float64))


def hours_per_order(inputs: Inputs) -> pl.Expr:
    return _safe(pl.col("hours").sum(), pl.col("order_id").drop_nulls().n_unique().cast(pl.Float64))


def repeat_share(inputs: Inputs) -> pl.Expr:
    customers = pl.col("customer").n_unique().cast(pl.Float64)
    return _safe(pl.col("customer").filter(pl.col("repeat")).n_unique().cast(pl.Float64) * 100, customers)


def average_inventory(inputs: Inputs) -> pl.Expr:
    return (pl.col("value_start").sum() + pl.col("x").sum()) / 2


def turnover(inputs: Inputs) -> pl.Expr:
    return _safe(pl.col("cogs").sum(), average_inventory(inputs)) * 365 / pl.col("days").first()


def days_on_hand(inputs: Inputs) -> pl.Expr:
    return _safe(pl.col("x").sum(), pl.col("cogs").sum() / pl.col("days").first())


def carrying(inputs: Inputs) -> pl.Expr:
    return average_inventory(inputs) * inputs.carrying_rate * pl.col("days").first() / 365


def acquisition_cost(inputs: Inputs) -> pl.Expr:
    return _safe(pl.col("x").sum(), pl.col("new_customers").sum())


@dataclass(frozen=True, slots=True)
class Formula:
    """How one KPI is computed: fact rows, their aggregate, the value of an empty period
    (0 for counts and sums; None, "no data", for averages and shares), and the measure
    column a record list shows."""

    facts: Facts
    value: Callable[[Inputs], pl.Expr]
    needs: frozenset[str]
    empty: float | None = None
    measure: str = "x"


ORDERS = frozenset({"orders", "lines", "shipments"})
FLAWS = ORDERS | {"order_events"}
STOCK = frozenset({"stock", "movements"})

FORMULAS: dict[str, Formula] = {
    "order_cycle_time": Formula(facts.order_cycle_time, median_x, ORDERS),
    "order_to_ship_time": Formula(facts.order_to_ship_time, median_x, ORDERS),
    "on_time_shipment_rate": Formula(facts.on_time_shipment, share_hit, ORDERS, measure="hit"),
    "on_time_delivery_rate": Formula(facts.on_time_delivery, share_hit, ORDERS, measure="hit"),
    "otif": Formula(facts.otif, share_hit, ORDERS, measure="hit"),
    "perfect_order_rate": Formula(facts.perfect_order, share_hit, FLAWS, measure="hit"),
    "fill_rate": Formula(facts.first_allocation, ratio_num_den, FLAWS, measure="num"),
    "backorder_rate": Formula(facts.first_allocation, share_hit, FLAWS, measure="hit"),
    "stockout_rate": Formula(facts.inventory, share_hit, STOCK, measure="on_hand_end"),
    "inventory_turnover": Formula(facts.inventory, turnover, STOCK, measure="cogs"),
    "days_inventory_on_hand": Formula(facts.inventory, days_on_hand, STOCK),
    "inventory_value": Formula(facts.inventory, sum_x, STOCK, empty=0.0),
    "carrying_cost": Formula(facts.inventory, carrying, STOCK, empty=0.0),
    "shipping_cost_per_order": Formula(facts.shipments, per_order, ORDERS),
    "purchase_price_variance": Formula(facts.receipts, lambda inputs: pl.col("ppv").fill_null(0.0).sum(),
                                       frozenset({"receipts"}), empty=0.0, measure="ppv"),
    "supplier_on_time_rate": Formula(facts.receipts, share_hit, frozenset({"receipts"}), measure="hit"),
    "supplier_lead_time": Formula(facts.receipts, median_x, frozenset({"receipts"})),
    "revenue": Formula(facts.order_lines_placed, sum_x, ORDERS, empty=0.0),
    "orders": Formula(facts.orders_placed, count_rows, ORDERS, empty=0.0),
    "average_order_value": Formula(facts.order_lines_placed, per_order, ORDERS),
    "customer_acquisition_cost": Formula(facts.marketing, acquisition_cost, frozenset({"marketing"})),
    "repeat_purchase_rate": Formula(facts.repeat_purchases, repeat_share, ORDERS | {"first_orders"},
                                    measure="repeat"),
    "labour_hours_per_order": Formula(facts.labour, hours_per_order, ORDERS | {"shifts"}, measure="hours"),
    "order_backlog": Formula(facts.backlog, count_rows, ORDERS, empty=0.0, measure="status"),
}


def _aggregate(key: str, rows: pl.DataFrame, inputs: Inputs, window: Window, by: list[str]) -> pl.DataFrame:
    formula = FORMULAS[key]
    if "days" not in rows.columns:
        rows = rows.join(window.frame().select("period", "days"), on="period", how="left")
    return rows.group_by(["period", *by]).agg(value=formula.value(inputs))


def _clean(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return None if number != number or number in (float("inf"), float("-inf")) else number


def values(key: str, inputs: Inputs, window: Window, rows: pl.DataFrame | None = None) -> dict[date, float | None]:
    """The KPI per period of the window, oldest first; empty periods get the formula's
    empty value (0 for counts and sums, None otherwise)."""
    formula = FORMULAS[key]
    rows = formula.facts(inputs, window) if rows is None else rows
    result: dict[date, float | None] = dict.fromkeys(window.starts, formula.empty)
    if rows.is_empty():
        return result
    for period, value in _aggregate(key, rows, inputs, window, []).select("period", "value").iter_rows():
        result[period] = _clean(value)
    return result


def breakdown(key: str, inputs: Inputs, window: Window, dimension: str,
              rows: pl.DataFrame | None = None) -> dict[date, dict[Any, float | None]]:
    """The KPI per period and value of ``dimension`` (rows without one are grouped under None)."""
    formula = FORMULAS[key]
    rows = formula.facts(inputs, window) if rows is None else rows
    result: dict[date, dict[Any, float | None]] = {start: {} for start in window.starts}
    if rows.is_empty():
        return result
    if dimension not in rows.columns:
        raise ValueError(f"{key} has no {dimension!r} breakdown")
    table = _aggregate(key, rows, inputs, window, [dimension]).sort(["period", dimension], nulls_last=True)
    for period, member, value in table.select("period", dimension, "value").iter_rows():
        result[period][member] = _clean(value)
    return result


def records(key: str, inputs: Inputs, window: Window, rows: pl.DataFrame | None = None) -> pl.DataFrame:
    """The rows behind the KPI: ``period``, ``record``, ``at``, dimensions and the measure."""
    formula = FORMULAS[key]
    rows = formula.facts(inputs, window) if rows is None else rows
    keep = [column for column in ("period", "record", "at", "site", "channel", "carrier", "supplier", "team", "item")
            if column in rows.columns]
    measure = formula.measure if formula.measure in rows.columns else None
    return rows.select([*keep, *([pl.col(measure).alias("measure")] if measure else [])]).sort(["period", "at"])
