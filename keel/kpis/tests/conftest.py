"""A small company built through the real services at known moments, for hand-checked KPIs.

Now is Thursday 2026-11-26 12:00 UTC: the open week began Monday 2026-11-23, the open
month on 2026-11-01. Dublin works in EUR, Columbus in USD; KPI money is reported in EUR
with USD at 0.5 (set for these tests) so every expected number is easy to check by hand.
The expected values are worked out in test_values.py, next to each assertion.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache

from keel.core import clock
from keel.core.money import Money
from keel.orders import services as orders
from keel.orders.models import CarrierService, Customer, SalesChannel, SalesOrder
from keel.organization.models import Person, Site
from keel.simulation import services as simulation
from keel.supply_chain import services as stock
from keel.supply_chain.models import Item, Location, PurchaseOrder


def at(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


@dataclass
class Company:
    dublin: Site
    columbus: Site
    web: SalesChannel
    marketplace: SalesChannel
    dhl: CarrierService
    ups: CarrierService
    acme: Customer
    beta: Customer
    bolt: Item
    nut: Item
    glue: Item
    orders: dict[str, SalesOrder]
    purchase_orders: dict[str, PurchaseOrder]
    buyer: Person


def q(value: str | int) -> Decimal:
    return Decimal(str(value))


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def report_in_eur(settings: Any) -> None:
    settings.KEEL_KPI_CURRENCY = "EUR"
    settings.KEEL_KPI_EXCHANGE_RATES = {"USD": "0.5"}
    settings.KEEL_KPI_CARRYING_RATE = "0.25"


def _fulfil(order: SalesOrder, *, carrier: CarrierService, cost: str, shipped: datetime,
            parts: list[tuple[int, datetime, str]] | None = None) -> list[Any]:
    """Pick and pack everything allocated, then ship (all at once, or in parts)."""
    with clock.simulated(shipped):
        pick_list = orders.create_pick_list(actor=None, order=order)
        orders.confirm_picks(actor=None, pick_list=pick_list)
        orders.pack_order(actor=None, order=order)
    shipments = []
    if parts is None:
        with clock.simulated(shipped):
            shipments.append(orders.ship_order(actor=None, order=order, carrier_service=carrier,
                                               tracking_number=f"T-{order.pk}",
                                               shipping_cost=Money.of(cost, order.currency), shipped_at=shipped))
        return shipments
    line = order.lines.get()
    for number, (quantity, moment, part_cost) in enumerate(parts):
        with clock.simulated(moment):
            shipments.append(orders.ship_order(
                actor=None, order=order, carrier_service=carrier, tracking_number=f"T-{order.pk}-{number}",
                shipping_cost=Money.of(part_cost, order.currency), shipped_at=moment,
                lines=[orders.LineQuantity(line=line, quantity=q(quantity))]))
    return shipments


@pytest.fixture
def company(db: Any, site_dublin: Site, site_columbus: Site, make_person: Callable[..., Person],
            report_in_eur: None) -> Company:
    """See the module docstring; every moment below is UTC."""
    buyer = make_person("chief-operating-officer", is_superuser=True, email="buyer@example.com")
    web = orders.create_sales_channel(actor=None, code="web", name="Web store", kind="web_store")
    marketplace = orders.create_sales_channel(actor=None, code="market", name="Marketplace", kind="marketplace")
    acme = orders.create_customer(actor=None, code="ACME", name="Acme", country="IE", channel=web)
    beta = orders.create_customer(actor=None, code="BETA", name="Beta", country="US", channel=web)
    dhl = orders.create_carrier(actor=None, code="dhl", name="DHL", services=[("Express", 1)]).services.get()
    ups = orders.create_carrier(actor=None, code="ups", name="UPS", services=[("Ground", 3)]).services.get()
    bolt = stock.create_item(actor=None, sku="BOLT", name="Bolt", standard_cost="2.00", cost_currency="EUR",
                             list_price="2.50", price_currency="EUR")
    nut = stock.create_item(actor=None, sku="NUT", name="Nut", standard_cost="1.00", cost_currency="EUR",
                            list_price="1.00", price_currency="EUR")
    glue = stock.create_item(actor=None, sku="GLUE", name="Glue", standard_cost="4.00", cost_currency="EUR",
                             list_price="6.00", price_currency="EUR")
    dub_bin: Location = stock.create_location(actor=None, site=site_dublin, code="A-01")
    cmh_bin: Location = stock.create_location(actor=None, site=site_columbus, code="C-01")

    # Opening stock on 1 October: Dublin 100 BOLT, 50 NUT, 3 GLUE; Columbus 40 BOLT.
    stock.post_movements(actor=None, reason="receipt", occurred_at=at(10, 1, 8), lines=[
        stock.MovementLine(item=bolt, location=dub_bin, quantity=q(100)),
        stock.MovementLine(item=nut, location=dub_bin, quantity=q(50)),
        stock.MovementLine(item=glue, location=dub_bin, quantity=q(3)),
        stock.MovementLine(item=bolt, location=cmh_bin, quantity=q(40)),
    ])

    def order(key: str, customer: Customer, site: Site, item: Item, quantity: int, confirmed: datetime,
              ship_on: date | None, deliver_on: date | None, price: str | None = None) -> SalesOrder:
        with clock.simulated(confirmed):
            line = orders.OrderLineInput(item=item, quantity=q(quantity),
                                         unit_price=Money.of(price, site.currency) if price else None)
            made = orders.create_order(actor=None, customer=customer, ship_from=site, lines=[line], confirm=True,
                                       currency=site.currency, promised_ship_on=ship_on,
                                       promised_delivery_on=deliver_on)
            orders.allocate_order(actor=None, order=made)
        return made

    made: dict[str, SalesOrder] = {}
    # O0, October: Acme's first order (2 BOLT), shipped and delivered in October.
    made["O0"] = order("O0", acme, site_dublin, bolt, 2, at(10, 20, 9), date(2026, 10, 21), date(2026, 10, 23))
    shipment = _fulfil(made["O0"], carrier=dhl, cost="5.00", shipped=at(10, 21, 9))[0]
    orders.confirm_delivery(actor=None, shipment=shipment, delivered_at=at(10, 22, 9))

    # O1: Dublin, Acme, 10 BOLT at 2.50; confirmed Mon 09:00, shipped 15:00, delivered Tue 15:00. Perfect.
    made["O1"] = order("O1", acme, site_dublin, bolt, 10, at(11, 23, 9), date(2026, 11, 23), date(2026, 11, 25))
    shipment = _fulfil(made["O1"], carrier=dhl, cost="5.00", shipped=at(11, 23, 15))[0]
    orders.confirm_delivery(actor=None, shipment=shipment, delivered_at=at(11, 24, 15))

    # O2: Dublin, Acme, 4 NUT at 1.00; confirmed Mon 10:00, held and released, shipped Tue 10:00 (late),
    # delivered Wed 10:00 (late).
    made["O2"] = order("O2", acme, site_dublin, nut, 4, at(11, 23, 10), date(2026, 11, 23), date(2026, 11, 24))
    with clock.simulated(at(11, 23, 11)):
        orders.hold_order(actor=None, order=made["O2"], reason="Payment check")
    with clock.simulated(at(11, 23, 12)):
        orders.release_hold(actor=None, order=made["O2"])
    shipment = _fulfil(made["O2"], carrier=dhl, cost="3.00", shipped=at(11, 24, 10))[0]
    orders.confirm_delivery(actor=None, shipment=shipment, delivered_at=at(11, 25, 10))

    # O3: Columbus, Beta, 5 BOLT at 2.50 USD; confirmed Tue 09:00; shipped in two parts (3 on Tue 21:00,
    # 2 on Wed 09:00, 4.00 and 2.00 USD), both delivered Wed 20:00.
    made["O3"] = order("O3", beta, site_columbus, bolt, 5, at(11, 24, 9), date(2026, 11, 24), date(2026, 11, 26),
                       price="2.50")
    first, second = _fulfil(made["O3"], carrier=ups, cost="4.00", shipped=at(11, 24, 20),
                            parts=[(3, at(11, 24, 21), "4.00"), (2, at(11, 25, 9), "2.00")])
    orders.confirm_delivery(actor=None, shipment=first, delivered_at=at(11, 25, 20))
    orders.confirm_delivery(actor=None, shipment=second, delivered_at=at(11, 25, 20))

    # O4: Dublin, Beta, 200 BOLT; confirmed Wed 09:00; only 88 on hand: 112 backordered; not shipped.
    made["O4"] = order("O4", beta, site_dublin, bolt, 200, at(11, 25, 9), date(2026, 11, 27), date(2026, 11, 30))
    # O5: Dublin, Acme, 1 NUT; confirmed Wed 11:00 and cancelled at 12:00 (never allocated).
    with clock.simulated(at(11, 25, 11)):
        made["O5"] = orders.create_order(actor=None, customer=acme, ship_from=site_dublin, confirm=True,
                                         lines=[orders.OrderLineInput(item=nut, quantity=q(1))])
    with clock.simulated(at(11, 25, 12)):
        orders.cancel_order(actor=None, order=made["O5"], reason="Customer changed their mind")

    # Glue: the 3 on hand scrapped on Tue 10:00 -> Dublin GLUE stocked out.
    stock.post_movements(actor=None, reason="scrap", occurred_at=at(11, 24, 10), lines=[
        stock.MovementLine(item=glue, location=dub_bin, quantity=q(-3))])

    # Purchasing. PO-A: Nordtex (EUR) -> Dublin, 20 NUT at 1.20, sent Mon 08:00, expected Wed, received Tue 08:00.
    # PO-B: Yankee (USD) -> Columbus, 10 BOLT at 3.00 USD, sent 16 Nov 08:00, expected 20 Nov, received Wed 08:00.
    nordtex = stock.create_supplier(actor=None, code="NORDTEX", name="Nordtex", currency="EUR")
    yankee = stock.create_supplier(actor=None, code="YANKEE", name="Yankee Bolts", currency="USD")
    purchase_orders: dict[str, PurchaseOrder] = {}
    for key, supplier, site, item, quantity, price, sent, expected, received, location in (
        ("PO-A", nordtex, site_dublin, nut, 20, "1.20", at(11, 23, 8), date(2026, 11, 25), at(11, 24, 8), dub_bin),
        ("PO-B", yankee, site_columbus, bolt, 10, "3.00", at(11, 16, 8), date(2026, 11, 20), at(11, 25, 8), cmh_bin),
    ):
        po = stock.create_purchase_order(actor=buyer, supplier=supplier, site=site, created_at=sent, lines=[
            stock.OrderLineIn(item=item, quantity=q(quantity), unit_price=q(price), expected_on=expected)])
        stock.submit_purchase_order(actor=buyer, order=po, occurred_at=sent)
        stock.approve_purchase_order(actor=buyer, order=po, occurred_at=sent)
        stock.send_purchase_order(actor=buyer, order=po, occurred_at=sent)
        stock.receive_purchase_order(actor=buyer, order=po, received_at=received,
                                     lines=[(po.lines.get(), q(quantity), location)])
        purchase_orders[key] = po

    # Shifts: Dublin 8 h on Mon, Columbus 6 h on Tue.
    dublin_picker = make_person("operations-manager", site=site_dublin, email="picker@example.com")
    columbus_picker = make_person("operations-manager", site=site_columbus, email="packer@example.com")
    simulation.record_shift(actor=None, person=dublin_picker, started_at=at(11, 23, 8), ended_at=at(11, 23, 16),
                            shift="day", hourly_cost=q("20"), currency="EUR")
    simulation.record_shift(actor=None, person=columbus_picker, started_at=at(11, 24, 8), ended_at=at(11, 24, 14),
                            shift="day", hourly_cost=q("22"), currency="USD")
    # Marketing in November: 300 EUR on the web store for 6 new customers, 100 USD on the marketplace for 2.
    simulation.record_marketing_spend(actor=None, channel=web, spent_on=at(11, 5, 12), amount=q("300"),
                                      currency="EUR", new_customers=6)
    simulation.record_marketing_spend(actor=None, channel=marketplace, spent_on=at(11, 20, 12), amount=q("100"),
                                      currency="USD", new_customers=2)
    return Company(dublin=site_dublin, columbus=site_columbus, web=web, marketplace=marketplace, dhl=dhl, ups=ups,
                   acme=acme, beta=beta, bolt=bolt, nut=nut, glue=glue, orders=made,
                   purchase_orders=purchase_orders, buyer=buyer)
