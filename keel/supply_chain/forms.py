"""Forms parse input for the supply chain pages; the services validate and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile

from keel.core.spreadsheets import read_rows
from keel.organization.models import Site
from keel.supply_chain.choices import (
    REASON_RULES,
    Lifecycle,
    LocationKind,
    MovementReason,
    UnitOfMeasure,
)
from keel.supply_chain.models import Location, Supplier


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


# --- Purchasing -----------------------------------------------------------------------


class SupplierForm(forms.Form):
    code = forms.CharField(max_length=32, help_text="Short and unique, e.g. ACME")
    name = forms.CharField(max_length=200)
    currency = forms.CharField(max_length=8, help_text="ISO code of its prices and orders, e.g. EUR")
    contact_name = forms.CharField(max_length=160, required=False)
    contact_email = forms.CharField(max_length=254, required=False)
    contact_phone = forms.CharField(max_length=40, required=False)
    payment_terms_days = forms.IntegerField(min_value=0, max_value=3650, initial=30, help_text="Net days, e.g. 30")
    lead_time_days = forms.IntegerField(min_value=0, max_value=3650, initial=0,
                                        help_text="Declared days from order to delivery")
    is_active = forms.BooleanField(required=False, initial=True)


class SupplierEditForm(SupplierForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["code"]


class SupplierItemForm(forms.Form):
    sku = forms.CharField(max_length=64, label="SKU")
    supplier_sku = forms.CharField(max_length=64, required=False, label="Supplier's SKU")
    minimum_order_quantity = forms.DecimalField(min_value=0, max_digits=18, decimal_places=4, initial=0)
    order_multiple = forms.DecimalField(min_value=0, max_digits=18, decimal_places=4, initial=1)
    lead_time_days = forms.IntegerField(min_value=0, max_value=3650, required=False,
                                        help_text="Leave empty to use the supplier's lead time")
    price_breaks = forms.CharField(required=False, widget=forms.TextInput(attrs={"placeholder": "1=2.50; 100=2.10"}),
                                   help_text="Minimum quantity = unit price, separated by ';' (in the supplier's currency)")
    is_active = forms.BooleanField(required=False, initial=True)


class PurchaseOrderForm(forms.Form):
    supplier: forms.ModelChoiceField[Any] = forms.ModelChoiceField(queryset=Supplier.objects.none())
    site: forms.ModelChoiceField[Any] = forms.ModelChoiceField(queryset=Site.objects.none(), label="Ship to")
    expected_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}),
                                  help_text="Empty: today plus the supplier's lead time")
    notes = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, suppliers: Any, sites: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["supplier"].queryset = suppliers  # type: ignore[attr-defined]
        self.fields["site"].queryset = sites  # type: ignore[attr-defined]


class OrderLineForm(forms.Form):
    sku = forms.CharField(max_length=64, required=False, label="SKU")
    quantity = forms.DecimalField(required=False, max_digits=18, decimal_places=4)
    unit_price = forms.DecimalField(required=False, max_digits=18, decimal_places=4, min_value=0,
                                    help_text="Empty: the supplier's price break")
    expected_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    @property
    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not data.get("sku") and data.get("quantity") is None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("sku") and data.get("quantity") is None:
            self.add_error("quantity", "required")
        if data.get("quantity") is not None and not data.get("sku"):
            self.add_error("sku", "required")
        return data


OrderLineFormSet = forms.formset_factory(OrderLineForm, extra=6, max_num=100)


class ReceiveLineForm(forms.Form):
    """One order line on the receiving screen; ``line`` is the order line's number."""

    line = forms.IntegerField(widget=forms.HiddenInput)
    quantity = forms.DecimalField(required=False, min_value=0, max_digits=18, decimal_places=4, label="Accept")
    location: forms.ModelChoiceField[Any] = forms.ModelChoiceField(queryset=Location.objects.none(), required=False)
    lot = forms.CharField(max_length=64, required=False)
    expires_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    quality_hold = forms.BooleanField(required=False, label="Hold")
    rejected_quantity = forms.DecimalField(required=False, min_value=0, max_digits=18, decimal_places=4, label="Reject")

    def __init__(self, *args: Any, locations: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if locations is not None:
            self.fields["location"].queryset = locations  # type: ignore[attr-defined]


class BaseReceiveFormSet(forms.BaseFormSet):
    def __init__(self, *args: Any, locations: Any, **kwargs: Any) -> None:
        self.locations = locations
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {**super().get_form_kwargs(index), "locations": self.locations}


ReceiveFormSet = forms.formset_factory(ReceiveLineForm, formset=BaseReceiveFormSet, extra=0, max_num=500)


IMPORT_KINDS = (("suppliers", "Suppliers"), ("supplier_items", "Supplier items and price breaks"),
                ("items", "Items"), ("opening_stock", "Opening stock"))


class ImportForm(forms.Form):
    kind = forms.ChoiceField(choices=IMPORT_KINDS, label="What the file holds")
    file = forms.FileField(help_text="CSV (UTF-8) or XLSX, first row the column names")

    def __init__(self, *args: Any, kinds: tuple[str, ...] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if kinds is not None:
            field = self.fields["kind"]
            field.choices = [(value, label) for value, label in IMPORT_KINDS if value in kinds]  # type: ignore[attr-defined]
            if len(kinds) == 1:  # a page for one kind: nothing to choose
                field.initial = kinds[0]
                field.widget = forms.HiddenInput()


MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_IMPORT_ROWS = 10_000


def read_table(upload: UploadedFile) -> list[dict[str, str]]:
    """The rows of an uploaded CSV or XLSX file as column -> text, each with its ``row``
    number as the spreadsheet shows it (the header is row 1). Empty rows are skipped."""
    return read_rows(name=upload.name or "", content=upload.read(), max_rows=MAX_IMPORT_ROWS,
                     max_bytes=MAX_IMPORT_BYTES)


# --- Transfers and cycle counts -------------------------------------------------------


class TransferForm(forms.Form):
    from_site: forms.ModelChoiceField[Any] = forms.ModelChoiceField(queryset=Site.objects.none(), label="From site")
    to_site: forms.ModelChoiceField[Any] = forms.ModelChoiceField(queryset=Site.objects.none(), label="To site")
    notes = forms.CharField(required=False, max_length=300)

    def __init__(self, *args: Any, from_sites: Any, to_sites: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["from_site"].queryset = from_sites  # type: ignore[attr-defined]
        self.fields["to_site"].queryset = to_sites  # type: ignore[attr-defined]


class TransferLineForm(forms.Form):
    """One line of a new transfer; ``to_location`` is a code at the destination (or chosen at receipt)."""

    sku = forms.CharField(max_length=64, required=False, label="SKU")
    quantity = forms.DecimalField(required=False, max_digits=18, decimal_places=4)
    from_location: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        queryset=Location.objects.none(), required=False, label="From location")
    to_location = forms.CharField(max_length=40, required=False, label="To location (optional)")
    lot = forms.CharField(max_length=64, required=False)

    def __init__(self, *args: Any, locations: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if locations is not None:
            self.fields["from_location"].queryset = locations  # type: ignore[attr-defined]

    @property
    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not data.get("sku") and data.get("quantity") is None and data.get("from_location") is None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.is_blank:
            return data
        for name in ("sku", "quantity", "from_location"):
            if data.get(name) in (None, "") and name not in self.errors:
                self.add_error(name, "required")
        return data


class BaseTransferLineFormSet(forms.BaseFormSet):
    def __init__(self, *args: Any, locations: Any, **kwargs: Any) -> None:
        self.locations = locations
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {**super().get_form_kwargs(index), "locations": self.locations}


TransferLineFormSet = forms.formset_factory(TransferLineForm, formset=BaseTransferLineFormSet, extra=6, max_num=100)


class CountForm(forms.Form):
    """A new cycle count: a site, and the locations and/or items to count there."""

    site: forms.ModelChoiceField[Any] = forms.ModelChoiceField(queryset=Site.objects.none())
    locations: forms.ModelMultipleChoiceField[Any] = forms.ModelMultipleChoiceField(
        queryset=Location.objects.none(), required=False,
        help_text="Every balance at these locations is counted (Ctrl or ⌘ to choose several); leave empty to count "
                  "the items everywhere at the site")
    items = forms.CharField(
        required=False, max_length=5000, label="Items (SKUs)",
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "BOLT-M8, FLOUR-25"}),
        help_text="SKUs separated by commas, spaces or new lines; leave empty to count everything at the locations")

    def __init__(self, *args: Any, sites: Any, locations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites  # type: ignore[attr-defined]
        self.fields["locations"].queryset = locations  # type: ignore[attr-defined]
        self.fields["locations"].widget.attrs["size"] = 8

    def clean_items(self) -> list[str]:
        text = self.cleaned_data.get("items", "")
        return list(dict.fromkeys(part for part in text.replace(",", " ").split() if part))
