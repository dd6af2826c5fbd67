"""The dashboard preset Keel ships for each of the 31 catalogue job titles.

Each title's tiles are chosen for its focus (../shared/MISSION.md and the job-title
catalogue migration): executives see company-wide KPIs across areas, managers the
day-to-day KPIs of their sites or departments. A data migration loads these into
``DashboardPreset`` rows, which administrators then edit; "reset to shipped" reads them
again. Tiles of KPIs a title may not see are dropped when the dashboard is shown (and a
test checks that no shipped preset needs that).

Order matters: the first tiles are the ones the title looks at first.
"""

from __future__ import annotations

MIN_PRESET_TILES = 1
MAX_PRESET_TILES = 12
MAX_PERSONAL_TILES = 16

SHIPPED: dict[str, tuple[str, ...]] = {
    # Executives: company-wide, across areas.
    "chief-operating-officer": (
        "revenue", "orders", "otif", "perfect_order_rate", "order_cycle_time", "fill_rate",
        "inventory_turnover", "order_backlog", "cost_per_order", "budget_variance", "csat", "open_high_risks",
    ),
    "chief-administrative-officer": (
        "budget_variance", "cost_per_order", "open_high_risks", "control_test_pass_rate",
        "automation_rule_failures", "labour_hours_per_order", "carrying_cost", "revenue",
    ),
    "chief-supply-chain-officer": (
        "fill_rate", "stockout_rate", "inventory_turnover", "days_inventory_on_hand", "inventory_value",
        "supplier_on_time_rate", "supplier_lead_time", "purchase_price_variance", "forecast_accuracy",
        "otif", "carrying_cost", "open_high_risks",
    ),
    "chief-logistics-officer": (
        "on_time_shipment_rate", "on_time_delivery_rate", "otif", "shipping_cost_per_order",
        "order_to_ship_time", "dock_to_stock_time", "days_inventory_on_hand", "inventory_value", "order_backlog",
    ),
    # Senior.
    "vp-of-operations": (
        "order_cycle_time", "otif", "perfect_order_rate", "on_time_shipment_rate", "order_backlog",
        "fill_rate", "labour_hours_per_order", "cost_per_order", "budget_variance", "revenue",
    ),
    "vp-of-supply-chain": (
        "fill_rate", "stockout_rate", "backorder_rate", "inventory_turnover", "supplier_on_time_rate",
        "supplier_lead_time", "purchase_price_variance", "forecast_accuracy", "open_high_risks",
    ),
    "vp-of-logistics": (
        "on_time_shipment_rate", "on_time_delivery_rate", "otif", "order_to_ship_time",
        "shipping_cost_per_order", "dock_to_stock_time", "order_backlog", "perfect_order_rate",
    ),
    "vp-of-business-operations": (
        "order_cycle_time", "perfect_order_rate", "labour_hours_per_order", "cost_per_order",
        "budget_variance", "automation_rule_failures", "revenue", "orders",
    ),
    "vp-of-customer-experience": (
        "csat", "ticket_first_response_time", "sla_breach_rate", "return_rate", "on_time_delivery_rate",
        "perfect_order_rate", "repeat_purchase_rate", "otif",
    ),
    "vp-of-process-improvement": (
        "order_cycle_time", "order_to_ship_time", "perfect_order_rate", "labour_hours_per_order",
        "dock_to_stock_time", "otif", "automation_rule_failures", "cost_per_order",
    ),
    # Directors.
    "director-of-operations": (
        "order_cycle_time", "order_to_ship_time", "on_time_shipment_rate", "order_backlog",
        "labour_hours_per_order", "perfect_order_rate", "dock_to_stock_time", "fill_rate",
    ),
    "director-of-supply-chain": (
        "fill_rate", "stockout_rate", "inventory_turnover", "supplier_on_time_rate", "supplier_lead_time",
        "days_inventory_on_hand", "backorder_rate", "purchase_price_variance", "inventory_value",
    ),
    "director-of-logistics": (
        "on_time_shipment_rate", "on_time_delivery_rate", "otif", "order_to_ship_time",
        "dock_to_stock_time", "shipping_cost_per_order", "order_backlog",
    ),
    "director-of-business-process-optimization": (
        "order_cycle_time", "order_to_ship_time", "perfect_order_rate", "labour_hours_per_order",
        "dock_to_stock_time", "automation_rule_failures",
    ),
    "director-of-customer-success-and-operations": (
        "csat", "ticket_first_response_time", "sla_breach_rate", "return_rate", "repeat_purchase_rate",
        "on_time_delivery_rate",
    ),
    "director-of-continuous-improvement": (
        "order_cycle_time", "order_to_ship_time", "perfect_order_rate", "labour_hours_per_order",
        "dock_to_stock_time", "otif",
    ),
    # Managers: their sites or departments, day to day.
    "operations-manager": (
        "order_cycle_time", "order_to_ship_time", "on_time_shipment_rate", "order_backlog",
        "labour_hours_per_order", "dock_to_stock_time", "perfect_order_rate",
    ),
    "supply-chain-manager": (
        "fill_rate", "stockout_rate", "backorder_rate", "supplier_on_time_rate", "supplier_lead_time",
        "days_inventory_on_hand", "dock_to_stock_time", "forecast_accuracy",
    ),
    "logistics-manager": (
        "on_time_shipment_rate", "on_time_delivery_rate", "order_to_ship_time", "shipping_cost_per_order",
        "dock_to_stock_time", "order_backlog",
    ),
    "business-operations-manager": (
        "orders", "revenue", "order_cycle_time", "cost_per_order", "budget_variance",
        "labour_hours_per_order", "automation_rule_failures",
    ),
    "customer-success-operations-manager": (
        "ticket_first_response_time", "sla_breach_rate", "csat", "return_rate", "automation_rule_failures",
        "cost_per_order",
    ),
    "process-improvement-manager": (
        "order_cycle_time", "order_to_ship_time", "perfect_order_rate", "labour_hours_per_order",
        "dock_to_stock_time", "on_time_shipment_rate", "otif",
    ),
    "fulfillment-manager": (
        "order_cycle_time", "on_time_shipment_rate", "order_backlog", "order_to_ship_time",
        "perfect_order_rate", "fill_rate", "labour_hours_per_order",
    ),
    # Specialised.
    "head-of-business-operations": (
        "revenue", "orders", "order_cycle_time", "perfect_order_rate", "cost_per_order", "budget_variance",
        "labour_hours_per_order", "forecast_accuracy",
    ),
    "strategic-operations-lead": (
        "revenue", "orders", "otif", "fill_rate", "order_cycle_time", "inventory_turnover",
        "cost_per_order", "budget_variance",
    ),
    "global-operations-manager": (
        "revenue", "orders", "otif", "on_time_delivery_rate", "order_cycle_time", "shipping_cost_per_order",
        "inventory_value", "csat", "open_high_risks",
    ),
    "revenue-operations-manager": (
        "revenue", "customer_acquisition_cost", "repeat_purchase_rate", "orders", "average_order_value",
        "csat", "return_rate",
    ),
    "sales-operations-manager": (
        "revenue", "orders", "average_order_value", "repeat_purchase_rate", "customer_acquisition_cost",
        "order_backlog",
    ),
    "product-operations-manager": (
        "forecast_accuracy", "stockout_rate", "fill_rate", "return_rate", "revenue", "orders",
        "average_order_value",
    ),
    "customer-operations-manager": (
        "ticket_first_response_time", "sla_breach_rate", "csat", "on_time_delivery_rate", "return_rate",
        "order_backlog",
    ),
    "ecommerce-operations-manager": (
        "orders", "revenue", "order_cycle_time", "on_time_shipment_rate", "on_time_delivery_rate",
        "order_backlog", "average_order_value", "return_rate",
    ),
}

# A title an administrator adds later, without a preset of its own yet, starts here
# (then filtered to what the title may see, like every preset).
FALLBACK: tuple[str, ...] = (
    "orders", "revenue", "order_cycle_time", "on_time_shipment_rate", "fill_rate", "order_backlog",
)
