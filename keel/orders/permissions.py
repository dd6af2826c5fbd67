"""Actions of the orders app.

Orders, fulfillment and carriers belong to the supply chain area: viewing needs VIEW,
day-to-day work (creating, confirming and holding orders; allocating, picking, packing,
shipping) needs OPERATE, and cancelling an order or setting up carriers needs MANAGE.
Customers and sales channels belong to the customer experience area.
"""

from keel.core.permissions import Area, Level, declare

S = Area.SUPPLY_CHAIN
C = Area.SERVICE

VIEW_ORDER = declare("orders.view_order", area=S, minimum_level=Level.VIEW,
                     label="View sales orders, shipments, carriers and the fulfillment queue")
MANAGE_ORDER = declare("orders.manage_order", area=S, minimum_level=Level.OPERATE,
                       label="Create, import, confirm and hold sales orders")
FULFIL_ORDER = declare("orders.fulfil_order", area=S, minimum_level=Level.OPERATE,
                       label="Allocate, pick, pack, ship and confirm delivery of sales orders")
CANCEL_ORDER = declare("orders.cancel_order", area=S, minimum_level=Level.MANAGE,
                       label="Cancel sales orders (releases their reservations)")
MANAGE_CARRIER = declare("orders.manage_carrier", area=S, minimum_level=Level.MANAGE,
                         label="Add carriers and their services")
VIEW_CUSTOMER = declare("orders.view_customer", area=C, minimum_level=Level.VIEW,
                        label="View customers and sales channels")
MANAGE_CUSTOMER = declare("orders.manage_customer", area=C, minimum_level=Level.OPERATE,
                          label="Add customers and sales channels")
