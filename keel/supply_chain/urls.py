from django.urls import path

from keel.supply_chain import views

app_name = "supply_chain"

urlpatterns = [
    path("items/", views.items_view, name="items"),
    path("items/new/", views.item_create_view, name="item-create"),
    path("items/<str:sku>/", views.item_view, name="item"),
    path("stock/movements/", views.movements_view, name="movements"),
    path("stock/move/", views.move_view, name="move"),
    path("locations/", views.locations_view, name="locations"),
    path("suppliers/", views.suppliers_view, name="suppliers"),
    path("suppliers/new/", views.supplier_create_view, name="supplier-create"),
    path("suppliers/import/", views.supplier_import_view, name="supplier-import"),
    path("imports/items/", views.item_import_view, name="item-import"),
    path("imports/opening-stock/", views.stock_import_view, name="stock-import"),
    path("imports/<int:pk>/", views.import_job_view, name="import-job"),
    path("suppliers/<str:code>/", views.supplier_view, name="supplier"),
    path("suppliers/<str:code>/edit/", views.supplier_edit_view, name="supplier-edit"),
    path("suppliers/<str:code>/items/", views.supplier_item_view, name="supplier-item"),
    path("purchase-orders/", views.purchase_orders_view, name="purchase-orders"),
    path("purchase-orders/new/", views.purchase_order_create_view, name="purchase-order-create"),
    path("purchase-orders/<int:pk>/", views.purchase_order_view, name="purchase-order"),
    path("purchase-orders/<int:pk>/submit/", views.purchase_order_submit_view, name="purchase-order-submit"),
    path("purchase-orders/<int:pk>/approve/", views.purchase_order_approve_view, name="purchase-order-approve"),
    path("purchase-orders/<int:pk>/send/", views.purchase_order_send_view, name="purchase-order-send"),
    path("purchase-orders/<int:pk>/cancel/", views.purchase_order_cancel_view, name="purchase-order-cancel"),
    path("purchase-orders/<int:pk>/close/", views.purchase_order_close_view, name="purchase-order-close"),
    path("purchase-orders/<int:pk>/receive/", views.purchase_order_receive_view, name="purchase-order-receive"),
]

from keel.supply_chain import transfer_views  # noqa: E402  (transfers and cycle counts)

urlpatterns += [
    path("transfers/", transfer_views.transfers_view, name="transfers"),
    path("transfers/new/", transfer_views.transfer_create_view, name="transfer-create"),
    path("transfers/<int:pk>/", transfer_views.transfer_view, name="transfer"),
    path("transfers/<int:pk>/ship/", transfer_views.transfer_ship_view, name="transfer-ship"),
    path("transfers/<int:pk>/receive/", transfer_views.transfer_receive_view, name="transfer-receive"),
    path("transfers/<int:pk>/cancel/", transfer_views.transfer_cancel_view, name="transfer-cancel"),
    path("counts/", transfer_views.counts_view, name="counts"),
    path("counts/new/", transfer_views.count_create_view, name="count-create"),
    path("counts/<int:pk>/", transfer_views.count_view, name="count"),
    path("counts/<int:pk>/approve/", transfer_views.count_approve_view, name="count-approve"),
    path("counts/<int:pk>/post/", transfer_views.count_post_view, name="count-post"),
    path("counts/<int:pk>/cancel/", transfer_views.count_cancel_view, name="count-cancel"),
]
