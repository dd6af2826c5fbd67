"""Demand: customers arriving through marketing channels and placing orders.

Orders per day follow trend, weekly and yearly seasons and promotions; within the day
they follow a shopping-hours profile in the site's local time. Items are drawn by a
long-tailed popularity (the tail sells intermittently). Returning customers place a
share of the orders; the rest are new customers bought with each channel's daily
marketing spend. The planted address problem sends a share of orders through an
address correction and a second confirmation (rework).
"""

from __future__ import annotations

from collections.abc import Generator
from datetime import timedelta
from typing import Any

import numpy as np

from keel.simulation.catalogue import COUNTRIES, LAST, customer_name
from keel.simulation.world import MINUTES_PER_DAY, Customer, Order, OrderLine, World

# Share of a day's orders placed in each local hour (0..23).
HOURLY = np.array([0.6, 0.3, 0.2, 0.2, 0.2, 0.4, 1.0, 2.2, 3.6, 4.6, 5.4, 6.0,
                   6.3, 6.0, 5.6, 5.2, 5.0, 5.2, 5.8, 6.4, 6.6, 5.8, 3.8, 1.8])
HOURLY = HOURLY / HOURLY.sum()
USD_PER_EUR = 1.08


def cumulative(weights: np.ndarray) -> np.ndarray:
    """The cumulative distribution ``Generator.choice`` builds from ``p`` on every call."""
    cdf = np.cumsum(weights)
    cdf /= cdf[-1]
    return cdf


def choose_distinct(rng: np.random.Generator, weights: np.ndarray, cdf: np.ndarray, size: int) -> list[int]:
    """``rng.choice(len(weights), size=size, replace=False, p=weights)``: the same numbers
    from the same stream (the same uniforms and the same arithmetic), with the cumulative
    distribution built once (``cdf = cumulative(weights)``) rather than on every call.
    ``weights`` must be what ``choice`` accepts (non-negative, summing to one)."""
    drawn = cdf.searchsorted(rng.random(size), side="right").tolist()
    found = list(dict.fromkeys(drawn))  # choice keeps the first of repeated draws, in order
    if len(found) == size:
        return found
    remaining = weights.copy()  # a repeat: choice draws the missing ones without those found
    while len(found) < size:
        uniforms = rng.random(size - len(found))
        remaining[found] = 0
        drawn = cumulative(remaining).searchsorted(uniforms, side="right").tolist()
        found += list(dict.fromkeys(drawn))
    return found


class Demand:
    name = "demand"

    def start(self, world: World) -> None:
        self.world = world
        self.rng = world.rng("demand")
        self.baskets = world.rng("baskets")
        self.names = world.rng("customer-names")
        self.pools: list[list[int]] = [[] for _ in world.scenario.channels]
        self.new_today = [0 for _ in world.scenario.channels]
        scenario = world.scenario
        weekly = np.array(scenario.demand.weekly)
        self.weekly = weekly / weekly.mean()
        self.popularity = np.array([item.popularity for item in world.items])
        self.carrier_cdf = cumulative(np.array([carrier.share for carrier in scenario.carriers], dtype=float))
        self.surge = scenario.problem("imminent_stockout")
        self.surge_from = 0
        if self.surge:  # a negative start day counts back from the end
            self.surge_from = self.surge.surge_from_day % scenario.days if self.surge.surge_from_day < 0 else self.surge.surge_from_day
        rework = scenario.problem("address_rework")
        self.rework_share = rework.share if rework else 0.0
        for site in range(len(scenario.sites)):
            world.env.process(self.arrivals(site))
        world.env.process(self.marketing())

    # --- rates -----------------------------------------------------------------------

    def day_factor(self, day: int) -> float:
        demand = self.world.scenario.demand
        moment = self.world.start + timedelta(days=day)
        trend = (1 + demand.trend_per_year) ** (day / 365.0)
        yearly = 1 + demand.yearly_amplitude * np.cos(2 * np.pi * (moment.timetuple().tm_yday - demand.yearly_peak_day) / 365.0)
        return float(trend * yearly * self.weekly[moment.weekday()])

    def promotion(self, day: int, channel: str) -> float:
        uplift = 1.0
        for promotion in self.world.scenario.demand.promotions:
            if promotion.start_day <= day < promotion.start_day + promotion.days and promotion.channel in {"", channel}:
                uplift *= promotion.uplift
        return uplift

    def weights(self, day: int) -> np.ndarray:
        weights = self.popularity
        if self.surge and day >= self.surge_from:
            weights = weights.copy()
            weights[self.surge.sku_rank - 1] *= self.surge.surge
            weights /= weights.sum()
        return weights

    # --- processes ---------------------------------------------------------------------

    def arrivals(self, site: int) -> Generator[Any, Any, None]:
        world, scenario = self.world, self.world.scenario
        calendar = world.calendars[site]
        spec = scenario.sites[site]
        for day in range(scenario.days + 1):
            factor = self.day_factor(day)
            weights = self.weights(day)
            cdf = cumulative(weights)
            arrivals: list[tuple[float, int]] = []
            for number, channel_spec in enumerate(scenario.channels):
                expected = (scenario.orders_per_day * spec.share * channel_spec.share * factor
                            * self.promotion(day, channel_spec.code))
                count = int(self.rng.poisson(expected))
                hours = self.rng.choice(24, size=count, p=HOURLY) + self.rng.random(count)
                arrivals += [(calendar.at(day, float(hour)), number) for hour in hours]
            arrivals.sort()
            for t, channel in arrivals:
                if t < 0 or t >= world.end:
                    continue
                if t > world.env.now:
                    yield world.env.timeout(t - world.env.now)
                self.place(site, channel, weights, cdf)

    def place(self, site: int, channel_index: int, weights: np.ndarray, cdf: np.ndarray) -> None:
        world, scenario = self.world, self.world.scenario
        channel = scenario.channels[channel_index]
        spec = scenario.sites[site]
        customer = self.customer(site, channel_index)
        rng = self.baskets
        line_count = min(len(world.items), 1 + int(rng.poisson(max(channel.lines_mean - 1, 0))))
        chosen = choose_distinct(rng, weights, cdf, line_count)
        usd = spec.currency == "USD"
        lines = []
        for item_index in sorted(chosen):
            item = world.items[item_index]
            quantity = 1 + int(rng.poisson(max(channel.quantity_mean - 1, 0)))
            price = round(item.price * USD_PER_EUR, 2) if usd else item.price
            lines.append(OrderLine(item=item_index, quantity=quantity, unit_price=price))
        now = world.env.now
        calendar = world.calendars[site]
        today = calendar.local_day(now)
        cutoff = scenario.warehouse.cutoff_hour
        ship_day = today if calendar.is_working(today) and calendar.local_hour(now) < cutoff else today + 1
        ship_day = calendar.next_working_day(ship_day)
        carrier = int(self.carrier_cdf.searchsorted(rng.random(), side="right"))  # rng.choice(..., p=shares)
        services = scenario.carriers[carrier].services
        fastest = min(range(len(services)), key=lambda number: services[number].transit_days)
        slowest = max(range(len(services)), key=lambda number: services[number].transit_days)
        service = fastest if rng.random() < channel.express_share else slowest
        order = Order(
            index=len(world.orders), site=site, customer=customer.index, channel=channel_index, lines=lines,
            placed_at=now, carrier=carrier, service=service,
            promised_ship_on=calendar.start + timedelta(days=ship_day),
            promised_delivery_on=calendar.start + timedelta(days=ship_day + services[service].transit_days),
            currency=spec.currency, rework=bool(self.rework_share and rng.random() < self.rework_share),
        )
        world.orders.append(order)
        customer.orders += 1
        totals = world.totals
        totals.orders += 1
        totals.order_lines += len(lines)
        totals.units_ordered += sum(line.quantity for line in lines)
        world.sink.order_placed(now, order)
        world.emit("order_placed", order)
        if order.rework:
            totals.reworked += 1
            world.env.process(self.correct_address(order))
        else:
            world.queue(site, "allocate").add(order)
            order.queued_for_allocation = True

    def customer(self, site: int, channel: int) -> Customer:
        world = self.world
        pool = self.pools[channel]
        if pool and self.rng.random() < world.scenario.demand.repeat_share:
            return world.customers[pool[int(self.rng.integers(len(pool)))]]
        code = world.scenario.sites[site].code
        countries = COUNTRIES.get(code, [world.scenario.sites[site].country])
        wholesale = world.scenario.channels[channel].kind == "wholesale"
        name = (f"{LAST[int(self.names.integers(len(LAST)))]} Trading Ltd" if wholesale
                else customer_name(self.names))
        customer = Customer(index=len(world.customers), code=f"C-{len(world.customers) + 1:06d}", name=name,
                            country=countries[int(self.names.integers(len(countries)))], channel=channel)
        world.customers.append(customer)
        pool.append(customer.index)
        self.new_today[channel] += 1
        world.totals.customers += 1
        return customer

    def correct_address(self, order: Order) -> Generator[Any, Any, None]:
        """Support fixes the address the carrier's check rejected; the order is confirmed again."""
        world = self.world
        calendar = world.calendars[order.site]
        support = world.staff(order.site, "support")[0]
        delay = float(self.rng.lognormal(np.log(60), 0.6))
        t = world.env.now + delay
        hour = calendar.local_hour(t)
        if hour < 8 or hour >= 20:  # support works 08:00-20:00 local
            day = calendar.local_day(t) + (1 if hour >= 20 else 0)
            t = calendar.at(day, 8 + float(self.rng.random()))
        if t >= world.end:
            return
        yield world.env.timeout(t - world.env.now)
        world.sink.address_corrected(world.env.now, order, support)
        yield world.env.timeout(2 + float(self.rng.random()) * 3)
        world.sink.order_confirmed(world.env.now, order, support)
        world.queue(order.site, "allocate").add(order)
        order.queued_for_allocation = True

    def marketing(self) -> Generator[Any, Any, None]:
        """At the end of each day, each channel's spend and the new customers it brought."""
        world, scenario = self.world, self.world.scenario
        for day in range(scenario.days):
            if (day + 1) * MINUTES_PER_DAY - 1 > world.end:
                return
            yield world.env.timeout((day + 1) * MINUTES_PER_DAY - 1 - world.env.now)
            for number, channel in enumerate(scenario.channels):
                amount = round(channel.daily_spend * self.promotion(day, channel.code) * float(self.rng.uniform(0.85, 1.15)), 2)
                world.totals.marketing += amount
                world.sink.marketing_spent(world.env.now, number, amount, self.new_today[number])
                self.new_today[number] = 0
