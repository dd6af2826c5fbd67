"""Forms parse input for the order pages; the services validate and write."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms

from keel.orders.models import CarrierService, Customer, SalesChannel, SalesOrderLine
from keel.organization.models import Site

DATE = forms.DateInput(attrs={"type": "date"})


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=300)


@dataclass(frozen=True, slots=True)
class ParsedLine:
    """One typed line of the order form: ``SKU quantity [price [currency]]``."""

    row: int
    sku: str
    quantity: Decimal
    unit_price: Decimal | None
    currency: str


def parse_lines(text: str) -> tuple[list[ParsedLine], list[str]]:
    """Each non-empty row is ``SKU quantity [price [currency]]``, separated by spaces or commas."""
    parsed: list[ParsedLine] = []
    errors: list[str] = []
    for row, raw in enumerate(text.splitlines()):
        parts = raw.replace(",", " ").replace(";", " ").split()
        if not parts:
            continue
        if len(parts) < 2 or len(parts) > 4:
            errors.append(f"Row {row + 1}: write SKU, quantity and optionally price and currency")
            continue
        try:
            quantity = Decimal(parts[1])
            price = Decimal(parts[2]) if len(parts) > 2 else None
        except InvalidOperation:
            errors.append(f"Row {row + 1}: the quantity and price must be numbers")
            continue
        parsed.append(ParsedLine(row=row, sku=parts[0], quantity=quantity, unit_price=price,
                                 currency=parts[3] if len(parts) > 3 else ""))
    if not parsed and not errors:
        errors.append("Enter at least one line")
    return parsed, errors


class OrderForm(forms.Form):
    customer: forms.ModelChoiceField[Any] = forms.ModelChoiceField(queryset=Customer.objects.none())
    ship_from: forms.ModelChoiceField[Any] = forms.ModelChoiceField(queryset=Site.objects.none(), label="Ship from")
    channel: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        queryset=SalesChannel.objects.none(), required=False, help_text="The customer's default channel if left empty")
    currency = forms.CharField(max_length=8, required=False, help_text="ISO code; the prices' currency if left empty")
    promised_ship_on = forms.DateField(required=False, widget=DATE)
    promised_delivery_on = forms.DateField(required=False, widget=DATE)
    customer_reference = forms.CharField(max_length=80, required=False)
    lines = forms.CharField(
        strip=False,
        widget=forms.Textarea(attrs={"rows": 5, "placeholder": "TEE-BLK-M 3\nMUG-CER-350 2 11.50 EUR"}),
        help_text="One line per row: SKU, quantity, and optionally unit price and currency (the list price otherwise)",
    )
    confirm = forms.BooleanField(required=False, initial=True, label="Confirm the order at once")

    def __init__(self, *args: Any, customers: Any, sites: Any, channels: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = customers  # type: ignore[attr-defined]
        self.fields["ship_from"].queryset = sites  # type: ignore[attr-defined]
        self.fields["channel"].queryset = channels  # type: ignore[attr-defined]

    def clean_lines(self) -> list[ParsedLine]:
        parsed, errors = parse_lines(self.cleaned_data["lines"])
        if errors:
            raise forms.ValidationError(errors)
        return parsed


class CustomerForm(forms.Form):
    code = forms.CharField(max_length=40)
    name = forms.CharField(max_length=200)
    email = forms.CharField(max_length=254, required=False)
    country = forms.CharField(max_length=8, help_text="ISO code, e.g. IE")
    channel: forms.ModelChoiceField[Any] = forms.ModelChoiceField(queryset=SalesChannel.objects.none(), required=False)

    def __init__(self, *args: Any, channels: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["channel"].queryset = channels  # type: ignore[attr-defined]


class PackForm(forms.Form):
    """A quantity per line (what is picked and not yet packed, to start with) and a weight."""

    weight_kg = forms.DecimalField(required=False, min_value=Decimal("0.001"), max_digits=10, decimal_places=3,
                                   label="Weight (kg)")

    def __init__(self, *args: Any, lines: list[SalesOrderLine], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.order_lines = lines
        for line in lines:
            waiting = line.picked_quantity - line.packed_quantity
            self.fields[f"line_{line.pk}"] = forms.DecimalField(
                min_value=Decimal(0), max_digits=18, decimal_places=4, initial=waiting.normalize(),
                label=f"Line {line.line_number}: {line.item.sku}",
                help_text=f"{waiting.normalize():f} picked and not packed",
            )
        self.fields["weight_kg"] = self.fields.pop("weight_kg")  # after the lines

    def quantities(self) -> list[tuple[SalesOrderLine, Decimal]]:
        return [(line, self.cleaned_data[f"line_{line.pk}"]) for line in self.order_lines
                if self.cleaned_data.get(f"line_{line.pk}")]


class ShipForm(forms.Form):
    carrier_service: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        queryset=CarrierService.objects.none(), label="Carrier and service")
    tracking_number = forms.CharField(max_length=80)
    shipping_cost = forms.DecimalField(min_value=Decimal(0), max_digits=18, decimal_places=4)
    currency = forms.CharField(max_length=8)

    def __init__(self, *args: Any, services: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["carrier_service"].queryset = services  # type: ignore[attr-defined]


class ImportForm(forms.Form):
    file = forms.FileField(help_text="CSV or XLSX with the columns of the template, one row per order line")
    confirm = forms.BooleanField(required=False, initial=True, label="Confirm the imported orders at once")
