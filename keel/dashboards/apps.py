from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "keel.dashboards"
    label = "dashboards"
    verbose_name = "Dashboards and KPI alerts"

    def ready(self) -> None:
        from keel.dashboards import permissions  # noqa: F401
