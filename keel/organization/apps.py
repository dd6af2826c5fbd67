from django.apps import AppConfig


class OrganizationConfig(AppConfig):
    name = "keel.organization"
    label = "organization"
    verbose_name = "Organisation and access"

    def ready(self) -> None:
        from keel.organization import permissions  # noqa: F401  (declares actions)
