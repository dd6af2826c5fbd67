"""A small hand-made company for planning tests: two sites, three items, two suppliers,
a month of daily sales, stock on hand."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from keel.core import clock
from keel.orders import services as orders
from keel.orders.models import Customer
from keel.organization.models import Person, Site
from keel.supply_chain import services as supply
from keel.supply_chain.models import Item, Supplier

PLAN_DAY = date(2026, 3, 16)  # period 0 of every plan in these tests
UTC = ZoneInfo("UTC")


def moment(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


@pytest.fixture
def customer(db: Any) -> Customer:
    web = orders.create_sales_channel(actor=None, code="web", name="Web shop", kind="web_store")
    return orders.create_customer(actor=None, code="C1", name="Customer One", country="IE", channel=web)


@pytest.fixture
def sell(customer: Customer) -> Callable[[Item, Site, Sequence[int]], None]:
    """One confirmed order a day ending the day before PLAN_DAY, quantities oldest first."""

    def run(item: Item, site: Site, quantities: Sequence[int]) -> None:
        first = PLAN_DAY - timedelta(days=len(quantities))
        for offset, quantity in enumerate(quantities):
            if quantity <= 0:
                continue
            with clock.simulated(moment(first + timedelta(days=offset))):
                orders.create_order(actor=None, customer=customer, ship_from=site, confirm=True,
                                    lines=[orders.OrderLineInput(item=item, quantity=Decimal(quantity))])

    return run


@pytest.fixture
def acme(db: Any) -> Supplier:
    return supply.create_supplier(actor=None, code="ACME", name="Acme", currency="EUR", lead_time_days=10)


@pytest.fixture
def beta(db: Any) -> Supplier:
    return supply.create_supplier(actor=None, code="BETA", name="Beta Roasters", currency="EUR", lead_time_days=5)


def make_item(sku: str, cost: str = "10") -> Item:
    return supply.create_item(actor=None, sku=sku, name=f"Item {sku}", standard_cost=cost, cost_currency="EUR",
                              list_price="25", price_currency="EUR")


@pytest.fixture
def widget(acme: Supplier) -> Item:
    """Cost 10; from Acme: at least 100, in fifties, 2.00 each."""
    item = make_item("WIDGET")
    supply.save_supplier_item(actor=None, supplier=acme, item=item, minimum_order_quantity="100",
                              order_multiple="50", price_breaks=[("0", "2.00")])
    return item


@pytest.fixture
def gadget(acme: Supplier) -> Item:
    item = make_item("GADGET")
    supply.save_supplier_item(actor=None, supplier=acme, item=item, minimum_order_quantity="0",
                              order_multiple="12", price_breaks=[("0", "3.00")])
    return item


@pytest.fixture
def beans(beta: Supplier) -> Item:
    item = make_item("BEANS", cost="4")
    supply.save_supplier_item(actor=None, supplier=beta, item=item, minimum_order_quantity="40",
                              order_multiple="20", price_breaks=[("0", "4.00")])
    return item


def receive(item: Item, site: Site, quantity: int) -> None:
    location = supply.create_location(actor=None, site=site, code=f"{item.sku}-BIN")
    with clock.simulated(moment(PLAN_DAY - timedelta(days=40))):
        supply.post_movements(actor=None, reason="receipt", lines=[
            supply.MovementLine(item=item, location=location, quantity=Decimal(quantity))])


@pytest.fixture
def planner(make_person: Callable[..., Person]) -> Person:
    """A Supply Chain Manager (supply chain: manage) at Dublin."""
    return make_person("supply-chain-manager", full_name="Pat Planner")


@pytest.fixture
def director(make_person: Callable[..., Person]) -> Person:
    """The Director of Supply Chain: company-wide manage."""
    return make_person("director-of-supply-chain", full_name="Dee Director")
