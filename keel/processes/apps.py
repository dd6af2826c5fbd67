"""Process mining in Keel: the ``keel mine`` command, intended process models,
conformance, improvement initiatives and imported logs. The analyses themselves live in
the pure engine, :mod:`keel.analytics.process_mining`."""
from django.apps import AppConfig


class ProcessesConfig(AppConfig):
    name = "keel.processes"
    label = "processes"
    verbose_name = "Processes (process mining)"

    def ready(self) -> None:
        from keel.processes import permissions  # noqa: F401  (declares actions)
