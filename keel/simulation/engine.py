"""Run a scenario: build the company, start every area, advance day by day.

>>> from keel.simulation.sinks.memory import CountingSink
>>> world = run(Scenario.from_dict({"days": 3, "orders_per_day": 10, "items": 20}), CountingSink(),
...             start=date(2026, 3, 2))
>>> world.totals.orders > 0
True
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, datetime, timedelta

from django.utils import timezone

from keel.simulation.areas.carriers import Carriers
from keel.simulation.areas.demand import Demand
from keel.simulation.areas.purchasing import Purchasing, set_levels
from keel.simulation.areas.warehouse import Warehouse
from keel.simulation.catalogue import build_items, build_staff, build_suppliers
from keel.simulation.scenario import Scenario
from keel.simulation.world import MINUTES_PER_DAY, Area, ReplenishmentPolicy, Sink, World

# One module per area of the business. A later area (customer service, returns, costs,
# incidents) adds its class here and hooks into the others' events with ``world.on``.
AREAS: list[type[Area]] = [Demand, Warehouse, Carriers, Purchasing]


def default_start(scenario: Scenario) -> date:
    return scenario.start or timezone.localdate() - timedelta(days=scenario.days)


def build(scenario: Scenario, sink: Sink, start: date | None = None, until: datetime | None = None,
          replenishment: ReplenishmentPolicy | None = None) -> World:
    world = World(scenario=scenario, sink=sink, start=start or default_start(scenario), replenishment=replenishment)
    if until is not None:
        minutes = (until - world.moment(0)).total_seconds() / 60
        if not 0 < minutes <= (scenario.days + 1) * MINUTES_PER_DAY:
            raise ValueError("until must fall within the simulated days (or the day after)")
        world.horizon = minutes
    build_suppliers(world)
    build_items(world)
    build_staff(world)
    set_levels(world)
    return world


def run(scenario: Scenario, sink: Sink, *, start: date | None = None, until: datetime | None = None,
        progress: Callable[[int, World], None] | None = None,
        replenishment: ReplenishmentPolicy | None = None) -> World:
    """Simulate ``scenario.days`` days into ``sink`` (or up to the moment ``until``, which
    may fall on the day after them); ``progress(day, world)`` after each day. The
    purchasing area orders by ``replenishment`` (default: its plain min/max rule)."""
    world = build(scenario, sink, start, until, replenishment)
    sink.setup(world)
    for area in AREAS:
        area().start(world)
    days = math.ceil(world.end / MINUTES_PER_DAY)
    for day in range(days):
        world.env.run(until=min((day + 1) * MINUTES_PER_DAY, world.end))
        if progress:
            progress(day + 1, world)
    sink.finish(world)
    return world
