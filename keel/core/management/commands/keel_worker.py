"""Run background tasks from the persistent (database-backed) queue."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Run queued background tasks (production mode: KEEL_TASKS=database)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", action="store_true", help="Run what is queued, then exit")
        parser.add_argument("--max-tasks", type=int, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        backend = settings.TASKS["default"]["BACKEND"]
        if not backend.startswith("django_tasks_db"):
            raise CommandError(
                "Tasks run in-process in embedded mode; set KEEL_TASKS=database to use a worker."
            )
        worker_options: dict[str, Any] = {"no_startup_delay": True}
        if options["batch"]:
            worker_options["batch"] = True
        if options["max_tasks"]:
            worker_options["max_tasks"] = options["max_tasks"]
        call_command("db_worker", **worker_options)
