"""Import an OCEL 2.0 log file into the event log, all or nothing, with a per-row report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from keel.core.context import RequestMeta, request_meta
from keel.core.errors import ValidationFailed
from keel.events import ocel, services


class Command(BaseCommand):
    help = "Import FILE (OCEL 2.0 .jsonocel/.json or .sqlite) into the event log."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--source", default="import", help="Name of the system the log came from")
        parser.add_argument("--background", action="store_true", help="Queue it as a background task")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.exists():
            raise CommandError(f"No such file: {path}")
        if options["background"]:
            from keel.events.tasks import import_log_task

            result = import_log_task.enqueue(path=str(path.resolve()), actor_id=None, filename=path.name)
            self.stdout.write(f"Queued import of {path.name} as task {result.id} ({result.status})")
            return
        try:
            log = ocel.read_log(path)
        except ocel.OcelFormatError as error:
            lines = [f"  {location}: {message}" for location, message in error.problems[:50]]
            more = len(error.problems) - 50
            if more > 0:
                lines.append(f"  ... and {more} more")
            raise CommandError(f"{path} is not a valid OCEL 2.0 log; nothing was imported:\n" + "\n".join(lines)) from error
        try:
            with request_meta(RequestMeta(channel="cli")):
                summary = services.import_log(actor=None, log=log, source=options["source"], filename=path.name)
        except ValidationFailed as error:
            lines = [
                f"  row {p.row}: {p.field}: {p.message}" if p.row is not None else f"  {p.field}: {p.message}"
                for p in error.problems[:50]
            ]
            raise CommandError(f"{error.detail}\n" + "\n".join(lines)) from error
        self.stdout.write(
            f"Imported {summary.event_count} events, {summary.object_count} new objects, "
            f"{summary.link_count} event-object links and {summary.relation_count} object relations "
            f"from {path.name}"
        )
