"""``keel plan``: run a planning run now, in this process (or queue it for ``keel worker``).

    keel plan [--bucket day|week] [--horizon-days 56] [--history-days 364] [--review-days 7]
              [--ordering-cost 50] [--holding-rate 0.25] [--service-level 0.95] [--schedule] [--enqueue]

A cron line runs it on a schedule, e.g. every morning at 05:30:

    30 5 * * * cd /srv/keel && KEEL_DATABASE_URL=... .venv/bin/keel plan --schedule
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from keel.core.errors import KeelError
from keel.planning import services
from keel.planning.choices import RunStatus, RunTrigger


class Command(BaseCommand):
    help = "Forecast every item at every site, compute policies and replenishment proposals (docs/planning.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bucket", choices=["day", "week"], help="Demand bucket (default day)")
        for name in ("horizon-days", "history-days", "review-days"):
            parser.add_argument(f"--{name}", type=int)
        for name in ("ordering-cost", "holding-rate", "service-level"):
            parser.add_argument(f"--{name}", type=float)
        parser.add_argument("--schedule", action="store_true", help="Record the run as started by a schedule")
        parser.add_argument("--enqueue", action="store_true",
                            help="Queue the run for `keel worker` instead of running it here")

    def handle(self, *args: Any, **options: Any) -> None:
        parameters = {name: options[name] for name in ("bucket", "horizon_days", "history_days", "review_days",
                                                       "ordering_cost", "holding_rate", "service_level")
                      if options.get(name) is not None}
        trigger = RunTrigger.SCHEDULE if options["schedule"] else RunTrigger.COMMAND
        try:
            if options["enqueue"]:
                run = services.start_planning_run(actor=None, trigger=trigger, parameters=parameters)
                self.stdout.write(f"Queued planning run {run.pk}.")
                return
            run = services.run_planning(actor=None, trigger=trigger, parameters=parameters)
        except KeelError as error:
            raise CommandError(error.detail) from None
        if run.status != RunStatus.SUCCEEDED:
            raise CommandError(f"Planning run {run.pk} failed: {run.message}")
        self.stdout.write(f"Planning run {run.pk}: {run.item_count} item plans, {run.proposal_count} proposals, "
                          f"{run.stockout_count} projected stockouts in {run.duration_seconds:.2f} s.")
