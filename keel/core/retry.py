"""Retry a whole transaction when the database reports a transient conflict.

PostgreSQL may abort a transaction with a deadlock or serialization failure, and SQLite
may report "database is locked" after its busy timeout; the right answer to both is to
run the transaction again from the start. Only the outermost call may retry: inside an
enclosing transaction the error belongs to the caller.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from django.db import OperationalError, connection

P = ParamSpec("P")
T = TypeVar("T")

TRANSIENT = ("deadlock detected", "could not serialize access", "database is locked", "database table is locked")


def is_transient(error: Exception) -> bool:
    message = str(error).lower()
    cause = getattr(error, "__cause__", None)
    sqlstate = getattr(cause, "sqlstate", None)
    return sqlstate in {"40001", "40P01"} or any(text in message for text in TRANSIENT)


def retry_on_conflict(attempts: int = 5) -> Callable[[Callable[P, T]], Callable[P, T]]:
    def decorator(function: Callable[P, T]) -> Callable[P, T]:
        @wraps(function)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
            if connection.in_atomic_block:
                return function(*args, **kwargs)
            for attempt in range(1, attempts + 1):
                try:
                    return function(*args, **kwargs)
                except OperationalError as error:
                    if attempt == attempts or not is_transient(error):
                        raise
                    time.sleep(random.uniform(0.005, 0.02) * attempt)
            raise AssertionError("unreachable")

        return wrapper

    return decorator
