"""Delete finished background import jobs older than a number of days."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from keel.core.errors import ValidationFailed
from keel.core.system import system_actor
from keel.supply_chain.imports import purge_import_jobs


class Command(BaseCommand):
    help = "Delete finished import jobs (and files they left) that finished more than N days ago."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--older-than-days", type=int, default=30,
                            help="Keep jobs that finished within this many days (default 30, at least 1)")

    def handle(self, *args: Any, **options: Any) -> None:
        days = options["older_than_days"]
        try:
            deleted = purge_import_jobs(actor=system_actor(), older_than_days=days)
        except ValidationFailed as failure:
            raise CommandError(f"{failure.detail} " + "; ".join(f"--older-than-days: {problem.message}"
                                                                for problem in failure.problems)) from None
        self.stdout.write(f"Deleted {deleted} import job{'s' if deleted != 1 else ''} finished more than {days} "
                          f"day{'s' if days != 1 else ''} ago.")
