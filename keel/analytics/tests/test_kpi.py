"""The KPI engine on literal frames, and its runnable examples (doctests)."""

from __future__ import annotations

import doctest
from datetime import date, datetime

import polars as pl
import pytest

import keel.analytics.kpi.facts
import keel.analytics.kpi.formulas
import keel.analytics.kpi.frames
import keel.analytics.kpi.periods
from keel.analytics.kpi import Inputs, Window, breakdown, records, values


@pytest.mark.parametrize("module", [keel.analytics.kpi.periods, keel.analytics.kpi.frames,
                                    keel.analytics.kpi.facts, keel.analytics.kpi.formulas])
def test_examples_run(module: object) -> None:
    assert doctest.testmod(module, raise_on_error=False).failed == 0  # type: ignore[arg-type]


def test_backlog_counts_orders_open_at_each_days_end() -> None:
    # Order 1 confirmed Mon 10:00, shipped Tue 12:00; order 2 confirmed Tue 09:00, cancelled Wed 08:00.
    inputs = Inputs.of(
        orders=pl.DataFrame({"order_id": [1, 2], "number": ["SO-1", "SO-2"], "site": [1, 2],
                             "status": ["shipped", "cancelled"],
                             "confirmed_at": [datetime(2026, 11, 23, 10), datetime(2026, 11, 24, 9)],
                             "cancelled_at": [None, datetime(2026, 11, 25, 8)]}),
        shipments=pl.DataFrame({"shipment_id": [1], "order_id": [1], "shipped_at": [datetime(2026, 11, 24, 12)]}),
    )
    window = Window.ending(datetime(2026, 11, 25, 18), grain="day", count=3)
    # End of Mon: order 1. End of Tue: order 2 (1 shipped at noon). Wed (now): none.
    assert values("order_backlog", inputs, window) == {
        date(2026, 11, 23): 1.0, date(2026, 11, 24): 1.0, date(2026, 11, 25): 0.0}
    assert breakdown("order_backlog", inputs, window, "site")[date(2026, 11, 24)] == {2: 1.0}
    assert records("order_backlog", inputs, window)["record"].to_list() == ["SO-1", "SO-2"]


def test_a_share_without_rows_is_no_data_not_zero() -> None:
    window = Window.ending(datetime(2026, 11, 25, 18), grain="week", count=1)
    assert values("on_time_shipment_rate", Inputs(), window) == {date(2026, 11, 23): None}
    assert values("orders", Inputs(), window) == {date(2026, 11, 23): 0.0}
