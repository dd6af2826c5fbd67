"""``keel inventory-policy``: the policy of every item of a file, one row per item.

    keel inventory-policy items.csv --output policies.csv
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from keel.core.errors import ValidationFailed
from keel.planning.batch import inventory_policy_file
from keel.planning.management.commands.keel_forecast import problem_message, write_table


class Command(BaseCommand):
    help = "Compute reorder points, order quantities and order-up-to levels per item (see docs/planning.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("input", type=Path, help="Items: CSV or XLSX with a model column and its parameters")
        parser.add_argument("--output", type=Path, required=True, help="Policy CSV to write")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            table = inventory_policy_file(path=options["input"])
        except ValidationFailed as failure:
            raise CommandError(problem_message(failure)) from None
        write_table(options["output"], table)
        self.stdout.write(f"Wrote the policies of {len(table.rows)} items to {options['output']}.")
