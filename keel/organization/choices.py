"""Enumerations of the organisation app."""

from django.db import models


class SiteKind(models.TextChoices):
    WAREHOUSE = "warehouse", "Warehouse"
    OFFICE = "office", "Office"
    STORE = "store", "Store"
    PLANT = "plant", "Plant"


class TitleLevel(models.TextChoices):
    EXECUTIVE = "executive", "Executive"
    SENIOR = "senior", "Senior"
    DIRECTOR = "director", "Director"
    MANAGER = "manager", "Manager"
    SPECIALIZED = "specialized", "Specialized"


class DataScopeChoice(models.TextChoices):
    COMPANY = "company", "Company-wide"
    SITE = "site", "Own sites"
    DEPARTMENT = "department", "Own departments"
