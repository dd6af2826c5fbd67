"""The KPI catalogue: every KPI Keel knows, as data.

A ``KpiSpec`` says what a KPI means (definition and plain-language formula), how it is
read (unit, direction, grain, allowed breakdowns), who owns it (a job title), which data
it reads (lineage) and which action its readers need. The formula itself is code in
``keel.analytics.kpi`` (one function per KPI, registered under the same key), run on
frames that ``keel.kpis.loaders`` reads with set-based SQL.

KPIs of areas Keel has not built yet (tickets, returns, budgets, risks, automation) are
declared with ``built=False``: they always show "no data yet", never an invented number.
"""

from __future__ import annotations

from dataclasses import dataclass

from keel.core.permissions import Area

UNITS = ("hours", "days", "percent", "count", "money", "ratio")
DIRECTIONS = ("higher", "lower")
GRAINS = ("day", "week", "month")
DIMENSIONS = ("site", "channel", "supplier", "carrier", "team", "item")

NOT_BUILT_REASON = "the {area} area is not built yet"
PLANNING_REASON = "planning runs not available yet"


@dataclass(frozen=True, slots=True)
class KpiSpec:
    """One KPI as a governed object. See the module docstring."""

    key: str
    name: str
    definition: str
    formula: str
    unit: str
    direction: str
    owner_title: str
    area: Area
    grain: str
    dimensions: tuple[str, ...]
    lineage: tuple[str, ...]
    action: str
    built: bool

    def __post_init__(self) -> None:
        if self.unit not in UNITS:
            raise ValueError(f"{self.key}: unit {self.unit!r} is not one of {UNITS}")
        if self.direction not in DIRECTIONS:
            raise ValueError(f"{self.key}: direction {self.direction!r} is not one of {DIRECTIONS}")
        if self.grain not in GRAINS:
            raise ValueError(f"{self.key}: grain {self.grain!r} is not one of {GRAINS}")
        unknown = set(self.dimensions) - set(DIMENSIONS)
        if unknown:
            raise ValueError(f"{self.key}: unknown dimensions {sorted(unknown)}")

    @property
    def higher_is_better(self) -> bool:
        return self.direction == "higher"


VIEW_ORDER = "orders.view_order"
VIEW_ITEM = "supply_chain.view_item"
VIEW_PO = "supply_chain.view_purchase_order"
VIEW_COST = "kpis.view_cost_kpi"
VIEW_SERVICE = "kpis.view_service_kpi"
VIEW_RISK = "kpis.view_risk_kpi"
VIEW_AUTOMATION = "kpis.view_automation_kpi"

ORDERS = "orders.SalesOrder"
LINES = "orders.SalesOrderLine"
SHIPMENTS = "orders.Shipment"
ITEMS = "supply_chain.Item (standard cost)"
STOCK = "supply_chain.ItemStock (stock summary)"
LEDGER = "supply_chain.StockMovement (stock ledger)"
POS = "supply_chain.PurchaseOrderLine"
RECEIPTS = "supply_chain.ReceiptLine"
FX = "setting KEEL_KPI_EXCHANGE_RATES (into KEEL_KPI_CURRENCY)"

SC = Area.SUPPLY_CHAIN
_ORDER_DIMS = ("site", "channel")
_SHIP_DIMS = ("site", "channel", "carrier")


def _spec(key: str, name: str, definition: str, formula: str, unit: str, direction: str, owner: str, area: Area,
          grain: str, dimensions: tuple[str, ...], lineage: tuple[str, ...], action: str, built: bool = True) -> KpiSpec:
    return KpiSpec(key=key, name=name, definition=definition, formula=formula, unit=unit, direction=direction,
                   owner_title=owner, area=area, grain=grain, dimensions=dimensions, lineage=lineage, action=action,
                   built=built)


_SPECS = [
    _spec("order_cycle_time", "Order cycle time",
          "How long customers wait: from order confirmation until the last parcel is delivered.",
          "median(delivered_at of the last shipment - confirmed_at), in hours, over orders delivered in the period",
          "hours", "lower", "fulfillment-manager", SC, "week", _SHIP_DIMS, (ORDERS, SHIPMENTS), VIEW_ORDER),
    _spec("order_to_ship_time", "Order-to-ship time",
          "How long the warehouse takes: from order confirmation until everything has shipped.",
          "median(shipped_at of the last shipment - confirmed_at), in hours, over orders fully shipped in the period",
          "hours", "lower", "fulfillment-manager", SC, "week", _SHIP_DIMS, (ORDERS, SHIPMENTS), VIEW_ORDER),
    _spec("dock_to_stock_time", "Dock-to-stock time",
          "How long received goods wait at the dock before they can be sold.",
          "median(stock available - goods received), in hours, over receipts in the period",
          "hours", "lower", "supply-chain-manager", SC, "week", ("site", "supplier"), (RECEIPTS,), VIEW_PO,
          built=False),
    _spec("on_time_shipment_rate", "On-time shipment rate",
          "Share of orders that left the warehouse by the promised ship date.",
          "orders fully shipped in the period with date(last shipped_at) <= promised_ship_on "
          "/ orders fully shipped in the period that had a promised ship date x 100",
          "percent", "higher", "fulfillment-manager", SC, "week", _SHIP_DIMS, (ORDERS, SHIPMENTS), VIEW_ORDER),
    _spec("on_time_delivery_rate", "On-time delivery rate",
          "Share of orders delivered to the customer by the promised delivery date.",
          "orders delivered in the period with date(last delivered_at) <= promised_delivery_on "
          "/ orders delivered in the period that had a promised delivery date x 100",
          "percent", "higher", "director-of-logistics", SC, "week", _SHIP_DIMS, (ORDERS, SHIPMENTS), VIEW_ORDER),
    _spec("otif", "On time in full (OTIF)",
          "Share of orders delivered on time, complete, in one shipment.",
          "orders delivered in the period that were on time (as in on-time delivery rate) and in full "
          "(every line shipped its whole quantity, in a single shipment) / orders delivered in the period "
          "with a promised delivery date x 100",
          "percent", "higher", "director-of-logistics", SC, "week", _SHIP_DIMS, (ORDERS, LINES, SHIPMENTS),
          VIEW_ORDER),
    _spec("perfect_order_rate", "Perfect order rate",
          "Share of orders that went through without any flaw.",
          "orders delivered in the period that were OTIF, never put on hold and never needed an address "
          "correction / orders delivered in the period with a promised delivery date x 100",
          "percent", "higher", "vp-of-customer-experience", SC, "week", _SHIP_DIMS,
          (ORDERS, LINES, SHIPMENTS, "events: Hold order, Correct address"), VIEW_ORDER),
    _spec("fill_rate", "Fill rate",
          "Share of ordered units that stock could cover at the order's first allocation.",
          "sum(ordered units - units backordered by the order's first allocation run) / sum(ordered units) "
          "x 100, over orders confirmed in the period that have been allocated",
          "percent", "higher", "director-of-supply-chain", SC, "week", _ORDER_DIMS,
          (ORDERS, LINES, "events: Allocate order, Backorder order"), VIEW_ORDER),
    _spec("backorder_rate", "Backorder rate",
          "Share of orders that could not be fully allocated from stock at first.",
          "orders whose first allocation run left units backordered / orders confirmed in the period that have "
          "been allocated x 100",
          "percent", "lower", "director-of-supply-chain", SC, "week", _ORDER_DIMS,
          (ORDERS, "events: Allocate order, Backorder order"), VIEW_ORDER),
    _spec("stockout_rate", "Stockout rate",
          "Share of stocked items with nothing on hand at the end of the period.",
          "stock records (item x site, items not discontinued) with on hand <= 0 at the period's end "
          "/ stock records x 100",
          "percent", "lower", "director-of-supply-chain", SC, "week", ("site",), (STOCK, LEDGER, ITEMS), VIEW_ITEM),
    _spec("inventory_turnover", "Inventory turnover",
          "How many times a year the inventory is sold through, at the period's pace.",
          "cost of goods shipped in the period / average inventory value (start and end of the period) "
          "x 365 / days in the period",
          "ratio", "higher", "director-of-supply-chain", SC, "month", ("site",), (LEDGER, STOCK, ITEMS, FX),
          VIEW_ITEM),
    _spec("days_inventory_on_hand", "Days of inventory on hand",
          "How many days the stock at the period's end would last at the period's shipping pace.",
          "inventory value at the period's end / (cost of goods shipped in the period / days in the period)",
          "days", "lower", "director-of-supply-chain", SC, "month", ("site",), (LEDGER, STOCK, ITEMS, FX),
          VIEW_ITEM),
    _spec("inventory_value", "Inventory value",
          "What the stock on hand is worth at standard cost.",
          "sum(on-hand quantity at the period's end x item standard cost), converted into the reporting currency",
          "money", "lower", "director-of-supply-chain", SC, "week", ("site", "item"), (STOCK, LEDGER, ITEMS, FX),
          VIEW_ITEM),
    _spec("carrying_cost", "Carrying cost",
          "What holding the inventory costs over the period (capital, storage, shrinkage).",
          "average inventory value (start and end of the period) x KEEL_KPI_CARRYING_RATE (a year) "
          "x days in the period / 365",
          "money", "lower", "chief-supply-chain-officer", Area.COSTS, "month", ("site",),
          (LEDGER, STOCK, ITEMS, FX, "setting KEEL_KPI_CARRYING_RATE"), VIEW_COST),
    _spec("shipping_cost_per_order", "Shipping cost per order",
          "What carriers charge for one order on average.",
          "sum(shipping cost of shipments shipped in the period) / orders with a shipment in the period",
          "money", "lower", "logistics-manager", SC, "week", _SHIP_DIMS, (SHIPMENTS, ORDERS, FX), VIEW_ORDER),
    _spec("purchase_price_variance", "Purchase price variance",
          "How much more (or less) goods cost than their standard cost.",
          "sum((purchase order price - item standard cost) x accepted quantity) over receipt lines received "
          "in the period, converted into the reporting currency",
          "money", "lower", "director-of-supply-chain", SC, "month", ("site", "supplier", "item"),
          (RECEIPTS, POS, ITEMS, FX), VIEW_PO),
    _spec("supplier_on_time_rate", "Supplier on-time rate",
          "Share of supplier deliveries that arrived by the expected date.",
          "receipt lines received in the period with date(received_at) <= the order line's expected_on "
          "/ receipt lines received in the period x 100",
          "percent", "higher", "director-of-supply-chain", SC, "week", ("site", "supplier", "item"),
          (RECEIPTS, POS), VIEW_PO),
    _spec("supplier_lead_time", "Supplier lead time",
          "How long suppliers take from our order to delivery.",
          "median(received_at - sent_at of the purchase order), in days, over receipt lines received in the period",
          "days", "lower", "supply-chain-manager", SC, "week", ("site", "supplier", "item"), (RECEIPTS, POS),
          VIEW_PO),
    _spec("revenue", "Revenue",
          "The value of the orders customers placed (booked revenue).",
          "sum(quantity x unit price) over the lines of orders confirmed in the period and not cancelled, "
          "converted into the reporting currency",
          "money", "higher", "revenue-operations-manager", SC, "week", ("site", "channel", "item"),
          (ORDERS, LINES, FX), VIEW_ORDER),
    _spec("orders", "Orders",
          "How many orders customers placed.",
          "count(orders confirmed in the period and not cancelled)",
          "count", "higher", "sales-operations-manager", SC, "week", _ORDER_DIMS, (ORDERS,), VIEW_ORDER),
    _spec("average_order_value", "Average order value",
          "What one order is worth on average.",
          "revenue / orders (both as defined above) for the period",
          "money", "higher", "revenue-operations-manager", SC, "week", _ORDER_DIMS, (ORDERS, LINES, FX), VIEW_ORDER),
    _spec("customer_acquisition_cost", "Customer acquisition cost",
          "What marketing spends to win one new customer.",
          "sum(amount of 'Spend on marketing' events in the period) / sum(their new_customers)",
          "money", "lower", "revenue-operations-manager", Area.COSTS, "month", ("channel",),
          ("events: Spend on marketing", FX), VIEW_COST),
    _spec("repeat_purchase_rate", "Repeat-purchase rate",
          "Share of buying customers who had bought before.",
          "customers with an order confirmed in the period who also had an order confirmed before the period "
          "/ customers with an order confirmed in the period x 100",
          "percent", "higher", "revenue-operations-manager", Area.SERVICE, "month", _ORDER_DIMS, (ORDERS,),
          VIEW_ORDER),
    _spec("labour_hours_per_order", "Labour hours per order",
          "Warehouse hours worked for each order shipped.",
          "sum(hours of 'Work shift' events in the period) / orders with a shipment in the period",
          "hours", "lower", "director-of-operations", Area.COSTS, "week", ("site",),
          ("events: Work shift", SHIPMENTS), VIEW_COST),
    _spec("forecast_accuracy", "Forecast accuracy",
          "How close demand forecasts came to actual demand.",
          "100 - WAPE (sum |actual - forecast| / sum actual x 100) over item-periods in the period",
          "percent", "higher", "supply-chain-manager", SC, "month", ("site", "item"),
          ("planning forecast runs", LINES), VIEW_ITEM, built=False),
    _spec("order_backlog", "Order backlog",
          "Orders confirmed but not fully shipped yet.",
          "count(orders confirmed by the period's end, not cancelled and not fully shipped by then)",
          "count", "lower", "fulfillment-manager", SC, "day", _ORDER_DIMS, (ORDERS, SHIPMENTS), VIEW_ORDER),
    # Areas not built yet: declared so dashboards and targets can refer to them; never a number.
    _spec("ticket_first_response_time", "Ticket first response time",
          "How long customers wait for the first answer to a ticket.",
          "median(first agent reply - ticket created), in hours, over tickets answered in the period",
          "hours", "lower", "director-of-customer-success-and-operations", Area.SERVICE, "week", ("team",),
          ("service tickets",), VIEW_SERVICE, built=False),
    _spec("sla_breach_rate", "SLA breach rate",
          "Share of tickets that missed their service-level target.",
          "tickets resolved in the period after their SLA due time / tickets resolved in the period x 100",
          "percent", "lower", "customer-success-operations-manager", Area.SERVICE, "week", ("team",),
          ("service tickets", "SLA policies"), VIEW_SERVICE, built=False),
    _spec("csat", "Customer satisfaction (CSAT)",
          "How satisfied customers say they are.",
          "satisfied answers (4 or 5 of 5) / survey answers in the period x 100",
          "percent", "higher", "vp-of-customer-experience", Area.SERVICE, "month", ("channel", "team"),
          ("CSAT surveys",), VIEW_SERVICE, built=False),
    _spec("return_rate", "Return rate",
          "Share of shipped orders that customers send back.",
          "orders with a return authorised in the period / orders shipped in the period x 100",
          "percent", "lower", "vp-of-customer-experience", Area.SERVICE, "month", ("site", "channel", "item"),
          ("returns (RMA)", SHIPMENTS), VIEW_SERVICE, built=False),
    _spec("budget_variance", "Budget variance",
          "How far actual spend is from budget.",
          "(actual spend - budget) / budget x 100 over cost centres, for the period",
          "percent", "lower", "chief-administrative-officer", Area.COSTS, "month", ("site",),
          ("budgets", "actual spend"), VIEW_COST, built=False),
    _spec("cost_per_order", "Cost per order",
          "The full cost of fulfilling one order (labour, shipping, packaging, overhead).",
          "total fulfillment cost of the period from the cost centres / orders shipped in the period",
          "money", "lower", "vp-of-operations", Area.COSTS, "month", ("site", "channel"),
          ("cost centres", "actual spend", SHIPMENTS), VIEW_COST, built=False),
    _spec("open_high_risks", "Open high risks",
          "Risks rated high (likelihood x impact) that are still open.",
          "count(open risks with score >= the high threshold) at the period's end",
          "count", "lower", "chief-administrative-officer", Area.RISK, "week", ("site",),
          ("risk register",), VIEW_RISK, built=False),
    _spec("control_test_pass_rate", "Control test pass rate",
          "Share of control tests that passed.",
          "control tests passed in the period / control tests performed in the period x 100",
          "percent", "higher", "chief-administrative-officer", Area.RISK, "month", ("site",),
          ("controls", "control tests"), VIEW_RISK, built=False),
    _spec("automation_rule_failures", "Automation rule failures",
          "How many automation rule runs failed.",
          "count(rule runs that failed in the period)",
          "count", "lower", "director-of-business-process-optimization", Area.AUTOMATION, "week", (),
          ("automation rule runs",), VIEW_AUTOMATION, built=False),
]

CATALOGUE: dict[str, KpiSpec] = {spec.key: spec for spec in _SPECS}

# Why a declared KPI has no number: the area it needs is not built yet, or its data is not
# recorded by Keel yet. Shown wherever the KPI would show a value.
NO_DATA_REASONS: dict[str, str] = {
    "dock_to_stock_time": "Keel receives goods straight into storage locations; put-away is not recorded yet",
    "forecast_accuracy": PLANNING_REASON,
    "ticket_first_response_time": NOT_BUILT_REASON.format(area="customer service"),
    "sla_breach_rate": NOT_BUILT_REASON.format(area="customer service"),
    "csat": NOT_BUILT_REASON.format(area="customer service"),
    "return_rate": NOT_BUILT_REASON.format(area="returns"),
    "budget_variance": NOT_BUILT_REASON.format(area="budgets"),
    "cost_per_order": NOT_BUILT_REASON.format(area="cost management"),
    "open_high_risks": NOT_BUILT_REASON.format(area="risk"),
    "control_test_pass_rate": NOT_BUILT_REASON.format(area="controls"),
    "automation_rule_failures": NOT_BUILT_REASON.format(area="automation"),
}


def get_spec(key: str) -> KpiSpec:
    """The spec of ``key``; ``KeyError`` naming the key when it is not in the catalogue."""
    try:
        return CATALOGUE[key]
    except KeyError as error:
        raise KeyError(f"unknown KPI {key!r}") from error
