from django.urls import path

from keel.web import views

app_name = "web"

urlpatterns = [
    path("", views.home_view, name="home"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("areas/<slug:slug>/", views.area_view, name="area"),
    path("healthz", views.health_view, name="health"),
]
