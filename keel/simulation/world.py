"""The simulated company: its state, its calendar, its random streams and its areas.

The world is a SimPy environment plus the company's state as the simulation knows it
(stock per site and item, open orders, purchase orders in flight). Each area of the
business is a module in ``keel.simulation.areas`` that starts its own processes on the
world; areas talk to each other through the world's state and a small hook bus
(``world.on("shipped", callback)``), so a later area (customer service, returns, costs)
adds a module without touching the others.

Everything the simulation does that the system of record must know about goes to the
*sink*: ``ServiceSink`` writes through Keel's domain services (demo sizes), ``BulkSink``
writes rows in bulk (benchmark sizes). Time is in minutes since the start (00:00 UTC of
the first day).
"""

from __future__ import annotations

import math
import zlib
from collections import defaultdict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import numpy as np
import simpy

from keel.simulation.scenario import WEEKDAYS, Scenario, ShiftSpec, SiteSpec

MINUTES_PER_DAY = 1440


# --- Entities -------------------------------------------------------------------------


@dataclass(slots=True)
class Item:
    index: int
    sku: str
    name: str
    category: str
    unit: str
    cost: float  # standard cost in EUR
    price: float  # list price in EUR
    weight_kg: float
    supplier: int  # index into world.suppliers
    pack: int  # order multiple
    moq: int
    popularity: float  # share of line picks, sums to 1 over the catalogue
    slow_mover: bool


@dataclass(slots=True)
class Worker:
    index: int
    name: str
    email: str
    site: int
    team: str  # "Order desk", "Picking", "Packing", "Shipping", "Inbound", "Support", "Purchasing"
    shift: int  # index into scenario.warehouse.shifts
    role: str  # "order_desk", "picker", "packer", "shipper", "receiver", "support", "buyer", "approver"
    seat: int  # position within its team and shift (0 = first)
    hours_worked: float = 0.0


@dataclass(slots=True)
class Customer:
    index: int
    code: str
    name: str
    country: str
    channel: int
    orders: int = 0


@dataclass(slots=True)
class OrderLine:
    item: int
    quantity: int
    unit_price: float
    allocated: int = 0


@dataclass(slots=True, eq=False)  # one order is itself: list.remove and `in` compare identities, not every field
class Order:
    index: int
    site: int
    customer: int
    channel: int
    lines: list[OrderLine]
    placed_at: float
    carrier: int
    service: int
    promised_ship_on: date
    promised_delivery_on: date
    currency: str
    rework: bool = False
    status: str = "open"
    weight_kg: float = 0.0
    shipped_at: float | None = None
    delivered_at: float | None = None
    lost: bool = False
    queued_for_allocation: bool = False
    handle: Any = None  # the sink's record of the order


@dataclass(slots=True)
class PurchaseLine:
    item: int
    quantity: int
    unit_price: float
    received: int = 0
    rejected: int = 0


@dataclass(slots=True)
class PurchaseOrder:
    index: int
    supplier: int
    site: int
    lines: list[PurchaseLine]
    sent_at: float
    expected_on: date
    lead_time_days: float
    handle: Any = None


@dataclass(slots=True)
class Supplier:
    index: int
    code: str
    name: str
    categories: tuple[str, ...]
    lead_time_days: float
    lead_time_sd: float
    partial_rate: float
    reject_rate: float
    payment_terms_days: int


class Sink(Protocol):
    """Where the simulated company's facts go. Times are minutes since the start."""

    def setup(self, world: World) -> None: ...
    def order_placed(self, t: float, order: Order) -> None: ...
    def address_corrected(self, t: float, order: Order, worker: Worker) -> None: ...
    def order_confirmed(self, t: float, order: Order, worker: Worker) -> None: ...
    def order_allocated(self, t: float, order: Order, worker: Worker, taken: list[int]) -> None: ...
    def pick_list_created(self, t: float, order: Order, worker: Worker) -> None: ...
    def picks_confirmed(self, t: float, order: Order, worker: Worker) -> None: ...
    def quality_checked(self, t: float, order: Order, worker: Worker) -> None: ...
    def order_packed(self, t: float, order: Order, worker: Worker) -> None: ...
    def order_shipped(self, t: float, order: Order, worker: Worker, tracking: str, cost: float) -> None: ...
    def order_delivered(self, t: float, order: Order) -> None: ...
    def purchase_ordered(self, t: float, po: PurchaseOrder, buyer: Worker, approver: Worker) -> None: ...
    def purchase_received(self, t: float, po: PurchaseOrder, received: list[tuple[int, int, int]],
                          worker: Worker) -> None: ...
    def shift_worked(self, start: float, end: float, worker: Worker, hourly_cost: float) -> None: ...
    def marketing_spent(self, t: float, channel: int, amount: float, new_customers: int) -> None: ...
    def finish(self, world: World) -> None: ...


class ReplenishmentPolicy(Protocol):
    """What the purchasing area asks each working morning: which items to order, how many.

    ``order`` gets the site's inventory position per item (available + on order -
    backorders) and returns ``(item index, quantity)`` pairs in ascending item order,
    quantities already rounded to the supplier's minimum and multiple. ``start`` runs once
    before the simulation (a policy subscribes to ``world.on(...)`` hooks there).
    """

    def start(self, world: World) -> None: ...
    def order(self, world: World, site: int, day: int, position: np.ndarray) -> list[tuple[int, int]]: ...


class Area(Protocol):
    name: str

    def start(self, world: World) -> None: ...


# --- Calendar -------------------------------------------------------------------------


class SiteCalendar:
    """Local time at one site: UTC offsets per simulated day, working days and shifts."""

    def __init__(self, site: SiteSpec, start: date, days: int, scenario: Scenario) -> None:
        zone = ZoneInfo(site.time_zone)
        self.offsets = [  # minutes, a Python list: read on every order, NumPy scalars cost more
            int((datetime.combine(start + timedelta(days=day), datetime.min.time()).replace(hour=12, tzinfo=zone)
                 .utcoffset() or timedelta()).total_seconds() // 60)
            for day in range(days + 60)
        ]
        self.start = start
        self.working = {WEEKDAYS.index(name) for name in scenario.warehouse.working_days}

    def local_day(self, t: float) -> int:
        day = int(t // MINUTES_PER_DAY)
        offset = self.offsets[min(max(day, 0), len(self.offsets) - 1)]
        return int((t + offset) // MINUTES_PER_DAY)

    def local_date(self, t: float) -> date:
        return self.start + timedelta(days=self.local_day(t))

    def local_hour(self, t: float) -> float:
        day = int(t // MINUTES_PER_DAY)
        offset = self.offsets[min(max(day, 0), len(self.offsets) - 1)]
        return ((t + offset) % MINUTES_PER_DAY) / 60.0

    def weekday(self, local_day: int) -> int:
        return (self.start + timedelta(days=local_day)).weekday()

    def is_working(self, local_day: int) -> bool:
        return self.weekday(local_day) in self.working

    def at(self, local_day: int, hour: float) -> float:
        """Minutes since the start for ``hour`` o'clock local time on ``local_day``."""
        offset = self.offsets[min(max(local_day, 0), len(self.offsets) - 1)]
        return local_day * MINUTES_PER_DAY + hour * 60.0 - offset

    def next_working_day(self, local_day: int) -> int:
        day = local_day
        while not self.is_working(day):
            day += 1
        return day


# --- World ----------------------------------------------------------------------------


class Queue(simpy.Store):
    """A first-in, first-out store of work on a deque: taking the first of thousands of
    waiting orders (a Monday's packing queue) costs the same as taking the first of three.
    Work is added with ``add`` (no put event: the queue is unbounded); a worker takes
    waiting work straight from ``items`` and waits on ``get()`` only when there is none
    (then no order waits, so no other worker can be passed over)."""

    def __init__(self, env: simpy.Environment) -> None:
        super().__init__(env)
        self.items: deque[Any] = deque()  # type: ignore[assignment]

    def _do_get(self, event: Any) -> None:
        if self.items:
            event.succeed(self.items.popleft())

    def add(self, item: Any) -> None:
        """``put(item)`` without a put event: the queue is unbounded, so nobody waits on the
        put; a worker waiting for work gets the item at once (as ``put`` gives it, one step
        later), otherwise it waits in ``items``."""
        self.items.append(item)
        if self.get_queue:
            self._trigger_get(None)


def stream(seed: int, name: str) -> np.random.Generator:
    """An independent random stream per named purpose: adding a draw in one area never
    shifts the numbers another area sees."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, zlib.crc32(name.encode())])))


@dataclass
class Totals:
    orders: int = 0
    order_lines: int = 0
    units_ordered: int = 0
    shipped: int = 0
    delivered: int = 0
    lost: int = 0
    backorders: int = 0
    reworked: int = 0
    purchase_orders: int = 0
    receipts: int = 0
    customers: int = 0
    shifts: int = 0
    marketing: float = 0.0


@dataclass
class World:
    scenario: Scenario
    sink: Sink
    start: date
    env: simpy.Environment = field(default_factory=simpy.Environment)
    items: list[Item] = field(default_factory=list)
    suppliers: list[Supplier] = field(default_factory=list)
    workers: list[Worker] = field(default_factory=list)
    customers: list[Customer] = field(default_factory=list)
    orders: list[Order] = field(default_factory=list)
    purchase_orders: list[PurchaseOrder] = field(default_factory=list)
    calendars: list[SiteCalendar] = field(default_factory=list)
    totals: Totals = field(default_factory=Totals)
    hooks: dict[str, list[Callable[..., None]]] = field(default_factory=lambda: defaultdict(list))
    queues: dict[tuple[int, str], Queue] = field(default_factory=dict)
    backorders: list[list[Order]] = field(default_factory=list)
    horizon: float | None = None  # minutes since the start where the run stops (default: the last day's end)
    replenishment: ReplenishmentPolicy | None = None  # the purchasing area's policy (default: its min/max rule)

    def __post_init__(self) -> None:
        sites, items = len(self.scenario.sites), self.scenario.items
        self.calendars = [SiteCalendar(site, self.start, self.scenario.days, self.scenario)
                          for site in self.scenario.sites]
        self.on_hand = np.zeros((sites, items), dtype=np.int64)
        self.reserved = np.zeros((sites, items), dtype=np.int64)
        self.on_order = np.zeros((sites, items), dtype=np.int64)
        self.backlog = np.zeros((sites, items), dtype=np.int64)  # unallocated demand of backordered orders
        self.min_level = np.zeros((sites, items), dtype=np.int64)
        self.max_level = np.zeros((sites, items), dtype=np.int64)
        self.backorders = [[] for _ in range(sites)]

    @property
    def end(self) -> float:
        return self.horizon if self.horizon is not None else self.scenario.days * MINUTES_PER_DAY

    def rng(self, name: str) -> np.random.Generator:
        return stream(self.scenario.seed, name)

    def moment(self, t: float) -> datetime:
        return datetime.combine(self.start, datetime.min.time(), tzinfo=UTC) + timedelta(minutes=t)

    def queue(self, site: int, step: str) -> Queue:
        key = (site, step)
        if key not in self.queues:
            self.queues[key] = Queue(self.env)
        return self.queues[key]

    def on(self, hook: str, callback: Callable[..., None]) -> None:
        self.hooks[hook].append(callback)

    def emit(self, hook: str, *args: Any) -> None:
        for callback in self.hooks.get(hook, ()):
            callback(*args)

    def staff(self, site: int, role: str) -> list[Worker]:
        return [worker for worker in self.workers if worker.site == site and worker.role == role]

    def shift(self, worker: Worker) -> ShiftSpec:
        return self.scenario.warehouse.shifts[worker.shift]

    def expected_daily_units(self) -> np.ndarray:
        """Expected units per day per site and item, before trend, seasons and surges."""
        channels = self.scenario.channels
        lines_per_order = sum(c.share * c.lines_mean for c in channels)
        units_per_line = sum(c.share * c.lines_mean * c.quantity_mean for c in channels) / lines_per_order
        per_site = np.array([site.share for site in self.scenario.sites]) * self.scenario.orders_per_day
        popularity = np.array([item.popularity for item in self.items])
        return per_site[:, None] * lines_per_order * units_per_line * popularity[None, :]


def ceil_to(quantity: float, moq: int, multiple: int) -> int:
    """Round an order quantity up to the minimum order quantity and the order multiple."""
    wanted = max(float(quantity), float(moq))
    return int(math.ceil(wanted / multiple) * multiple)


def chunks(values: Iterable[Any], size: int) -> Iterable[list[Any]]:
    batch: list[Any] = []
    for value in values:
        batch.append(value)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
