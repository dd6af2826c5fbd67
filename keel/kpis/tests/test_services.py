"""Targets and thresholds (with their audit trail) and history snapshots."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from django.core.management import call_command

from keel.audit.models import AuditRecord
from keel.core import clock
from keel.core.errors import PermissionDenied, ValidationFailed
from keel.events.models import Event
from keel.kpis import services
from keel.kpis.models import KpiSnapshot, KpiTarget
from keel.kpis.selectors import tiles
from keel.kpis.tests.conftest import Company, at
from keel.organization.models import Person

pytestmark = pytest.mark.django_db
NOW = at(11, 26, 12)


def test_a_target_sets_the_status_and_leaves_an_audit_trail(company: Company) -> None:
    # Orders this week: 4. Target 10, amber below 8, red below 5 (higher is better): red.
    with clock.simulated(NOW):
        services.set_target(actor=company.buyer, key="orders", target=10, amber=8, red=5)
        tile = tiles(actor=company.buyer, keys=["orders"])["orders"]
    assert (tile.value, tile.target, tile.status) == (4, 10, "red")
    audit = AuditRecord.objects.filter(object_type="kpi_target").get()
    assert (audit.action, audit.before, audit.after) == ("create", {}, {"target": 10, "amber": 8, "red": 5})
    assert Event.objects.filter(event_type__name="Set KPI target").count() == 1

    # A new line takes effect at once (the event moved the cache's high-water mark): amber.
    with clock.simulated(NOW):
        services.set_target(actor=company.buyer, key="orders", target=6, amber=6, red=3)
        assert tiles(actor=company.buyer, keys=["orders"])["orders"].status == "amber"


def test_a_sites_own_line_wins_for_people_of_that_site(company: Company,
                                                        make_person: Callable[..., Person]) -> None:
    columbus = make_person("supply-chain-manager", site=company.columbus, email="cmh@example.com")
    services.set_target(actor=company.buyer, key="order_cycle_time", target=24, amber=30, red=48)
    services.set_target(actor=company.buyer, key="order_cycle_time", site=company.columbus, target=40, amber=40,
                        red=60)
    with clock.simulated(NOW):
        company_tile = tiles(actor=company.buyer, keys=["order_cycle_time"])["order_cycle_time"]
        columbus_tile = tiles(actor=columbus, keys=["order_cycle_time"])["order_cycle_time"]
    # Company-wide 35 h against 24/30/48 (lower is better): amber. Columbus 35 h against 40: green.
    assert (company_tile.value, company_tile.target, company_tile.status) == (35, 24, "amber")
    assert (columbus_tile.value, columbus_tile.target, columbus_tile.status) == (35, 40, "green")


def test_a_refused_target_changes_nothing(company: Company, make_person: Callable[..., Person]) -> None:
    fulfiller = make_person("fulfillment-manager", email="ff@example.com")
    with pytest.raises(PermissionDenied):
        services.set_target(actor=fulfiller, key="revenue", target=1000)
    with pytest.raises(ValidationFailed) as refused:
        services.set_target(actor=company.buyer, key="otif", target=95, amber=90, red=92)
    assert [problem.field for problem in refused.value.problems] == ["red"]
    assert KpiTarget.objects.count() == 0
    assert not AuditRecord.objects.filter(object_type="kpi_target").exists()


def test_an_owner_title_sets_its_own_kpis_lines(company: Company, make_person: Callable[..., Person]) -> None:
    # The Fulfillment Manager owns order_cycle_time, not revenue.
    fulfiller = make_person("fulfillment-manager", email="ff@example.com")
    services.set_target(actor=fulfiller, key="order_cycle_time", target=24)
    assert KpiTarget.objects.get().target == 24


def test_snapshots_store_closed_periods_once_and_feed_the_trend(company: Company) -> None:
    with clock.simulated(NOW):
        first = services.snapshot(actor=None, keys=["orders", "inventory_value"], periods=3)
        again = services.snapshot(actor=None, keys=["orders", "inventory_value"], periods=3)
    # Three closed weeks (Nov 2, 9, 16) x 2 KPIs x 3 scopes (company, Dublin, Columbus); then nothing new.
    assert (first.stored, first.scopes, again.stored) == (18, 3, 0)
    stored = KpiSnapshot.objects.filter(scope_key="company", kpi_key="inventory_value").order_by("period_start")
    assert [(row.period_start, row.value) for row in stored] == [
        (date(2026, 11, 2), 338.0), (date(2026, 11, 9), 338.0), (date(2026, 11, 16), 338.0)]

    # A stored value is history: the trend shows it, even if computing it now would differ.
    KpiSnapshot.objects.filter(scope_key="company", kpi_key="inventory_value",
                               period_start=date(2026, 11, 16)).update(value=1.0)
    with clock.simulated(NOW):
        trend = dict(tiles(actor=company.buyer, keys=["inventory_value"])["inventory_value"].trend)
    assert trend[date(2026, 11, 16)] == 1.0
    assert trend[date(2026, 11, 23)] == 332.0


def test_keel_kpis_snapshot_command(company: Company, capsys: pytest.CaptureFixture[str]) -> None:
    with clock.simulated(NOW):
        call_command("kpis", "snapshot", "--kpi", "orders", "--periods", "2")
    assert capsys.readouterr().out.startswith("Stored 6 KPI snapshots over 3 scopes")
