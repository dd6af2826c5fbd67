"""Background tasks run on the persistent, database-backed queue through `keel worker`."""

from __future__ import annotations

import contextlib
import io
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from keel.events.models import Event

SAMPLE = Path(__file__).parent / "data" / "ocel20_example.jsonocel"


def reset_task_backends() -> None:
    """Forget the cached backend so that a changed TASKS setting takes effect."""
    from django_tasks import task_backends

    task_backends.__dict__.pop("settings", None)
    with contextlib.suppress(AttributeError):
        del task_backends["default"]


@pytest.fixture
def database_queue(settings: Any) -> Iterator[None]:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    reset_task_backends()
    yield
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    reset_task_backends()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("database_queue")
def test_an_import_queued_on_the_database_backend_runs_in_the_worker(tmp_path: Path) -> None:
    from keel.events.tasks import import_log_task

    # Given the production task backend (a real queue in the database)
    path = tmp_path / "log.jsonocel"
    shutil.copy(SAMPLE, path)
    # When an import is enqueued, nothing happens until a worker runs
    result = import_log_task.enqueue(path=str(path), actor_id=None, filename="log.jsonocel")
    assert Event.objects.count() == 0
    from django_tasks_db.models import DBTaskResult

    assert DBTaskResult.objects.get(id=result.id).status == "READY"
    # Then `keel worker --batch` runs it, and the result holds the import's summary
    call_command("keel_worker", batch=True, stdout=io.StringIO(), stderr=io.StringIO())
    stored = DBTaskResult.objects.get(id=result.id)
    assert stored.status == "SUCCESSFUL"
    assert stored.return_value == {"events": 13, "objects": 9, "event_object_links": 20, "object_relations": 7}
    assert Event.objects.count() == 13


def test_the_worker_explains_that_embedded_mode_runs_tasks_in_process(settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    with pytest.raises(CommandError, match="Tasks run in-process in embedded mode"):
        call_command("keel_worker", batch=True)
