from django.apps import AppConfig


class SimulationConfig(AppConfig):
    name = "keel.simulation"
    label = "simulation"
    verbose_name = "Simulation (the demo company)"
