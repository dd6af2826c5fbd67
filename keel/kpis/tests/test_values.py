"""Each KPI against a calculation done by hand on the small company of conftest.py.

Now is Thursday 2026-11-26 12:00 UTC. Week KPIs cover Monday 23 00:00 to now, month
KPIs 1 November to now (25.5 days), the backlog (day grain) today. USD counts 0.5 EUR.

The company, in short (times UTC):
  O0  Oct 20 Dublin  Acme  2 BOLT x 2.50 EUR  shipped Oct 21, delivered Oct 22
  O1  Mon 09:00 Dublin Acme 10 BOLT x 2.50 EUR  promised ship Mon, delivery Wed;
      shipped Mon 15:00 (DHL 5.00), delivered Tue 15:00
  O2  Mon 10:00 Dublin Acme  4 NUT x 1.00 EUR  promised ship Mon, delivery Tue; held and
      released Mon; shipped Tue 10:00 (DHL 3.00), delivered Wed 10:00
  O3  Tue 09:00 Columbus Beta 5 BOLT x 2.50 USD  promised ship Tue, delivery Thu; shipped
      3 on Tue 21:00 (UPS 4.00 USD) and 2 on Wed 09:00 (UPS 2.00 USD), delivered Wed 20:00
  O4  Wed 09:00 Dublin Beta 200 BOLT x 2.50 EUR  88 allocated, 112 backordered, not shipped
  O5  Wed 11:00 Dublin Acme 1 NUT, cancelled at 12:00
  PO-A Nordtex -> Dublin 20 NUT x 1.20 EUR (standard 1.00) sent Mon 08:00, expected Wed,
       received Tue 08:00
  PO-B Yankee -> Columbus 10 BOLT x 3.00 USD (standard 2.00 EUR) sent Nov 16 08:00,
       expected Nov 20, received Wed 08:00
  Stock: opening Oct 1 Dublin 100 BOLT, 50 NUT, 3 GLUE; Columbus 40 BOLT; GLUE scrapped Tue.
  Shifts: Dublin 8 h Mon, Columbus 6 h Tue. Marketing (Nov): 300 EUR / 6 new, 100 USD / 2 new.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from statistics import median

import pytest

from keel.core import clock
from keel.kpis.catalogue import CATALOGUE
from keel.kpis.selectors import tiles
from keel.kpis.tests.conftest import Company, at
from keel.organization.models import Person

pytestmark = pytest.mark.django_db

NOW = at(11, 26, 12)
MONTH_DAYS = 25.5  # 1 Nov 00:00 to 26 Nov 12:00


def company_values(actor: Person) -> dict[str, float | None]:
    with clock.simulated(NOW):
        return {key: tile.value for key, tile in tiles(actor=actor, keys=list(CATALOGUE)).items()}


def expected_company_wide() -> dict[str, float | None]:
    # Orders delivered this week: O1 (Mon 09 -> Tue 15: 30 h), O2 (Mon 10 -> Wed 10: 48 h),
    # O3 (Tue 09 -> Wed 20: 35 h).
    cycle = median([30, 48, 35])
    # Fully shipped this week: O1 6 h, O2 24 h, O3 (last part Wed 09:00) 24 h.
    to_ship = median([6, 24, 24])
    # On time shipment: O1 shipped Mon <= Mon yes; O2 Tue > Mon no; O3 Wed > Tue no.
    on_time_shipment = 1 / 3 * 100
    # On time delivery: O1 Tue <= Wed yes; O2 Wed > Tue no; O3 Wed <= Thu yes.
    on_time_delivery = 2 / 3 * 100
    # In full (one shipment): O1 yes, O3 no (two shipments); on time and in full: O1 only.
    otif = 1 / 3 * 100
    # Perfect: O1 (never held, address never corrected).
    perfect = 1 / 3 * 100
    # First allocation of orders confirmed this week: O1 10/10, O2 4/4, O3 5/5, O4 88/200
    # (Dublin had 100 - 2 (O0) - 10 (O1) = 88 BOLT). O5 was never allocated.
    fill = (10 + 4 + 5 + 88) / (10 + 4 + 5 + 200) * 100
    backorder = 1 / 4 * 100
    # Stock records (item x site): Dublin BOLT 88, NUT 66, GLUE 0; Columbus BOLT 45.
    stockout = 1 / 4 * 100
    # Inventory now: Dublin 88 BOLT x 2 + 66 NUT x 1 + 0 GLUE; Columbus 45 BOLT x 2.
    value_now = 88 * 2 + 66 * 1 + 0 * 4 + 45 * 2
    # On 1 Nov: Dublin 98 BOLT, 50 NUT, 3 GLUE; Columbus 40 BOLT.
    value_nov_1 = 98 * 2 + 50 * 1 + 3 * 4 + 40 * 2
    # Goods shipped in November at standard cost: BOLT 10 (O1) + 5 (O3) = 15 x 2, NUT 4 (O2) x 1.
    cogs = 15 * 2 + 4 * 1
    average = (value_nov_1 + value_now) / 2
    # Shipments this week: 5.00 + 3.00 EUR + (4.00 + 2.00) USD x 0.5 = 11 EUR for 3 orders.
    shipping_per_order = (5 + 3 + (4 + 2) * 0.5) / 3
    # Receipts: PO-A (1.20 - 1.00) x 20 = 4.00; PO-B (3.00 x 0.5 - 2.00) x 10 = -5.00.
    ppv = (1.20 - 1.00) * 20 + (3.00 * 0.5 - 2.00) * 10
    # PO-A arrived Tue <= Wed; PO-B Wed > Nov 20. Lead times: 1 day and 9 days.
    supplier_on_time = 1 / 2 * 100
    lead_time = median([1, 9])
    # Orders confirmed this week and not cancelled: O1 25.00, O2 4.00, O3 12.50 USD = 6.25, O4 500.00.
    revenue = 10 * 2.50 + 4 * 1.00 + 5 * 2.50 * 0.5 + 200 * 2.50
    orders = 4
    # Marketing in November: (300 + 100 x 0.5) / (6 + 2).
    cac = (300 + 100 * 0.5) / (6 + 2)
    # November buyers: Acme (first order Oct 20: repeat), Beta (first order Nov 24: new).
    repeat = 1 / 2 * 100
    # 8 + 6 shift hours over 3 orders that shipped this week.
    labour = (8 + 6) / 3
    # Open today: O4 (O3 shipped, O5 cancelled).
    backlog = 1
    return {
        "order_cycle_time": cycle, "order_to_ship_time": to_ship, "on_time_shipment_rate": on_time_shipment,
        "on_time_delivery_rate": on_time_delivery, "otif": otif, "perfect_order_rate": perfect, "fill_rate": fill,
        "backorder_rate": backorder, "stockout_rate": stockout,
        "inventory_turnover": cogs / average * 365 / MONTH_DAYS,
        "days_inventory_on_hand": value_now / (cogs / MONTH_DAYS),
        "inventory_value": value_now, "carrying_cost": average * 0.25 * MONTH_DAYS / 365,
        "shipping_cost_per_order": shipping_per_order, "purchase_price_variance": ppv,
        "supplier_on_time_rate": supplier_on_time, "supplier_lead_time": lead_time, "revenue": revenue,
        "orders": orders, "average_order_value": revenue / orders, "customer_acquisition_cost": cac,
        "repeat_purchase_rate": repeat, "labour_hours_per_order": labour, "order_backlog": backlog,
        # Not computed: put-away is not recorded, planning is on another branch, areas not built.
        "dock_to_stock_time": None, "forecast_accuracy": None, "ticket_first_response_time": None,
        "sla_breach_rate": None, "csat": None, "return_rate": None, "budget_variance": None,
        "cost_per_order": None, "open_high_risks": None, "control_test_pass_rate": None,
        "automation_rule_failures": None,
    }


def test_every_kpi_matches_the_hand_calculation_company_wide(company: Company) -> None:
    values = company_values(company.buyer)
    expected = expected_company_wide()
    assert set(values) == set(CATALOGUE)
    for key, value in expected.items():
        assert values[key] == (pytest.approx(value, rel=1e-9) if value is not None else None), key


def test_a_site_manager_sees_only_their_sites_numbers(company: Company,
                                                       make_person: Callable[..., Person]) -> None:
    # A Supply Chain Manager at Columbus: supply chain manage, costs view, site scope.
    columbus = make_person("supply-chain-manager", site=company.columbus, email="cmh@example.com")
    values = company_values(columbus)
    # Columbus alone: O3 only (35 h cycle, 24 h to ship, shipped late, delivered on time, two shipments).
    assert values["orders"] == 1
    assert values["revenue"] == pytest.approx(5 * 2.50 * 0.5)
    assert values["order_cycle_time"] == 35
    assert values["order_to_ship_time"] == 24
    assert values["on_time_shipment_rate"] == 0
    assert values["on_time_delivery_rate"] == 100
    assert values["otif"] == 0
    assert values["fill_rate"] == 100
    assert values["shipping_cost_per_order"] == pytest.approx((4 + 2) * 0.5)
    assert values["inventory_value"] == 45 * 2
    assert values["stockout_rate"] == 0
    assert values["order_backlog"] == 0
    assert values["labour_hours_per_order"] == 6
    # PO-B only: late, 9 days, (1.50 - 2.00) x 10.
    assert values["supplier_on_time_rate"] == 0
    assert values["supplier_lead_time"] == 9
    assert values["purchase_price_variance"] == pytest.approx(-5.0)
    # Beta's first order in scope is O3: not a repeat.
    assert values["repeat_purchase_rate"] == 0
    # Marketing spend belongs to no site: company-wide people only (and the tile says so).
    assert values["customer_acquisition_cost"] is None
    # Customer service KPIs need the service area, which this title lacks.
    assert "csat" not in values


def test_the_trend_has_one_point_per_period_oldest_first(company: Company) -> None:
    with clock.simulated(NOW):
        tile = tiles(actor=company.buyer, keys=["inventory_value", "orders"])
    value = tile["inventory_value"]
    assert len(value.trend) == 12
    assert value.trend[-1] == (NOW.date().replace(day=23), 332.0)
    # The week of Nov 9 ended with the opening stock less O0's 2 BOLT: 98x2 + 50 + 3x4 + 40x2.
    assert dict(value.trend)[NOW.date().replace(day=9)] == 338.0
    # O0 (week of Oct 19) and O1-O4 (this week); every other week had no orders.
    weeks_with_orders = [point for point in tile["orders"].trend if point[1]]
    assert weeks_with_orders == [(date(2026, 10, 19), 1.0), (date(2026, 11, 23), 4.0)]


def test_a_department_scoped_person_is_told_why_site_records_do_not_count(
        company: Company, make_person: Callable[..., Person]) -> None:
    # Revenue Operations Manager: department scope; orders, stock and receipts belong to sites.
    revops = make_person("revenue-operations-manager")
    with clock.simulated(NOW):
        shown = tiles(actor=revops, keys=["orders", "revenue", "customer_acquisition_cost"])
    assert {key: (tile.value, tile.display) for key, tile in shown.items()} == {
        "orders": (None, "no data yet"), "revenue": (None, "no data yet"),
        "customer_acquisition_cost": (None, "no data yet")}
    assert shown["orders"].reason.startswith("these records belong to sites")
    assert shown["customer_acquisition_cost"].reason == "marketing spend is recorded company-wide, outside any site's data"
