"""Evaluate KPI thresholds and raise alerts for crossings: ``keel alerts evaluate``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from keel.dashboards.services import evaluate_alerts
from keel.kpis import services as kpi_services
from keel.kpis.catalogue import CATALOGUE


class Command(BaseCommand):
    help = ("Compare each KPI's status (green/amber/red) with the last known one, per scope of its owner's "
            "holders, and alert them on a crossing. Idempotent: run it as often as you like (cron, worker).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("step", choices=["evaluate"], help="evaluate: check thresholds now")
        parser.add_argument("--kpi", action="append", default=None, metavar="KEY",
                            help="Only this KPI (repeat for more); default: the whole catalogue")
        parser.add_argument("--snapshot", action="store_true",
                            help="First store the KPI history snapshots (keel kpis snapshot), then evaluate")

    def handle(self, *args: Any, **options: Any) -> None:
        keys = options["kpi"]
        unknown = sorted(set(keys or []) - set(CATALOGUE))
        if unknown:
            raise CommandError(f"--kpi: unknown KPI {', '.join(unknown)}")
        if options["snapshot"]:
            stored = kpi_services.snapshot(actor=None, keys=keys)
            self.stdout.write(f"Stored {stored.stored} KPI snapshots over {stored.scopes} scopes.")
        result = evaluate_alerts(keys=keys)
        self.stdout.write(
            f"Checked {result.checked} KPI x scope pair{'s' if result.checked != 1 else ''}: "
            f"{result.crossings} crossing{'s' if result.crossings != 1 else ''}, "
            f"{result.alerts} alert{'s' if result.alerts != 1 else ''} raised."
        )
