"""The simulator's bulk path at benchmark size (issue 4).

Usage (the database must be empty; a SQLite file is recreated):
    KEEL_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/keel_bulk .venv/bin/python bench/simulation.py
    KEEL_DATABASE_URL=sqlite:///$PWD/var/bench-sim.sqlite3 .venv/bin/python bench/simulation.py
Sizes: KEEL_BENCH_SIM_EVENTS (10000000, about 11.1 events per order) and KEEL_BENCH_SIM_ORDERS
(1000000): the orders a day are set so that both are reached; KEEL_BENCH_SIM_DAYS (365).

Runs ``simulate(..., bulk=True)`` on the default scenario, reports the time, events per
second, CPU time and peak memory (ru_maxrss) of this process and of the bulk sink's writer
process, the load average before and after (the machine may be shared), the rows written,
then times ``check_ledger``.
"""

from __future__ import annotations

import math
import os
import platform
import resource
import sys
import threading
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
os.environ.setdefault("KEEL_DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench-sim.sqlite3'}")

EVENTS = int(os.environ.get("KEEL_BENCH_SIM_EVENTS", "10000000"))
ORDERS = int(os.environ.get("KEEL_BENCH_SIM_ORDERS", "1000000"))
DAYS = int(os.environ.get("KEEL_BENCH_SIM_DAYS", "365"))
# Measured on the default scenario at 365 days (9,519,708 events, 857,156 orders at 2,209 a day):
EVENTS_PER_ORDER = 11.1  # order, fulfilment, ledger, shifts, marketing
ORDERS_PER_NOMINAL = 1.05  # 1.063 measured (trend, seasons, promotions against orders_per_day x days), less for a margin


def postgres_cpu() -> dict[int, float]:
    """CPU seconds used so far by each PostgreSQL process on this machine, from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    seconds = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        if text[text.index("(") + 1:text.rindex(")")] == "postgres":
            fields = text[text.rindex(")") + 2:].split()
            seconds[int(stat.parent.name)] = (int(fields[11]) + int(fields[12])) / ticks  # utime + stime
    return seconds


class ServerCpu(threading.Thread):
    """Samples the PostgreSQL processes' CPU every second while the run lasts, so that the
    writer's backend, which ends with the run, is counted (to within its last second)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.before = postgres_cpu()
        self.latest: dict[int, float] = {}
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(1.0):
            self.latest.update(postgres_cpu())

    def stop(self) -> float:
        self.done.set()
        self.join()
        self.latest.update(postgres_cpu())
        return sum(seconds - self.before.get(pid, 0.0) for pid, seconds in self.latest.items())


def main() -> None:
    url = os.environ["KEEL_DATABASE_URL"]
    if url.startswith("sqlite:///"):
        for suffix in ("", "-wal", "-shm"):
            Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from keel.simulation.runner import simulate
    from keel.simulation.scenario import Scenario
    from keel.supply_chain.services import check_ledger

    call_command("migrate", verbosity=0)
    orders = max(ORDERS, EVENTS / EVENTS_PER_ORDER)
    orders_per_day = max(1, math.ceil(orders / ORDERS_PER_NOMINAL / DAYS / 10) * 10)
    scenario = Scenario.load(None, days=DAYS, orders_per_day=orders_per_day, seed=7, start="2025-06-01")
    print(f"database: {connection.vendor}; {DAYS} days x {orders_per_day} orders a day "
          f"(targets {EVENTS:,} events, {ORDERS:,} orders)")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    load_before = os.getloadavg()
    server = ServerCpu() if connection.vendor == "postgresql" and Path("/proc").is_dir() else None
    if server is not None:
        server.start()
    day_began = [time.perf_counter()]

    def progress(day: int, world: object) -> None:
        if day % 30 == 0:
            now = time.perf_counter()
            print(f"  day {day}: {now - day_began[0]:.1f} s for the last 30 days", flush=True)
            day_began[0] = now

    outcome = simulate(scenario, bulk=True, start=date(2025, 6, 1), progress=progress)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    writer = resource.getrusage(resource.RUSAGE_CHILDREN)  # the writer process, ended by now
    load_after = os.getloadavg()
    server_seconds = server.stop() if server is not None else None
    peak_mib = usage.ru_maxrss / 1024
    counts = {}
    with connection.cursor() as cursor:
        for label, table in (("orders", "orders_salesorder"), ("order lines", "orders_salesorderline"),
                             ("events", "events_event"), ("E2O links", "events_eventobjectlink"),
                             ("objects", "events_eventobject"), ("O2O relations", "events_objectrelation"),
                             ("ledger movements", "supply_chain_stockmovement"), ("customers", "orders_customer")):
            cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608 (fixed names)
            counts[label] = cursor.fetchone()[0]
    events = counts["events"]
    print(f"simulate(bulk=True): {outcome.seconds:.1f} s, {events / outcome.seconds:,.0f} events/s")
    print(f"  this process: {usage.ru_utime + usage.ru_stime:.1f} s of CPU, peak memory {peak_mib:,.0f} MiB")
    sink = outcome.world.sink
    print(f"  handing batches over: {getattr(sink, 'flush_seconds', 0.0):.1f} s, of which waiting for the writer "
          f"process: {getattr(sink, 'writer_waited', 0.0):.1f} s")
    print(f"  building the deferred indexes at the end: {getattr(sink, 'index_seconds', 0.0):.1f} s")
    print(f"  planner statistics (ANALYZE, PostgreSQL) at the end: {getattr(sink, 'analyze_seconds', 0.0):.1f} s")
    table_seconds = sorted(getattr(sink, "writer_table_seconds", {}).items(), key=lambda pair: -pair[1])
    print("  writer's seconds per table: " + ", ".join(f"{table} {seconds:.1f}" for table, seconds in table_seconds))
    print(f"  writer process: {writer.ru_utime + writer.ru_stime:.1f} s of CPU, peak memory "
          f"{writer.ru_maxrss / 1024:,.0f} MiB")
    if server_seconds is not None:
        print(f"  PostgreSQL server processes: {server_seconds:.1f} s of CPU (sampled every second)")
    print("  load average (1, 5, 15 min) before: {:.2f} {:.2f} {:.2f}; after: {:.2f} {:.2f} {:.2f} "
          "(the machine may be shared: compare CPU and wall time)".format(*load_before, *load_after))
    for label, count in counts.items():
        print(f"  {label:<18} {count:>12,}")
    began = time.perf_counter()
    problems = check_ledger()
    print(f"check_ledger: {time.perf_counter() - began:.2f} s, {len(problems)} problems")


if __name__ == "__main__":
    main()
