"""Forms parse input for the organisation pages; the services validate and write."""

from __future__ import annotations

from typing import Any

from django import forms

from keel.core.errors import ValidationFailed
from keel.core.permissions import Action, Area, Level, all_actions
from keel.organization.choices import DataScopeChoice, SiteKind, TitleLevel
from keel.organization.models import Department, JobTitle, Site, Team

LEVEL_CHOICES = [(level.name.lower(), level.name.capitalize()) for level in Level]


def apply_problems(form: forms.Form, error: ValidationFailed) -> None:
    """Show a service's field problems on the form, next to the fields they concern."""
    for problem in error.problems:
        name = problem.field.split(".")[0]
        form.add_error(name if name in form.fields else None, problem.message)
    if not error.problems:
        form.add_error(None, error.detail)



def action_choices(actions: list[Action]) -> list[tuple[str, list[tuple[str, str]]]]:
    """Checkbox choices for actions (in ``all_actions``'s order), grouped under their area.

    >>> action_choices([Action("a.view", Area.COSTS, Level.VIEW, "View a"), Action("b.run", Area.COSTS, Level.OPERATE, "Run b")])
    [('Resources & costs', [('a.view', 'View a (a.view)'), ('b.run', 'Run b (b.run)')])]
    """
    groups: dict[str, list[tuple[str, str]]] = {}
    for action in actions:
        groups.setdefault(Area(action.area).label, []).append((action.code, f"{action.label} ({action.code})"))
    return list(groups.items())


class PersonForm(forms.Form):
    email = forms.EmailField()
    full_name = forms.CharField(max_length=160)
    title = forms.ModelChoiceField(queryset=JobTitle.objects.all())
    site = forms.ModelChoiceField(queryset=Site.objects.all(), required=False)
    department = forms.ModelChoiceField(queryset=Department.objects.all(), required=False)
    team = forms.ModelChoiceField(queryset=Team.objects.all(), required=False)
    time_zone = forms.CharField(max_length=64, initial="UTC")


class NewPersonForm(PersonForm):
    password = forms.CharField(
        widget=forms.PasswordInput, required=False,
        help_text="At least 12 characters. Leave empty to set it later.",
    )


class PasswordForm(forms.Form):
    current_password = forms.CharField(widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    new_password = forms.CharField(widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                                   help_text="At least 12 characters, not a common password.")


class ScopeForm(forms.Form):
    extra_sites = forms.ModelMultipleChoiceField(queryset=Site.objects.all(), required=False, widget=forms.CheckboxSelectMultiple)
    extra_departments = forms.ModelMultipleChoiceField(queryset=Department.objects.all(), required=False, widget=forms.CheckboxSelectMultiple)


class PresetForm(forms.Form):
    """Area levels, data scope and per-action overrides of one job title."""

    focus = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    data_scope = forms.ChoiceField(choices=DataScopeChoice.choices)
    granted_actions = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)
    revoked_actions = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = action_choices(all_actions())
        self.fields["granted_actions"].choices = choices  # type: ignore[attr-defined]
        self.fields["revoked_actions"].choices = choices  # type: ignore[attr-defined]
        for area in Area:
            self.fields[f"level_{area.value}"] = forms.ChoiceField(
                choices=LEVEL_CHOICES, label=area.label, initial="none"
            )

    def area_levels(self) -> dict[str, str]:
        return {area.value: self.cleaned_data[f"level_{area.value}"] for area in Area}

    def level_fields(self) -> list[forms.BoundField]:
        return [self[f"level_{area.value}"] for area in Area]


class NewTitleForm(PresetForm):
    name = forms.CharField(max_length=120)
    level = forms.ChoiceField(choices=TitleLevel.choices)


class SiteForm(forms.Form):
    code = forms.CharField(max_length=32)
    name = forms.CharField(max_length=120)
    kind = forms.ChoiceField(choices=SiteKind.choices)
    # Formats are the service's to check, so that every problem is reported in one go.
    country = forms.CharField(max_length=8, help_text="ISO code, e.g. IE")
    currency = forms.CharField(max_length=8, help_text="ISO code, e.g. EUR")
    time_zone = forms.CharField(max_length=64, initial="UTC")


class SiteEditForm(forms.Form):
    name = forms.CharField(max_length=120)
    kind = forms.ChoiceField(choices=SiteKind.choices)
    currency = forms.CharField(max_length=8)
    time_zone = forms.CharField(max_length=64)
    is_active = forms.BooleanField(required=False)


class TeamForm(forms.Form):
    name = forms.CharField(max_length=120)
    department = forms.ModelChoiceField(queryset=Department.objects.all())
    site = forms.ModelChoiceField(queryset=Site.objects.all(), required=False)


class DepartmentForm(forms.Form):
    code = forms.SlugField(max_length=32)
    name = forms.CharField(max_length=120)


class TokenForm(forms.Form):
    name = forms.CharField(max_length=120)
    expires_in_days = forms.IntegerField(min_value=1, max_value=366, initial=90)
    all_actions = forms.BooleanField(required=False, initial=False, label="All actions my role allows")
    actions = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, person: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["actions"].choices = action_choices(  # type: ignore[attr-defined]
            [action for action in all_actions() if person.has_action(action.code)])

    def chosen_actions(self) -> list[str]:
        if self.cleaned_data.get("all_actions"):
            return ["*"]
        return list(self.cleaned_data.get("actions") or [])
