"""Carriers: transit times by service level, occasional delays and lost parcels.

A shipped order is delivered after its service's transit days (calendar days), at a
time during the carrier's delivery hours; a share of parcels arrives one to three days
late and a few never arrive. Deliveries after the end of the run stay in transit.
"""

from __future__ import annotations

from keel.simulation.world import Order, World


class Carriers:
    name = "carriers"

    def start(self, world: World) -> None:
        self.world = world
        self.rng = world.rng("carriers")
        world.on("shipped", self.hand_over)

    def hand_over(self, order: Order) -> None:
        world = self.world
        carrier = world.scenario.carriers[order.carrier]
        service = carrier.services[order.service]
        if self.rng.random() < carrier.loss_rate:
            order.lost = True
            world.totals.lost += 1
            return
        calendar = world.calendars[order.site]
        days = service.transit_days
        if self.rng.random() < carrier.delay_rate:
            days += int(self.rng.integers(1, 4))
        day = calendar.local_day(world.env.now) + max(days, 0)
        t = calendar.at(day, 9 + 9 * float(self.rng.random()))
        if t <= world.env.now:
            t = world.env.now + 30 + 60 * float(self.rng.random())
        if t >= world.end:
            return
        event = world.env.timeout(t - world.env.now)
        event.callbacks.append(lambda _event: self.deliver(order))

    def deliver(self, order: Order) -> None:
        world = self.world
        order.delivered_at = world.env.now
        order.status = "delivered"
        world.totals.delivered += 1
        world.sink.order_delivered(world.env.now, order)
        world.emit("delivered", order)
