"""The pure analytics engine: Polars/NumPy functions on columnar frames.

Imports nothing from Django or the domain apps (an import-linter contract), so the same
functions can run on another engine later. Process mining, forecasting, inventory and
KPI maths arrive here with their issues.
"""
