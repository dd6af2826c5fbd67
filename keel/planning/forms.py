"""Forms of the planning pages: parsing only; the services validate and decide."""

from __future__ import annotations

from django import forms

from keel.analytics.forecasting import FAMILIES
from keel.planning.choices import ABC_CLASSES, XYZ_CLASSES, TargetKind


class OverrideForm(forms.Form):
    site = forms.ChoiceField(label="Site", required=False)
    method = forms.ChoiceField(label="Forecast method", required=False,
                               choices=[("", "Automatic (best backtest)")] + [(name, name) for name in sorted(FAMILIES)])
    service_level = forms.CharField(label="Cycle service level", required=False, max_length=20,
                                    help_text="e.g. 0.98; blank: the class target")
    minimum = forms.CharField(label="Min (reorder point)", required=False, max_length=30)
    maximum = forms.CharField(label="Max (order-up-to)", required=False, max_length=30)
    lead_time_days = forms.CharField(label="Lead time (days)", required=False, max_length=20)
    note = forms.CharField(label="Why", required=False, max_length=300)

    def __init__(self, *args: object, sites: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["site"].choices = sites  # type: ignore[attr-defined]


class TargetForm(forms.Form):
    site = forms.ChoiceField(label="Where", required=False)
    abc_class = forms.ChoiceField(label="ABC", choices=ABC_CLASSES)
    xyz_class = forms.ChoiceField(label="XYZ", choices=XYZ_CLASSES)
    kind = forms.ChoiceField(label="Measure", choices=TargetKind.choices)
    level = forms.CharField(label="Level", max_length=20, help_text="Between 0 and 1, e.g. 0.95")

    def __init__(self, *args: object, sites: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["site"].choices = sites  # type: ignore[attr-defined]
