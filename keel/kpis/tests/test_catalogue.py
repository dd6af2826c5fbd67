"""The catalogue holds the agreed keys, each with a valid owner title and declared action."""

from __future__ import annotations

import pytest

from keel.core.permissions import get_action
from keel.kpis.catalogue import CATALOGUE, NO_DATA_REASONS
from keel.organization.models import JobTitle

AGREED_KEYS = (
    "order_cycle_time", "order_to_ship_time", "dock_to_stock_time", "on_time_shipment_rate", "on_time_delivery_rate",
    "otif", "perfect_order_rate", "fill_rate", "backorder_rate", "stockout_rate", "inventory_turnover",
    "days_inventory_on_hand", "inventory_value", "carrying_cost", "shipping_cost_per_order",
    "purchase_price_variance", "supplier_on_time_rate", "supplier_lead_time", "revenue", "orders",
    "average_order_value", "customer_acquisition_cost", "repeat_purchase_rate", "labour_hours_per_order",
    "forecast_accuracy", "order_backlog", "ticket_first_response_time", "sla_breach_rate", "csat", "return_rate",
    "budget_variance", "cost_per_order", "open_high_risks", "control_test_pass_rate", "automation_rule_failures",
)
NOT_BUILT = ("ticket_first_response_time", "sla_breach_rate", "csat", "return_rate", "budget_variance",
             "cost_per_order", "open_high_risks", "control_test_pass_rate", "automation_rule_failures")


def test_every_agreed_key_is_in_the_catalogue() -> None:
    assert set(AGREED_KEYS) <= set(CATALOGUE)


def test_kpis_of_areas_not_built_are_declared_without_data() -> None:
    for key in NOT_BUILT:
        assert CATALOGUE[key].built is False
        assert NO_DATA_REASONS[key]
    for key, spec in CATALOGUE.items():
        assert spec.built or NO_DATA_REASONS.get(key), key


def test_every_action_is_declared() -> None:
    for spec in CATALOGUE.values():
        assert get_action(spec.action).code == spec.action


@pytest.mark.django_db
def test_every_owner_is_a_catalogue_title() -> None:
    slugs = set(JobTitle.objects.values_list("slug", flat=True))
    assert {spec.owner_title for spec in CATALOGUE.values()} <= slugs
