"""Forms parse input for the supply chain pages; the services validate and write."""

from __future__ import annotations

from typing import Any

from django import forms

from keel.organization.models import Site
from keel.supply_chain.choices import (
    REASON_RULES,
    Lifecycle,
    LocationKind,
    MovementReason,
    UnitOfMeasure,
)
from keel.supply_chain.models import Location


class ItemForm(forms.Form):
    sku = forms.CharField(max_length=64)
    name = forms.CharField(max_length=200)
    category = forms.CharField(max_length=120, required=False)
    unit = forms.ChoiceField(choices=UnitOfMeasure.choices)
    pack_size = forms.IntegerField(min_value=1, initial=1)
    standard_cost = forms.CharField(required=False, help_text="Decimal, e.g. 12.50")
    cost_currency = forms.CharField(max_length=8, required=False, help_text="ISO code, e.g. EUR")
    list_price = forms.CharField(required=False)
    price_currency = forms.CharField(max_length=8, required=False)
    lifecycle = forms.ChoiceField(choices=Lifecycle.choices, initial=Lifecycle.ACTIVE)
    tracks_lots = forms.BooleanField(required=False)
    tracks_expiry = forms.BooleanField(required=False)


class LocationForm(forms.Form):
    site: forms.ModelChoiceField[Any] = forms.ModelChoiceField(queryset=Site.objects.none())
    code = forms.CharField(max_length=40)
    zone = forms.CharField(max_length=40, required=False)
    kind = forms.ChoiceField(choices=LocationKind.choices)

    def __init__(self, *args: Any, sites: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites  # type: ignore[attr-defined]


class MovementForm(forms.Form):
    """One line, any reason: the quantity is entered as a positive amount and signed here."""

    reason = forms.ChoiceField(choices=[(value, label) for value, label in MovementReason.choices if value in REASON_RULES])
    sku = forms.CharField(max_length=64, label="SKU")
    location: forms.ModelChoiceField[Any] = forms.ModelChoiceField(queryset=Location.objects.none())
    quantity = forms.DecimalField(min_value=0, max_digits=18, decimal_places=4,
                                  help_text="Positive; the reason decides the direction")
    direction = forms.ChoiceField(choices=[("in", "Increase"), ("out", "Decrease")], initial="in",
                                  help_text="Only for adjustments and count corrections")
    lot = forms.CharField(max_length=64, required=False)
    expires_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    reference = forms.CharField(max_length=120, required=False)
    note = forms.CharField(max_length=300, required=False)

    def __init__(self, *args: Any, locations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = locations  # type: ignore[attr-defined]
