"""Inventory policies, order quantities, classification and replenishment proposals.

Safety stock and protection-interval demand (:mod:`.safety_stock`), EOQ with price
breaks, supplier minimums and multiples, the newsvendor (:mod:`.lot_sizing`), (r, Q),
(s, S), min/max and base-stock policies (:mod:`.policies`), ABC and XYZ classes
(:mod:`.classification`) and proposals with their explanation (:mod:`.proposals`).
Pure NumPy/SciPy, vectorised over items: no Django, no domain apps.
"""

from keel.analytics.inventory.classification import (
    abc_classes,
    coefficient_of_variation,
    xyz_classes,
)
from keel.analytics.inventory.lot_sizing import (
    Newsvendor,
    OrderQuantity,
    eoq,
    eoq_with_price_breaks,
    newsvendor_cost,
    newsvendor_normal,
    round_to_supplier,
)
from keel.analytics.inventory.policies import Policy, base_stock_policy, reorder_point_policy
from keel.analytics.inventory.proposals import FIXED_QUANTITY, ORDER_UP_TO, Proposals, propose
from keel.analytics.inventory.safety_stock import (
    LeadTimes,
    inverse_normal_loss,
    lead_time_statistics,
    normal_loss,
    protection_demand,
    z_for_cycle_service,
    z_for_fill_rate,
)

__all__ = [
    "FIXED_QUANTITY", "ORDER_UP_TO", "LeadTimes", "Newsvendor", "OrderQuantity", "Policy", "Proposals",
    "abc_classes", "base_stock_policy", "coefficient_of_variation", "eoq", "eoq_with_price_breaks",
    "inverse_normal_loss", "lead_time_statistics", "newsvendor_cost", "newsvendor_normal", "normal_loss",
    "propose", "protection_demand", "reorder_point_policy", "round_to_supplier", "xyz_classes",
    "z_for_cycle_service", "z_for_fill_rate",
]
