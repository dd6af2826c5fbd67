from django.urls import path

from keel.processes import views

app_name = "processes"

urlpatterns = [
    path("", views.processes_view, name="list"),
    path("<slug:process>/", views.map_view, name="map"),
    path("<slug:process>/hand-off/", views.arc_cases_view, name="arc-cases"),
    path("<slug:process>/cases/<str:case_id>/", views.case_view, name="case"),
    path("<slug:process>/variants/", views.variants_view, name="variants"),
    path("<slug:process>/bottlenecks/", views.bottlenecks_view, name="bottlenecks"),
    path("<slug:process>/compare/", views.compare_view, name="compare"),
]
