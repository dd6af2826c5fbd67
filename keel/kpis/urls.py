from django.urls import path

from keel.kpis import views

app_name = "kpis"

urlpatterns = [
    path("", views.catalogue_view, name="catalogue"),
    path("<slug:key>/", views.detail_view, name="detail"),
    path("<slug:key>/target/", views.target_view, name="target"),
]
