"""Entry point shared by the ``keel simulate`` command, ``keel demo`` and the tests."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import date, datetime

from keel.core.context import RequestMeta, request_meta
from keel.core.errors import Conflict
from keel.orders.models import SalesOrder
from keel.simulation.engine import default_start, run
from keel.simulation.scenario import Scenario
from keel.simulation.world import ReplenishmentPolicy, Sink, World
from keel.supply_chain.models import Item


@dataclass
class Outcome:
    world: World
    seconds: float


@contextmanager
def young_collections_only() -> Iterator[Callable[[], int]]:
    """Pause the cyclic garbage collector's automatic runs; yields a function that collects
    the young generations, to call once per simulated day.

    The bulk path allocates tens of millions of short-lived rows while a million orders stay
    alive, and each automatic full collection walks all of them (a quarter of the simulating
    process's CPU time at 22,000 orders, growing with the heap). Cycles made and dropped
    within a day are still freed; older garbage waits until the end, when the collector runs
    again.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield lambda: gc.collect(1)
    finally:
        if was_enabled:
            gc.enable()


def simulate(scenario: Scenario, *, bulk: bool = False, start: date | None = None, until: datetime | None = None,
             progress: Callable[[int, World], None] | None = None,
             replenishment: ReplenishmentPolicy | None = None) -> Outcome:
    """Simulate the scenario into the database: through the services, or in bulk; the
    purchasing area orders by ``replenishment`` (default: its min/max rule)."""
    if Item.objects.exists() or SalesOrder.objects.exists():
        raise Conflict("The database already holds items or orders; simulate into an empty company "
                       "(for the demo: keel demo --reset).")
    sink: Sink
    if bulk:
        from keel.simulation.sinks.bulk import BulkSink

        sink = BulkSink()
    else:
        from keel.simulation.sinks.service import ServiceSink

        sink = ServiceSink()
    began = time.perf_counter()
    collecting = young_collections_only() if bulk else nullcontext(None)
    with request_meta(RequestMeta(channel="simulation")), collecting as collect:
        def each_day(day: int, world: World) -> None:
            if collect is not None:
                collect()
            if progress:
                progress(day, world)

        try:
            world = run(scenario, sink, start=start or default_start(scenario), until=until, progress=each_day,
                        replenishment=replenishment)
        except BaseException:
            abort = getattr(sink, "abort", None)
            if abort:
                abort()
            raise
    return Outcome(world=world, seconds=time.perf_counter() - began)
