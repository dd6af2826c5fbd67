"""Transfers between sites and cycle counts: exact balances, refusals, approval, API, scope."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client, override_settings

from conftest import row_counts
from keel.audit.models import AuditRecord
from keel.core.errors import Conflict, PermissionDenied, ValidationFailed
from keel.organization.models import Person, Site
from keel.supply_chain import services
from keel.supply_chain import transfers as t
from keel.supply_chain.models import (
    CycleCount,
    Item,
    Location,
    StockBalance,
    StockMovement,
    Transfer,
)
from keel.supply_chain.services import MovementLine
from keel.supply_chain.tests.conftest import q

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def ledger_stays_right(db: Any) -> Iterator[None]:
    yield
    assert services.check_ledger() == []


@pytest.fixture
def cmh_bin(site_columbus: Site) -> Location:
    return services.create_location(actor=None, site=site_columbus, code="C-01", zone="C")


@pytest.fixture
def director(make_person: Callable[..., Person]) -> Person:
    """Director of Supply Chain: company-wide manage."""
    return make_person("director-of-supply-chain")


def on_hand(item: Item, location: Location) -> Decimal:
    balance = StockBalance.objects.filter(item=item, location=location).first()
    return balance.on_hand if balance else Decimal(0)


def stock(item: Item, location: Location, quantity: str) -> None:
    services.post_movements(actor=None, reason="receipt", lines=[MovementLine(item=item, location=location,
                                                                              quantity=q(quantity))])


# --- Transfers ------------------------------------------------------------------------


def draft(actor: Any, bolt: Item, bin_a: Location, site_columbus: Site, to: Location | None = None,
          quantity: str = "40") -> Transfer:
    return t.create_transfer(actor=actor, from_site=bin_a.site, to_site=site_columbus, lines=[
        t.TransferLineIn(item=bolt, quantity=q(quantity), from_location=bin_a, to_location=to)])


def test_ship_then_receive_moves_exact_quantities(
    clerk: Person, bolt: Item, bin_a: Location, cmh_bin: Location, site_columbus: Site,
) -> None:
    stock(bolt, bin_a, "100")
    transfer = draft(clerk, bolt, bin_a, site_columbus, to=cmh_bin)
    assert transfer.number == f"TR-{transfer.pk:06d}"
    assert transfer.status == "draft"

    t.ship_transfer(actor=clerk, transfer=transfer)
    assert transfer.status == "shipped"
    assert transfer.shipped_at is not None
    assert on_hand(bolt, bin_a) == q(60)
    assert on_hand(bolt, cmh_bin) == q(0)
    assert t.in_transit_by_item(actor=clerk) == {"BOLT-M8": q(40)}
    listed = t.transfers(actor=clerk).get(pk=transfer.pk)
    assert listed.in_transit == q(40)  # type: ignore[attr-defined]
    out = StockMovement.objects.get(reference=f"transfer:{transfer.pk}")
    assert (out.reason, out.quantity) == ("transfer_out", q(-40))

    t.receive_transfer(actor=clerk, transfer=transfer)
    assert transfer.status == "received"
    assert transfer.received_at is not None
    assert on_hand(bolt, bin_a) == q(60)
    assert on_hand(bolt, cmh_bin) == q(40)
    assert t.in_transit_by_item(actor=clerk) == {}
    assert list(StockMovement.objects.filter(reference=f"transfer:{transfer.pk}").order_by("id")
                .values_list("reason", "quantity")) == [("transfer_out", q(-40)), ("transfer_in", q(40))]
    actions = list(AuditRecord.objects.filter(object_type="transfer", object_id=str(transfer.pk))
                   .values_list("action", flat=True))
    assert len(actions) == 3


def test_receiving_twice_is_refused_and_changes_nothing(
    clerk: Person, bolt: Item, bin_a: Location, cmh_bin: Location, site_columbus: Site,
) -> None:
    stock(bolt, bin_a, "100")
    transfer = draft(clerk, bolt, bin_a, site_columbus, to=cmh_bin)
    t.ship_transfer(actor=clerk, transfer=transfer)
    t.receive_transfer(actor=clerk, transfer=transfer)
    before = row_counts()
    with pytest.raises(Conflict) as error:
        t.receive_transfer(actor=clerk, transfer=transfer)
    assert "only in transit transfers can be received" in error.value.detail
    assert row_counts() == before
    assert on_hand(bolt, cmh_bin) == q(40)


def test_destination_chosen_at_receipt_and_cancel_only_from_draft(
    clerk: Person, bolt: Item, bin_a: Location, cmh_bin: Location, site_columbus: Site,
) -> None:
    stock(bolt, bin_a, "10")
    transfer = draft(clerk, bolt, bin_a, site_columbus, quantity="10")
    t.ship_transfer(actor=clerk, transfer=transfer)
    with pytest.raises(ValidationFailed):
        t.receive_transfer(actor=clerk, transfer=transfer)
    with pytest.raises(Conflict):
        t.cancel_transfer(actor=clerk, transfer=transfer)
    t.receive_transfer(actor=clerk, transfer=transfer, to_locations={1: cmh_bin})
    assert on_hand(bolt, cmh_bin) == q(10)

    other = draft(clerk, bolt, cmh_bin, site_columbus.__class__.objects.get(code="dub"), quantity="5")
    t.cancel_transfer(actor=clerk, transfer=other)
    assert other.status == "cancelled"
    with pytest.raises(Conflict):
        t.ship_transfer(actor=clerk, transfer=other)


def test_shipping_more_than_available_is_refused(
    clerk: Person, bolt: Item, bin_a: Location, cmh_bin: Location, site_columbus: Site,
) -> None:
    stock(bolt, bin_a, "5")
    transfer = draft(clerk, bolt, bin_a, site_columbus, to=cmh_bin, quantity="6")
    with pytest.raises(ValidationFailed):
        t.ship_transfer(actor=clerk, transfer=transfer)
    transfer.refresh_from_db()
    assert transfer.status == "draft"
    assert on_hand(bolt, bin_a) == q(5)


# --- Cycle counts ---------------------------------------------------------------------


def test_count_posts_exact_variances(clerk: Person, bolt: Item, flour: Item, bin_a: Location, bin_b: Location) -> None:
    stock(bolt, bin_a, "100")
    stock(flour, bin_b, "20.5")
    count = t.create_count(actor=clerk, site=bin_a.site, locations=[bin_a, bin_b])
    assert count.number == f"CC-{count.pk:06d}"
    lines = {line.item.sku: line for line in count.lines.all()}
    assert lines["BOLT-M8"].expected_quantity == q(100)
    assert lines["FLOUR-25"].expected_quantity == q("20.5")
    stock(bolt, bin_a, "1")  # moves after the snapshot do not change the expected quantity
    t.record_counts(actor=clerk, count=count, counts=[
        t.CountIn(line=lines["BOLT-M8"].line_number, counted_quantity=q(97), reason="damaged"),
        t.CountIn(line=lines["FLOUR-25"].line_number, counted_quantity=q("20.5")),
    ])
    t.submit_count(actor=clerk, count=count)
    assert count.status == "submitted"
    assert count.variance_value == q("0.36")
    t.post_count(actor=clerk, count=count)
    assert count.status == "posted"
    corrections = list(StockMovement.objects.filter(reference=f"cycle_count:{count.pk}"))
    assert [(m.reason, m.item.sku, m.quantity, m.note) for m in corrections] == [
        ("count_correction", "BOLT-M8", q(-3), f"{count.number}: damaged")]
    assert on_hand(bolt, bin_a) == q(98)  # 101 on the books, corrected by the counted variance
    assert on_hand(flour, bin_b) == q("20.5")


def test_a_variance_without_a_reason_is_refused(clerk: Person, bolt: Item, bin_a: Location) -> None:
    stock(bolt, bin_a, "10")
    count = t.create_count(actor=clerk, site=bin_a.site, items=[bolt])
    t.record_counts(actor=clerk, count=count, counts=[t.CountIn(line=1, counted_quantity=q(8))])
    with pytest.raises(ValidationFailed) as error:
        t.submit_count(actor=clerk, count=count)
    assert "needs a reason" in error.value.problems[0].message
    count.refresh_from_db()
    assert count.status == "open"
    with pytest.raises(ValidationFailed):
        t.record_counts(actor=clerk, count=count, counts=[t.CountIn(line=1, counted_quantity=q(8), reason="lost")])
    with pytest.raises(Conflict):
        t.post_count(actor=clerk, count=count)
    assert on_hand(bolt, bin_a) == q(10)


def test_large_variance_needs_approval_by_someone_else(
    clerk: Person, make_person: Callable[..., Person], bolt: Item, bin_a: Location,
) -> None:
    stock(bolt, bin_a, "10000")
    count = t.create_count(actor=clerk, site=bin_a.site, locations=[bin_a])
    t.record_counts(actor=clerk, count=count, counts=[t.CountIn(line=1, counted_quantity=q(5000), reason="theft")])
    t.submit_count(actor=clerk, count=count)
    assert count.status == "needs_approval"
    assert count.variance_value == q(600)
    with pytest.raises(Conflict):
        t.post_count(actor=clerk, count=count)
    with pytest.raises(PermissionDenied) as error:
        t.approve_count(actor=clerk, count=count)
    assert "somebody other than its counter" in error.value.detail
    operator = make_person("logistics-manager")
    with pytest.raises(PermissionDenied):
        t.approve_count(actor=operator, count=count)
    colleague = make_person("supply-chain-manager")
    t.approve_count(actor=colleague, count=count)
    assert count.status == "approved"
    assert count.approved_by_id == colleague.pk
    t.post_count(actor=clerk, count=count)
    assert on_hand(bolt, bin_a) == q(5000)


@override_settings(KEEL_COUNT_APPROVAL_THRESHOLD=1000)
def test_threshold_is_a_setting_and_units_count_without_cost(clerk: Person, flour: Item, bin_a: Location) -> None:
    stock(flour, bin_a, "2000")
    count = t.create_count(actor=clerk, site=bin_a.site, items=[flour])
    t.record_counts(actor=clerk, count=count, counts=[t.CountIn(line=1, counted_quantity=q(1100), reason="unknown")])
    t.submit_count(actor=clerk, count=count)
    assert count.status == "submitted"
    assert count.variance_value == q(900)


# --- API and scope --------------------------------------------------------------------


def post(client: Client, url: str, body: dict[str, Any] | None = None, key: str | None = None) -> Any:
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(url, body or {}, content_type="application/json", headers=headers)


def test_the_transfer_api_is_idempotent_and_moves_stock(
    director: Person, api_client: Callable[..., Client], bolt: Item, bin_a: Location, cmh_bin: Location,
    site_columbus: Site,
) -> None:
    stock(bolt, bin_a, "50")
    client = api_client(director)
    body = {"from_site": "dub", "to_site": "cmh",
            "lines": [{"sku": "BOLT-M8", "quantity": "20", "from_location": "A-01", "to_location": "C-01"}]}
    first = post(client, "/api/v1/transfers", body, key="tr-1")
    assert first.status_code == 201, first.json()
    again = post(client, "/api/v1/transfers", body, key="tr-1")
    assert again.status_code == 200
    assert again.json()["replayed"] is True
    assert again.json()["id"] == first.json()["id"]
    assert Transfer.objects.count() == 1
    pk = first.json()["id"]
    shipped = post(client, f"/api/v1/transfers/{pk}/ship")
    assert shipped.status_code == 200
    assert shipped.json()["status"] == "shipped"
    assert Decimal(client.get("/api/v1/transfers").json()["items"][0]["in_transit"]) == q(20)
    assert post(client, f"/api/v1/transfers/{pk}/receive").status_code == 200
    assert post(client, f"/api/v1/transfers/{pk}/receive").status_code == 409
    assert on_hand(bolt, cmh_bin) == q(20)
    assert on_hand(bolt, bin_a) == q(30)


def test_the_count_api(clerk: Person, api_client: Callable[..., Client], bolt: Item, bin_a: Location) -> None:
    stock(bolt, bin_a, "10")
    client = api_client(clerk)
    created = post(client, "/api/v1/counts", {"site": "dub", "locations": ["A-01"]}, key="cc-1")
    assert created.status_code == 201, created.json()
    assert post(client, "/api/v1/counts", {"site": "dub", "locations": ["A-01"]}, key="cc-1").status_code == 200
    pk = created.json()["id"]
    recorded = post(client, f"/api/v1/counts/{pk}/record", {"lines": [{"line": 1, "counted_quantity": "9"}]})
    assert recorded.status_code == 200
    assert post(client, f"/api/v1/counts/{pk}/submit").status_code == 422
    post(client, f"/api/v1/counts/{pk}/record", {"lines": [{"line": 1, "counted_quantity": "9", "reason": "misplaced"}]})
    assert post(client, f"/api/v1/counts/{pk}/submit").json()["status"] == "submitted"
    assert post(client, f"/api/v1/counts/{pk}/post").json()["status"] == "posted"
    assert on_hand(bolt, bin_a) == q(9)


def test_another_sites_manager_cannot_see_transfers_or_counts(
    clerk: Person, make_person: Callable[..., Person], api_client: Callable[..., Client], bolt: Item,
    bin_a: Location, bin_b: Location, site_columbus: Site, cmh_bin: Location,
) -> None:
    stock(bolt, bin_a, "10")
    transfer = t.create_transfer(actor=clerk, from_site=bin_a.site, to_site=bin_b.site.__class__.objects.create(
        code="lis", name="Lisbon", time_zone="Europe/Lisbon"), lines=[
        t.TransferLineIn(item=bolt, quantity=q(1), from_location=bin_a)])
    count = t.create_count(actor=clerk, site=bin_a.site, locations=[bin_a])
    columbus = make_person("supply-chain-manager", site=site_columbus)
    client = api_client(columbus)
    assert client.get(f"/api/v1/transfers/{transfer.pk}").status_code == 404
    assert post(client, f"/api/v1/transfers/{transfer.pk}/ship").status_code == 404
    assert client.get(f"/api/v1/counts/{count.pk}").status_code == 404
    assert post(client, f"/api/v1/counts/{count.pk}/post").status_code == 404
    assert client.get("/api/v1/transfers").json()["count"] == 0
    assert t.count(actor=columbus, pk=count.pk) is None
    # The destination site sees a transfer coming its way.
    incoming = draft(clerk, bolt, bin_a, site_columbus, to=cmh_bin, quantity="1")
    assert client.get(f"/api/v1/transfers/{incoming.pk}").status_code == 200
    assert CycleCount.objects.count() == 1


# --- Pages ----------------------------------------------------------------------------


def test_transfer_pages_list_export_ship_and_receive(
    clerk: Person, login: Callable[[Person], Client], bolt: Item, bin_a: Location, cmh_bin: Location,
    site_columbus: Site,
) -> None:
    stock(bolt, bin_a, "30")
    transfer = draft(clerk, bolt, bin_a, site_columbus, quantity="12")
    client = login(clerk)
    page = client.get("/supply-chain/transfers/?status=draft&q=TR")
    assert page.status_code == 200
    assert transfer.number in page.content.decode()
    exported = client.get("/supply-chain/transfers/?export=csv")
    assert exported.status_code == 200
    body = b"".join(exported.streaming_content) if exported.streaming else exported.content  # type: ignore[arg-type]
    assert transfer.number in body.decode()
    assert AuditRecord.objects.filter(object_type="transfer", action="export").exists()
    detail = client.get(f"/supply-chain/transfers/{transfer.pk}/")
    assert "Ship" in detail.content.decode()
    assert client.post(f"/supply-chain/transfers/{transfer.pk}/ship/").status_code == 302
    assert "12" in client.get("/supply-chain/transfers/").content.decode()
    refused = client.post(f"/supply-chain/transfers/{transfer.pk}/receive/")
    assert refused.status_code == 422
    received = client.post(f"/supply-chain/transfers/{transfer.pk}/receive/", {"to_location_1": cmh_bin.pk})
    assert received.status_code == 302
    assert on_hand(bolt, cmh_bin) == q(12)


def test_the_count_sheet_records_submits_and_posts(
    clerk: Person, login: Callable[[Person], Client], bolt: Item, bin_a: Location,
) -> None:
    stock(bolt, bin_a, "10")
    count = t.create_count(actor=clerk, site=bin_a.site, locations=[bin_a])
    client = login(clerk)
    sheet = client.get(f"/supply-chain/counts/{count.pk}/")
    assert 'name="counted_1"' in sheet.content.decode()
    assert client.get("/supply-chain/counts/").status_code == 200
    refused = client.post(f"/supply-chain/counts/{count.pk}/", {"counted_1": "7", "submit": "1"})
    assert refused.status_code == 422
    assert count.lines.get().counted_quantity is None  # nothing saved
    done = client.post(f"/supply-chain/counts/{count.pk}/", {"counted_1": "7", "reason_1": "theft", "submit": "1"})
    assert done.status_code == 302
    assert client.post(f"/supply-chain/counts/{count.pk}/post/").status_code == 302
    assert on_hand(bolt, bin_a) == q(7)
