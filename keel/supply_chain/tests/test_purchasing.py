"""Purchasing: suppliers' prices, the purchase order lifecycle, approval rules, receiving."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from conftest import row_counts
from keel.audit.models import AuditRecord
from keel.core.errors import Conflict, PermissionDenied, ValidationFailed
from keel.events.models import Event
from keel.organization.models import Person, Site
from keel.supply_chain import services
from keel.supply_chain.models import (
    Item,
    Location,
    PurchaseOrder,
    PurchaseOrderLine,
    Receipt,
    ReceiptLine,
    StockBalance,
    StockMovement,
    Supplier,
    SupplierItem,
)
from keel.supply_chain.services import OrderLineIn, ReceiveLine
from keel.supply_chain.tests.conftest import q

pytestmark = pytest.mark.django_db


def problems_of(error: pytest.ExceptionInfo[Any]) -> list[dict[str, object]]:
    return [problem.as_dict() for problem in error.value.problems]


def snapshot() -> tuple[object, ...]:
    """Everything a refused purchasing call must leave as it was."""
    return (
        row_counts(),
        list(PurchaseOrder.objects.order_by("id").values_list("id", "status", "approved_by_id")),
        list(PurchaseOrderLine.objects.order_by("id").values_list("id", "received_quantity", "rejected_quantity")),
        Receipt.objects.count(), ReceiptLine.objects.count(), StockMovement.objects.count(),
        list(StockBalance.objects.order_by("id").values_list("id", "on_hand")),
    )


def order_bolts(actor: Any, site: Site, supplier: Supplier, bolt: Item, quantity: str = "500", **extra: Any) -> PurchaseOrder:
    return services.create_purchase_order(actor=actor, supplier=supplier, site=site,
                                          lines=[OrderLineIn(item=bolt, quantity=q(quantity))], **extra)


def sent_order(buyer: Person, approver: Person, site: Site, supplier: Supplier, bolt: Item,
               quantity: str = "500") -> PurchaseOrder:
    order = order_bolts(buyer, site, supplier, bolt, quantity)
    services.submit_purchase_order(actor=buyer, order=order)
    services.approve_purchase_order(actor=approver, order=order)
    services.send_purchase_order(actor=buyer, order=order)
    return order


# --- Suppliers and prices -------------------------------------------------------------


def test_price_breaks_pick_the_largest_minimum_at_or_below_the_quantity(acme_bolt: SupplierItem) -> None:
    assert [services.price_break_for(acme_bolt, q(n)).unit_price for n in ("100", "499", "500", "5000")] == [  # type: ignore[union-attr]
        q("0.10"), q("0.10"), q("0.08"), q("0.08")
    ]
    assert services.price_break_for(acme_bolt, q(99)) is None
    assert services.format_price_breaks(list(acme_bolt.price_breaks.order_by("minimum_quantity"))) == "100=0.1; 500=0.08"


def test_a_supplier_with_bad_fields_is_refused_with_every_problem(acme: Supplier) -> None:
    before = (row_counts(), Supplier.objects.count())
    with pytest.raises(ValidationFailed) as error:
        services.create_supplier(actor=None, code="acme", name=" ", currency="euro", contact_email="not-an-email",
                                 payment_terms_days=-1)
    assert problems_of(error) == [
        {"field": "code", "message": "a supplier with code 'ACME' exists"},
        {"field": "name", "message": "required"},
        {"field": "contact_email", "message": "'not-an-email' is not an email address"},
        {"field": "currency", "message": "three-letter ISO currency code, e.g. EUR"},
        {"field": "payment_terms_days", "message": "between 0 and 3650 days"},
    ]
    assert (row_counts(), Supplier.objects.count()) == before


def test_changing_a_supplier_audits_only_what_changed(acme: Supplier) -> None:
    services.update_supplier(actor=None, supplier=acme, lead_time_days=14, name="Acme Fasteners")
    record = AuditRecord.objects.filter(object_type="supplier", action="change").get()
    assert (record.before, record.after) == ({"lead_time_days": 10}, {"lead_time_days": 14})


def test_saving_a_supplier_item_again_replaces_its_price_breaks(acme_bolt: SupplierItem, acme: Supplier, bolt: Item) -> None:
    supplier_item, created = services.save_supplier_item(
        actor=None, supplier=acme, item=bolt, minimum_order_quantity="50", order_multiple="50",
        price_breaks=[("50", "0.11")],
    )
    assert (supplier_item.pk, created) == (acme_bolt.pk, False)
    assert list(supplier_item.price_breaks.values_list("minimum_quantity", "unit_price", "currency")) == [
        (q(50), q("0.11"), "EUR")
    ]
    record = AuditRecord.objects.filter(object_type="supplier_item", action="change").get()
    assert record.after == {"supplier_sku": "", "minimum_order_quantity": "50", "order_multiple": "50",
                            "lead_time_days": None, "is_active": True, "price_breaks": "50=0.11"}


# --- Creating orders ------------------------------------------------------------------


def test_an_order_is_priced_from_the_breaks_numbered_and_recorded(
    buyer: Person, site_dublin: Site, acme: Supplier, acme_bolt: SupplierItem, bolt: Item, flour: Item,
) -> None:
    # Given Acme's bolt prices, and flour that Acme has no price for
    # When the buyer orders 500 bolts (break price) and 20 kg of flour at a price they give
    order = services.create_purchase_order(
        actor=buyer, supplier=acme, site=site_dublin, expected_on=date(2026, 12, 15),
        lines=[OrderLineIn(item=bolt, quantity=q(500)), OrderLineIn(item=flour, quantity=q("20.5"), unit_price=q("1.25"),
                                                                     expected_on=date(2026, 12, 20))],
    )
    # Then the order is a draft in Acme's currency, numbered from its id
    assert (order.status, order.currency, order.number) == ("draft", "EUR", f"PO-{order.pk:06d}")
    assert order.created_by_id == buyer.pk
    lines = list(order.lines.order_by("line_number").values_list("line_number", "item__sku", "ordered_quantity", "unit_price",
                                                                 "currency", "expected_on"))
    assert lines == [
        (1, "BOLT-M8", q(500), q("0.08"), "EUR", date(2026, 12, 15)),
        (2, "FLOUR-25", q("20.5"), q("1.25"), "EUR", date(2026, 12, 20)),
    ]
    assert services.order_total(order) == q("65.625")
    # And the event links the order, its supplier and both items; the audit has the lines
    event = Event.objects.get(event_type__name="Create purchase order")
    assert sorted(event.object_links.values_list("object__ocel_id", "qualifier")) == sorted([
        (f"purchase_order:{order.pk}", "created"), (f"supplier:{acme.pk}", "supplier"),
        (f"item:{bolt.pk}", "ordered"), (f"item:{flour.pk}", "ordered"),
    ])
    assert event.attributes == {"number": order.number, "lines": 2, "total": "65.625", "currency": "EUR"}
    audit = AuditRecord.objects.get(object_type="purchase_order", action="create")
    assert audit.after["lines"][0] == {"sku": "BOLT-M8", "quantity": "500", "unit_price": "0.08", "expected_on": "2026-12-15"}


def test_without_dates_a_line_is_expected_after_the_lead_time(
    buyer: Person, site_dublin: Site, acme: Supplier, acme_bolt: SupplierItem, bolt: Item,
) -> None:
    from datetime import UTC, datetime

    order = order_bolts(buyer, site_dublin, acme, bolt, created_at=datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    assert order.lines.get().expected_on == date(2026, 3, 12)  # Acme declares 10 days
    assert order.expected_on == date(2026, 3, 12)  # the order: when its first line is due


@pytest.mark.parametrize(("quantity", "problems"), [
    ("60", [{"field": "lines.quantity", "message": "ACME sells BOLT-M8 from 100 (minimum order quantity)", "row": 0},
            {"field": "lines.quantity", "message": "ACME sells BOLT-M8 in multiples of 50: order 50 or 100", "row": 0}]),
    ("120", [{"field": "lines.quantity", "message": "ACME sells BOLT-M8 in multiples of 50: order 100 or 150", "row": 0}]),
    ("0", [{"field": "lines.quantity", "message": "must be more than zero", "row": 0}]),
    ("100.5", [{"field": "lines.quantity", "message": "BOLT-M8 is counted in each: whole numbers only", "row": 0}]),
])
def test_minimum_order_quantity_and_order_multiple_are_enforced(
    buyer: Person, site_dublin: Site, acme: Supplier, acme_bolt: SupplierItem, bolt: Item, quantity: str,
    problems: list[dict[str, object]],
) -> None:
    before = snapshot()
    with pytest.raises(ValidationFailed) as error:
        order_bolts(buyer, site_dublin, acme, bolt, quantity)
    assert problems_of(error) == problems
    assert snapshot() == before


def test_a_line_without_a_price_anywhere_names_its_row(
    buyer: Person, site_dublin: Site, acme: Supplier, acme_bolt: SupplierItem, bolt: Item, flour: Item,
) -> None:
    before = snapshot()
    with pytest.raises(ValidationFailed) as error:
        services.create_purchase_order(actor=buyer, supplier=acme, site=site_dublin, lines=[
            OrderLineIn(item=bolt, quantity=q(100)), OrderLineIn(item=flour, quantity=q(5)),
        ])
    assert problems_of(error) == [
        {"field": "lines.unit_price", "message": "ACME has no price for FLOUR-25: give a unit price", "row": 1}
    ]
    assert snapshot() == before


# --- The lifecycle --------------------------------------------------------------------


def test_the_lifecycle_from_draft_to_closed(
    buyer: Person, approver: Person, site_dublin: Site, acme: Supplier, acme_bolt: SupplierItem, bolt: Item, bin_a: Location,
) -> None:
    order = order_bolts(buyer, site_dublin, acme, bolt)
    seen = [order.status]
    for step in (
        lambda: services.submit_purchase_order(actor=buyer, order=order),
        lambda: services.approve_purchase_order(actor=approver, order=order),
        lambda: services.send_purchase_order(actor=buyer, order=order),
        lambda: services.receive_purchase_order(actor=buyer, order=order, lines=[ReceiveLine(order.lines.get(), q(500), bin_a)]),
        lambda: services.close_purchase_order(actor=buyer, order=order),
    ):
        step()
        seen.append(order.status)
    assert seen == ["draft", "submitted", "approved", "sent", "received", "closed"]
    order.refresh_from_db()
    assert order.approved_by_id == approver.pk
    assert all([order.submitted_at, order.approved_at, order.sent_at, order.received_at, order.closed_at])
    activities = list(Event.objects.filter(object_links__object__ocel_id=f"purchase_order:{order.pk}")
                      .order_by("id").values_list("event_type__name", flat=True))
    assert activities == ["Create purchase order", "Submit purchase order", "Approve purchase order",
                          "Send purchase order", "Receive stock", "Receive purchase order", "Close purchase order"]


@pytest.mark.parametrize(("steps", "attempt", "message"), [
    ([], "send", "PO-{n} is draft; only approved orders can be sent."),
    ([], "approve", "PO-{n} is draft; only submitted orders can be approved."),
    ([], "close", "PO-{n} is draft; only partially received or received orders can be closed."),
    (["submit"], "submit", "PO-{n} is submitted; only draft orders can be submitted."),
    (["submit", "approve", "send"], "approve", "PO-{n} is sent; only submitted orders can be approved."),
    (["cancel"], "cancel", "PO-{n} is cancelled; only draft, submitted, approved or sent orders can be cancelled."),
    (["cancel"], "submit", "PO-{n} is cancelled; only draft orders can be submitted."),
])
def test_transitions_out_of_order_are_refused_and_change_nothing(
    buyer: Person, approver: Person, site_dublin: Site, acme: Supplier, acme_bolt: SupplierItem, bolt: Item,
    steps: list[str], attempt: str, message: str,
) -> None:
    order = order_bolts(buyer, site_dublin, acme, bolt)
    actions: dict[str, Callable[[], object]] = {
        "submit": lambda: services.submit_purchase_order(actor=buyer, order=order),
        "approve": lambda: services.approve_purchase_order(actor=approver, order=order),
        "send": lambda: services.send_purchase_order(actor=buyer, order=order),
        "cancel": lambda: services.cancel_purchase_order(actor=buyer, order=order, reason="not needed"),
        "close": lambda: services.close_purchase_order(actor=buyer, order=order),
    }
    for step in steps:
        actions[step]()
    before = snapshot()
    with pytest.raises(Conflict) as error:
        actions[attempt]()
    assert error.value.detail == message.format(n=f"{order.pk:06d}")
    assert snapshot() == before


def test_a_sent_order_can_be_cancelled_with_a_reason(
    buyer: Person, approver: Person, site_dublin: Site, acme: Supplier, acme_bolt: SupplierItem, bolt: Item,
) -> None:
    order = sent_order(buyer, approver, site_dublin, acme, bolt)
    services.cancel_purchase_order(actor=buyer, order=order, reason="Supplier cannot deliver")
    assert (order.status, order.cancel_reason) == ("cancelled", "Supplier cannot deliver")
    assert order.cancelled_at is not None


# --- Approval rules -------------------------------------------------------------------


def test_a_person_without_the_approve_action_cannot_approve(
    buyer: Person, site_dublin: Site, acme: Supplier, acme_bolt: SupplierItem, bolt: Item,
) -> None:
    # Given a submitted order, and a Logistics Manager (operate) who cannot approve
    order = order_bolts(buyer, site_dublin, acme, bolt, "100")
    services.submit_purchase_order(actor=buyer, order=order)
    assert buyer.has_action("supply_chain.approve_purchase_order") is False
    before = snapshot()
    # When they try to approve it, then they are refused and nothing changes
    with pytest.raises(PermissionDenied) as error:
        services.approve_purchase_order(actor=buyer, order=order)
    assert error.value.detail == "Your role does not allow supply_chain.approve_purchase_order."
    assert snapshot() == before


def test_the_author_cannot_approve_their_own_order_above_the_limit(
    approver: Person, make_person: Callable[..., Person], site_dublin: Site, acme: Supplier, acme_bolt: SupplierItem, bolt: Item,
) -> None:
    # Given a Supply Chain Manager who raised an order of 15000 bolts at 0.08 = 1200 EUR (limit 1000)
    order = order_bolts(approver, site_dublin, acme, bolt, "15000")
    services.submit_purchase_order(actor=approver, order=order)
    before = snapshot()
    # When they approve it themselves, then they are refused and nothing changes
    with pytest.raises(PermissionDenied) as error:
        services.approve_purchase_order(actor=approver, order=order)
    assert error.value.detail == (f"{order.number} totals 1200 EUR, above the self-approval limit of 1000 EUR: "
                                  "somebody other than its author must approve it.")
    assert snapshot() == before
    # When a second manager approves it, then it is approved, by them, with an APPROVE audit record
    colleague = make_person("director-of-supply-chain")
    services.approve_purchase_order(actor=colleague, order=order)
    assert (order.status, order.approved_by_id) == ("approved", colleague.pk)
    record = AuditRecord.objects.get(object_type="purchase_order", action="approve")
    assert (record.actor_id, record.before, record.after) == (
        colleague.pk, {"number": order.number, "status": "submitted"}, {"number": order.number, "status": "approved"}
    )


def test_the_author_may_approve_their_own_order_within_the_limit(
    approver: Person, site_dublin: Site, acme: Supplier, acme_bolt: SupplierItem, bolt: Item, settings: Any,
) -> None:
    # 12500 bolts at 0.08 = 1000 EUR: exactly the limit is still allowed
    order = order_bolts(approver, site_dublin, acme, bolt, "12500")
    services.submit_purchase_order(actor=approver, order=order)
    services.approve_purchase_order(actor=approver, order=order)
    assert (order.status, order.approved_by_id) == ("approved", approver.pk)
    # And the limit is a setting
    settings.KEEL_PO_SELF_APPROVAL_LIMIT = 500
    second = order_bolts(approver, site_dublin, acme, bolt, "12500")
    services.submit_purchase_order(actor=approver, order=second)
    with pytest.raises(PermissionDenied):
        services.approve_purchase_order(actor=approver, order=second)


# --- Receiving ------------------------------------------------------------------------


def on_hand(item: Item, location: Location, lot: str = "") -> Decimal:
    return StockBalance.objects.get(item=item, location=location, lot_code=lot).on_hand


def test_partial_then_full_receipt_posts_stock_and_moves_the_status(
    buyer: Person, approver: Person, site_dublin: Site, acme: Supplier, acme_bolt: SupplierItem, bolt: Item,
    bin_a: Location, bin_b: Location,
) -> None:
    order = sent_order(buyer, approver, site_dublin, acme, bolt, "500")
    line = order.lines.get()
    # When 300 arrive into A-01
    first = services.receive_purchase_order(actor=buyer, order=order, lines=[ReceiveLine(line, q(300), bin_a)])
    # Then the order is partially received with 200 still open, and A-01 holds 300
    line.refresh_from_db()
    assert (order.status, line.received_quantity, line.open_quantity, on_hand(bolt, bin_a)) == (
        "partially_received", q(300), q(200), q(300))
    assert order.received_at is None
    # When the other 200 arrive, split over A-01 and B-01
    second = services.receive_purchase_order(actor=buyer, order=order, lines=[
        ReceiveLine(line, q(150), bin_a), ReceiveLine(line, q(50), bin_b),
    ])
    # Then the order is received, the balances are exact and each receipt is one ledger posting
    line.refresh_from_db()
    assert (order.status, line.received_quantity, line.open_quantity) == ("received", q(500), q(0))
    assert (on_hand(bolt, bin_a), on_hand(bolt, bin_b)) == (q(450), q(50))
    assert order.received_at == second.received_at
    movements = list(StockMovement.objects.order_by("id").values_list("posting", "reason", "quantity", "reference"))
    assert movements == [
        (first.posting, "receipt", q(300), f"purchase_order:{order.pk}"),
        (second.posting, "receipt", q(150), f"purchase_order:{order.pk}"),
        (second.posting, "receipt", q(50), f"purchase_order:{order.pk}"),
    ]
    assert list(second.lines.order_by("id").values_list("accepted_quantity", "open_quantity_before")) == [
        (q(150), q(200)), (q(50), q(200))
    ]
    assert services.check_ledger() == []


def test_over_receipt_is_refused_naming_the_row_and_changes_nothing(
    buyer: Person, approver: Person, site_dublin: Site, acme: Supplier, acme_bolt: SupplierItem, bolt: Item, bin_a: Location,
) -> None:
    order = sent_order(buyer, approver, site_dublin, acme, bolt, "500")
    line = order.lines.get()
    services.receive_purchase_order(actor=buyer, order=order, lines=[ReceiveLine(line, q(450), bin_a)])
    before = snapshot()
    with pytest.raises(ValidationFailed) as error:
        services.receive_purchase_order(actor=buyer, order=order, lines=[
            ReceiveLine(line, q(30), bin_a), ReceiveLine(line, q(25), bin_a),
        ])
    assert error.value.detail == f"The receipt against {order.number} was refused; nothing changed."
    assert problems_of(error) == [{
        "field": "quantity", "row": 1,
        "message": "line 1 (BOLT-M8): 55 would be over-received; 500 ordered, 450 received so far, so at most 50 more",
    }]
    assert snapshot() == before


def test_the_over_receipt_tolerance_is_a_setting(
    buyer: Person, approver: Person, site_dublin: Site, acme: Supplier, acme_bolt: SupplierItem, bolt: Item,
    bin_a: Location, settings: Any,
) -> None:
    settings.KEEL_PO_OVER_RECEIPT_PERCENT = 10
    order = sent_order(buyer, approver, site_dublin, acme, bolt, "500")
    line = order.lines.get()
    with pytest.raises(ValidationFailed) as error:
        services.receive_purchase_order(actor=buyer, order=order, lines=[ReceiveLine(line, q(551), bin_a)])
    assert problems_of(error)[0]["message"] == (
        "line 1 (BOLT-M8): 551 would be over-received; 500 ordered plus 10% tolerance, 0 received so far, so at most 550 more"
    )
    services.receive_purchase_order(actor=buyer, order=order, lines=[ReceiveLine(line, q(550), bin_a)])
    line.refresh_from_db()
    assert (order.status, line.received_quantity, line.open_quantity, on_hand(bolt, bin_a)) == ("received", q(550), q(0), q(550))


def test_quality_hold_goes_to_quarantine_and_rejects_are_recorded_without_stock(
    buyer: Person, approver: Person, site_dublin: Site, acme: Supplier, acme_bolt: SupplierItem, bolt: Item,
    bin_a: Location, quarantine: Location,
) -> None:
    order = sent_order(buyer, approver, site_dublin, acme, bolt, "500")
    line = order.lines.get()
    # When 400 arrive: 320 to stock, 50 on quality hold, 30 rejected at the door
    receipt = services.receive_purchase_order(actor=buyer, order=order, lines=[
        ReceiveLine(line, q(320), bin_a),
        ReceiveLine(line, q(50), quarantine, quality_hold=True),
        ReceiveLine(line, q(0), None, rejected_quantity=q(30)),
    ])
    # Then stock is 320 in A-01 and 50 in quarantine; the 30 rejected are recorded, never stocked
    assert (on_hand(bolt, bin_a), on_hand(bolt, quarantine)) == (q(320), q(50))
    assert StockMovement.objects.filter(reference=f"purchase_order:{order.pk}").count() == 2
    line.refresh_from_db()
    assert (line.received_quantity, line.rejected_quantity, line.open_quantity) == (q(370), q(30), q(130))
    assert order.status == "partially_received"
    rows = list(receipt.lines.order_by("id").values_list("accepted_quantity", "rejected_quantity", "is_quality_hold",
                                                          "location__code"))
    assert rows == [(q(320), q(0), False, "A-01"), (q(50), q(0), True, "Q-01"), (q(0), q(30), False, None)]
    event = Event.objects.get(event_type__name="Receive purchase order")
    assert event.attributes == {"number": order.number, "receipt": receipt.pk, "accepted": "370", "rejected": "30",
                                "status": "partially_received"}
    # And the rejected 30 may be delivered again: 130 are still open
    services.receive_purchase_order(actor=buyer, order=order, lines=[ReceiveLine(line, q(130), bin_a)])
    assert order.status == "received"


def test_a_whole_delivery_can_be_rejected(
    buyer: Person, approver: Person, site_dublin: Site, acme: Supplier, acme_bolt: SupplierItem, bolt: Item,
) -> None:
    order = sent_order(buyer, approver, site_dublin, acme, bolt, "500")
    receipt = services.receive_purchase_order(actor=buyer, order=order,
                                              lines=[ReceiveLine(order.lines.get(), q(0), rejected_quantity=q(500))])
    assert (receipt.posting, order.status, StockMovement.objects.count()) == (None, "partially_received", 0)


@pytest.mark.parametrize(("case", "problems"), [
    ("hold into storage", [{"field": "location", "row": 0,
                            "message": "dub/A-01 is not a quarantine location: stock on quality hold goes to quarantine"}]),
    ("quarantine without hold", [{"field": "quality_hold", "row": 0,
                                  "message": "dub/Q-01 is a quarantine location: mark the stock as on quality hold"}]),
    ("other site", [{"field": "location", "row": 0, "message": "cmh/C-01 is not at dub, where PO-{n} is delivered"}]),
    ("no location", [{"field": "location", "row": 0, "message": "line 1 (BOLT-M8): where does the stock go?"}]),
    ("nothing", [{"field": "quantity", "row": 0, "message": "line 1 (BOLT-M8): nothing received"}]),
    ("negative", [{"field": "rejected_quantity", "row": 0, "message": "line 1 (BOLT-M8): must not be negative"}]),
])
def test_bad_receipt_lines_are_refused_and_change_nothing(
    buyer: Person, approver: Person, site_dublin: Site, site_columbus: Site, acme: Supplier, acme_bolt: SupplierItem,
    bolt: Item, bin_a: Location, quarantine: Location, case: str, problems: list[dict[str, object]],
) -> None:
    order = sent_order(buyer, approver, site_dublin, acme, bolt, "500")
    line = order.lines.get()
    far = services.create_location(actor=None, site=site_columbus, code="C-01")
    wanted = {
        "hold into storage": ReceiveLine(line, q(5), bin_a, quality_hold=True),
        "quarantine without hold": ReceiveLine(line, q(5), quarantine),
        "other site": ReceiveLine(line, q(5), far),
        "no location": ReceiveLine(line, q(5)),
        "nothing": ReceiveLine(line, q(0), bin_a),
        "negative": ReceiveLine(line, q(5), bin_a, rejected_quantity=q(-1)),
    }[case]
    before = snapshot()
    with pytest.raises(ValidationFailed) as error:
        services.receive_purchase_order(actor=buyer, order=order, lines=[wanted])
    expected = [{**problem, "message": str(problem["message"]).format(n=f"{order.pk:06d}")} for problem in problems]
    assert problems_of(error) == expected
    assert snapshot() == before


def test_ledger_rules_are_reported_on_the_receipts_own_rows(
    buyer: Person, approver: Person, site_dublin: Site, acme: Supplier, bolt: Item, vaccine: Item, bin_a: Location,
) -> None:
    # Given an order for bolts and a lot-tracked vaccine
    order = services.create_purchase_order(actor=buyer, supplier=acme, site=site_dublin, lines=[
        OrderLineIn(item=bolt, quantity=q(10), unit_price=q(1)), OrderLineIn(item=vaccine, quantity=q(10), unit_price=q(9)),
    ])
    services.submit_purchase_order(actor=buyer, order=order)
    services.approve_purchase_order(actor=approver, order=order)
    services.send_purchase_order(actor=buyer, order=order)
    bolts, vaccines = order.lines.order_by("line_number")
    before = snapshot()
    # When the vaccine arrives (row 2, the second stocked line) without its lot
    with pytest.raises(ValidationFailed) as error:
        services.receive_purchase_order(actor=buyer, order=order, lines=[
            ReceiveLine(bolts, q(0), rejected_quantity=q(1)), ReceiveLine(bolts, q(9), bin_a), ReceiveLine(vaccines, q(10), bin_a),
        ])
    # Then the problem names the receipt's row 2, not the posting's row 1
    assert problems_of(error) == [{"field": "lot_code", "message": "VAC-1 is tracked by lot: give the lot", "row": 2}]
    assert snapshot() == before


def test_only_sent_orders_can_be_received(
    buyer: Person, site_dublin: Site, acme: Supplier, acme_bolt: SupplierItem, bolt: Item, bin_a: Location,
) -> None:
    order = order_bolts(buyer, site_dublin, acme, bolt)
    before = snapshot()
    with pytest.raises(Conflict) as error:
        services.receive_purchase_order(actor=buyer, order=order, lines=[ReceiveLine(order.lines.get(), q(1), bin_a)])
    assert error.value.detail == f"{order.number} is draft; only sent or partially received orders can be received."
    assert snapshot() == before


def test_a_line_of_another_order_is_refused(
    buyer: Person, approver: Person, site_dublin: Site, acme: Supplier, acme_bolt: SupplierItem, bolt: Item, bin_a: Location,
) -> None:
    first = sent_order(buyer, approver, site_dublin, acme, bolt)
    second = sent_order(buyer, approver, site_dublin, acme, bolt)
    with pytest.raises(ValidationFailed) as error:
        services.receive_purchase_order(actor=buyer, order=first, lines=[ReceiveLine(second.lines.get(), q(1), bin_a)])
    assert problems_of(error) == [{"field": "line", "message": f"is not a line of {first.number}", "row": 0}]
