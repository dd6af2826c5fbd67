"""The process screens on an existing database (the demo company): server time per page,
cold (empty analysis cache) and warm, with the queries each page takes.

Usage (after `keel demo --no-serve` into that database):
    KEEL_DATABASE_URL=sqlite:///var/demo.sqlite3 .venv/bin/python bench/process_screens.py
    KEEL_BENCH_TITLE=process-improvement-manager ...   # a site-scoped person instead of the COO

Requests go through Django's test client in this process (server time only: no network,
no browser). "first" is the very first request of the process (imports, template
compilation, the log load); "cold" clears the analysis cache before each request (the
event log is read and every analysis recomputed); "warm" reuses the cache. Prints a
Markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

PAGES = [
    ("process map (frequency)", "/processes/order-fulfillment/"),
    ("process map (performance, 80% of paths)", "/processes/order-fulfillment/?measure=performance&coverage=80"),
    ("process map, Dublin, Mondays", "/processes/order-fulfillment/?site=dub&weekday=monday"),
    ("variants", "/processes/order-fulfillment/variants/"),
    ("bottlenecks, rework, throughput", "/processes/order-fulfillment/bottlenecks/"),
    ("comparison", "/processes/order-fulfillment/compare/"),
    ("purchasing map", "/processes/purchasing/"),
]


def main() -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from keel.events.models import Event, EventObjectLink
    from keel.organization.models import Person

    settings.ALLOWED_HOSTS = ["*"]
    title = os.environ.get("KEEL_BENCH_TITLE", "chief-operating-officer")
    person = Person.objects.filter(title__slug=title).order_by("pk").first()
    if person is None:
        sys.exit(f"nobody titled {title} in this database: run `keel demo --no-serve` first")
    client = Client()
    client.force_login(person)
    orders = EventObjectLink.objects.filter(object__object_type__name="sales_order")
    print(f"Data: {Event.objects.count():,} events; order fulfillment: {orders.count():,} event-order links, "
          f"{orders.values('object_id').distinct().count():,} sales orders. Signed in as {person.title}.")
    print(f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{connection.vendor}, load average {os.getloadavg()[0]:.1f}\n")

    def timed(path: str) -> tuple[float, int]:
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(path)
            elapsed = time.perf_counter() - started
        assert response.status_code == 200, (path, response.status_code)
        return elapsed * 1000, len(queries.captured_queries)

    first, first_queries = timed(PAGES[0][1])
    print("| page | first request of the process | cold: median (max) of 5 | warm: median (p95) of 20 | queries cold / warm |")
    print("|---|---|---|---|---|")
    for index, (label, path) in enumerate(PAGES):
        cold = []
        for _ in range(5):
            cache.clear()
            elapsed, cold_queries = timed(path)
            cold.append(elapsed)
        warm = []
        for _ in range(20):
            elapsed, warm_queries = timed(path)
            warm.append(elapsed)
        warm.sort()
        head = f"{first:.0f} ms ({first_queries} queries)" if index == 0 else ""
        print(f"| {label} | {head} | {statistics.median(cold):.0f} ms ({max(cold):.0f}) | "
              f"{statistics.median(warm):.0f} ms ({warm[int(len(warm) * 0.95) - 1]:.0f}) | {cold_queries} / {warm_queries} |")


if __name__ == "__main__":
    main()
