"""Dashboard presets present in every test, as the data migration ships them.

Transactional tests flush every table when they end (and the root conftest reloads only
the job titles), so the shipped presets are loaded again with the migration's own loader.
"""

from __future__ import annotations

import importlib

import pytest


@pytest.fixture(autouse=True)
def shipped_presets(request: pytest.FixtureRequest, job_title_catalogue: None) -> None:
    uses_database = request.node.get_closest_marker("django_db") is not None or any(
        name in request.fixturenames for name in ("db", "transactional_db", "live_server")
    )
    if not uses_database:
        return
    from django.apps import apps

    from keel.dashboards.models import DashboardPreset

    if not DashboardPreset.objects.exists():
        importlib.import_module("keel.dashboards.migrations.0002_shipped_presets").load(apps, None)
