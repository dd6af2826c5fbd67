from django.urls import path

from keel.dashboards import views

app_name = "dashboards"

urlpatterns = [
    path("", views.dashboard_edit_view, name="edit"),
    path("change/", views.dashboard_change_view, name="change"),
    path("order/", views.dashboard_order_view, name="order"),
    path("reset/", views.dashboard_reset_view, name="reset"),
    path("alerts/", views.alerts_view, name="alerts"),
    path("alerts/read/", views.alerts_read_view, name="alerts-read"),
    path("presets/", views.presets_view, name="presets"),
    path("presets/<slug:slug>/", views.preset_view, name="preset"),
    path("presets/<slug:slug>/change/", views.preset_change_view, name="preset-change"),
    path("presets/<slug:slug>/order/", views.preset_order_view, name="preset-order"),
    path("presets/<slug:slug>/reset/", views.preset_reset_view, name="preset-reset"),
]
