"""The plain frames KPI formulas read, with their schemas.

Timestamps are naive UTC ``Datetime("us")``; ids are ``Int64`` (null when a row has no
such dimension); quantities and amounts are ``Float64`` in the row's own ``currency``
(converted by :func:`to_reporting`). Whoever loads the frames (Keel's loaders, a test, a
Parquet export) must produce these columns; extra columns are ignored.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import polars as pl

TS: pl.DataType = pl.Datetime("us")
ID: pl.DataType = pl.Int64()
F: pl.DataType = pl.Float64()
S: pl.DataType = pl.String()

SCHEMAS: dict[str, dict[str, pl.DataType]] = {
    # One row per sales order (confirmed at some point).
    "orders": {"order_id": ID, "number": S, "site": ID, "channel": ID, "customer": ID, "currency": S, "status": S,
               "created_at": TS, "confirmed_at": TS, "cancelled_at": TS, "promised_ship_on": pl.Date(),
               "promised_delivery_on": pl.Date()},
    # One row per order line of the orders above; unit_price in the order's currency.
    "lines": {"order_id": ID, "item": ID, "quantity": F, "unit_price": F, "shipped_quantity": F, "status": S},
    # One row per shipment of the orders above.
    "shipments": {"shipment_id": ID, "order_id": ID, "carrier": ID, "shipped_at": TS, "delivered_at": TS,
                  "cost": F, "currency": S},
    # Events about sales orders: allocation runs (with units backordered), holds, address corrections.
    "order_events": {"order_id": ID, "activity": S, "at": TS, "backordered": F},
    # Customers' first confirmed order (in scope), for repeat purchases.
    "first_orders": {"customer": ID, "first_confirmed_at": TS},
    # One row per receipt line: what arrived against which purchase order line.
    "receipts": {"receipt_line_id": ID, "number": S, "site": ID, "supplier": ID, "item": ID, "received_at": TS,
                 "sent_at": TS, "expected_on": pl.Date(), "accepted": F, "unit_price": F, "currency": S,
                 "standard_cost": F, "cost_currency": S},
    # Current stock per item and site (the stock summary) with the item's standard cost.
    "stock": {"site": ID, "item": ID, "sku": S, "on_hand": F, "standard_cost": F, "cost_currency": S},
    # Stock ledger movements since the window began (quantity: + in, - out).
    "movements": {"site": ID, "item": ID, "at": TS, "quantity": F, "reason": S},
    # Worked shifts ("Work shift" events).
    "shifts": {"at": TS, "site": ID, "team": ID, "hours": F},
    # Marketing spend ("Spend on marketing" events).
    "marketing": {"at": TS, "channel": ID, "amount": F, "currency": S, "new_customers": F},
}


def empty(name: str) -> pl.DataFrame:
    """An empty frame with the schema of ``name``.

    >>> empty("shifts").columns
    ['at', 'site', 'team', 'hours']
    """
    return pl.DataFrame(schema=SCHEMAS[name])


def conform(name: str, frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` cast to the schema of ``name`` (its columns only, in order); missing
    columns are added as nulls, so a hand-written frame names only what it needs.

    >>> conform("shifts", pl.DataFrame({"hours": [7.5]})).row(0)
    (None, None, None, 7.5)
    """
    schema = SCHEMAS[name]
    if frame.is_empty():
        return empty(name)
    return frame.select([
        (pl.col(column) if column in frame.columns else pl.lit(None)).cast(dtype).alias(column)
        for column, dtype in schema.items()
    ])


def _empty_of(name: str) -> pl.DataFrame:
    return empty(name)


@dataclass(slots=True)
class Inputs:
    """The frames a batch of KPIs reads; frames a batch does not need stay empty."""

    orders: pl.DataFrame = field(default_factory=lambda: _empty_of("orders"))
    lines: pl.DataFrame = field(default_factory=lambda: _empty_of("lines"))
    shipments: pl.DataFrame = field(default_factory=lambda: _empty_of("shipments"))
    order_events: pl.DataFrame = field(default_factory=lambda: _empty_of("order_events"))
    first_orders: pl.DataFrame = field(default_factory=lambda: _empty_of("first_orders"))
    receipts: pl.DataFrame = field(default_factory=lambda: _empty_of("receipts"))
    stock: pl.DataFrame = field(default_factory=lambda: _empty_of("stock"))
    movements: pl.DataFrame = field(default_factory=lambda: _empty_of("movements"))
    shifts: pl.DataFrame = field(default_factory=lambda: _empty_of("shifts"))
    marketing: pl.DataFrame = field(default_factory=lambda: _empty_of("marketing"))
    rates: dict[str, float] = field(default_factory=lambda: {"EUR": 1.0})
    carrying_rate: float = 0.25

    @classmethod
    def of(cls, **frames: pl.DataFrame) -> Inputs:
        """Inputs from frames by name, each conformed to its schema."""
        known = {f.name for f in fields(cls)}
        values: dict[str, object] = {}
        for name, value in frames.items():
            if name not in known:
                raise ValueError(f"unknown input {name!r}")
            values[name] = conform(name, value) if name in SCHEMAS else value
        return cls(**values)  # type: ignore[arg-type]


def to_reporting(amount: pl.Expr, currency: pl.Expr, rates: dict[str, float]) -> pl.Expr:
    """``amount`` in the reporting currency; null when its currency has no rate.

    >>> frame = pl.DataFrame({"amount": [10.0, 10.0, 10.0], "currency": ["EUR", "USD", "XXX"]})
    >>> frame.select(to_reporting(pl.col("amount"), pl.col("currency"), {"EUR": 1.0, "USD": 0.5}))["amount"].to_list()
    [10.0, 5.0, None]
    """
    rate = currency.replace_strict(rates, default=None, return_dtype=pl.Float64)
    return amount * rate
