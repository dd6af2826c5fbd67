"""The warehouse: staff on shifts working the allocate, pick (and check), pack and ship
queues of their site.

Each worker is a process that, during its shifts, takes the next order from its step's
queue (first in, first out), spends a log-normally distributed handling time on it and
passes it on. Queues and waiting times are not drawn from a table: they emerge from the
arrivals and the finite number of hands. Two planted problems live here: fewer packers
on one weekday (a packing bottleneck) and one team that skips the quality check.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
from typing import Any

from keel.simulation.catalogue import STEPS
from keel.simulation.world import Order, Worker, World

QUEUE_OF = {"order_desk": "allocate", "picker": "pick", "packer": "pack", "shipper": "ship"}
SIGMA = 0.4  # spread of the handling times (log-normal)
NORMALS_BLOCK = 4096


class Warehouse:
    name = "warehouse"

    def start(self, world: World) -> None:
        self.world = world
        self.rng = world.rng("warehouse")
        self.normals: list[float] = []  # standard normal draws, taken from the stream in blocks
        scenario = world.scenario
        self.bottleneck = scenario.problem("packing_bottleneck")
        skip = scenario.problem("skipped_quality_check")
        self.skipping = {(skip.site, skip.team)} if skip else set()
        handlers: dict[str, Callable[[Worker, Order], Generator[Any, Any, None]]] = {
            "order_desk": self.allocate, "picker": self.pick, "packer": self.pack, "shipper": self.ship,
        }
        for worker in world.workers:
            if worker.role in STEPS:
                world.env.process(self.work(worker, handlers[worker.role]))

    def handling(self, mean: float) -> float:
        """A handling time in minutes: log-normal with the given mean and a 40% spread.

        ``exp(mu + sigma * z)`` with ``z`` from blocks of standard normal draws: what
        ``rng.lognormal(mu, sigma)`` computes from the same draws, without a NumPy call per
        handling (about five million at benchmark size)."""
        if not self.normals:
            self.normals = self.rng.standard_normal(NORMALS_BLOCK).tolist()
            self.normals.reverse()
        return math.exp(math.log(mean) - SIGMA * SIGMA / 2 + SIGMA * self.normals.pop())

    def on_duty(self, worker: Worker, local_day: int) -> bool:
        problem = self.bottleneck
        if problem is None or worker.role != "packer" or self.world.scenario.sites[worker.site].code != problem.site:
            return True
        calendar = self.world.calendars[worker.site]
        if calendar.weekday(local_day) != _weekday(problem.weekday):
            return True
        packers = self.world.staff(worker.site, "packer")
        keep = max(1, round(len(packers) * problem.share))
        # the ones who come in are the first seats of the early shift, then the next shift's
        ordered = sorted(packers, key=lambda person: (person.shift, person.seat))
        return worker in ordered[:keep]

    def work(self, worker: Worker, handler: Callable[[Worker, Order], Generator[Any, Any, None]]) -> Generator[Any, Any, None]:
        world = self.world
        env = world.env
        calendar = world.calendars[worker.site]
        shift = world.shift(worker)
        queue = world.queue(worker.site, QUEUE_OF[worker.role])
        day = calendar.local_day(0)
        while True:
            while True:
                start, end = calendar.at(day, shift.start_hour), calendar.at(day, shift.end_hour)
                if end > env.now and calendar.is_working(day) and self.on_duty(worker, day):
                    break
                day += 1
            if start >= world.end:
                return
            if env.now < start:
                yield env.timeout(start - env.now)
            began = env.now
            end = min(end, world.end)
            waiting = queue.items
            shift_ends = None  # one timeout per shift, for every wait in it
            while env.now < end:
                if waiting:  # work is waiting, so no other worker is: take the first order at once
                    order = waiting.popleft()
                else:  # wait for the next order or the end of the shift, whichever comes first
                    get = queue.get()
                    if shift_ends is None:
                        shift_ends = env.timeout(end - env.now)
                    yield get | shift_ends
                    if not get.triggered:
                        get.cancel()
                        break
                    order = get.value
                yield from handler(worker, order)
            finished = max(env.now, end)
            worker.hours_worked += (finished - began) / 60
            world.totals.shifts += 1
            world.sink.shift_worked(began, finished, worker, shift.hourly_cost)
            day += 1

    # --- steps ------------------------------------------------------------------------

    def allocate(self, worker: Worker, order: Order) -> Generator[Any, Any, None]:
        world = self.world
        yield world.env.timeout(self.handling(world.scenario.warehouse.allocate_minutes))
        order.queued_for_allocation = False
        site = order.site
        was_backordered = order.status == "backordered"
        taken: list[int] = []
        for line in order.lines:
            need = line.quantity - line.allocated
            available = int(world.on_hand[site, line.item] - world.reserved[site, line.item])
            take = max(0, min(need, available))
            if was_backordered:
                world.backlog[site, line.item] -= need
            world.reserved[site, line.item] += take
            line.allocated += take
            taken.append(take)
        world.sink.order_allocated(world.env.now, order, worker, taken)
        short = [(line.item, line.quantity - line.allocated) for line in order.lines if line.allocated < line.quantity]
        if short:
            for item, quantity in short:
                world.backlog[site, item] += quantity
            if not was_backordered:
                world.totals.backorders += 1
                world.backorders[site].append(order)
            order.status = "backordered"
            return
        if was_backordered:
            world.backorders[site].remove(order)
        order.status = "allocated"
        world.queue(site, "pick").add(order)

    def pick(self, worker: Worker, order: Order) -> Generator[Any, Any, None]:
        world = self.world
        warehouse = world.scenario.warehouse
        world.sink.pick_list_created(world.env.now, order, worker)
        yield world.env.timeout(self.handling(warehouse.pick_minutes * (0.6 + 0.4 * len(order.lines))))
        world.sink.picks_confirmed(world.env.now, order, worker)
        if (world.scenario.sites[order.site].code, worker.team) not in self.skipping:
            yield world.env.timeout(self.handling(warehouse.check_minutes))
            world.sink.quality_checked(world.env.now, order, worker)
        order.status = "picked"
        world.queue(order.site, "pack").add(order)

    def pack(self, worker: Worker, order: Order) -> Generator[Any, Any, None]:
        world = self.world
        yield world.env.timeout(self.handling(world.scenario.warehouse.pack_minutes))
        order.weight_kg = round(sum(world.items[line.item].weight_kg * line.quantity for line in order.lines) + 0.3, 2)
        world.sink.order_packed(world.env.now, order, worker)
        order.status = "packed"
        world.queue(order.site, "ship").add(order)

    def ship(self, worker: Worker, order: Order) -> Generator[Any, Any, None]:
        world = self.world
        yield world.env.timeout(self.handling(world.scenario.warehouse.ship_minutes))
        carrier = world.scenario.carriers[order.carrier]
        service = carrier.services[order.service]
        cost = round(service.cost + service.cost_per_kg * order.weight_kg, 2)
        tracking = f"{carrier.code.upper()}{order.index + 1:010d}"
        for line in order.lines:
            world.on_hand[order.site, line.item] -= line.quantity
            world.reserved[order.site, line.item] -= line.quantity
        order.shipped_at = world.env.now
        order.status = "shipped"
        world.totals.shipped += 1
        world.sink.order_shipped(world.env.now, order, worker, tracking, cost)
        world.emit("shipped", order)


def _weekday(name: str) -> int:
    from keel.simulation.scenario import WEEKDAYS

    return WEEKDAYS.index(name)
