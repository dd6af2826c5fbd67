"""The stock ledger: typed reasons, rules, reversals, lots, and the balance invariant."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from conftest import row_counts
from keel.core.errors import ValidationFailed
from keel.supply_chain import services
from keel.supply_chain.models import (
    AppendOnlyError,
    Item,
    ItemStock,
    Location,
    Lot,
    StockBalance,
    StockMovement,
)
from keel.supply_chain.services import MovementLine
from keel.supply_chain.tests.conftest import q

pytestmark = pytest.mark.django_db


def balance(item: Item, location: Location, lot: str = "") -> tuple[Decimal, Decimal]:
    row = StockBalance.objects.get(item=item, location=location, lot_code=lot)
    return row.on_hand, row.reserved


def receive(actor: Any, item: Item, location: Location, quantity: str, **extra: Any) -> services.Posting:
    return services.post_movements(actor=actor, reason="receipt",
                                   lines=[MovementLine(item=item, location=location, quantity=q(quantity), **extra)])


def test_receipt_reservation_and_shipment_move_the_balance(clerk: Any, bolt: Item, bin_a: Location) -> None:
    receive(clerk, bolt, bin_a, "100")
    services.post_movements(actor=clerk, reason="reservation",
                            lines=[MovementLine(item=bolt, location=bin_a, reserved_quantity=q(30))])
    services.post_movements(actor=clerk, reason="shipment", reference="sales_order:7",
                            lines=[MovementLine(item=bolt, location=bin_a, quantity=q(-20), reserved_quantity=q(-20))])
    assert balance(bolt, bin_a) == (q(80), q(10))
    reasons = list(StockMovement.objects.order_by("id").values_list("reason", "quantity", "reserved_quantity"))
    assert reasons == [("receipt", q(100), q(0)), ("reservation", q(0), q(30)), ("shipment", q(-20), q(-20))]
    assert services.check_ledger() == []


def test_a_posting_records_its_event_and_audit(clerk: Any, bolt: Item, bin_a: Location) -> None:
    from keel.audit.models import AuditRecord
    from keel.events.models import Event

    posting = receive(clerk, bolt, bin_a, "5")
    event = Event.objects.get(event_type__name="Receive stock")
    assert sorted(event.object_links.values_list("object__ocel_id", "qualifier")) == [
        (f"item:{bolt.pk}", "moved"), (f"location:{bin_a.pk}", "at")
    ]
    assert event.site_id == bin_a.site_id
    audit = AuditRecord.objects.get(object_type="stock_posting", object_id=str(posting.posting_id))
    assert audit.after["lines"] == [{"item": "BOLT-M8", "location": "dub/A-01", "lot": "", "quantity": "5", "reserved": "0"}]


def test_shipping_more_than_available_is_refused_and_nothing_changes(clerk: Any, bolt: Item, bin_a: Location) -> None:
    receive(clerk, bolt, bin_a, "10")
    services.post_movements(actor=clerk, reason="reservation", lines=[MovementLine(item=bolt, location=bin_a, reserved_quantity=q(4))])
    before = (row_counts(), StockMovement.objects.count(), balance(bolt, bin_a))
    with pytest.raises(ValidationFailed) as error:
        services.post_movements(actor=clerk, reason="shipment",
                                lines=[MovementLine(item=bolt, location=bin_a, quantity=q(-7))])
    assert [(p.field, p.row, p.message) for p in error.value.problems] == [
        ("quantity", 0, "only 6 available of BOLT-M8 at dub/A-01 (10 on hand, 4 reserved)")
    ]
    assert (row_counts(), StockMovement.objects.count(), balance(bolt, bin_a)) == before


def test_a_multi_line_posting_is_all_or_nothing(clerk: Any, bolt: Item, bin_a: Location, bin_b: Location) -> None:
    receive(clerk, bolt, bin_a, "10")
    with pytest.raises(ValidationFailed):
        services.post_movements(actor=clerk, reason="transfer_out", lines=[
            MovementLine(item=bolt, location=bin_a, quantity=q(-5)),
            MovementLine(item=bolt, location=bin_b, quantity=q(-1)),
        ])
    assert balance(bolt, bin_a) == (q(10), q(0))
    assert StockMovement.objects.count() == 1


@pytest.mark.parametrize(("reason", "line", "expected"), [
    ("receipt", {"quantity": "-5"}, [("quantity", "must be positive for a receipt")]),
    ("shipment", {"quantity": "5"}, [("quantity", "must be negative for a shipment")]),
    ("receipt", {"quantity": "1.5"}, [("quantity", "BOLT-M8 is counted in each: whole numbers only")]),
    ("receipt", {"quantity": "0"}, [("quantity", "nothing to move: the quantity is zero"), ("quantity", "must not be zero")]),
    ("reservation", {"quantity": "3"}, [("quantity", "a reservation does not change this")]),
    ("receipt", {"quantity": "1.00001"}, [("quantity", "at most 4 decimal places"), ("quantity", "BOLT-M8 is counted in each: whole numbers only")]),
    ("receipt", {"quantity": "5", "lot_code": "L1"}, [("lot_code", "BOLT-M8 is not tracked by lot")]),
])
def test_bad_lines_name_the_field_and_change_nothing(
    clerk: Any, bolt: Item, bin_a: Location, reason: str, line: dict[str, str], expected: list[tuple[str, str]]
) -> None:
    values: dict[str, Any] = {key: (q(value) if key == "quantity" else value) for key, value in line.items()}
    with pytest.raises(ValidationFailed) as error:
        services.post_movements(actor=clerk, reason=reason, lines=[MovementLine(item=bolt, location=bin_a, **values)])
    assert [(p.field, p.message) for p in error.value.problems] == expected
    assert StockMovement.objects.count() == 0


def test_fractions_are_fine_for_measured_units(clerk: Any, flour: Item, bin_a: Location) -> None:
    receive(clerk, flour, bin_a, "12.345")
    services.post_movements(actor=clerk, reason="scrap", lines=[MovementLine(item=flour, location=bin_a, quantity=q("-0.345"))])
    assert balance(flour, bin_a) == (q(12), q(0))


def test_negative_stock_only_where_the_site_allows_it(clerk: Any, bolt: Item, bin_a: Location) -> None:
    line = [MovementLine(item=bolt, location=bin_a, quantity=q(-3))]
    with pytest.raises(ValidationFailed):
        services.post_movements(actor=clerk, reason="adjustment", lines=line)
    services.set_stock_policy(actor=clerk, site=bin_a.site, allows_negative_stock=True)
    services.post_movements(actor=clerk, reason="adjustment", lines=line)
    assert balance(bolt, bin_a) == (q(-3), q(0))
    assert services.check_ledger() == []


def test_reversal_is_a_new_movement_and_cannot_repeat(clerk: Any, bolt: Item, bin_a: Location) -> None:
    posting = receive(clerk, bolt, bin_a, "8")
    reversal = services.reverse_posting(actor=clerk, posting_id=posting.posting_id)
    assert balance(bolt, bin_a) == (q(0), q(0))
    assert [(m.reason, m.quantity, m.reverses_id) for m in reversal.movements] == [
        ("reversal", q(-8), posting.movements[0].pk)
    ]
    with pytest.raises(ValidationFailed, match="already reversed"):
        services.reverse_posting(actor=clerk, posting_id=posting.posting_id)
    with pytest.raises(ValidationFailed, match="cannot be reversed"):
        services.reverse_posting(actor=clerk, posting_id=reversal.posting_id)


def test_a_receipt_cannot_be_reversed_once_its_stock_has_gone(clerk: Any, bolt: Item, bin_a: Location) -> None:
    posting = receive(clerk, bolt, bin_a, "8")
    services.post_movements(actor=clerk, reason="shipment", lines=[MovementLine(item=bolt, location=bin_a, quantity=q(-5))])
    with pytest.raises(ValidationFailed) as error:
        services.reverse_posting(actor=clerk, posting_id=posting.posting_id)
    assert error.value.problems[0].message == "only 3 available of BOLT-M8 at dub/A-01 (3 on hand, 0 reserved)"


def test_movements_are_append_only(clerk: Any, bolt: Item, bin_a: Location) -> None:
    movement = receive(clerk, bolt, bin_a, "1").movements[0]
    movement.quantity = q(99)
    with pytest.raises(AppendOnlyError):
        movement.save()
    with pytest.raises(AppendOnlyError):
        StockMovement.objects.filter(pk=movement.pk).update(quantity=q(99))
    with pytest.raises(AppendOnlyError):
        StockMovement.objects.filter(pk=movement.pk).delete()


def test_lots_and_expiry(clerk: Any, vaccine: Item, bin_a: Location) -> None:
    from datetime import date

    with pytest.raises(ValidationFailed) as error:
        receive(clerk, vaccine, bin_a, "5", lot_code="L-2027")
    assert [(p.field, p.message) for p in error.value.problems] == [("expires_on", "a new lot of VAC-1 needs its expiry date")]
    receive(clerk, vaccine, bin_a, "5", lot_code="L-2027", expires_on=date(2027, 3, 31))
    assert Lot.objects.get(item=vaccine, code="L-2027").expires_on == date(2027, 3, 31)
    with pytest.raises(ValidationFailed) as error:
        services.post_movements(actor=clerk, reason="shipment",
                                lines=[MovementLine(item=vaccine, location=bin_a, quantity=q(-1), lot_code="NOPE")])
    assert error.value.problems[0].message == "unknown lot 'NOPE' of VAC-1"
    assert balance(vaccine, bin_a, "L-2027") == (q(5), q(0))


def test_check_ledger_finds_a_tampered_balance(clerk: Any, bolt: Item, bin_a: Location) -> None:
    receive(clerk, bolt, bin_a, "10")
    out = io.StringIO()
    call_command("check_ledger", stdout=out)
    assert out.getvalue().startswith("The ledger holds: 1 movements, 1 balances, all consistent")
    StockBalance.objects.filter(item=bolt).update(on_hand=q(11))  # what a bug writing directly would do
    errors = io.StringIO()
    with pytest.raises(CommandError, match="1 balance\\(s\\) disagree with the ledger"):
        call_command("check_ledger", stdout=io.StringIO(), stderr=errors)
    assert errors.getvalue() == (
        f"item {bolt.pk} at location {bin_a.pk}: cached 11 on hand / 0 reserved, ledger 10 on hand / 0 reserved\n"
    )


def summaries(item: Item) -> dict[str | None, tuple[Decimal, Decimal, Decimal]]:
    return {(row.site.code if row.site else None): (row.on_hand, row.reserved, row.available)
            for row in ItemStock.objects.filter(item=item).select_related("site")}


def test_postings_keep_the_stock_summary_per_site_and_company_wide(
    clerk: Any, bolt: Item, bin_a: Location, bin_b: Location, site_columbus: Any
) -> None:
    # Given a new item: its company-wide summary exists at zero
    assert summaries(bolt) == {None: (q(0), q(0), q(0))}
    far = services.create_location(actor=None, site=site_columbus, code="C-01")
    # When stock arrives in two Dublin bins and in Columbus, and some is reserved and shipped
    services.post_movements(actor=clerk, reason="receipt", lines=[
        MovementLine(item=bolt, location=bin_a, quantity=q(10)), MovementLine(item=bolt, location=bin_b, quantity=q(5)),
        MovementLine(item=bolt, location=far, quantity=q(7)),
    ])
    services.post_movements(actor=clerk, reason="reservation", lines=[MovementLine(item=bolt, location=bin_b, reserved_quantity=q(4))])
    shipped = services.post_movements(actor=clerk, reason="shipment",
                                      lines=[MovementLine(item=bolt, location=far, quantity=q(-2))])
    # Then the summary holds the sums per site and for the company
    assert summaries(bolt) == {"dub": (q(15), q(4), q(11)), "cmh": (q(5), q(0), q(5)), None: (q(20), q(4), q(16))}
    # And a reversal and a refused posting keep it equal to the ledger
    services.reverse_posting(actor=clerk, posting_id=shipped.posting_id)
    with pytest.raises(ValidationFailed):
        services.post_movements(actor=clerk, reason="shipment", lines=[MovementLine(item=bolt, location=bin_b, quantity=q(-2))])
    assert summaries(bolt) == {"dub": (q(15), q(4), q(11)), "cmh": (q(7), q(0), q(7)), None: (q(22), q(4), q(18))}
    assert services.check_ledger() == []


def test_check_ledger_finds_a_tampered_or_missing_summary(clerk: Any, bolt: Item, flour: Item, bin_a: Location) -> None:
    receive(clerk, bolt, bin_a, "10")
    ItemStock.objects.filter(item=bolt, site__isnull=True).update(on_hand=q(12))  # what a bug writing directly would do
    ItemStock.objects.filter(item=flour).delete()  # an item without its company-wide row
    errors = io.StringIO()
    with pytest.raises(CommandError, match="0 balance\\(s\\) and 2 stock summary row\\(s\\) disagree with the ledger"):
        call_command("check_ledger", stdout=io.StringIO(), stderr=errors)
    assert sorted(errors.getvalue().splitlines()) == sorted([
        f"item {bolt.pk} at company-wide (stock summary): summary 12 on hand / 0 reserved, ledger 10 on hand / 0 reserved",
        f"item {flour.pk} at company-wide (stock summary): no stock summary; the ledger sums to 0 on hand, 0 reserved",
    ])


def test_the_data_migration_fills_the_summary_from_the_balances(
    clerk: Any, bolt: Item, flour: Item, vaccine: Item, bin_a: Location, bin_b: Location, site_columbus: Any
) -> None:
    import importlib
    from types import SimpleNamespace

    from django.apps import apps
    from django.db import connection

    far = services.create_location(actor=None, site=site_columbus, code="C-01")
    services.post_movements(actor=clerk, reason="receipt", lines=[
        MovementLine(item=bolt, location=bin_a, quantity=q(10)), MovementLine(item=flour, location=bin_b, quantity=q("2.5")),
        MovementLine(item=bolt, location=far, quantity=q(3)), MovementLine(item=bolt, location=bin_b, quantity=q(1)),
    ])
    services.post_movements(actor=clerk, reason="reservation", lines=[MovementLine(item=bolt, location=bin_a, reserved_quantity=q(1))])
    kept = {item.pk: summaries(item) for item in (bolt, flour, vaccine)}
    # Given the balances of a ledger written before the summary existed
    ItemStock.objects.all().delete()
    migration = importlib.import_module("keel.supply_chain.migrations.0010_fill_item_stock_summary")
    # When the data migration runs (it needs only the editor's connection)
    migration.fill(apps, SimpleNamespace(connection=connection))
    # Then every item has its rows, equal to what postings keep
    assert {item.pk: summaries(item) for item in (bolt, flour, vaccine)} == kept
    assert kept == {
        bolt.pk: {"dub": (q(11), q(1), q(10)), "cmh": (q(3), q(0), q(3)), None: (q(14), q(1), q(13))},
        flour.pk: {"dub": (q("2.5"), q(0), q("2.5")), None: (q("2.5"), q(0), q("2.5"))},
        vaccine.pk: {None: (q(0), q(0), q(0))},
    }
    assert services.check_ledger() == []
    # And the reverse migration empties it
    migration.empty(apps, SimpleNamespace(connection=connection))
    assert ItemStock.objects.count() == 0


def test_items_need_a_currency_with_a_price(db: Any) -> None:
    with pytest.raises(ValidationFailed) as error:
        services.create_item(actor=None, sku="X", name="X", standard_cost="3.50")
    assert [(p.field, p.message) for p in error.value.problems] == [
        ("cost_currency", "a price needs its three-letter ISO currency, e.g. EUR")
    ]
    assert Item.objects.count() == 0


def test_the_summary_can_be_rebuilt_from_the_balances(
    clerk: Any, bolt: Item, flour: Item, bin_a: Location, site_columbus: Any
) -> None:
    far = services.create_location(actor=None, site=site_columbus, code="C-01")
    services.post_movements(actor=clerk, reason="receipt", lines=[
        MovementLine(item=bolt, location=bin_a, quantity=q(7)), MovementLine(item=bolt, location=far, quantity=q(2)),
    ])
    services.post_movements(actor=clerk, reason="reservation", lines=[MovementLine(item=bolt, location=far, reserved_quantity=q(2))])
    kept = {item.pk: summaries(item) for item in (bolt, flour)}
    # Given a summary that lost rows and drifted (as after rows loaded in bulk)
    ItemStock.objects.filter(item=bolt, site__isnull=False).delete()
    ItemStock.objects.filter(item=flour).update(on_hand=q(5))
    assert services.check_ledger() != []
    # When it is rebuilt, it is what postings keep, and the ledger checks out
    services.rebuild_stock_summary()
    assert {item.pk: summaries(item) for item in (bolt, flour)} == kept == {
        bolt.pk: {"dub": (q(7), q(0), q(7)), "cmh": (q(2), q(2), q(0)), None: (q(9), q(2), q(7))},
        flour.pk: {None: (q(0), q(0), q(0))},
    }
    assert services.check_ledger() == []
