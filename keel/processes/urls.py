from django.urls import path

from keel.processes import views

app_name = "processes"

urlpatterns = [
    path("", views.processes_view, name="list"),
    # Intended models, conformance, initiatives, imported logs: before the per-process
    # pages, whose "<process>/" would otherwise take these names as process slugs.
    path("models/", views.models_view, name="models"),
    path("models/new/", views.model_create_view, name="model-create"),
    path("models/<int:pk>/", views.model_view, name="model"),
    path("models/<int:pk>/edit/", views.model_edit_view, name="model-edit"),
    path("conformance/", views.conformance_view, name="conformance"),
    path("initiatives/", views.initiatives_view, name="initiatives"),
    path("initiatives/new/", views.initiative_create_view, name="initiative-create"),
    path("initiatives/<int:pk>/", views.initiative_view, name="initiative"),
    path("logs/", views.logs_view, name="logs"),
    path("logs/import/", views.log_import_view, name="log-import"),
    path("logs/<int:pk>/", views.log_view, name="log"),
    path("logs/<int:pk>/delete/", views.log_delete_view, name="log-delete"),
    path("logs/<int:pk>/export/", views.log_export_view, name="log-export"),
    path("export/<str:process>/", views.process_export_view, name="process-export"),
    # The process screens.
    path("<slug:process>/", views.map_view, name="map"),
    path("<slug:process>/hand-off/", views.arc_cases_view, name="arc-cases"),
    path("<slug:process>/cases/<str:case_id>/", views.case_view, name="case"),
    path("<slug:process>/variants/", views.variants_view, name="variants"),
    path("<slug:process>/bottlenecks/", views.bottlenecks_view, name="bottlenecks"),
    path("<slug:process>/compare/", views.compare_view, name="compare"),
]
