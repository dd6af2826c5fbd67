"""Export the whole event log as OCEL 2.0 (JSON for .json/.jsonocel, SQLite for .sqlite)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from keel.core.context import RequestMeta, request_meta
from keel.core.system import system_actor
from keel.events import ocel, selectors, services


class Command(BaseCommand):
    help = "Export the event log to FILE as OCEL 2.0 (.jsonocel/.json or .sqlite)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="Output path; the extension chooses the format")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            ocel.format_for(path)
        except ocel.OcelFormatError as error:
            raise CommandError(str(error)) from error
        actor = system_actor()
        with request_meta(RequestMeta(channel="cli")):
            log = selectors.export_log(actor=actor)
            ocel.write_log(log, path)
            services.record_export(actor=None, filename=str(path), event_count=len(log.events),
                                   object_count=len(log.objects))
        self.stdout.write(
            f"Wrote {len(log.events)} events and {len(log.objects)} objects to {path}"
        )
