"""Actions of the supply chain app."""

from keel.core.permissions import Area, Level, declare

A = Area.SUPPLY_CHAIN

VIEW_ITEM = declare("supply_chain.view_item", area=A, minimum_level=Level.VIEW, label="View items, locations and stock")
CREATE_ITEM = declare("supply_chain.create_item", area=A, minimum_level=Level.OPERATE, label="Create items and locations")
CHANGE_ITEM = declare("supply_chain.change_item", area=A, minimum_level=Level.OPERATE, label="Change items and locations")
MOVE_STOCK = declare("supply_chain.move_stock", area=A, minimum_level=Level.OPERATE, label="Post receipts, shipments, transfers and reservations")
ADJUST_STOCK = declare("supply_chain.adjust_stock", area=A, minimum_level=Level.MANAGE, label="Adjust, scrap, correct and reverse stock")
CHECK_LEDGER = declare("supply_chain.check_ledger", area=A, minimum_level=Level.MANAGE, label="Run the stock ledger check")

# Purchasing. Supplier terms (prices, lead times) are commercial master data: manage level.
VIEW_SUPPLIER = declare("supply_chain.view_supplier", area=A, minimum_level=Level.VIEW, label="View suppliers, their items and scorecards")
CHANGE_SUPPLIER = declare("supply_chain.change_supplier", area=A, minimum_level=Level.MANAGE, label="Add, change and import suppliers and their prices")
VIEW_PURCHASE_ORDER = declare("supply_chain.view_purchase_order", area=A, minimum_level=Level.VIEW, label="View purchase orders and receipts")
CHANGE_PURCHASE_ORDER = declare("supply_chain.change_purchase_order", area=A, minimum_level=Level.OPERATE, label="Raise, submit, send, cancel and close purchase orders")
APPROVE_PURCHASE_ORDER = declare("supply_chain.approve_purchase_order", area=A, minimum_level=Level.MANAGE, label="Approve purchase orders")
RECEIVE_PURCHASE_ORDER = declare("supply_chain.receive_purchase_order", area=A, minimum_level=Level.OPERATE, label="Receive goods against purchase orders")
APPROVE_COUNT = declare("supply_chain.approve_count", area=A, minimum_level=Level.MANAGE, label="Approve cycle counts above the variance threshold")
