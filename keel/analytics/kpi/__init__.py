"""KPI formulas over plain frames: periods, fact rows, values, breakdowns, records.

Loaders (``keel.kpis.loaders``) read orders, lines, shipments, order events, receipts,
stock, ledger movements, shifts and marketing spend into the frames of :mod:`.frames`;
:mod:`.facts` turns them into the rows behind each KPI; :mod:`.formulas` aggregates
those rows per period (:func:`values`) and per dimension (:func:`breakdown`). Pure
Polars: no Django, no domain apps, so the same code runs on exported Parquet files.
"""

from keel.analytics.kpi.formulas import FORMULAS, Formula, breakdown, records, values
from keel.analytics.kpi.frames import SCHEMAS, Inputs, conform, empty, to_reporting
from keel.analytics.kpi.periods import Window, assign, next_start, period_start, previous_start

__all__ = [
    "FORMULAS", "SCHEMAS", "Formula", "Inputs", "Window", "assign", "breakdown", "conform", "empty", "next_start",
    "period_start", "previous_start", "records", "to_reporting", "values",
]
