"""End to end on part A's hand-checked company (keel/kpis/tests/conftest.py): the home page
of a site-scoped manager shows only their site's numbers, and alerts follow the same scope.

Now is Thursday 2026-11-26 12:00 UTC. Dublin this week: O1 (cycle 30 h, shipped on time),
O2 (48 h, shipped late), O4 open with 112 backordered; Columbus: O3 (35 h, shipped late).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from keel.core import clock
from keel.dashboards import services
from keel.dashboards.models import Alert, KpiStatus
from keel.kpis import services as kpi_services
from keel.kpis.tests.conftest import Company, at, company, fresh_cache, report_in_eur  # noqa: F401 (fixtures)
from keel.organization.models import Person

pytestmark = pytest.mark.django_db

NOW = at(11, 26, 12)


def tile_values(page: str) -> dict[str, str]:
    """KPI key -> the value shown on its tile."""
    return dict(re.findall(r'data-kpi="([a-z_]+)".*?<p class="kpi-value">([^<]*)</p>', page, flags=re.S))


def test_each_fulfillment_manager_sees_their_own_sites_numbers_on_the_home_page(
    company: Company, make_person: Callable[..., Person], login: Callable[[Person], Client]  # noqa: F811
) -> None:
    dublin = make_person("fulfillment-manager", site=company.dublin, email="dub@example.com")
    columbus = make_person("fulfillment-manager", site=company.columbus, email="cmh@example.com")
    with clock.simulated(NOW):
        dublin_page = login(dublin).get(reverse("web:home")).content.decode()
        columbus_page = login(columbus).get(reverse("web:home")).content.decode()
    # Dublin: cycle median(30, 48) = 39 h; on time 1 of 2; backlog O4; fill (10 + 4 + 88) / (10 + 4 + 200)
    assert tile_values(dublin_page) == {
        "order_cycle_time": "39.0 h", "on_time_shipment_rate": "50.0 %", "order_backlog": "1",
        "order_to_ship_time": "15.0 h", "perfect_order_rate": "50.0 %", "fill_rate": "47.7 %",
        "labour_hours_per_order": "4.0 h",
    }
    # Columbus: O3 alone
    assert tile_values(columbus_page) == {
        "order_cycle_time": "35.0 h", "on_time_shipment_rate": "0.0 %", "order_backlog": "0",
        "order_to_ship_time": "24.0 h", "perfect_order_rate": "0.0 %", "fill_rate": "100.0 %",
        "labour_hours_per_order": "6.0 h",
    }


def test_alerts_go_to_the_holders_whose_scope_crossed(
    company: Company, make_person: Callable[..., Person]  # noqa: F811
) -> None:
    # Given a Fulfillment Manager in each site, and a backlog line: red above 0.5 open orders
    dublin = make_person("fulfillment-manager", site=company.dublin, email="dub@example.com")
    columbus = make_person("fulfillment-manager", site=company.columbus, email="cmh@example.com")
    kpi_services.set_target(actor=company.buyer, key="order_backlog", target=0, amber=0, red=0.5)
    # When alerts are evaluated (twice: the second run finds nothing new)
    with clock.simulated(NOW):
        first = services.evaluate_alerts(keys=["order_backlog"])
        second = services.evaluate_alerts(keys=["order_backlog"])
    # Then Dublin (1 open order) is red and its manager is told; Columbus (0) is the green baseline
    assert (first.checked, first.crossings, first.alerts) == (2, 1, 1)
    assert (second.checked, second.crossings, second.alerts) == (2, 0, 0)
    alert = Alert.objects.get()
    assert (alert.recipient, alert.previous_status, alert.status, alert.display, alert.scope_label) == (
        dublin, "none", "red", "1", "Dublin")
    states = dict(KpiStatus.objects.values_list("scope_key", "status"))
    assert states == {f"site:{company.dublin.pk}": "red", f"site:{company.columbus.pk}": "green"}
    assert not Alert.objects.filter(recipient=columbus).exists()
