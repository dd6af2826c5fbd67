from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from keel.organization.models import Person, Site
from keel.supply_chain import services
from keel.supply_chain.models import Item, Location, Supplier, SupplierItem


@pytest.fixture
def clerk(make_person: Callable[..., Person]) -> Person:
    """A Supply Chain Manager (supply chain: manage) at Dublin."""
    return make_person("supply-chain-manager")


@pytest.fixture
def bolt(db: Any) -> Item:
    return services.create_item(actor=None, sku="BOLT-M8", name="Bolt M8", unit="each",
                                standard_cost="0.12", cost_currency="EUR")


@pytest.fixture
def flour(db: Any) -> Item:
    return services.create_item(actor=None, sku="FLOUR-25", name="Flour", unit="kg")


@pytest.fixture
def vaccine(db: Any) -> Item:
    return services.create_item(actor=None, sku="VAC-1", name="Vaccine", tracks_lots=True, tracks_expiry=True)


@pytest.fixture
def bin_a(site_dublin: Site) -> Location:
    return services.create_location(actor=None, site=site_dublin, code="A-01", zone="A")


@pytest.fixture
def bin_b(site_dublin: Site) -> Location:
    return services.create_location(actor=None, site=site_dublin, code="B-01", zone="B")


def q(value: str | int) -> Decimal:
    return Decimal(str(value))


# --- Purchasing -----------------------------------------------------------------------


@pytest.fixture
def acme(db: Any) -> Supplier:
    """A Euro supplier with a declared lead time of 10 days."""
    return services.create_supplier(actor=None, code="ACME", name="Acme Fasteners", currency="EUR",
                                    contact_name="Rita Acme", contact_email="orders@acme.example",
                                    payment_terms_days=30, lead_time_days=10)


@pytest.fixture
def acme_bolt(acme: Supplier, bolt: Item) -> SupplierItem:
    """Bolts from Acme: at least 100, in fifties, 0.10 each, 0.08 from 500."""
    supplier_item, _ = services.save_supplier_item(
        actor=None, supplier=acme, item=bolt, supplier_sku="AC-B8", minimum_order_quantity="100",
        order_multiple="50", price_breaks=[("100", "0.10"), ("500", "0.08")],
    )
    return supplier_item


@pytest.fixture
def quarantine(site_dublin: Site) -> Location:
    return services.create_location(actor=None, site=site_dublin, code="Q-01", zone="Q", kind="quarantine")


@pytest.fixture
def buyer(make_person: Callable[..., Person]) -> Person:
    """A Logistics Manager (supply chain: operate) at Dublin: raises and receives, cannot approve."""
    return make_person("logistics-manager", full_name="Bea Buyer")


@pytest.fixture
def approver(make_person: Callable[..., Person]) -> Person:
    """A Supply Chain Manager (supply chain: manage) at Dublin: may approve."""
    return make_person("supply-chain-manager", full_name="Alex Approver")
