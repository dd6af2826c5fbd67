"""Benchmarks of the foundation: event ingest, OCEL 2.0 export and import.

Usage: make bench  (or KEEL_BENCH_EVENTS=100000 make bench); then the replenishment replay
(bench/planning_replay.py).
       python bench/run.py kpis   runs the KPI benchmark (bench/kpis.py) instead
Runs against a fresh database: a SQLite file under var/ unless KEEL_DATABASE_URL is set.
Prints a Markdown table to paste into docs/benchmarks.md.
"""

from __future__ import annotations

import os
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("KEEL_DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench.sqlite3'}")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

EVENTS = int(os.environ.get("KEEL_BENCH_EVENTS", "20000"))
BATCH = 1000


def main() -> None:
    url = os.environ["KEEL_DATABASE_URL"]
    if url.startswith("sqlite:///"):
        for suffix in ("", "-wal", "-shm"):
            Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from keel.core.system import system_actor
    from keel.events import ocel, selectors, services

    start_time = datetime(2026, 1, 1, tzinfo=UTC)
    rows = []

    began = time.perf_counter()
    for batch_number in range(EVENTS // BATCH):
        events = []
        for offset in range(BATCH):
            n = batch_number * BATCH + offset
            order = f"order-{n // 4}"
            events.append({
                "activity": ("Place order", "Pick", "Pack", "Ship")[n % 4],
                "time": (start_time + timedelta(minutes=n)).isoformat(),
                "attributes": {"line_count": n % 7 + 1},
                "objects": [{"id": order, "type": "order", "qualifier": "order"}],
            })
        services.ingest_batch(actor=None, idempotency_key=f"bench-{batch_number}", source="bench", events=events)
    ingest_seconds = time.perf_counter() - began
    rows.append(("ingest API service (batches of 1,000)", EVENTS, ingest_seconds))

    actor = system_actor()
    began = time.perf_counter()
    log = selectors.export_log(actor=actor)
    extract_seconds = time.perf_counter() - began
    rows.append(("export: read the log from the database", len(log.events), extract_seconds))

    directory = Path(tempfile.mkdtemp(prefix="keel-bench-"))
    for suffix in (".jsonocel", ".sqlite"):
        path = directory / f"log{suffix}"
        began = time.perf_counter()
        ocel.write_log(log, path)
        rows.append((f"export: write OCEL 2.0 {suffix}", len(log.events), time.perf_counter() - began))
        began = time.perf_counter()
        read_back = ocel.read_log(path)
        rows.append((f"import: parse OCEL 2.0 {suffix}", len(read_back.events), time.perf_counter() - began))

    from keel.events.models import Event, EventObject

    Event.objects.all().delete()
    EventObject.objects.all().delete()
    began = time.perf_counter()
    services.import_log(actor=None, log=ocel.read_log(directory / "log.jsonocel"), source="bench")
    rows.append(("import: write parsed log into the database", EVENTS, time.perf_counter() - began))

    vendor = "PostgreSQL" if url.startswith("postgres") else "SQLite (WAL)"
    print(f"\nMachine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {vendor}")
    print(f"Data: {EVENTS:,} events on {EVENTS // 4:,} order objects\n")
    print("| step | events | seconds | events/s |")
    print("|---|---:|---:|---:|")
    for name, count, seconds in rows:
        print(f"| {name} | {count:,} | {seconds:.2f} | {count / seconds:,.0f} |")


if __name__ == "__main__":
    if sys.argv[1:] == ["kpis"]:
        import runpy

        runpy.run_path(str(ROOT / "bench" / "kpis.py"), run_name="__main__")
    else:
        main()
        # Issue 6's outcome benchmark: the replenishment replay (no database, the simulator's memory sink).
        from bench.planning_replay import main as planning_replay

        sys.exit(planning_replay())
