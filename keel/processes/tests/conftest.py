"""Fixtures of the process area's tests: a simulated company shared by a test module (the
process screens), a small simulated company per test, people with process-area titles,
and a private directory for imported logs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.db import transaction

from keel.organization.models import Person, Site
from keel.simulation.runner import simulate
from keel.simulation.scenario import Scenario

START = date(2026, 3, 2)  # a Monday
# The default scenario (every planted problem), as small as still gives stable signatures.
SCENARIO = {"days": 21, "orders_per_day": 20}


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """Analyses are cached by the log's high-water mark, and the event log caches the
    event and object types it saw committed: ids repeat after a test's rollback (and
    some tests run on-commit hooks inside the test's transaction)."""
    from keel.events.services import forget_committed_types

    cache.clear()
    forget_committed_types()
    yield
    cache.clear()
    forget_committed_types()


@pytest.fixture(scope="module")
def company(django_db_setup: Any, django_db_blocker: Any) -> Iterator[Scenario]:
    """The default scenario simulated once per module, rolled back at the end."""
    scenario = Scenario.load(**SCENARIO)
    with django_db_blocker.unblock(), transaction.atomic():
        simulate(scenario, start=START)
        yield scenario
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def log_dir(settings: Any, tmp_path: Path) -> Path:
    settings.KEEL_PROCESS_LOG_DIR = str(tmp_path / "process-logs")
    return tmp_path / "process-logs"


@pytest.fixture
def improver(make_person: Callable[..., Person]) -> Person:
    """Company-wide, manages the process area (models, initiatives, imports)."""
    return make_person("director-of-continuous-improvement")


@pytest.fixture
def viewer(make_person: Callable[..., Person], site_dublin: Site) -> Person:
    """Views the process area at one site (Dublin) only."""
    return make_person("fulfillment-manager", site=site_dublin)


@pytest.fixture
def simulated(db: Any) -> Any:
    """A small company from the default scenario (its planted problems included), in
    the test's own transaction."""
    return simulate(Scenario.load(days=7, orders_per_day=10), start=START)
