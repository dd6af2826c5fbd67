"""The fulfillment queue: open orders in scope, soonest promise first, late and at-risk flags."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from keel.orders import selectors, services
from keel.orders.models import SalesOrder
from keel.organization.models import Person, Site
from keel.supply_chain.models import Item, Location

from .conftest import q

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 30)


def queue_rows(actor: Person, **kwargs: object) -> list[tuple[str, bool, bool]]:
    return [(o.number, o.is_late, o.is_at_risk)
            for o in selectors.fulfillment_queue(actor=actor, today=TODAY, **kwargs)]  # type: ignore[arg-type]


def test_the_queue_sorts_by_promise_and_flags_late_and_at_risk(
    make_order: Callable[..., SalesOrder], bolt: Item, bin_a: Location, receive: Callable[..., None],
    fulfiller: Person, site_columbus: Site, express: object,
) -> None:
    receive(bolt, bin_a, 100)
    # Given orders promised on various days around 30 November
    yesterday = make_order((bolt, 1), promised_ship_on=date(2026, 11, 29))        # late
    tomorrow = make_order((bolt, 1), promised_ship_on=date(2026, 12, 1))          # at risk
    today_packed = make_order((bolt, 2), promised_ship_on=date(2026, 11, 30))     # packed: not at risk
    next_week = make_order((bolt, 1), promised_ship_on=date(2026, 12, 7))         # fine
    no_promise = make_order((bolt, 1))                                             # last
    today_open = make_order((bolt, 1), promised_ship_on=date(2026, 11, 30))       # at risk
    make_order((bolt, 1), promised_ship_on=date(2026, 11, 1), confirm=False)       # draft: not in the queue
    shipped = make_order((bolt, 1), promised_ship_on=date(2026, 11, 2))            # shipped: not in the queue
    make_order((bolt, 1), site=site_columbus, promised_ship_on=date(2026, 11, 3))  # out of the Dublin scope
    for order in (today_packed, shipped):
        services.allocate_order(actor=None, order=order)
        pick_list = services.create_pick_list(actor=None, order=order)
        services.confirm_picks(actor=None, pick_list=pick_list)
        services.pack_order(actor=None, order=order)
    from keel.core.money import Money

    services.ship_order(actor=None, order=shipped, carrier_service=express, tracking_number="T1",  # type: ignore[arg-type]
                        shipping_cost=Money.of("5", "EUR"))
    # When the Dublin Fulfillment Manager opens the queue on 30 November
    rows = queue_rows(fulfiller)
    # Then the open Dublin orders come soonest promise first, orders without a promise last
    assert rows == [
        (yesterday.number, True, False),
        (today_packed.number, False, False),
        (today_open.number, False, True),
        (tomorrow.number, False, True),
        (next_week.number, False, False),
        (no_promise.number, False, False),
    ]
    # And the flags filter the queue
    assert queue_rows(fulfiller, flag="late") == [(yesterday.number, True, False)]
    assert [row[0] for row in queue_rows(fulfiller, flag="at_risk")] == [today_open.number, tomorrow.number]


def test_a_partially_shipped_order_past_its_promise_is_still_late(
    make_order: Callable[..., SalesOrder], bolt: Item, bin_a: Location, receive: Callable[..., None],
    fulfiller: Person, express: object,
) -> None:
    from keel.core.money import Money
    from keel.orders.services import LineQuantity

    receive(bolt, bin_a, 10)
    order = make_order((bolt, 3), promised_ship_on=date(2026, 11, 30))
    services.allocate_order(actor=None, order=order)
    pick_list = services.create_pick_list(actor=None, order=order)
    services.confirm_picks(actor=None, pick_list=pick_list)
    services.pack_order(actor=None, order=order, lines=[LineQuantity(line=order.lines.get(), quantity=q(1))])
    services.ship_order(actor=None, order=order, carrier_service=express, tracking_number="T1",  # type: ignore[arg-type]
                        shipping_cost=Money.of("5", "EUR"))
    # On its promised day the unpacked rest puts it at risk; a day later it is late
    assert queue_rows(fulfiller) == [(order.number, False, True)]
    assert [(o.is_late, o.is_at_risk) for o in selectors.fulfillment_queue(actor=fulfiller, today=date(2026, 12, 1))] == [(True, False)]


def _queue_queries(actor: Person) -> int:
    actor = Person.objects.get(pk=actor.pk)  # a fresh actor, as in a request
    actor.has_action("orders.view_order")
    actor.reach()  # the role and scope are read once per request, before the list
    with CaptureQueriesContext(connection) as captured:
        page = list(selectors.fulfillment_queue(actor=actor, today=TODAY))
        selectors.add_queue_totals(page)
        for order in page:
            _ = (order.customer.name, order.channel.name, order.ship_from.code, order.quantity_total,  # type: ignore[attr-defined]
                 order.backordered_total, order.line_count, order.is_late, order.is_at_risk)  # type: ignore[attr-defined]
    return len(captured.captured_queries)


def test_the_queue_costs_the_same_queries_for_1_or_20_orders(
    make_order: Callable[..., SalesOrder], bolt: Item, flour: Item, fulfiller: Person,
) -> None:
    # Given one open order of two lines, then twenty
    make_order((bolt, 1), (flour, 2), promised_ship_on=date(2026, 11, 29))
    one = _queue_queries(fulfiller)
    for day in range(19):
        make_order((bolt, 1), (flour, 2), promised_ship_on=date(2026, 12, 1 + day))
    twenty = _queue_queries(fulfiller)
    # Then reading the queue with its customers, sites and flags is one query, and the
    # page's totals one more, either way
    assert len(selectors.fulfillment_queue(actor=fulfiller, today=TODAY)) == 20
    assert (one, twenty) == (2, 2)
