"""KPI targets of the demo company, so that its dashboards show red/amber/green statuses
and its owners receive alerts (``keel demo`` sets them, the screenshots use them).

Each entry is ``key: (target, amber, red)`` in the KPI's unit; "worse" follows the KPI's
direction. They are plausible targets of an online retailer, not recommendations.
"""

from __future__ import annotations

from typing import Any

DEMO_TARGETS: dict[str, tuple[float, float, float]] = {
    "order_cycle_time": (48, 48, 72), "order_to_ship_time": (24, 24, 36), "on_time_shipment_rate": (95, 95, 85),
    "on_time_delivery_rate": (95, 95, 85), "otif": (90, 90, 80), "perfect_order_rate": (90, 90, 80),
    "fill_rate": (97, 97, 90), "backorder_rate": (3, 3, 8), "stockout_rate": (2, 2, 5),
    "inventory_turnover": (8, 8, 4), "days_inventory_on_hand": (45, 45, 75), "supplier_on_time_rate": (90, 90, 80),
    "supplier_lead_time": (7, 7, 10), "repeat_purchase_rate": (30, 30, 20), "labour_hours_per_order": (0.5, 0.5, 0.8),
    "shipping_cost_per_order": (8, 8, 10), "customer_acquisition_cost": (25, 25, 40),
}


def set_demo_targets(*, actor: Any) -> int:
    """Set every demo target (company-wide) through the KPI app's service; returns how many."""
    from keel.kpis import services as kpi_services

    for key, (target, amber, red) in DEMO_TARGETS.items():
        kpi_services.set_target(actor=actor, key=key, target=target, amber=amber, red=red)
    return len(DEMO_TARGETS)
