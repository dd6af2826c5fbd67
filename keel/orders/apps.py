from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "keel.orders"
    label = "orders"
    verbose_name = "Orders and fulfillment"

    def ready(self) -> None:
        from keel.orders import permissions  # noqa: F401
