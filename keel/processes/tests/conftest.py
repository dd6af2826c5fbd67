"""Fixtures of the process area's tests: people with process-area titles, a simulated
company, and a private directory for imported logs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache

from keel.organization.models import Person, Site

START = date(2026, 3, 2)


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    """Analyses are cached by the log's high-water mark, and the event log caches the
    event and object types it saw committed: ids repeat after a test's rollback (and
    these tests run on-commit hooks inside the test's transaction)."""
    from keel.events.services import forget_committed_types

    cache.clear()
    forget_committed_types()
    yield
    cache.clear()
    forget_committed_types()


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
    """A small company from the default scenario (its planted problems included)."""
    from keel.simulation.runner import simulate
    from keel.simulation.scenario import Scenario

    return simulate(Scenario.load(days=7, orders_per_day=10), start=START)
