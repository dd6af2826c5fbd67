"""Records of the process area: intended process models (versioned), improvement
initiatives and event logs imported from other systems.

The event log itself lives in ``keel.events``; analyses are computed on the fly by the
pure engine (``keel.analytics.process_mining``) and never stored here.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from keel.core.scoping import RestrictedManager
from keel.processes.choices import (
    ImportFormat,
    ImportStatus,
    InitiativeStatus,
    Measure,
    ProcessKind,
)


class ImportedLog(models.Model):
    """An event log imported from another system, stored as a Parquet file.

    The file (``storage_name`` under ``settings.KEEL_PROCESS_LOG_DIR``) holds one row per
    event with ``case_id``, ``activity``, ``timestamp`` and the other attributes; it is
    written whole or not at all. While the import runs, ``processed``/``total`` tell its
    progress (bytes read, then events checked); ``report`` holds the problems of a failed
    import (row or place, field, message) or the counts of a finished one.
    """

    name = models.CharField(max_length=200)
    filename = models.CharField(max_length=255)
    file_format = models.CharField(max_length=10, choices=ImportFormat.choices)
    case_notion = models.CharField(max_length=200, blank=True, help_text="OCEL object type used as the case")
    mapping = models.JSONField(default=dict, blank=True, help_text="CSV column mapping: case, activity, timestamp, resource")
    status = models.CharField(max_length=10, choices=ImportStatus.choices, default=ImportStatus.QUEUED)
    phase = models.CharField(max_length=40, blank=True, default="")
    processed = models.PositiveBigIntegerField(default=0)
    total = models.PositiveBigIntegerField(default=0)
    event_count = models.PositiveIntegerField(default=0)
    case_count = models.PositiveIntegerField(default=0)
    activity_count = models.PositiveIntegerField(default=0)
    first_event_at = models.DateTimeField(null=True, blank=True)
    last_event_at = models.DateTimeField(null=True, blank=True)
    storage_name = models.CharField(max_length=120, blank=True, default="")
    report = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = RestrictedManager()
    scope_global = True  # company data: everyone holding the view action sees it

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.filename})"

    @property
    def is_finished(self) -> bool:
        return self.status in {ImportStatus.SUCCEEDED, ImportStatus.FAILED}

    @property
    def is_ready(self) -> bool:
        return self.status == ImportStatus.SUCCEEDED

    @property
    def percent(self) -> int:
        if self.status == ImportStatus.SUCCEEDED:
            return 100
        return int(100 * self.processed / self.total) if self.total else 0


class ProcessModel(models.Model):
    """The intended process of one process (sales orders, purchase orders or an imported
    log): a name and its versions; ``current`` is the version conformance checks against.

    Each edit adds a :class:`ProcessModelVersion`; old versions stay readable.
    """

    name = models.CharField(max_length=200, unique=True)
    process = models.CharField(max_length=20, choices=ProcessKind.choices)
    imported_log = models.ForeignKey(ImportedLog, on_delete=models.CASCADE, null=True, blank=True,
                                     related_name="process_models")
    description = models.TextField(blank=True, default="")
    current = models.ForeignKey("ProcessModelVersion", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = RestrictedManager()
    scope_global = True

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(process="imported", imported_log__isnull=False)
                | (~models.Q(process="imported") & models.Q(imported_log__isnull=True)),
                name="process_model_imported_log_iff_imported",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ProcessModelVersion(models.Model):
    """One version of an intended process: an ordered list of steps.

    ``steps`` is a list of ``{"activity", "optional", "repeat", "parallel"}``: a step may
    be left out (optional), done more than once in a row (repeat), or run in parallel with
    the step before it (parallel). ``selectors.petri_net`` turns it into a Petri net.
    """

    model = models.ForeignKey(ProcessModel, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    steps = models.JSONField(default=list)
    source = models.CharField(max_length=200, blank=True, default="", help_text="Drawn, or derived from what")
    note = models.CharField(max_length=300, blank=True, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["model", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["model", "number"], name="process_model_version_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.model.name} v{self.number}"


class Initiative(models.Model):
    """An improvement initiative: a process measure, its baseline, a target and the date
    the change took effect; the before/after is computed from the data.

    The baseline (value and period) is recorded from the data when the initiative is
    created and never recomputed, so later changes to the log do not move the goalposts.
    """

    name = models.CharField(max_length=200)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    process = models.CharField(max_length=20, choices=ProcessKind.choices)
    imported_log = models.ForeignKey(ImportedLog, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="initiatives")
    process_model = models.ForeignKey(ProcessModel, on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="initiatives", help_text="For the conformance measure")
    measure = models.CharField(max_length=30, choices=Measure.choices)
    activity = models.CharField(max_length=200, blank=True, default="",
                                help_text="For the waiting time before an activity and the rework of one")
    baseline_value = models.FloatField(null=True, blank=True)
    baseline_from = models.DateField()
    baseline_to = models.DateField()
    target_value = models.FloatField()
    change_on = models.DateField()
    status = models.CharField(max_length=12, choices=InitiativeStatus.choices, default=InitiativeStatus.PLANNED)
    description = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = RestrictedManager()
    scope_global = True

    class Meta:
        ordering = ["-change_on", "name"]
        constraints = [
            models.CheckConstraint(condition=models.Q(baseline_from__lte=models.F("baseline_to")),
                                   name="initiative_baseline_period_ordered"),
        ]

    def __str__(self) -> str:
        return self.name
