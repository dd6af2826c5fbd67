"""Analyse an event log file (XES, OCEL 2.0 or CSV) without importing it."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from keel.analytics.process_mining import (
    EventFileError,
    mining_summary,
    read_event_file,
)


class Command(BaseCommand):
    help = (
        "Mine FILE (.xes, .xes.gz, .csv, .jsonocel/.json or .sqlite OCEL 2.0): directly-follows "
        "graph with frequencies and times, start and end activities, variants, case durations."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The event log file; its extension chooses the format")
        parser.add_argument("--case-notion", metavar="TYPE",
                            help="OCEL 2.0 only: the object type whose objects are the cases")
        parser.add_argument("--case-column", default="case_id", help="CSV: the case id column")
        parser.add_argument("--activity-column", default="activity", help="CSV: the activity column")
        parser.add_argument("--timestamp-column", default="timestamp",
                            help="CSV: the timestamp column (ISO 8601; no offset means UTC)")
        parser.add_argument("--json", action="store_true", help="Print one JSON object")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            log = read_event_file(
                options["file"],
                case_notion=options["case_notion"],
                case=options["case_column"],
                activity=options["activity_column"],
                timestamp=options["timestamp_column"],
            )
        except EventFileError as error:
            raise CommandError(str(error)) from None
        summary = mining_summary(log)
        if options["json"]:
            self.stdout.write(json.dumps(summary, ensure_ascii=False, allow_nan=False))
            return
        self.stdout.write(self.text(log.event_count, summary))

    @staticmethod
    def text(events: int, summary: dict[str, Any]) -> str:
        cases = len(summary["case_durations"])
        lines = [f"{events} events in {cases} cases, {len(summary['variants'])} variants", "",
                 "Most frequent paths:"]
        lines += [f"  {arc['frequency']:>8}  {arc['source']} -> {arc['target']}"
                  for arc in summary["dfg"][:10]]
        lines += ["", "Most frequent variants:"]
        lines += [f"  {variant['count']:>8}  {' > '.join(variant['activities'])}"
                  for variant in summary["variants"][:5]]
        return "\n".join(lines)
