"""``keel forecast``: forecasts for every series of a long-format history file.

    keel forecast history.csv --horizon 13 [--season-length 52] [--method auto|NAME]
                  [--level 80 --level 95] --output forecast.csv [--accuracy accuracy.csv]
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from keel.core.errors import ValidationFailed
from keel.planning.batch import Table, forecast_file


def write_table(path: Path, table: Table) -> None:
    """Write a result as UTF-8 CSV."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(table.header)
        writer.writerows(table.rows)


def problem_message(failure: ValidationFailed) -> str:
    """The failure and every problem, one line each, by row and column."""
    lines = [failure.detail]
    for problem in failure.problems:
        where = f"row {problem.row}, " if problem.row is not None else ""
        lines.append(f"  {where}column {problem.field}: {problem.message}")
    return "\n".join(lines)


class Command(BaseCommand):
    help = "Forecast each series of a series_id,period,quantity file (see docs/planning.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("input", type=Path, help="History: CSV or XLSX with series_id, period, quantity")
        parser.add_argument("--horizon", type=int, required=True, help="Periods to forecast")
        parser.add_argument("--season-length", type=int, dest="season_length",
                            help="Periods in a season (7 for daily data with a weekly cycle, 52 for weekly data)")
        parser.add_argument("--method", default="auto",
                            help="auto (choose per series by backtest) or one method: naive, seasonal_naive, "
                                 "moving_average, ses, holt, damped, holt_winters, croston, sba, tsb")
        parser.add_argument("--level", type=float, action="append", dest="levels",
                            help="Prediction interval level in percent (repeat; default 80 and 95)")
        parser.add_argument("--output", type=Path, required=True, help="Forecast CSV to write")
        parser.add_argument("--accuracy", type=Path, help="Also write each series' method and backtest accuracy")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            forecasts, accuracy = forecast_file(path=options["input"], horizon=options["horizon"],
                                                season_length=options["season_length"], method=options["method"],
                                                levels=options["levels"] or (80.0, 95.0))
        except ValidationFailed as failure:
            raise CommandError(problem_message(failure)) from None
        write_table(options["output"], forecasts)
        if options["accuracy"]:
            write_table(options["accuracy"], accuracy)
        count = len(accuracy.rows)
        self.stdout.write(f"Forecast {count} series for {options['horizon']} periods into {options['output']}.")
