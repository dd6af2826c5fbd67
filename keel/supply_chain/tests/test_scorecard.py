"""The supplier scorecard over a small history with explicit dates and exact figures."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from keel.organization.models import Person, Site
from keel.supply_chain import selectors, services
from keel.supply_chain.models import Item, Location, PurchaseOrder, Supplier, SupplierItem
from keel.supply_chain.selectors import ScorecardPeriod
from keel.supply_chain.services import OrderLineIn, ReceiveLine
from keel.supply_chain.tests.conftest import q

pytestmark = pytest.mark.django_db


def at(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


def sent(actor: Person, supplier: Supplier, site: Site, lines: list[OrderLineIn], on: str) -> PurchaseOrder:
    order = services.create_purchase_order(actor=actor, supplier=supplier, site=site, lines=lines, created_at=at(on, 8))
    services.submit_purchase_order(actor=actor, order=order, occurred_at=at(on, 8))
    services.approve_purchase_order(actor=actor, order=order, occurred_at=at(on, 9))
    services.send_purchase_order(actor=actor, order=order, occurred_at=at(on))
    return order


@pytest.fixture
def history(approver: Person, site_dublin: Site, acme: Supplier, acme_bolt: SupplierItem, bolt: Item, flour: Item,
            bin_a: Location) -> dict[str, Any]:
    """Bolts cost 0.12 EUR as standard; flour has no standard cost, Acme's first break is 2.00.

    Order A (sent 5 Jan): 100 bolts at 0.10 and 50 kg flour at 2.20, both due 15 Jan.
      14 Jan: all 100 bolts and 40 kg flour arrive; 20 Jan: the last 10 kg flour.
    Order B (sent 10 Jan): 200 bolts at 0.15 due 25 Jan. 3 Feb: 180 accepted, 20 rejected.
    """
    services.save_supplier_item(actor=None, supplier=acme, item=flour, price_breaks=[("1", "2.00"), ("100", "1.80")])
    due = date(2026, 1, 15)
    order_a = sent(approver, acme, site_dublin, [
        OrderLineIn(item=bolt, quantity=q(100), unit_price=q("0.10"), expected_on=due),
        OrderLineIn(item=flour, quantity=q(50), unit_price=q("2.20"), expected_on=due),
    ], "2026-01-05")
    bolts_a, flour_a = order_a.lines.order_by("line_number")
    services.receive_purchase_order(actor=approver, order=order_a, received_at=at("2026-01-14"), lines=[
        ReceiveLine(bolts_a, q(100), bin_a), ReceiveLine(flour_a, q(40), bin_a),
    ])
    services.receive_purchase_order(actor=approver, order=order_a, received_at=at("2026-01-20"),
                                    lines=[ReceiveLine(flour_a, q(10), bin_a)])
    order_b = sent(approver, acme, site_dublin, [
        OrderLineIn(item=bolt, quantity=q(200), unit_price=q("0.15"), expected_on=date(2026, 1, 25)),
    ], "2026-01-10")
    services.receive_purchase_order(actor=approver, order=order_b, received_at=at("2026-02-03"), lines=[
        ReceiveLine(order_b.lines.get(), q(180), bin_a, rejected_quantity=q(20)),
    ])
    return {"a": order_a, "b": order_b}


def figures(period: ScorecardPeriod) -> dict[str, object]:
    return {
        "deliveries": period.deliveries, "on_time_rate": period.on_time_rate, "in_full_rate": period.in_full_rate,
        "lead_time_mean_days": period.lead_time_mean_days, "lead_time_stdev_days": period.lead_time_stdev_days,
        "price_variance": period.price_variance, "price_variance_rate": period.price_variance_rate,
        "received": period.received_quantity, "rejected": period.rejected_quantity, "reject_rate": period.reject_rate,
    }


def test_the_scorecard_per_month_and_in_total(history: dict[str, Any], approver: Person, acme: Supplier) -> None:
    # When the scorecard covers January and February 2026
    card = selectors.supplier_scorecard(actor=approver, supplier=acme, since=date(2026, 1, 1), until=date(2026, 2, 28))
    assert [period.month for period in card.months] == [date(2026, 1, 1), date(2026, 2, 1)]
    # Then January has three deliveries: bolts 14 Jan (on time, in full), flour 14 Jan (on time, 40 of 50),
    # flour 20 Jan (late, the last 10): lead times 9, 9 and 15 days; price variance
    # (0.10-0.12)x100 + (2.20-2.00)x40 + (2.20-2.00)x10 = 8.00 on a reference of 112.00
    assert figures(card.months[0]) == {
        "deliveries": 3, "on_time_rate": Decimal("0.6667"), "in_full_rate": Decimal("0.6667"),
        "lead_time_mean_days": Decimal("11.00"), "lead_time_stdev_days": Decimal("3.46"),
        "price_variance": Decimal("8.00"), "price_variance_rate": Decimal("0.0714"),
        "received": q(150), "rejected": q(0), "reject_rate": Decimal("0.0000"),
    }
    # And February has one late, short delivery 24 days after sending: (0.15-0.12)x180 = 5.40 on 21.60
    assert figures(card.months[1]) == {
        "deliveries": 1, "on_time_rate": Decimal("0.0000"), "in_full_rate": Decimal("0.0000"),
        "lead_time_mean_days": Decimal("24.00"), "lead_time_stdev_days": None,
        "price_variance": Decimal("5.40"), "price_variance_rate": Decimal("0.2500"),
        "received": q(200), "rejected": q(20), "reject_rate": Decimal("0.1000"),
    }
    # And the total: lead times 9, 9, 15, 24 (mean 14.25, sample deviation sqrt(150.75/3) = 7.09)
    assert figures(card.total) == {
        "deliveries": 4, "on_time_rate": Decimal("0.5000"), "in_full_rate": Decimal("0.5000"),
        "lead_time_mean_days": Decimal("14.25"), "lead_time_stdev_days": Decimal("7.09"),
        "price_variance": Decimal("13.40"), "price_variance_rate": Decimal("0.1003"),
        "received": q(350), "rejected": q(20), "reject_rate": Decimal("0.0571"),
    }


def test_months_without_deliveries_are_empty_not_missing(history: dict[str, Any], approver: Person, acme: Supplier) -> None:
    card = selectors.supplier_scorecard(actor=approver, supplier=acme, since=date(2025, 12, 1), until=date(2026, 3, 31))
    assert [(p.month, p.deliveries, p.on_time_rate, p.lead_time_mean_days) for p in card.months] == [
        (date(2025, 12, 1), 0, None, None), (date(2026, 1, 1), 3, Decimal("0.6667"), Decimal("11.00")),
        (date(2026, 2, 1), 1, Decimal("0.0000"), Decimal("24.00")), (date(2026, 3, 1), 0, None, None),
    ]


def test_the_scorecard_counts_only_receipts_at_sites_the_reader_can_see(
    history: dict[str, Any], make_person: Callable[..., Person], site_columbus: Site, acme: Supplier,
) -> None:
    # A Logistics Manager at Columbus sees none of the Dublin receipts
    columbus = make_person("logistics-manager", site=site_columbus)
    card = selectors.supplier_scorecard(actor=columbus, supplier=acme, since=date(2026, 1, 1), until=date(2026, 2, 28))
    assert (card.total.deliveries, card.total.received_quantity) == (0, q(0))


def test_days_and_months_are_those_of_the_ship_to_site(
    approver: Person, make_person: Callable[..., Person], site_columbus: Site, acme: Supplier, acme_bolt: SupplierItem,
    bolt: Item,
) -> None:
    # Given an order to Columbus (UTC-5 in winter) due 28 Feb, received at 03:00 UTC on 1 March,
    # which is 22:00 on 28 February in Columbus
    director = make_person("director-of-supply-chain")
    dock = services.create_location(actor=None, site=site_columbus, code="DOCK", kind="receiving")
    order = sent(director, acme, site_columbus, [
        OrderLineIn(item=bolt, quantity=q(100), expected_on=date(2026, 2, 28)),
    ], "2026-02-01")
    services.receive_purchase_order(actor=director, order=order, received_at=datetime(2026, 3, 1, 3, tzinfo=UTC),
                                    lines=[ReceiveLine(order.lines.get(), q(100), dock)])
    # Then the delivery counts in February, on time, 27 days after sending (1 Feb 05:00 local)
    card = selectors.supplier_scorecard(actor=director, supplier=acme, since=date(2026, 2, 1), until=date(2026, 3, 31))
    assert [(p.month, p.deliveries, p.on_time_rate, p.lead_time_mean_days) for p in card.months] == [
        (date(2026, 2, 1), 1, Decimal("1.0000"), Decimal("27.00")), (date(2026, 3, 1), 0, None, None),
    ]
