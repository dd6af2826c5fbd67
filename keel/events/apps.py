from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _forget_types(**kwargs: Any) -> None:
    """``flush`` and ``migrate`` end with post_migrate: the type cache may name rows that
    are gone (infrastructure, not domain logic)."""
    from keel.events.services import forget_committed_types

    forget_committed_types()


class EventsConfig(AppConfig):
    name = "keel.events"
    label = "events"
    verbose_name = "Operations event log"

    def ready(self) -> None:
        from keel.events import permissions  # noqa: F401

        post_migrate.connect(_forget_types, dispatch_uid="keel.events.forget_types")
