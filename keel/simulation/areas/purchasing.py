"""Suppliers and replenishment: a plain min/max rule, lead times, partial deliveries and
rejects.

Every working morning each site's buyer reviews every item: when the inventory position
(available + on order - backorders) is at or below the minimum, it orders up to the
maximum, rounded to the supplier's minimum order quantity and order multiple; lines are
grouped into one purchase order per supplier. The rule is the default replenishment
policy (:class:`MinMaxRule`); another one (``world.replenishment``, for instance
``keel.simulation.policies.KeelPolicy``) decides instead when set. Another person approves it (four eyes)
and it is sent. Deliveries arrive after a log-normal lead time (one planted supplier's
lead time drifts upward from a given week, up to a limit), some in two parts, with a few units
rejected at the door. Stockouts and backorders follow as they do in real companies.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from datetime import timedelta
from typing import Any

import numpy as np

from keel.simulation.world import (
    MINUTES_PER_DAY,
    PurchaseLine,
    PurchaseOrder,
    ReplenishmentPolicy,
    World,
    ceil_to,
)


class Purchasing:
    name = "purchasing"

    def start(self, world: World) -> None:
        self.world = world
        self.rng = world.rng("purchasing")
        self.drift = world.scenario.problem("supplier_lead_time_drift")
        self.policy: ReplenishmentPolicy = world.replenishment or MinMaxRule()
        self.policy.start(world)
        for site in range(len(world.scenario.sites)):
            world.env.process(self.review(site))

    def mean_lead_time(self, supplier_index: int, day: int) -> float:
        """The supplier's mean lead time in days for an order sent on ``day``, the planted drift included."""
        supplier = self.world.suppliers[supplier_index]
        mean = supplier.lead_time_days
        drift = self.drift
        if drift and drift.supplier == supplier.code and day // 7 >= drift.from_week:
            mean += min(drift.extra_days_per_week * (day // 7 - drift.from_week + 1), drift.max_extra_days)
        return mean

    def lead_time(self, supplier_index: int, day: int) -> float:
        supplier = self.world.suppliers[supplier_index]
        mean, sd = self.mean_lead_time(supplier_index, day), max(supplier.lead_time_sd, 0.1)
        sigma = math.sqrt(math.log(1 + (sd / mean) ** 2))
        return float(self.rng.lognormal(math.log(mean) - sigma * sigma / 2, sigma))

    def review(self, site: int) -> Generator[Any, Any, None]:
        world = self.world
        calendar = world.calendars[site]
        buyer = world.staff(site, "buyer")[0]
        approver = world.staff(site, "approver")[0]
        hour = world.scenario.warehouse.replenish_hour
        for day in range(world.scenario.days + 1):
            t = calendar.at(day, hour)
            if not calendar.is_working(day) or t < 0 or t >= world.end:
                continue
            if t > world.env.now:
                yield world.env.timeout(t - world.env.now)
            position = world.on_hand[site] - world.reserved[site] + world.on_order[site] - world.backlog[site]
            by_supplier: dict[int, list[PurchaseLine]] = {}
            for item_index, quantity in self.policy.order(world, site, day, position):
                item = world.items[item_index]
                by_supplier.setdefault(item.supplier, []).append(
                    PurchaseLine(item=item.index, quantity=quantity, unit_price=item.cost))
            for supplier_index in sorted(by_supplier):
                lines = by_supplier[supplier_index]
                for line in lines:
                    world.on_order[site, line.item] += line.quantity
                lead = self.lead_time(supplier_index, day)
                po = PurchaseOrder(
                    index=len(world.purchase_orders), supplier=supplier_index, site=site, lines=lines,
                    sent_at=world.env.now, lead_time_days=lead,
                    expected_on=calendar.start + timedelta(days=day + round(world.suppliers[supplier_index].lead_time_days)),
                )
                world.purchase_orders.append(po)
                world.totals.purchase_orders += 1
                world.sink.purchase_ordered(world.env.now, po, buyer, approver)
                self.schedule(po, day, lead)

    def schedule(self, po: PurchaseOrder, day: int, lead: float) -> None:
        world = self.world
        supplier = world.suppliers[po.supplier]
        calendar = world.calendars[po.site]
        arrival_day = calendar.next_working_day(day + max(1, round(lead)))
        first = calendar.at(arrival_day, 8 + 4 * float(self.rng.random()))
        if self.rng.random() < supplier.partial_rate:
            split = [max(1, int(line.quantity * float(self.rng.uniform(0.4, 0.8)))) for line in po.lines]
            later_day = calendar.next_working_day(arrival_day + int(self.rng.integers(2, 6)))
            self.deliver_at(po, first, split)
            self.deliver_at(po, calendar.at(later_day, 8 + 4 * float(self.rng.random())),
                            [line.quantity - part for line, part in zip(po.lines, split, strict=True)])
        else:
            self.deliver_at(po, first, [line.quantity for line in po.lines])

    def deliver_at(self, po: PurchaseOrder, t: float, quantities: list[int]) -> None:
        world = self.world
        if t >= world.end:
            return
        event = world.env.timeout(max(t - world.env.now, 0))
        event.callbacks.append(lambda _event: self.receive(po, quantities))

    def receive(self, po: PurchaseOrder, quantities: list[int]) -> None:
        world = self.world
        supplier = world.suppliers[po.supplier]
        received: list[tuple[int, int, int]] = []
        for number, (line, quantity) in enumerate(zip(po.lines, quantities, strict=True)):
            if quantity <= 0:
                continue
            rejected = int(self.rng.binomial(quantity, supplier.reject_rate))
            accepted = quantity - rejected
            line.received += accepted
            line.rejected += rejected
            world.on_hand[po.site, line.item] += accepted
            world.on_order[po.site, line.item] -= quantity
            received.append((number, accepted, rejected))
        if not received:
            return
        receiver = world.staff(po.site, "receiver")[0]
        world.totals.receipts += 1
        world.sink.purchase_received(world.env.now, po, received, receiver)
        world.emit("received", po, received)
        items = {po.lines[number].item for number, _, _ in received}
        self.release_backorders(po.site, items)

    def release_backorders(self, site: int, items: set[int]) -> None:
        """Send backordered orders that wait for the received items back to the order desk,
        oldest first, while the received stock lasts: an order goes back only if some of what
        it waits for is free now, so the desk does not retry orders that would only be
        backordered again (as an allocation run releases backorders by date, not all at once)."""
        world = self.world
        queue = world.queue(site, "allocate")
        free = {item: int(world.on_hand[site, item] - world.reserved[site, item]) for item in items}
        for order in world.backorders[site]:
            wanted = [(line.item, line.quantity - line.allocated) for line in order.lines
                      if line.item in free and line.allocated < line.quantity]
            if not wanted:
                continue
            if not order.queued_for_allocation:  # one already waiting at the desk takes its share too
                if all(free[item] <= 0 for item, _ in wanted):
                    continue
                order.queued_for_allocation = True
                queue.add(order)
            for item, need in wanted:
                free[item] -= need
            if all(quantity <= 0 for quantity in free.values()):
                break


class MinMaxRule:
    """The plain min/max rule: at or below the minimum, order up to the maximum.

    ``world.min_level`` and ``world.max_level`` are set once from the expected demand
    (:func:`set_levels`) and never change; the quantity is rounded up to the supplier's
    minimum order quantity and order multiple. Draws no random numbers.
    """

    def start(self, world: World) -> None:
        """Nothing to prepare: the levels are fixed."""

    def order(self, world: World, site: int, day: int, position: np.ndarray) -> list[tuple[int, int]]:
        due = np.nonzero(position <= world.min_level[site])[0]
        return [(int(index), ceil_to(world.max_level[site, index] - position[index], world.items[int(index)].moq,
                                     world.items[int(index)].pack))
                for index in due]


def set_levels(world: World) -> None:
    """Min and max per site and item from the expected demand; opening stock at the max."""
    warehouse = world.scenario.warehouse
    daily = world.expected_daily_units()
    for item in world.items:
        lead = world.suppliers[item.supplier].lead_time_days
        for site in range(len(world.scenario.sites)):
            rate = daily[site, item.index]
            low = max(item.moq, math.ceil(rate * max(warehouse.min_days, lead + 2)))
            high = max(low + item.moq, math.ceil(rate * max(warehouse.max_days, lead + 10)))
            world.min_level[site, item.index] = low
            world.max_level[site, item.index] = ceil_to(high, item.moq, item.pack)
    world.on_hand[:] = world.max_level


__all__ = ["MINUTES_PER_DAY", "MinMaxRule", "Purchasing", "set_levels"]
