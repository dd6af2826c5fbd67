"""Write the simulated company through Keel's domain services.

Every fact becomes the same service call a person would make in the web UI or the API,
run at the simulated moment (``keel.core.clock.simulated``), so the orders, ledger,
events, audit and scorecards are exactly what live use would have produced. The
simulation keeps its own model of stock; after each allocation the sink checks that the
service reserved what the model expected and stops with ``SimulationDiverged`` if not.

Commits are grouped per simulated day (each service still runs in its own nested
transaction): one commit per call would make the demo wait on the disk.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from decimal import Decimal
from typing import Any, TypeVar

from django.db import transaction

from keel.core import clock
from keel.core.errors import KeelError
from keel.core.money import Money
from keel.orders import services as orders
from keel.orders.models import Carrier, CarrierService, PickList, SalesChannel, Shipment
from keel.orders.models import Customer as CustomerRecord
from keel.organization import services as organization
from keel.organization.models import Department, JobTitle, Person, Site, Team
from keel.simulation import services as simulation
from keel.simulation.world import Order, PurchaseOrder, Worker, World
from keel.supply_chain import services as stock
from keel.supply_chain.models import Item as ItemRecord
from keel.supply_chain.models import Location, Supplier

T = TypeVar("T")

DEPARTMENT_OF = {"Order desk": "operations", "Picking": "operations", "Packing": "operations", "Shipping": "logistics",
                 "Inbound": "operations", "Support": "customer-success", "Purchasing": "supply-chain"}
DEPARTMENTS = {"operations": "Operations", "logistics": "Logistics", "customer-success": "Customer Success",
               "supply-chain": "Supply Chain"}
# Job titles for the simulated staff: (name, level, focus, data scope, area levels).
STAFF_TITLES = {
    "associate": ("Warehouse associate", "specialized", "Allocates, picks, checks, packs and ships orders", "site",
                  {"supply_chain": "operate"}),
    "support": ("Customer service agent", "specialized", "Answers customers and corrects their orders", "site",
                {"service": "operate", "supply_chain": "view"}),
}
ROLE_TITLE = {"buyer": "supply-chain-manager", "approver": "director-of-supply-chain"}
ADDRESS_STREETS = ["Main Street", "Harbour Road", "Station Avenue", "Mill Lane", "Park Row", "Church Street"]


def money(value: float) -> Decimal:
    """A simulated amount as an exact two-place decimal."""
    return Decimal(f"{value:.2f}")


class SimulationDiverged(RuntimeError):
    """The services did something the simulation's model of the company did not expect."""


class ServiceSink:
    def __init__(self) -> None:
        self.day_transaction: AbstractContextManager[Any] | None = None
        self.day = -1
        self.people: dict[int, Person] = {}
        self.items: dict[int, ItemRecord] = {}
        self.homes: dict[tuple[int, int], Location] = {}
        self.sites: list[Site] = []
        self.channels: list[SalesChannel] = []
        self.carrier_services: dict[tuple[int, int], CarrierService] = {}
        self.suppliers: list[Supplier] = []
        self.customers: dict[int, CustomerRecord] = {}
        self.pick_lists: dict[int, PickList] = {}
        self.shipments: dict[int, Shipment] = {}
        self.world: World | None = None

    # --- plumbing ------------------------------------------------------------------------

    def at(self, t: float, call: Callable[[], T]) -> T:
        assert self.world is not None
        day = int(self.world.env.now // 1440)
        if day != self.day:
            self.commit()
            self.day_transaction = transaction.atomic()
            self.day_transaction.__enter__()
            self.day = day
        try:
            with clock.simulated(self.world.moment(t)):
                return call()
        except KeelError as error:  # SimPy re-raises errors from their args alone: keep the details
            details = "; ".join(f"{problem.field}{f' (row {problem.row})' if problem.row is not None else ''}: "
                                f"{problem.message}" for problem in error.problems)
            raise SimulationDiverged(f"{error.detail} {details}".strip()) from error

    def commit(self) -> None:
        if self.day_transaction is not None:
            self.day_transaction.__exit__(None, None, None)
            self.day_transaction = None

    def abort(self) -> None:
        if self.day_transaction is not None:
            self.day_transaction.__exit__(SimulationDiverged, SimulationDiverged("aborted"), None)
            self.day_transaction = None

    # --- master data -------------------------------------------------------------------

    def setup(self, world: World) -> None:
        self.world = world
        scenario = world.scenario
        with clock.simulated(world.moment(0)), transaction.atomic():
            for spec in scenario.sites:
                site = Site.objects.filter(code=spec.code).first() or organization.create_site(
                    actor=None, code=spec.code, name=spec.name, kind="warehouse", country=spec.country,
                    currency=spec.currency, time_zone=spec.time_zone)
                self.sites.append(site)
            departments = {
                code: Department.objects.filter(code=code).first()
                or organization.create_department(actor=None, code=code, name=name)
                for code, name in DEPARTMENTS.items()
            }
            titles = {key: JobTitle.objects.filter(name=name).first() or organization.create_job_title(
                actor=None, name=name, level=level, focus=focus, data_scope=scope, area_levels=levels)
                for key, (name, level, focus, scope, levels) in STAFF_TITLES.items()}
            teams: dict[tuple[str, int], Team] = {}
            for worker in world.workers:
                key = (worker.team, worker.site)
                if key not in teams:
                    department = departments[DEPARTMENT_OF[worker.team]]
                    teams[key] = Team.objects.filter(name=worker.team, department=department, site=self.sites[worker.site]).first() \
                        or organization.create_team(actor=None, name=worker.team, department=department, site=self.sites[worker.site])
                if worker.role in ROLE_TITLE:
                    title = JobTitle.objects.get(slug=ROLE_TITLE[worker.role])
                else:
                    title = titles["support" if worker.role == "support" else "associate"]
                self.people[worker.index] = organization.create_person(
                    actor=None, email=worker.email, full_name=worker.name, title=title, site=self.sites[worker.site],
                    department=departments[DEPARTMENT_OF[worker.team]], team=teams[key],
                    time_zone=scenario.sites[worker.site].time_zone)
            for supplier in world.suppliers:
                self.suppliers.append(stock.create_supplier(
                    actor=None, code=supplier.code, name=supplier.name, currency="EUR",
                    contact_email=f"orders@{supplier.code.lower()}.example", payment_terms_days=supplier.payment_terms_days,
                    lead_time_days=round(supplier.lead_time_days)))
            for item in world.items:
                record = stock.create_item(
                    actor=None, sku=item.sku, name=item.name, category=item.category, unit=item.unit,
                    pack_size=item.pack, weight_kg=money(item.weight_kg), standard_cost=money(item.cost),
                    cost_currency="EUR", list_price=money(item.price), price_currency="EUR")
                self.items[item.index] = record
                stock.save_supplier_item(
                    actor=None, supplier=self.suppliers[item.supplier], item=record,
                    supplier_sku=f"{world.suppliers[item.supplier].code}-{item.sku}", minimum_order_quantity=item.moq,
                    order_multiple=item.pack, price_breaks=[(item.moq, money(item.cost))])
            for site_index, site in enumerate(self.sites):
                for item in world.items:
                    zone = "ABCD"[item.index % 4]
                    self.homes[(site_index, item.index)] = stock.create_location(
                        actor=None, site=site, code=f"{zone}-{item.index // 4 + 1:02d}-{item.index % 4 + 1}", zone=zone)
                lines = [stock.MovementLine(item=self.items[item.index], location=self.homes[(site_index, item.index)],
                                            quantity=Decimal(int(world.on_hand[site_index, item.index])))
                         for item in world.items if world.on_hand[site_index, item.index] > 0]
                stock.post_movements(actor=None, reason="receipt", lines=lines, reference=f"opening_stock:{site.code}",
                                     note="Opening stock")
            for channel in scenario.channels:
                self.channels.append(orders.create_sales_channel(actor=None, code=channel.code, name=channel.name,
                                                                 kind=channel.kind))
            for number, carrier_spec in enumerate(scenario.carriers):
                carrier: Carrier = orders.create_carrier(
                    actor=None, code=carrier_spec.code, name=carrier_spec.name,
                    services=[(service.name, service.transit_days) for service in carrier_spec.services])
                by_name = {service.name: service for service in carrier.services.all()}
                for service_number, service in enumerate(carrier_spec.services):
                    self.carrier_services[(number, service_number)] = by_name[service.name]

    # --- orders ----------------------------------------------------------------------

    def order_placed(self, t: float, order: Order) -> None:
        world = self.world
        assert world is not None
        customer = world.customers[order.customer]

        def place() -> Any:
            record = self.customers.get(customer.index)
            if record is None:
                record = orders.create_customer(actor=None, code=customer.code, name=customer.name, country=customer.country,
                                                channel=self.channels[customer.channel])
                self.customers[customer.index] = record
            street = ADDRESS_STREETS[(order.index * 7 + customer.index) % len(ADDRESS_STREETS)]
            return orders.create_order(
                actor=None, customer=record, ship_from=self.sites[order.site], channel=self.channels[order.channel],
                currency=order.currency, confirm=True, promised_ship_on=order.promised_ship_on,
                promised_delivery_on=order.promised_delivery_on,
                customer_reference=f"{world.scenario.channels[order.channel].code.upper()}-{order.index + 100001}",
                ship_to_address=f"{order.index % 97 + 1} {street}, {customer.country}",
                lines=[orders.OrderLineInput(item=self.items[line.item], quantity=Decimal(line.quantity),
                                             unit_price=Money.of(money(line.unit_price), order.currency))
                       for line in order.lines])

        order.handle = self.at(t, place)

    def address_corrected(self, t: float, order: Order, worker: Worker) -> None:
        order.handle = self.at(t, lambda: orders.correct_address(
            actor=self.people[worker.index], order=order.handle,
            address=f"{order.handle.ship_to_address} (apartment number added)", reason="The carrier could not validate the address"))

    def order_confirmed(self, t: float, order: Order, worker: Worker) -> None:
        order.handle = self.at(t, lambda: orders.confirm_order(actor=self.people[worker.index], order=order.handle))

    def order_allocated(self, t: float, order: Order, worker: Worker, taken: list[int]) -> None:
        result = self.at(t, lambda: orders.allocate_order(actor=self.people[worker.index], order=order.handle))
        if result.allocated != sum(taken):
            raise SimulationDiverged(
                f"{result.order.number}: the service allocated {result.allocated}, the simulation expected {sum(taken)}")
        order.handle = result.order

    def pick_list_created(self, t: float, order: Order, worker: Worker) -> None:
        self.pick_lists[order.index] = self.at(t, lambda: orders.create_pick_list(actor=self.people[worker.index],
                                                                                  order=order.handle))

    def picks_confirmed(self, t: float, order: Order, worker: Worker) -> None:
        self.at(t, lambda: orders.confirm_picks(actor=self.people[worker.index], pick_list=self.pick_lists.pop(order.index)))

    def quality_checked(self, t: float, order: Order, worker: Worker) -> None:
        self.at(t, lambda: orders.check_quality(actor=self.people[worker.index], order=order.handle))

    def order_packed(self, t: float, order: Order, worker: Worker) -> None:
        self.at(t, lambda: orders.pack_order(actor=self.people[worker.index], order=order.handle,
                                             weight_kg=money(order.weight_kg)))

    def order_shipped(self, t: float, order: Order, worker: Worker, tracking: str, cost: float) -> None:
        self.shipments[order.index] = self.at(t, lambda: orders.ship_order(
            actor=self.people[worker.index], order=order.handle,
            carrier_service=self.carrier_services[(order.carrier, order.service)], tracking_number=tracking,
            shipping_cost=Money.of(money(cost), order.currency)))

    def order_delivered(self, t: float, order: Order) -> None:
        self.at(t, lambda: orders.confirm_delivery(actor=None, shipment=self.shipments.pop(order.index)))

    # --- purchasing ------------------------------------------------------------------

    def purchase_ordered(self, t: float, po: PurchaseOrder, buyer: Worker, approver: Worker) -> None:
        buyer_person, approver_person = self.people[buyer.index], self.people[approver.index]

        def raise_order() -> Any:
            record = stock.create_purchase_order(
                actor=buyer_person, supplier=self.suppliers[po.supplier], site=self.sites[po.site],
                expected_on=po.expected_on,
                lines=[stock.OrderLineIn(item=self.items[line.item], quantity=Decimal(line.quantity),
                                         unit_price=money(line.unit_price)) for line in po.lines])
            record = stock.submit_purchase_order(actor=buyer_person, order=record)
            return record

        record = self.at(t, raise_order)
        record = self.at(t + 20, lambda: stock.approve_purchase_order(actor=approver_person, order=record))
        po.handle = self.at(t + 35, lambda: stock.send_purchase_order(actor=buyer_person, order=record))

    def purchase_received(self, t: float, po: PurchaseOrder, received: list[tuple[int, int, int]], worker: Worker) -> None:
        lines = list(po.handle.lines.order_by("pk"))
        self.at(t, lambda: stock.receive_purchase_order(
            actor=self.people[worker.index], order=po.handle,
            lines=[stock.ReceiveLine(line=lines[number], quantity=Decimal(accepted),
                                     location=self.homes[(po.site, po.lines[number].item)],
                                     rejected_quantity=Decimal(rejected))
                   for number, accepted, rejected in received]))

    # --- labour and marketing ----------------------------------------------------------

    def shift_worked(self, start: float, end: float, worker: Worker, hourly_cost: float) -> None:
        world = self.world
        assert world is not None
        currency = world.scenario.sites[worker.site].currency
        shift = world.scenario.warehouse.shifts[worker.shift].name
        self.at(start, lambda: simulation.record_shift(
            actor=None, person=self.people[worker.index], started_at=world.moment(start), ended_at=world.moment(end),
            shift=shift, hourly_cost=money(hourly_cost), currency=currency))

    def marketing_spent(self, t: float, channel: int, amount: float, new_customers: int) -> None:
        world = self.world
        assert world is not None
        self.at(t, lambda: simulation.record_marketing_spend(
            actor=None, channel=self.channels[channel], spent_on=world.moment(t), amount=money(amount),
            currency=world.scenario.sites[0].currency, new_customers=new_customers))

    def finish(self, world: World) -> None:
        self.commit()
