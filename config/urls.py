"""URL configuration. Each app's views declare the action they need (see keel.core.views)."""

from django.urls import include, path

from config.api import api

urlpatterns = [
    path("", include("keel.web.urls")),
    path("organization/", include("keel.organization.urls")),
    path("audit/", include("keel.audit.urls")),
    path("events/", include("keel.events.urls")),
    path("supply-chain/", include("keel.supply_chain.urls")),
    path("orders/", include("keel.orders.urls")),
    path("processes/", include("keel.processes.urls")),
    path("planning/", include("keel.planning.urls")),
    path("kpis/", include("keel.kpis.urls")),
    path("dashboard/", include("keel.dashboards.urls")),
    path("api/v1/", api.urls),
]

handler404 = "keel.web.errors.not_found"
handler500 = "keel.web.errors.server_error"
