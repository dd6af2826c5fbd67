from django.urls import path

from keel.orders import views

app_name = "orders"

urlpatterns = [
    path("", views.orders_view, name="list"),
    path("new/", views.order_create_view, name="create"),
    path("queue/", views.queue_view, name="queue"),
    path("import/", views.import_view, name="import"),
    path("export-lines/", views.export_lines_view, name="export-lines"),
    path("shipments/", views.shipments_view, name="shipments"),
    path("shipments/<int:pk>/deliver/", views.deliver_view, name="deliver"),
    path("customers/", views.customers_view, name="customers"),
    path("customers/new/", views.customer_create_view, name="customer-create"),
    path("<int:pk>/", views.order_view, name="detail"),
    path("<int:pk>/confirm/", views.confirm_view, name="confirm"),
    path("<int:pk>/allocate/", views.allocate_view, name="allocate"),
    path("<int:pk>/pick/", views.pick_view, name="pick"),
    path("<int:pk>/pick-lists/<int:pick_list_pk>/confirm/", views.pick_confirm_view, name="pick-confirm"),
    path("<int:pk>/pack/", views.pack_view, name="pack"),
    path("<int:pk>/ship/", views.ship_view, name="ship"),
    path("<int:pk>/hold/", views.hold_view, name="hold"),
    path("<int:pk>/release-hold/", views.release_hold_view, name="release-hold"),
    path("<int:pk>/cancel/", views.cancel_view, name="cancel"),
]
