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
]
