"""Kernel models: records that serve every app and name no domain."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class IdempotencyRecord(models.Model):
    """The first answer to a non-idempotent request, kept under its Idempotency-Key.

    A repeat of the same request (same caller, operation, key and body) gets this answer
    back and creates nothing; the same key with another body is refused.
    """

    caller = models.CharField(max_length=80, help_text="Whose key: person or token id")
    operation = models.CharField(max_length=120)
    key = models.CharField(max_length=200)
    request_digest = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True)
    response = models.JSONField(null=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["caller", "operation", "key"], name="idempotency_unique_key")
        ]

    def __str__(self) -> str:
        return f"{self.operation} {self.key}"


class ImportJob(models.Model):
    """A file import run in the background, with its progress and final report.

    ``kind`` names the importer (e.g. ``items``); ``report`` holds the outcome: counts when
    it succeeded, the problems (row, field, message) when it failed. A running job first
    checks every row (``processed_rows``), then writes them in one transaction
    (``written_rows``); ``phase`` says which.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    class Phase(models.TextChoices):
        CHECKING = "checking", "Checking"
        WRITING = "writing", "Writing"

    kind = models.CharField(max_length=40)
    filename = models.CharField(max_length=255)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0, help_text="Rows checked")
    phase = models.CharField(max_length=10, choices=Phase.choices, blank=True, default="")
    written_rows = models.PositiveIntegerField(default=0, help_text="Rows written so far (in the open transaction)")
    report = models.JSONField(default=dict, blank=True)
    created_by_id = models.BigIntegerField(null=True, blank=True, help_text="The person who started it")
    token_id = models.BigIntegerField(
        null=True, blank=True,
        help_text="The API token it was queued through: the job runs with that token's narrowed actions",
    )
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} import {self.filename} ({self.status})"

    @property
    def finished(self) -> bool:
        return self.status in {self.Status.SUCCEEDED, self.Status.FAILED}
