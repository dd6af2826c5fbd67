from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "keel.events"
    label = "events"
    verbose_name = "Operations event log"

    def ready(self) -> None:
        from keel.events import permissions  # noqa: F401
