from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from keel.orders import services
from keel.orders.models import Carrier, CarrierService, Customer, SalesChannel, SalesOrder
from keel.organization.models import Person, Site
from keel.supply_chain import services as stock
from keel.supply_chain.models import Item, Location


def q(value: str | int) -> Decimal:
    return Decimal(str(value))


@pytest.fixture
def bolt(db: Any) -> Item:
    return stock.create_item(actor=None, sku="BOLT-M8", name="Bolt M8", unit="each", list_price="2.50",
                             price_currency="EUR")


@pytest.fixture
def flour(db: Any) -> Item:
    return stock.create_item(actor=None, sku="FLOUR-25", name="Flour", unit="kg", list_price="1.10",
                             price_currency="EUR")


@pytest.fixture
def bin_a(site_dublin: Site) -> Location:
    return stock.create_location(actor=None, site=site_dublin, code="A-01", zone="A")


@pytest.fixture
def bin_b(site_dublin: Site) -> Location:
    return stock.create_location(actor=None, site=site_dublin, code="B-01", zone="B")


@pytest.fixture
def bin_columbus(site_columbus: Site) -> Location:
    return stock.create_location(actor=None, site=site_columbus, code="C-01", zone="C")


@pytest.fixture
def receive() -> Callable[..., None]:
    def put(item: Item, location: Location, quantity: str | int, lot: str = "") -> None:
        stock.post_movements(actor=None, reason="receipt", lines=[
            stock.MovementLine(item=item, location=location, quantity=q(quantity), lot_code=lot),
        ])

    return put


@pytest.fixture
def web_store(db: Any) -> SalesChannel:
    return services.create_sales_channel(actor=None, code="web", name="Web store", kind="web_store")


@pytest.fixture
def acme(web_store: SalesChannel) -> Customer:
    return services.create_customer(actor=None, code="ACME", name="Acme Retail", country="IE",
                                    email="orders@acme.example", channel=web_store)


@pytest.fixture
def express(db: Any) -> CarrierService:
    carrier: Carrier = services.create_carrier(actor=None, code="dhl", name="DHL", services=[("Express", 1), ("Economy", 4)])
    return carrier.services.get(name="Express")


@pytest.fixture
def make_order(acme: Customer, site_dublin: Site) -> Callable[..., SalesOrder]:
    def make(*lines: tuple[Item, str | int], site: Site | None = None, confirm: bool = True,
             promised_ship_on: date | None = None, actor: Any = None) -> SalesOrder:
        return services.create_order(
            actor=actor, customer=acme, ship_from=site or site_dublin, confirm=confirm,
            promised_ship_on=promised_ship_on,
            lines=[services.OrderLineInput(item=item, quantity=q(quantity)) for item, quantity in lines],
        )

    return make


@pytest.fixture
def fulfiller(make_person: Callable[..., Person]) -> Person:
    """A Fulfillment Manager at Dublin: supply chain operate, site scope."""
    return make_person("fulfillment-manager")
