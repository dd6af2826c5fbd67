from django.apps import AppConfig


class SupplyChainConfig(AppConfig):
    name = "keel.supply_chain"
    label = "supply_chain"
    verbose_name = "Supply chain and logistics"

    def ready(self) -> None:
        from keel.supply_chain import permissions  # noqa: F401
