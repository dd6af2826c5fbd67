"""Statuses and kinds of the planning app."""

from django.db import models


class RunStatus(models.TextChoices):
    """Where a planning run stands."""

    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class RunTrigger(models.TextChoices):
    """Who or what started a planning run."""

    PAGE = "page", "Button on the workbench"
    API = "api", "API"
    COMMAND = "command", "keel plan"
    SCHEDULE = "schedule", "Schedule"


class TargetKind(models.TextChoices):
    """The service measure a target sets."""

    CYCLE_SERVICE_LEVEL = "cycle_service_level", "Cycle service level"
    FILL_RATE = "fill_rate", "Fill rate"


class ProposalStatus(models.TextChoices):
    """Whether an item plan proposes an order, and whether it was approved."""

    NO_ORDER = "no_order", "No order"
    PROPOSED = "proposed", "Proposed"
    APPROVED = "approved", "Approved"


ABC_CLASSES = (("A", "A"), ("B", "B"), ("C", "C"))
XYZ_CLASSES = (("X", "X"), ("Y", "Y"), ("Z", "Z"))
BUCKETS = {"day": 1, "week": 7}
