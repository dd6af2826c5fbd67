from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from keel.organization.models import Person, Site
from keel.supply_chain import services
from keel.supply_chain.models import Item, Location


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
