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


def test_forecast_accuracy_reads_the_last_run_of_each_month_pooled_over_its_item_plans() -> None:
    # Run 1 closes October; in November run 2 is superseded by run 3 (finished later).
    inputs = Inputs.of(
        planning_runs=pl.DataFrame({"run": [1, 2, 3], "finished_at": [
            datetime(2026, 10, 15), datetime(2026, 11, 3), datetime(2026, 11, 20)]}),
        item_plans=pl.DataFrame({
            "run": [1, 2, 3, 3, 3], "site": [1, 1, 1, 1, 2], "item": [10, 10, 10, 11, 10],
            "sku": ["BOLT", "BOLT", "BOLT", "NUT", "BOLT"],
            "absolute_error": [40.0, 50.0, 10.0, 20.0, 60.0], "actual": [100.0, 100.0, 100.0, 50.0, 150.0]}),
    )
    window = Window.ending(datetime(2026, 11, 26, 12), grain="month", count=2)
    # October: 100 - 40/100; November (run 3): 100 - (10 + 20 + 60) / (100 + 50 + 150) x 100.
    assert values("forecast_accuracy", inputs, window) == {date(2026, 10, 1): 60.0, date(2026, 11, 1): 70.0}
    november = date(2026, 11, 1)
    # Site 1: 100 - 30/150; site 2: 100 - 60/150. BOLT: 100 - 70/250; NUT: 100 - 20/50.
    assert breakdown("forecast_accuracy", inputs, window, "site")[november] == {1: 80.0, 2: 60.0}
    assert breakdown("forecast_accuracy", inputs, window, "item")[november] == {10: 72.0, 11: 60.0}
    rows = records("forecast_accuracy", inputs, window.of([november], grain="month", now=window.now))
    assert sorted(rows.select("record", "site", "measure").rows()) == [
        ("BOLT (run 3)", 1, 10.0), ("BOLT (run 3)", 2, 60.0), ("NUT (run 3)", 1, 20.0)]


def test_forecast_accuracy_without_runs_or_demand_is_no_data() -> None:
    window = Window.ending(datetime(2026, 11, 26, 12), grain="month", count=1)
    assert values("forecast_accuracy", Inputs(), window) == {date(2026, 11, 1): None}
    no_demand = Inputs.of(planning_runs=pl.DataFrame({"run": [1], "finished_at": [datetime(2026, 11, 2)]}),
                          item_plans=pl.DataFrame({"run": [1], "site": [1], "item": [1], "sku": ["A"],
                                                   "absolute_error": [0.0], "actual": [0.0]}))
    assert values("forecast_accuracy", no_demand, window) == {date(2026, 11, 1): None}
