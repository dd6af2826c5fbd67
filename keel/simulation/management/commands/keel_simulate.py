"""``keel simulate``: generate a company's operations from a scenario.

    keel simulate --days 180 --orders-per-day 400 --seed 7 [--scenario FILE] [--bulk]

The same seed and scenario give the same company. Through the services by default (every
event, audit record and ledger movement as live use would write them); ``--bulk`` writes
rows in bulk for benchmark sizes.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from keel.core.errors import KeelError
from keel.simulation.runner import simulate
from keel.simulation.scenario import Scenario, ScenarioError
from keel.simulation.signatures import check_signatures
from keel.simulation.sinks.service import SimulationDiverged
from keel.simulation.world import World


class Command(BaseCommand):
    help = "Simulate the operations of a company into the database (see docs/simulation.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scenario", help="A scenario file (TOML); the default demo company without one")
        parser.add_argument("--days", type=int, help="Days to simulate")
        parser.add_argument("--orders-per-day", type=int, dest="orders_per_day", help="Average orders per day")
        parser.add_argument("--seed", type=int, help="Random seed: the same seed gives the same company")
        parser.add_argument("--start", type=date.fromisoformat, help="First day (default: DAYS days before today)")
        parser.add_argument("--bulk", action="store_true", help="Write rows in bulk (benchmark sizes)")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            scenario = Scenario.load(options["scenario"], days=options["days"],
                                     orders_per_day=options["orders_per_day"], seed=options["seed"],
                                     start=options["start"].isoformat() if options["start"] else None)
        except ScenarioError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Simulating {scenario.name}: {scenario.days} days, about {scenario.orders_per_day} orders "
                          f"a day, seed {scenario.seed}{', bulk' if options['bulk'] else ''}.")
        bar = None if options["no_progress"] else tqdm(total=scenario.days, unit="day", file=self.stderr._out,
                                                       desc="Simulating", dynamic_ncols=True)

        def progress(day: int, world: World) -> None:
            if bar is not None:
                bar.update(1)
                bar.set_postfix(orders=world.totals.orders, refresh=False)

        try:
            outcome = simulate(scenario, bulk=options["bulk"], progress=progress)
        except KeelError as error:
            details = "; ".join(f"{problem.field}: {problem.message}" for problem in error.problems)
            raise CommandError(f"{error.detail}{' (' + details + ')' if details else ''}") from None
        except SimulationDiverged as error:
            raise CommandError(f"The simulation stopped: {error}") from None
        finally:
            if bar is not None:
                bar.close()
        world, totals = outcome.world, outcome.world.totals
        self.stdout.write(self.style.SUCCESS(f"Done in {outcome.seconds:.1f} s: {world.start} to the end of day {scenario.days}."))
        rows = [
            ("customers", f"{totals.customers:,}"), ("orders", f"{totals.orders:,} ({totals.order_lines:,} lines)"),
            ("shipped / delivered / lost", f"{totals.shipped:,} / {totals.delivered:,} / {totals.lost:,}"),
            ("orders backordered", f"{totals.backorders:,}"), ("address corrections", f"{totals.reworked:,}"),
            ("purchase orders / receipts", f"{totals.purchase_orders:,} / {totals.receipts:,}"),
            ("shifts worked", f"{totals.shifts:,}"), ("marketing spend", f"{totals.marketing:,.2f}"),
            ("staff", f"{len(world.workers):,}"),
        ]
        for label, value in rows:
            self.stdout.write(f"  {label:<28} {value}")
        if scenario.problems:
            self.stdout.write("Planted problems, as the data shows them:")
            for result in check_signatures(scenario, start=world.start):
                mark = "ok " if result.holds else "NOT"
                self.stdout.write(f"  [{mark}] {result.kind}: {result.summary}")
