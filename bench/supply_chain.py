"""Supply chain benchmarks at the issue's sizes (issue 3).

Usage: KEEL_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/keel_bench .venv/bin/python bench/supply_chain.py
Sizes: KEEL_BENCH_ITEMS (100000), KEEL_BENCH_MOVEMENTS (1000000).

The data is written by a bulk path (bulk inserts of movements, of the balances they sum
to and of the stock summary per item), the planner's statistics are refreshed (ANALYZE),
then `check_ledger` proves it consistent; the timed operations go through the real
services and pages.
"""

from __future__ import annotations

import os
import platform
import random
import statistics
import sys
import time
import uuid
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
os.environ.setdefault("KEEL_DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench-supply.sqlite3'}")

ITEMS = int(os.environ.get("KEEL_BENCH_ITEMS", "100000"))
ORDERS = int(os.environ.get("KEEL_BENCH_ORDERS", "200000"))
MOVEMENTS = int(os.environ.get("KEEL_BENCH_MOVEMENTS", "1000000"))


def main() -> None:
    url = os.environ["KEEL_DATABASE_URL"]
    if url.startswith("sqlite:///"):
        for suffix in ("", "-wal", "-shm"):
            Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from keel.organization import services as org
    from keel.organization.models import JobTitle
    from keel.supply_chain import services
    from keel.supply_chain.models import Item, ItemStock, Location, StockBalance, StockMovement

    rows: list[tuple[str, str]] = []
    began = time.perf_counter()
    sites = [
        org.create_site(actor=None, code=code, name=code, kind="warehouse", country="IE", currency="EUR", time_zone="UTC")
        for code in ("dub", "cmh")
    ]
    places = [Location.objects.create(site=site, code=f"B-{n:02d}") for site in sites for n in range(10)]
    Item.objects.bulk_create(
        [Item(sku=f"SKU-{n:06d}", name=f"Item {n}", category=f"Cat {n % 40}", unit="each") for n in range(ITEMS)],
        batch_size=10000,
    )
    item_ids = list(Item.objects.values_list("id", flat=True))
    chooser = random.Random(3)
    sums: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    batch: list[StockMovement] = []
    now = timezone.now()
    posting = uuid.uuid4()
    for n in range(MOVEMENTS):
        item_id = item_ids[n % len(item_ids)] if n < len(item_ids) * 2 else chooser.choice(item_ids)
        place = places[(n // len(item_ids)) % len(places)] if n < len(item_ids) * 2 else chooser.choice(places)
        key = (item_id, place.pk)
        quantity = Decimal(chooser.randint(1, 50)) if sums[key] < 10 or n % 3 else -min(sums[key], Decimal(chooser.randint(1, 9)))
        if quantity == 0:
            quantity = Decimal(5)
        sums[key] += quantity
        batch.append(StockMovement(posting=posting, item_id=item_id, location=place, reason="receipt" if quantity > 0 else "shipment",
                                   quantity=quantity, occurred_at=now, recorded_at=now))
        if len(batch) == 20000:
            StockMovement.objects.bulk_create(batch)
            batch = []
            posting = uuid.uuid4()
    StockMovement.objects.bulk_create(batch)
    StockBalance.objects.bulk_create(
        [StockBalance(item_id=item_id, location_id=place_id, on_hand=value) for (item_id, place_id), value in sums.items()], batch_size=10000
    )
    # The stock summary: per item and site, and company-wide for every item (as post_movements keeps it)
    site_of = {place.pk: place.site_id for place in places}
    summary: dict[tuple[int, int | None], Decimal] = defaultdict(Decimal, {(item_id, None): Decimal(0) for item_id in item_ids})
    for (item_id, place_id), amount in sums.items():
        summary[(item_id, site_of[place_id])] += amount
        summary[(item_id, None)] += amount
    ItemStock.objects.bulk_create(
        [ItemStock(item_id=item_id, site_id=site_id, on_hand=value) for (item_id, site_id), value in summary.items()], batch_size=10000
    )
    rows.append(("load (bulk path)", f"{ITEMS:,} items, {MOVEMENTS:,} movements, {len(sums):,} balances, "
                                     f"{len(summary):,} stock summary rows in {time.perf_counter() - began:.1f} s"))

    analyze(connection)

    began = time.perf_counter()
    problems = services.check_ledger()
    rows.append(("`keel check-ledger` over the whole ledger", f"{time.perf_counter() - began:.2f} s ({len(problems)} problems)"))

    admin = org.create_person(actor=None, email="bench@example.com", full_name="Bench",
                              title=JobTitle.objects.get(slug="chief-operating-officer"), is_superuser=True)
    receipt_items = list(Item.objects.order_by("?")[:500]) if connection.vendor == "postgresql" else list(Item.objects.all()[:500])
    lines = [services.MovementLine(item=item, location=places[n % len(places)], quantity=Decimal(10))
             for n, item in enumerate(receipt_items)]
    timings = []
    for _ in range(5):
        began = time.perf_counter()
        services.post_movements(actor=admin, reason="receipt", lines=lines, reference="bench")
        timings.append(time.perf_counter() - began)
    rows.append(("post a 500-line receipt (service, 5 runs)", f"median {statistics.median(timings):.3f} s, max {max(timings):.3f} s"))

    client = Client()
    client.force_login(admin)
    for name, url_ in (("item list page 1", "/supply-chain/items/"), ("item list sorted by on hand", "/supply-chain/items/?sort=-on_hand_total"),
                       ("item list search", "/supply-chain/items/?q=SKU-0999"), ("item detail", f"/supply-chain/items/{receipt_items[0].sku}/")):
        times = []
        for _ in range(30):
            reset_queries()
            began = time.perf_counter()
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url_)
            times.append(time.perf_counter() - began)
            assert response.status_code == 200, response.status_code
        times.sort()
        p95 = times[int(len(times) * 0.95) - 1]
        rows.append((f"{name} (30 requests)", f"p95 {p95 * 1000:.0f} ms, median {statistics.median(times) * 1000:.0f} ms, {len(queries)} queries"))

    rows.extend(orders_benchmark(client=client, item_ids=item_ids, sites=sites))

    vendor = "PostgreSQL" if connection.vendor == "postgresql" else "SQLite (WAL)"
    print(f"\nMachine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {vendor}\n")
    print("| measure | result |\n|---|---|")
    for name, value in rows:
        print(f"| {name} | {value} |")


def analyze(connection: object) -> None:
    """Refresh the planner's statistics after a bulk load, as autovacuum would in time
    (the benchmark server runs with autovacuum off, so without this every plan is a guess)."""
    if connection.vendor == "postgresql":  # type: ignore[attr-defined]
        with connection.cursor() as cursor:  # type: ignore[attr-defined]
            cursor.execute("ANALYZE")


def orders_benchmark(*, client: object, item_ids: list[int], sites: list[object]) -> list[tuple[str, str]]:
    """200k sales orders (one line each, mostly closed) and the pages people open most."""
    import datetime as dt

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from keel.orders.models import Customer, SalesChannel, SalesOrder, SalesOrderLine

    began = time.perf_counter()
    channel = SalesChannel.objects.create(code="web", name="Web", kind="web_store")
    customers = Customer.objects.bulk_create(
        [Customer(code=f"C-{n:05d}", name=f"Customer {n}", country="IE", channel=channel) for n in range(5000)]
    )
    chooser = random.Random(11)
    today = timezone.localdate()
    open_statuses = ["confirmed", "allocated", "partially_allocated", "backordered", "picking", "packed"]
    orders = []
    for n in range(ORDERS):
        # about 5% of orders are still open, like a real shop's history
        status = chooser.choice(open_statuses) if n % 20 == 0 else chooser.choice(["shipped", "delivered", "cancelled"])
        orders.append(SalesOrder(
            number=f"SO-{n + 1:06d}", customer=customers[n % len(customers)], channel=channel,
            ship_from=sites[n % len(sites)], currency="EUR", status=status,
            promised_ship_on=today + dt.timedelta(days=chooser.randint(-30, 10)),
        ))
    created = SalesOrder.objects.bulk_create(orders, batch_size=10000)
    SalesOrderLine.objects.bulk_create(
        [SalesOrderLine(order=order, line_number=1, item_id=item_ids[n % len(item_ids)], quantity=Decimal(2),
                        unit_price=Decimal("9.50"), price_currency="EUR") for n, order in enumerate(created)],
        batch_size=10000,
    )
    rows = [("load orders (bulk path)", f"{ORDERS:,} orders with a line each in {time.perf_counter() - began:.1f} s")]
    analyze(connection)
    for name, url in (("fulfillment queue", "/orders/queue/"), ("fulfillment queue, late only", "/orders/queue/?flag=late"),
                      ("order list", "/orders/"), ("order list search", "/orders/?q=SO-0999")):
        times = []
        for _ in range(30):
            began = time.perf_counter()
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)  # type: ignore[attr-defined]
            times.append(time.perf_counter() - began)
            assert response.status_code == 200, (url, response.status_code)
        times.sort()
        rows.append((f"{name} (30 requests)",
                     f"p95 {times[int(len(times) * 0.95) - 1] * 1000:.0f} ms, median {statistics.median(times) * 1000:.0f} ms, {len(queries)} queries"))
    return rows


if __name__ == "__main__":
    main()
