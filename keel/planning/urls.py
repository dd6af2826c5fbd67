from django.urls import path

from keel.planning import views

app_name = "planning"

urlpatterns = [
    path("", views.workbench_view, name="workbench"),
    path("proposals/<int:pk>/why/", views.why_view, name="why"),
    path("proposals/approve/", views.approve_view, name="approve"),
    path("runs/", views.runs_view, name="runs"),
    path("runs/start/", views.run_start_view, name="run-start"),
    path("runs/<int:pk>/progress/", views.run_status_view, name="run-progress"),
    path("items/<str:sku>/", views.item_view, name="item"),
    path("accuracy/", views.accuracy_view, name="accuracy"),
    path("service-targets/", views.targets_view, name="targets"),
]
