"""Domain time: the moment business events happen.

Services ask this module, not ``timezone.now()``, for "now". In live use the two are the
same. The simulator (``keel.simulation``) runs services at simulated moments inside
``simulated(moment)``, so the orders, ledger, events and audit it writes carry the time
the simulated work happened, exactly as live use would have written them then.

Security time (sessions, tokens, login throttling, job bookkeeping) stays on the wall
clock and never reads this module.

>>> from datetime import datetime, timezone as tz
>>> with simulated(datetime(2026, 3, 2, 9, 30, tzinfo=tz.utc)):
...     now().isoformat()
'2026-03-02T09:30:00+00:00'
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime

from django.utils import timezone

_simulated: ContextVar[datetime | None] = ContextVar("keel_simulated_now", default=None)


def now() -> datetime:
    """The current domain time: the simulated moment if one is set, else the wall clock."""
    moment = _simulated.get()
    return moment if moment is not None else timezone.now()


def localdate() -> date:
    """Today's date in the active time zone, by domain time."""
    return timezone.localdate(now())


def is_simulated() -> bool:
    return _simulated.get() is not None


@contextmanager
def simulated(moment: datetime) -> Iterator[datetime]:
    """Run the enclosed services as if it were ``moment`` (an aware datetime)."""
    if timezone.is_naive(moment):
        raise ValueError("simulated() needs an aware datetime")
    token = _simulated.set(moment)
    try:
        yield moment
    finally:
        _simulated.reset(token)
