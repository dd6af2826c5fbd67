from django.apps import AppConfig


class ProcessesConfig(AppConfig):
    name = "keel.processes"
    label = "processes"
    verbose_name = "Processes (process mining)"
