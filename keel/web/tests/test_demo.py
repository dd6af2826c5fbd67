"""The demo company: one person per title, logins printed once, stock that adds up."""

from __future__ import annotations

import io
import stat
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError

from keel.events.models import Event
from keel.orders.models import SalesOrder
from keel.organization.models import JobTitle, Person
from keel.supply_chain.models import CountLine, Item, Transfer
from keel.supply_chain.services import check_ledger


@pytest.mark.django_db
def test_the_demo_company_loads_and_its_logins_work(settings: Any, tmp_path: Path) -> None:
    settings.KEEL_DEMO_MODE = True
    settings.KEEL_DEMO_LOGINS_FILE = str(tmp_path / "logins.txt")
    settings.KEEL_DEMO_DAYS, settings.KEEL_DEMO_ORDERS_PER_DAY = 5, 10
    out = io.StringIO()
    call_command("keel_demo", "--no-serve", stdout=out)
    # One person per catalogue title, plus the administrator (and the simulated staff)
    people = Person.objects.filter(email__endswith="@example.com")
    assert people.count() == 32
    staff_titles = ["customer-service-agent", "warehouse-associate"]  # added by the simulation
    assert sorted(JobTitle.objects.filter(people__in=people).values_list("slug", flat=True).distinct()) == sorted(
        JobTitle.objects.exclude(slug__in=staff_titles).values_list("slug", flat=True))
    assert JobTitle.objects.exclude(slug__in=staff_titles).count() == 31
    # The logins were printed and saved privately, and they authenticate
    logins = Path(settings.KEEL_DEMO_LOGINS_FILE)
    assert stat.S_IMODE(logins.stat().st_mode) == 0o600
    rows = [line.split() for line in logins.read_text().splitlines() if "@example.com" in line]
    assert len(rows) == 32
    email, password = rows[5][0], rows[5][1]
    assert email in out.getvalue()
    assert authenticate(username=email, password=password) is not None
    # Five simulated days through the services: a ledger that adds up, every order in the log
    assert check_ledger() == []
    orders = SalesOrder.objects.count()
    assert orders > 0
    assert Event.objects.filter(source="keel", event_type__name="Create order").count() == orders
    assert {"shipped", "delivered"} & set(SalesOrder.objects.values_list("status", flat=True))
    assert Event.objects.filter(source="ocel-example").count() == 13
    # Today's work in progress: a held order, a transfer in transit, a count with a variance
    assert SalesOrder.objects.filter(is_on_hold=True).count() == 1
    assert list(Transfer.objects.values_list("status", flat=True)) == ["shipped"]
    assert [str(line.variance) for line in CountLine.objects.all()] == ["-3.0000"]
    # A first planning run: one plan per item and site, ranked by urgency
    from keel.planning.models import ItemPlan, PlanningRun

    run = PlanningRun.objects.get()
    assert (run.status, run.item_count) == ("succeeded", Item.objects.count() * 2)
    assert sorted(ItemPlan.objects.filter(run=run).values_list("urgency_rank", flat=True)) == list(
        range(1, run.item_count + 1))
    assert f"Planning run {run.pk}: {run.item_count} item plans, succeeded." in out.getvalue()
    # KPI targets, so the dashboards show statuses
    from keel.dashboards.demo import DEMO_TARGETS
    from keel.kpis.models import KpiTarget

    assert sorted(KpiTarget.objects.values_list("kpi_key", flat=True)) == sorted(DEMO_TARGETS)
    # Running it again changes nothing and prints the saved logins
    again = io.StringIO()
    call_command("keel_demo", "--no-serve", stdout=again)
    assert "already loaded" in again.getvalue()
    assert Person.objects.filter(email__endswith="@example.com").count() == 32


@pytest.mark.django_db
def test_the_demo_refuses_to_run_outside_demo_mode(settings: Any) -> None:
    settings.KEEL_DEMO_MODE = False
    with pytest.raises(CommandError, match="only for embedded/demo mode"):
        call_command("keel_demo", "--no-serve")
    assert Person.objects.count() == 0
