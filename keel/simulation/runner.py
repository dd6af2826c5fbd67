"""Entry point shared by the ``keel simulate`` command, ``keel demo`` and the tests."""

from __future__ import annotations

import time
from collections.abc import Callable
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
    with request_meta(RequestMeta(channel="simulation")):
        try:
            world = run(scenario, sink, start=start or default_start(scenario), until=until, progress=progress,
                        replenishment=replenishment)
        except BaseException:
            abort = getattr(sink, "abort", None)
            if abort:
                abort()
            raise
    return Outcome(world=world, seconds=time.perf_counter() - began)
