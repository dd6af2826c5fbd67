"""Forms of the process area: a process model's steps, an initiative, a log upload.
They parse input only; the services validate and act."""

from __future__ import annotations

from typing import Any

from django import forms

from keel.processes.choices import InitiativeStatus, Measure, ProcessKind

JOIN_CHOICES = [("", "after the previous step"), ("parallel", "in parallel with the previous step"),
                ("choice", "instead of the previous step (either one)")]


class StepForm(forms.Form):
    activity = forms.CharField(required=False, max_length=200, label="Activity",
                               widget=forms.TextInput(attrs={"list": "activity-names", "aria-label": "Activity"}))
    optional = forms.BooleanField(required=False, label="Optional")
    repeat = forms.BooleanField(required=False, label="May repeat")
    join = forms.ChoiceField(required=False, choices=JOIN_CHOICES, label="Runs")


StepFormSet = forms.formset_factory(StepForm, extra=4, max_num=60, absolute_max=60)


class ProcessModelForm(forms.Form):
    name = forms.CharField(max_length=200)
    process = forms.ChoiceField(choices=ProcessKind.choices)
    imported_log: forms.ModelChoiceField[Any] = forms.ModelChoiceField(queryset=None, required=False, label="Imported log",
                                          help_text="Only for an imported process")
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, logs: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["imported_log"].queryset = logs  # type: ignore[attr-defined]


class ModelVersionForm(forms.Form):
    note = forms.CharField(required=False, max_length=300, label="What changed",
                           help_text="Kept with the new version")
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class InitiativeForm(forms.Form):
    name = forms.CharField(max_length=200)
    owner: forms.ModelChoiceField[Any] = forms.ModelChoiceField(queryset=None)
    process = forms.ChoiceField(choices=ProcessKind.choices)
    imported_log: forms.ModelChoiceField[Any] = forms.ModelChoiceField(queryset=None, required=False, label="Imported log",
                                          help_text="Only for an imported process")
    measure = forms.ChoiceField(choices=Measure.choices, label="KPI measured")
    activity = forms.CharField(required=False, max_length=200, label="Activity",
                               help_text="For waiting time: the activity waited for",
                               widget=forms.TextInput(attrs={"list": "activity-names"}))
    process_model: forms.ModelChoiceField[Any] = forms.ModelChoiceField(queryset=None, required=False, label="Intended model",
                                           help_text="For conformance fitness")
    baseline_from = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label="Baseline from")
    baseline_to = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label="Baseline to")
    change_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label="Change takes effect on")
    target_value = forms.FloatField(label="Target", help_text="In the measure's unit (hours, share 0-1, fitness 0-1)")
    status = forms.ChoiceField(choices=InitiativeStatus.choices, initial=InitiativeStatus.PLANNED)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, people: Any, logs: Any, models: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = people  # type: ignore[attr-defined]
        self.fields["imported_log"].queryset = logs  # type: ignore[attr-defined]
        self.fields["process_model"].queryset = models  # type: ignore[attr-defined]


class InitiativeUpdateForm(forms.Form):
    status = forms.ChoiceField(choices=InitiativeStatus.choices)
    target_value = forms.FloatField(label="Target")
    change_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label="Change takes effect on")


class LogImportForm(forms.Form):
    file = forms.FileField(help_text="CSV, XES (.xes, .xes.gz) or OCEL 2.0 (.json/.jsonocel, .sqlite)")
    name = forms.CharField(required=False, max_length=200, help_text="Defaults to the file name")
    case_column = forms.CharField(required=False, max_length=200, initial="case_id", label="CSV: case column")
    activity_column = forms.CharField(required=False, max_length=200, initial="activity",
                                      label="CSV: activity column")
    timestamp_column = forms.CharField(required=False, max_length=200, initial="timestamp",
                                       label="CSV: timestamp column")
    resource_column = forms.CharField(required=False, max_length=200, label="CSV: resource column (optional)",
                                      help_text="Other columns are kept as attributes")
    case_notion = forms.CharField(required=False, max_length=200, label="OCEL: case notion",
                                  help_text="The object type whose objects are the cases, e.g. order")
