from django.db import models


class Status(models.TextChoices):
    """A KPI's red/amber/green status, as part A's ``Tile.status`` reports it."""

    GREEN = "green", "Green"
    AMBER = "amber", "Amber"
    RED = "red", "Red"
    NONE = "none", "No status"


# How bad a status is; a crossing "up" this scale is a worsening.
SEVERITY = {Status.NONE: 0, Status.GREEN: 1, Status.AMBER: 2, Status.RED: 3}
