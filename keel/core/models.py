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
