from django.apps import AppConfig


class KpisConfig(AppConfig):
    name = "keel.kpis"
    label = "kpis"
    verbose_name = "KPIs"

    def ready(self) -> None:
        from keel.kpis import permissions  # noqa: F401
