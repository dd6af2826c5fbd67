"""Planning: forecasts, inventory policies and replenishment proposals (issue 6).

The maths lives in ``keel.analytics.forecasting`` and ``keel.analytics.inventory``; this
app holds what uses it: for now the batch commands ``keel forecast`` and
``keel inventory-policy`` (``batch.py``); the workbench, models and API come next.
"""
