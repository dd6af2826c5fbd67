"""Enumerations of the process area: which process, import formats and statuses, the
measures an improvement initiative can track and its statuses."""

from __future__ import annotations

from django.db import models


class ProcessKind(models.TextChoices):
    """Which log a model or an initiative is about: one of Keel's processes (the case is
    the object of that type in the event log) or a log imported from another system."""

    SALES_ORDER = "sales_order", "Order fulfillment"
    PURCHASE_ORDER = "purchase_order", "Purchasing"
    IMPORTED = "imported", "Imported log"


class ImportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XES = "xes", "XES"
    OCEL = "ocel", "OCEL 2.0"


class ImportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Imported"
    FAILED = "failed", "Failed"


class Measure(models.TextChoices):
    """What an initiative measures, per case over a period (cases by their start)."""

    MEDIAN_CASE_DURATION = "median_case_duration", "Median case duration (hours)"
    REWORK_RATE = "rework_rate", "Rework rate (share of cases)"
    WAITING_TIME = "waiting_time", "Median waiting time before an activity (hours)"
    CONFORMANCE_FITNESS = "conformance_fitness", "Conformance fitness"


# Measures where a lower value is better (the others: higher is better).
LOWER_IS_BETTER: frozenset[str] = frozenset({Measure.MEDIAN_CASE_DURATION, Measure.REWORK_RATE,
                                             Measure.WAITING_TIME})
# Measures that need an activity / a process model.
NEEDS_ACTIVITY: frozenset[str] = frozenset({Measure.WAITING_TIME})
NEEDS_MODEL: frozenset[str] = frozenset({Measure.CONFORMANCE_FITNESS})


class InitiativeStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    ACTIVE = "active", "Active"
    ACHIEVED = "achieved", "Achieved"
    STOPPED = "stopped", "Stopped"
