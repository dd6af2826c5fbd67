"""Prove that every cached stock balance and stock summary equals the sum of the ledger."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from keel.supply_chain.models import StockBalance, StockMovement
from keel.supply_chain.services import check_ledger


class Command(BaseCommand):
    help = "Check that cached stock balances and summaries equal the stock ledger and obey the stock rules."

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        problems = check_ledger()
        seconds = time.perf_counter() - started
        movements, balances = StockMovement.objects.count(), StockBalance.objects.count()
        if problems:
            for problem in problems[:100]:
                self.stderr.write(f"item {problem.item_id} at {problem.place}: {problem.problem}")
            summaries = sum(1 for problem in problems if problem.is_summary)
            message = f"{len(problems) - summaries} balance(s) disagree with the ledger."
            if summaries:
                message = (f"{len(problems) - summaries} balance(s) and {summaries} stock summary row(s) "
                           "disagree with the ledger.")
            raise CommandError(message)
        self.stdout.write(
            f"The ledger holds: {movements} movements, {balances} balances, all consistent ({seconds:.2f} s)."
        )
