"""Order lifecycle through the services: allocation, hold, pick, pack, ship, deliver, cancel."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from conftest import row_counts
from keel.core.errors import Conflict, ValidationFailed
from keel.core.money import Money
from keel.events.models import Event, EventObjectLink, ObjectRelation
from keel.orders import services
from keel.orders.models import (
    Allocation,
    CarrierService,
    Customer,
    Package,
    PickList,
    SalesOrder,
    SalesOrderLine,
    Shipment,
)
from keel.orders.services import LineQuantity, OrderLineInput
from keel.organization.models import Site
from keel.supply_chain import services as stock
from keel.supply_chain.models import Item, Location, StockBalance, StockMovement

from .conftest import q

pytestmark = pytest.mark.django_db


def balance(item: Item, location: Location, lot: str = "") -> tuple[Decimal, Decimal]:
    found = StockBalance.objects.filter(item=item, location=location, lot_code=lot).first()
    return (found.on_hand, found.reserved) if found else (Decimal(0), Decimal(0))


def allocations_of(order: SalesOrder) -> list[tuple[int, str, Decimal]]:
    return [
        (a.line.line_number, a.location.code, a.quantity)
        for a in Allocation.objects.filter(line__order=order).select_related("line", "location").order_by("id")
    ]


def lines_of(order: SalesOrder) -> list[tuple[str, Decimal, Decimal, Decimal, Decimal, str]]:
    return [
        (line.item.sku, line.allocated_quantity, line.picked_quantity, line.packed_quantity, line.shipped_quantity, line.status)
        for line in SalesOrderLine.objects.filter(order=order).select_related("item").order_by("line_number")
    ]


def pick_everything(order: SalesOrder) -> PickList:
    pick_list = services.create_pick_list(actor=None, order=order)
    return services.confirm_picks(actor=None, pick_list=pick_list)


def ship(order: SalesOrder, service: CarrierService, lines: list[LineQuantity] | None = None, tracking: str = "JD0001") -> Shipment:
    return services.ship_order(actor=None, order=order, carrier_service=service, tracking_number=tracking,
                               shipping_cost=Money.of("6.40", "EUR"), lines=lines)


def activities(order: SalesOrder) -> list[str]:
    return list(
        Event.objects.filter(object_links__object__ocel_id=f"sales_order:{order.pk}")
        .order_by("id").values_list("event_type__name", flat=True)
    )


def snapshot() -> tuple[Any, ...]:
    """Everything a refused change must leave as it was."""
    return (
        row_counts(),
        list(StockBalance.objects.order_by("pk").values_list("on_hand", "reserved")),
        StockMovement.objects.count(),
        list(SalesOrder.objects.order_by("pk").values_list("status", "is_on_hold")),
        list(SalesOrderLine.objects.order_by("pk").values_list(
            "allocated_quantity", "picked_quantity", "packed_quantity", "shipped_quantity", "status")),
        Allocation.objects.count(), PickList.objects.count(), Package.objects.count(), Shipment.objects.count(),
    )


# --- Creating orders ------------------------------------------------------------------


def test_a_new_order_is_numbered_priced_from_the_list_and_recorded(
    make_order: Callable[..., SalesOrder], bolt: Item, flour: Item, acme: Customer
) -> None:
    # When an order of 4 bolts and 2.5 kg of flour is created as a draft
    order = make_order((bolt, 4), (flour, "2.5"), confirm=False)
    # Then it is numbered from its key, in the list prices' currency, with both lines
    assert order.number == f"SO-{order.pk:06d}"
    assert (order.status, order.currency, order.channel.code) == ("draft", "EUR", "web")
    assert [(line.item.sku, line.quantity, line.unit_price, line.status) for line in order.lines.order_by("line_number")] == [
        ("BOLT-M8", q(4), q("2.50"), "open"), ("FLOUR-25", q("2.5"), q("1.10"), "open"),
    ]
    # And the event links the order, its customer, its lines and items
    event = Event.objects.get(event_type__name="Create order")
    linked = sorted(EventObjectLink.objects.filter(event=event).values_list("object__ocel_id", "qualifier"))
    line_ids = list(order.lines.order_by("line_number").values_list("pk", flat=True))
    assert linked == sorted([
        (f"sales_order:{order.pk}", "created"), (f"customer:{acme.pk}", "customer"),
        (f"order_line:{line_ids[0]}", "contains"), (f"order_line:{line_ids[1]}", "contains"),
        (f"item:{bolt.pk}", "item"), (f"item:{flour.pk}", "item"),
    ])
    assert event.attributes == {"number": order.number, "lines": 2, "total": "12.75", "currency": "EUR", "channel": "web"}
    assert ObjectRelation.objects.filter(source__ocel_id=f"order_line:{line_ids[0]}",
                                         target__ocel_id=f"sales_order:{order.pk}", qualifier="part of").exists()
    # When it is confirmed, it is ready for the warehouse
    services.confirm_order(actor=None, order=order)
    assert SalesOrder.objects.get(pk=order.pk).status == "confirmed"
    assert activities(order) == ["Create order", "Confirm order"]


def test_an_order_with_bad_lines_names_each_problem_and_creates_nothing(
    acme: Customer, site_dublin: Site, bolt: Item
) -> None:
    nut = stock.create_item(actor=None, sku="NUT", name="Nut")  # no list price
    before = snapshot()
    with pytest.raises(ValidationFailed) as refused:
        services.create_order(actor=None, customer=acme, ship_from=site_dublin, lines=[
            OrderLineInput(item=bolt, quantity=q("1.5")),
            OrderLineInput(item=nut, quantity=q(2)),
            OrderLineInput(item=bolt, quantity=q(1), unit_price=Money.of("3", "USD")),
            OrderLineInput(item=bolt, quantity=q(0)),
        ])
    assert [problem.as_dict() for problem in refused.value.problems] == [
        {"field": "lines.quantity", "message": "BOLT-M8 is counted in each: whole numbers only", "row": 0},
        {"field": "lines.unit_price", "message": "a price with its currency is needed (NUT has no list price)", "row": 1},
        {"field": "lines.quantity", "message": "must be more than zero", "row": 3},
        {"field": "lines.unit_price", "message": "priced in USD but the order is in EUR", "row": 2},
    ]
    assert snapshot() == before


# --- Allocation -----------------------------------------------------------------------


def test_full_allocation_reserves_stock_at_the_ship_from_site(
    make_order: Callable[..., SalesOrder], bolt: Item, bin_a: Location, bin_columbus: Location, receive: Callable[..., None]
) -> None:
    # Given 10 bolts in Dublin and 50 in Columbus
    receive(bolt, bin_a, 10)
    receive(bolt, bin_columbus, 50)
    order = make_order((bolt, 4))
    # When the Dublin order of 4 is allocated
    result = services.allocate_order(actor=None, order=order)
    # Then 4 are reserved in Dublin, none in Columbus, and the order is allocated
    assert (result.allocated, result.backordered) == (q(4), q(0))
    assert balance(bolt, bin_a) == (q(10), q(4))
    assert balance(bolt, bin_columbus) == (q(50), q(0))
    assert allocations_of(order) == [(1, "A-01", q(4))]
    assert lines_of(order) == [("BOLT-M8", q(4), q(0), q(0), q(0), "allocated")]
    assert SalesOrder.objects.get(pk=order.pk).status == "allocated"
    movement = StockMovement.objects.get(reason="reservation")
    assert (movement.quantity, movement.reserved_quantity, movement.reference) == (q(0), q(4), f"sales_order:{order.pk}")
    # And the allocation event links the order, its line, the item and the location
    event = Event.objects.get(event_type__name="Allocate order")
    assert event.attributes == {"allocated": "4", "backordered": "0"}
    linked = set(EventObjectLink.objects.filter(event=event).values_list("object__ocel_id", flat=True))
    assert linked == {f"sales_order:{order.pk}", f"order_line:{order.lines.get().pk}", f"item:{bolt.pk}", f"location:{bin_a.pk}"}
    # And a second allocation has nothing left to do
    before = snapshot()
    with pytest.raises(Conflict, match="fully allocated"):
        services.allocate_order(actor=None, order=order)
    assert snapshot() == before


def test_partial_allocation_takes_the_fullest_bin_first_and_backorders_the_rest(
    make_order: Callable[..., SalesOrder], bolt: Item, bin_a: Location, bin_b: Location, receive: Callable[..., None]
) -> None:
    # Given 3 bolts in A-01 and 4 in B-01
    receive(bolt, bin_a, 3)
    receive(bolt, bin_b, 4)
    order = make_order((bolt, 10))
    # When an order of 10 is allocated
    result = services.allocate_order(actor=None, order=order)
    # Then B-01 (more available) goes first, then A-01, and 3 are backordered
    assert (result.allocated, result.backordered) == (q(7), q(3))
    assert allocations_of(order) == [(1, "B-01", q(4)), (1, "A-01", q(3))]
    assert (balance(bolt, bin_a), balance(bolt, bin_b)) == ((q(3), q(3)), (q(4), q(4)))
    assert lines_of(order) == [("BOLT-M8", q(7), q(0), q(0), q(0), "partially_allocated")]
    assert SalesOrderLine.objects.get(order=order).backordered_quantity == q(3)
    assert SalesOrder.objects.get(pk=order.pk).status == "partially_allocated"
    # When 5 more arrive and allocation runs again, the backorder is covered
    receive(bolt, bin_a, 5)
    again = services.allocate_order(actor=None, order=order)
    assert (again.allocated, again.backordered) == (q(3), q(0))
    assert allocations_of(order) == [(1, "B-01", q(4)), (1, "A-01", q(3)), (1, "A-01", q(3))]
    assert balance(bolt, bin_a) == (q(8), q(6))
    assert SalesOrder.objects.get(pk=order.pk).status == "allocated"


def test_no_stock_backorders_the_whole_order(
    make_order: Callable[..., SalesOrder], bolt: Item, bin_a: Location, site_dublin: Site, receive: Callable[..., None]
) -> None:
    # Given bolts only in the receiving dock and in quality hold, which are never allocated
    dock = stock.create_location(actor=None, site=site_dublin, code="DOCK", kind="receiving")
    hold = stock.create_location(actor=None, site=site_dublin, code="QC", kind="quarantine")
    receive(bolt, dock, 20)
    receive(bolt, hold, 20)
    order = make_order((bolt, 2))
    movements = StockMovement.objects.count()
    # When the order is allocated
    result = services.allocate_order(actor=None, order=order)
    # Then nothing is reserved, the order is backordered, and the event says so
    assert (result.allocated, result.backordered) == (q(0), q(2))
    assert StockMovement.objects.count() == movements
    assert allocations_of(order) == []
    assert lines_of(order) == [("BOLT-M8", q(0), q(0), q(0), q(0), "backordered")]
    assert SalesOrder.objects.get(pk=order.pk).status == "backordered"
    assert activities(order)[-1] == "Backorder order"
    assert Event.objects.get(event_type__name="Backorder order").attributes == {"allocated": "0", "backordered": "2"}


def test_lots_expiring_first_are_allocated_first(
    make_order: Callable[..., SalesOrder], bin_a: Location, bin_b: Location
) -> None:
    vaccine = stock.create_item(actor=None, sku="VAC-1", name="Vaccine", tracks_lots=True, tracks_expiry=True,
                                list_price="9", price_currency="EUR")
    from datetime import date

    stock.post_movements(actor=None, reason="receipt", lines=[
        stock.MovementLine(item=vaccine, location=bin_a, quantity=q(10), lot_code="L-LATE", expires_on=date(2027, 6, 1)),
        stock.MovementLine(item=vaccine, location=bin_b, quantity=q(2), lot_code="L-SOON", expires_on=date(2027, 1, 1)),
    ])
    order = make_order((vaccine, 5))
    services.allocate_order(actor=None, order=order)
    assert [(a.location.code, a.lot_code, a.quantity) for a in Allocation.objects.filter(line__order=order).order_by("id")] == [
        ("B-01", "L-SOON", q(2)), ("A-01", "L-LATE", q(3)),
    ]
    assert (balance(vaccine, bin_b, "L-SOON"), balance(vaccine, bin_a, "L-LATE")) == ((q(2), q(2)), (q(10), q(3)))


# --- Shipping -------------------------------------------------------------------------


def test_shipping_unallocated_stock_is_refused_and_changes_nothing(
    make_order: Callable[..., SalesOrder], bolt: Item, bin_a: Location, receive: Callable[..., None], express: CarrierService
) -> None:
    # Given a confirmed order of 3 bolts, with stock on the shelf but nothing allocated
    receive(bolt, bin_a, 10)
    order = make_order((bolt, 3))
    line = order.lines.get()
    before = snapshot()
    # When someone tries to ship it
    with pytest.raises(ValidationFailed) as refused:
        ship(order, express, lines=[LineQuantity(line=line, quantity=q(3))])
    # Then the line is named with a clear reason, and nothing changed
    assert [problem.as_dict() for problem in refused.value.problems] == [{
        "field": "lines.quantity", "row": 0,
        "message": "BOLT-M8: only 0 allocated and not shipped; stock that is not allocated to the order cannot ship",
    }]
    assert snapshot() == before
    assert balance(bolt, bin_a) == (q(10), q(0))


def test_allocated_stock_must_be_packed_before_it_ships(
    make_order: Callable[..., SalesOrder], bolt: Item, bin_a: Location, receive: Callable[..., None], express: CarrierService
) -> None:
    receive(bolt, bin_a, 10)
    order = make_order((bolt, 3))
    services.allocate_order(actor=None, order=order)
    before = snapshot()
    with pytest.raises(ValidationFailed) as refused:
        ship(order, express, lines=[LineQuantity(line=order.lines.get(), quantity=q(2))])
    assert [problem.message for problem in refused.value.problems] == [
        "BOLT-M8: only 0 packed and not shipped; pack it before shipping",
    ]
    with pytest.raises(ValidationFailed) as nothing:
        ship(order, express)
    assert [problem.message for problem in nothing.value.problems] == ["nothing is packed and waiting to ship"]
    assert snapshot() == before


def test_a_partial_shipment_then_the_rest_then_delivery(
    make_order: Callable[..., SalesOrder], bolt: Item, bin_a: Location, receive: Callable[..., None], express: CarrierService
) -> None:
    # Given an order of 5 bolts, allocated and picked in full, with 3 packed
    receive(bolt, bin_a, 10)
    order = make_order((bolt, 5))
    line = order.lines.get()
    services.allocate_order(actor=None, order=order)
    pick_everything(order)
    assert SalesOrder.objects.get(pk=order.pk).status == "picking"
    first_box = services.pack_order(actor=None, order=order, lines=[LineQuantity(line=line, quantity=q(3))], weight_kg=q("1.2"))
    # When the packed 3 ship
    first = ship(order, express, tracking="JD0001")
    # Then the reservation is consumed for 3: 7 on hand, 2 still reserved
    assert balance(bolt, bin_a) == (q(7), q(2))
    movement = StockMovement.objects.get(reason="shipment")
    assert (movement.quantity, movement.reserved_quantity, movement.reference) == (q(-3), q(-3), f"sales_order:{order.pk}")
    assert lines_of(order) == [("BOLT-M8", q(5), q(5), q(3), q(3), "partially_shipped")]
    assert SalesOrder.objects.get(pk=order.pk).status == "partially_shipped"
    assert list(first.packages.values_list("pk", flat=True)) == [first_box.pk]
    assert (first.tracking_number, first.cost, first.status) == ("JD0001", Money.of("6.40", "EUR"), "in_transit")
    # When the other 2 are packed and shipped
    services.pack_order(actor=None, order=order)
    second = ship(order, express, tracking="JD0002")
    # Then everything left: 5 on hand, nothing reserved, the order is shipped
    assert balance(bolt, bin_a) == (q(5), q(0))
    assert list(second.lines.values_list("quantity", flat=True)) == [q(2)]
    assert lines_of(order) == [("BOLT-M8", q(5), q(5), q(5), q(5), "shipped")]
    assert SalesOrder.objects.get(pk=order.pk).status == "shipped"
    # When the carrier delivers the first shipment only, the order is still shipped
    services.confirm_delivery(actor=None, shipment=first)
    assert SalesOrder.objects.get(pk=order.pk).status == "shipped"
    # And once both are delivered, the order is delivered
    services.confirm_delivery(actor=None, shipment=second)
    assert SalesOrder.objects.get(pk=order.pk).status == "delivered"
    with pytest.raises(Conflict, match="already delivered"):
        services.confirm_delivery(actor=None, shipment=second)
    # And every step is in the event log, in order
    assert activities(order) == [
        "Create order", "Confirm order", "Reserve stock", "Allocate order", "Create pick list", "Confirm picks",
        "Pack order", "Ship stock", "Ship order", "Pack order", "Ship stock", "Ship order", "Confirm delivery",
        "Confirm delivery",
    ]
    ship_event = Event.objects.filter(event_type__name="Ship order").order_by("id").first()
    assert ship_event is not None
    assert set(EventObjectLink.objects.filter(event=ship_event).values_list("object__ocel_id", "qualifier")) == {
        (f"sales_order:{order.pk}", "shipped"), (f"shipment:{first.pk}", "created"), (f"order_line:{line.pk}", "line"),
        (f"item:{bolt.pk}", "item"), (f"package:{first_box.pk}", "shipped"),
    }
    assert ship_event.attributes == {"carrier": "dhl", "service": "Express", "tracking_number": "JD0001",
                                     "shipping_cost": "6.40", "currency": "EUR", "quantity": "3"}


def test_a_short_pick_leaves_the_rest_to_pick_again(
    make_order: Callable[..., SalesOrder], bolt: Item, bin_a: Location, receive: Callable[..., None]
) -> None:
    receive(bolt, bin_a, 10)
    order = make_order((bolt, 4))
    services.allocate_order(actor=None, order=order)
    pick_list = services.create_pick_list(actor=None, order=order)
    pick_line = pick_list.lines.get()
    services.confirm_picks(actor=None, pick_list=pick_list, picked={pick_line.pk: q(1)})
    assert lines_of(order) == [("BOLT-M8", q(4), q(1), q(0), q(0), "allocated")]
    second = services.create_pick_list(actor=None, order=order)
    assert list(second.lines.values_list("quantity", flat=True)) == [q(3)]
    with pytest.raises(Conflict, match="no allocated stock waiting to be picked"):
        services.create_pick_list(actor=None, order=order)


# --- Hold and cancel ------------------------------------------------------------------


def test_a_hold_blocks_allocation_and_shipping_until_released(
    make_order: Callable[..., SalesOrder], bolt: Item, bin_a: Location, receive: Callable[..., None], express: CarrierService
) -> None:
    receive(bolt, bin_a, 10)
    order = make_order((bolt, 2), (bolt, 1))
    services.allocate_order(actor=None, order=order)
    pick_everything(order)
    services.pack_order(actor=None, order=order)
    # When the order is put on hold
    services.hold_order(actor=None, order=order, reason="Address check")
    held = SalesOrder.objects.get(pk=order.pk)
    assert (held.status, held.is_on_hold, held.hold_reason) == ("on_hold", True, "Address check")
    before = snapshot()
    # Then it can neither be allocated nor shipped, and nothing changes
    with pytest.raises(Conflict, match=r"is on hold \(Address check\); release the hold before allocating"):
        services.allocate_order(actor=None, order=order)
    with pytest.raises(Conflict, match="release the hold before shipping"):
        ship(order, express)
    with pytest.raises(Conflict, match="already on hold"):
        services.hold_order(actor=None, order=order, reason="again")
    assert snapshot() == before
    # When the hold is released, the order is packed again and ships
    services.release_hold(actor=None, order=order)
    assert SalesOrder.objects.get(pk=order.pk).status == "packed"
    ship(order, express)
    assert SalesOrder.objects.get(pk=order.pk).status == "shipped"
    assert balance(bolt, bin_a) == (q(7), q(0))
    assert [name for name in activities(order) if "hold" in name.lower()] == ["Hold order", "Release order hold"]


def test_cancel_releases_every_reservation(
    make_order: Callable[..., SalesOrder], bolt: Item, flour: Item, bin_a: Location, bin_b: Location,
    receive: Callable[..., None],
) -> None:
    # Given an order allocated across two bins, partly picked
    receive(bolt, bin_a, 2)
    receive(bolt, bin_b, 3)
    receive(flour, bin_a, "10.5")
    order = make_order((bolt, 4), (flour, "2.25"))
    services.allocate_order(actor=None, order=order)
    services.create_pick_list(actor=None, order=order)
    assert (balance(bolt, bin_a), balance(bolt, bin_b), balance(flour, bin_a)) == (
        (q(2), q(1)), (q(3), q(3)), (q("10.5"), q("2.25")))
    # When it is cancelled
    services.cancel_order(actor=None, order=order, reason="Customer changed their mind")
    # Then every reservation is released, on hand is untouched, and the open pick list is void
    assert (balance(bolt, bin_a), balance(bolt, bin_b), balance(flour, bin_a)) == (
        (q(2), q(0)), (q(3), q(0)), (q("10.5"), q(0)))
    cancelled = SalesOrder.objects.get(pk=order.pk)
    assert (cancelled.status, cancelled.cancel_reason) == ("cancelled", "Customer changed their mind")
    assert lines_of(order) == [("BOLT-M8", q(0), q(0), q(0), q(0), "cancelled"), ("FLOUR-25", q(0), q(0), q(0), q(0), "cancelled")]
    assert list(PickList.objects.filter(order=order).values_list("status", flat=True)) == ["cancelled"]
    assert list(Allocation.objects.filter(line__order=order).order_by("id").values_list("released_quantity", flat=True)) == [
        q(3), q(1), q("2.25")]
    release = list(StockMovement.objects.filter(reason="release").order_by("id").values_list("location__code", "reserved_quantity"))
    assert sorted(release) == [("A-01", q("-2.25")), ("A-01", q(-1)), ("B-01", q(-3))]
    event = Event.objects.get(event_type__name="Cancel order")
    assert event.attributes == {"reason": "Customer changed their mind", "released": "6.25"}
    # And a cancelled order cannot be worked on or cancelled again
    before = snapshot()
    with pytest.raises(Conflict, match="is cancelled"):
        services.allocate_order(actor=None, order=order)
    with pytest.raises(Conflict, match="only orders with nothing shipped can be cancelled"):
        services.cancel_order(actor=None, order=order, reason="again")
    assert snapshot() == before


def test_an_order_with_shipped_stock_cannot_be_cancelled(
    make_order: Callable[..., SalesOrder], bolt: Item, bin_a: Location, receive: Callable[..., None], express: CarrierService
) -> None:
    receive(bolt, bin_a, 10)
    order = make_order((bolt, 4))
    services.allocate_order(actor=None, order=order)
    pick_everything(order)
    services.pack_order(actor=None, order=order, lines=[LineQuantity(line=order.lines.get(), quantity=q(1))])
    ship(order, express)
    before = snapshot()
    with pytest.raises(Conflict, match="is partially shipped and has shipped stock"):
        services.cancel_order(actor=None, order=order, reason="late")
    with pytest.raises(ValidationFailed):
        services.cancel_order(actor=None, order=order, reason=" ")
    assert snapshot() == before


def test_every_state_change_writes_its_event_with_its_objects(
    make_order: Callable[..., SalesOrder], bolt: Item, bin_a: Location, receive: Callable[..., None],
    express: CarrierService, acme: Customer,
) -> None:
    receive(bolt, bin_a, 10)
    order = make_order((bolt, 2), confirm=False)
    services.confirm_order(actor=None, order=order)
    services.hold_order(actor=None, order=order, reason="Check")
    services.release_hold(actor=None, order=order)
    services.allocate_order(actor=None, order=order)
    pick_list = services.create_pick_list(actor=None, order=order)
    services.confirm_picks(actor=None, pick_list=pick_list)
    package = services.pack_order(actor=None, order=order)
    shipment = ship(order, express)
    services.confirm_delivery(actor=None, shipment=shipment)
    other = make_order((bolt, 1))
    services.cancel_order(actor=None, order=other, reason="Duplicate")
    line = f"order_line:{order.lines.get().pk}"
    sales_order, item = f"sales_order:{order.pk}", f"item:{bolt.pk}"

    def linked(activity: str, target: SalesOrder = order) -> set[tuple[str, str]]:
        event = Event.objects.filter(event_type__name=activity,
                                     object_links__object__ocel_id=f"sales_order:{target.pk}").get()
        assert event.site_id == target.ship_from_id
        return set(EventObjectLink.objects.filter(event=event).values_list("object__ocel_id", "qualifier"))

    assert linked("Confirm order") == {(sales_order, "confirmed")}
    assert linked("Hold order") == {(sales_order, "held")}
    assert linked("Release order hold") == {(sales_order, "released")}
    assert linked("Allocate order") == {(sales_order, "allocated"), (line, "line"), (item, "item"), (f"location:{bin_a.pk}", "from")}
    assert linked("Create pick list") == {(sales_order, "picked for"), (f"pick_list:{pick_list.pk}", "created"), (line, "line"),
                                          (item, "item"), (f"location:{bin_a.pk}", "from")}
    assert linked("Confirm picks") == {(sales_order, "picked for"), (f"pick_list:{pick_list.pk}", "picked"), (line, "line"), (item, "item")}
    assert linked("Pack order") == {(sales_order, "packed"), (f"package:{package.pk}", "created"), (line, "line"), (item, "item")}
    assert linked("Ship order") == {(sales_order, "shipped"), (f"shipment:{shipment.pk}", "created"), (line, "line"), (item, "item"),
                                    (f"package:{package.pk}", "shipped")}
    assert linked("Confirm delivery") == {(sales_order, "delivered"), (f"shipment:{shipment.pk}", "delivered")}
    assert linked("Cancel order", other) == {(f"sales_order:{other.pk}", "cancelled"), (f"order_line:{other.lines.get().pk}", "line"),
                                             (item, "item")}
    assert Event.objects.filter(event_type__name="Create customer", object_links__object__ocel_id=f"customer:{acme.pk}").exists()
