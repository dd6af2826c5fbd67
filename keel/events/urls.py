from django.urls import path

from keel.events import views

app_name = "events"

urlpatterns = [
    path("", views.events_view, name="list"),
    path("export/", views.export_view, name="export"),
    path("import/", views.import_view, name="import"),
]
