"""The ``keel`` command: a thin front for Keel's management commands.

Every command honours KEEL_DATABASE_URL (and the other KEEL_* settings).
"""

from __future__ import annotations

import os
import sys

COMMANDS: dict[str, tuple[str, str]] = {
    "demo": ("keel_demo", "Set up the embedded database, load the demo company, print logins, serve"),
    "serve": ("keel_serve", "Serve the web UI and API"),
    "migrate": ("migrate", "Create or upgrade the database schema"),
    "worker": ("keel_worker", "Run background tasks from the persistent queue"),
    "createuser": ("keel_createuser", "Add a person with a job title and print a password"),
    "export-ocel": ("export_ocel", "Export the event log as OCEL 2.0 (JSON or SQLite)"),
    "import-events": ("import_events", "Import an OCEL 2.0 log (JSON or SQLite), all or nothing"),
    "simulate": ("keel_simulate", "Simulate a company's operations from a scenario (the demo company by default)"),
    "mine": ("mine", "Analyse an XES, OCEL 2.0 or CSV event log file without importing it"),
    "kpis": ("kpis", "KPI history: 'keel kpis snapshot' stores each KPI's closed periods not stored yet"),
    "check-ledger": ("check_ledger", "Check that cached stock balances equal the stock ledger"),
    "forecast": ("keel_forecast", "Forecast each series of a history file (CSV/XLSX) into a CSV"),
    "inventory-policy": ("inventory_policy", "Compute inventory policies for the items of a file into a CSV"),
    "plan": ("keel_plan", "Run planning now: forecasts, policies and replenishment proposals for every item"),
    "alerts": ("keel_alerts", "KPI alerts: 'keel alerts evaluate' raises alerts for threshold crossings"),
    "purge-import-jobs": ("purge_import_jobs", "Delete finished import jobs older than --older-than-days (30)"),
    "collectstatic": ("collectstatic", "Build the static files for production (keel serve does it too)"),
    "setpassword": ("keel_setpassword", "Give a person a new random password and print it once"),
}


def usage() -> str:
    lines = ["usage: keel COMMAND [options]", "", "Commands:"]
    width = max(len(name) for name in COMMANDS)
    lines += [f"  {name:<{width}} {summary}" for name, (_, summary) in COMMANDS.items()]
    lines += ["", "Run 'keel COMMAND --help' for a command's options."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help", "help"}:
        print(usage())
        return 0
    name, rest = args[0], args[1:]
    if name not in COMMANDS:
        print(f"keel: unknown command {name!r}\n\n{usage()}", file=sys.stderr)
        return 2
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    import django
    from django.core.management import execute_from_command_line

    django.setup()
    execute_from_command_line([f"keel {name}", COMMANDS[name][0], *rest])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
