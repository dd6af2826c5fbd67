"""``keel kpis snapshot``: store the closed periods of every KPI not stored yet."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from keel.kpis import services


class Command(BaseCommand):
    help = "KPI history: 'snapshot' stores each KPI's closed periods not stored yet (company and each site)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["snapshot"])
        parser.add_argument("--kpi", action="append", dest="keys", help="Only this KPI (repeatable)")
        parser.add_argument("--periods", type=int, default=None,
                            help="At most this many closed periods per KPI (default: its trend length)")

    def handle(self, *args: Any, **options: Any) -> None:
        result = services.snapshot(actor=None, keys=options["keys"], periods=options["periods"])
        self.stdout.write(f"Stored {result.stored} KPI snapshots over {result.scopes} scopes "
                          f"(event log mark {result.mark}).")
