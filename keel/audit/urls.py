from django.urls import path

from keel.audit import views

app_name = "audit"

urlpatterns = [path("", views.audit_view, name="list")]
