"""Fixtures of the process screens' tests: a simulated company shared by a test module."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from django.core.cache import cache
from django.db import transaction

from keel.simulation.runner import simulate
from keel.simulation.scenario import Scenario

START = date(2026, 3, 2)  # a Monday
# The default scenario (every planted problem), as small as still gives stable signatures.
SCENARIO = {"days": 21, "orders_per_day": 20}


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    # Tests roll back, so event ids (and with them the cache key) repeat between tests.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(scope="module")
def company(django_db_setup: Any, django_db_blocker: Any) -> Iterator[Scenario]:
    """The default scenario simulated once per module, rolled back at the end."""
    scenario = Scenario.load(**SCENARIO)
    with django_db_blocker.unblock(), transaction.atomic():
        simulate(scenario, start=START)
        yield scenario
        transaction.set_rollback(True)
