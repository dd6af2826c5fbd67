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
from keel.organization.models import JobTitle, Person
from keel.supply_chain.models import StockBalance
from keel.supply_chain.services import check_ledger


@pytest.mark.django_db
def test_the_demo_company_loads_and_its_logins_work(settings: Any, tmp_path: Path) -> None:
    settings.KEEL_DEMO_MODE = True
    settings.KEEL_DEMO_LOGINS_FILE = str(tmp_path / "logins.txt")
    out = io.StringIO()
    call_command("keel_demo", "--no-serve", stdout=out)
    # One person per catalogue title, plus the administrator
    assert Person.objects.count() == 32
    assert sorted(JobTitle.objects.filter(people__isnull=False).values_list("slug", flat=True).distinct()) == sorted(
        JobTitle.objects.values_list("slug", flat=True)
    )
    # The logins were printed and saved privately, and they authenticate
    logins = Path(settings.KEEL_DEMO_LOGINS_FILE)
    assert stat.S_IMODE(logins.stat().st_mode) == 0o600
    rows = [line.split() for line in logins.read_text().splitlines() if "@example.com" in line]
    assert len(rows) == 32
    email, password = rows[5][0], rows[5][1]
    assert email in out.getvalue()
    assert authenticate(username=email, password=password) is not None
    # Stock at three warehouses that agrees with its ledger; the OCEL sample is in the log
    assert StockBalance.objects.count() == 36
    assert check_ledger() == []
    assert Event.objects.filter(source="ocel-example").count() == 13
    # Purchasing and fulfillment with something in every state people look at
    from keel.orders.models import SalesOrder
    from keel.supply_chain.models import PurchaseOrder

    assert sorted(PurchaseOrder.objects.values_list("status", flat=True)) == [
        "draft", "partially_received", "received", "sent", "submitted"
    ]
    assert SalesOrder.objects.count() == 5
    assert SalesOrder.objects.filter(is_on_hold=True).count() == 1
    # Running it again changes nothing and prints the saved logins
    again = io.StringIO()
    call_command("keel_demo", "--no-serve", stdout=again)
    assert "already loaded" in again.getvalue()
    assert Person.objects.count() == 32


@pytest.mark.django_db
def test_the_demo_refuses_to_run_outside_demo_mode(settings: Any) -> None:
    settings.KEEL_DEMO_MODE = False
    with pytest.raises(CommandError, match="only for embedded/demo mode"):
        call_command("keel_demo", "--no-serve")
    assert Person.objects.count() == 0
