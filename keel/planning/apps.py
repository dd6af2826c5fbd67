from django.apps import AppConfig


class PlanningConfig(AppConfig):
    name = "keel.planning"
    label = "planning"
    verbose_name = "Planning (forecasts, inventory policies, replenishment)"

    def ready(self) -> None:
        from keel.planning import permissions  # noqa: F401
