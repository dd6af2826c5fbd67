"""Idempotency keys for non-idempotent requests: a repeat returns the first answer.

The record is inserted in the same transaction as the work. Two identical requests at
once race on the record's unique key: on PostgreSQL the second insert waits for the
first transaction and then fails; on SQLite the second transaction waits for the write
lock. Either way the loser reads the winner's stored answer, so the work happens once.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction

from keel.core.errors import Conflict
from keel.core.models import IdempotencyRecord


@dataclass(frozen=True, slots=True)
class Answer:
    status_code: int
    body: dict[str, Any]
    replayed: bool = False


def request_digest(payload: object) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replay(record: IdempotencyRecord, digest: str) -> Answer:
    if record.request_digest != digest:
        raise Conflict(f"Idempotency key {record.key!r} was already used for a different request.")
    if record.status_code is None or record.response is None:
        raise Conflict(f"The request with idempotency key {record.key!r} is still being processed.")
    return Answer(status_code=record.status_code, body=dict(record.response), replayed=True)


def run_once(
    *, caller: str, operation: str, key: str | None, payload: object,
    work: Callable[[], tuple[int, dict[str, Any]]],
) -> Answer:
    """Run ``work`` once per (caller, operation, key); without a key, just run it."""
    if not key:
        status_code, body = work()
        return Answer(status_code=status_code, body=body)
    if len(key) > 200:
        raise Conflict("The Idempotency-Key is longer than 200 characters.")
    digest = request_digest(payload)
    existing = IdempotencyRecord.objects.filter(caller=caller, operation=operation, key=key).first()
    if existing is not None:
        return _replay(existing, digest)
    try:
        with transaction.atomic():
            record = IdempotencyRecord.objects.create(
                caller=caller, operation=operation, key=key, request_digest=digest
            )
            status_code, body = work()
            record.status_code = status_code
            record.response = json.loads(json.dumps(body, default=str))
            record.save(update_fields=["status_code", "response"])
    except IntegrityError:
        winner = IdempotencyRecord.objects.filter(caller=caller, operation=operation, key=key).first()
        if winner is None:
            raise
        return _replay(winner, digest)
    return Answer(status_code=status_code, body=body)
