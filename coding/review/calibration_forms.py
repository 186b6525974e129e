"""Forms of the calibration pages."""

from __future__ import annotations

from typing import Any

from django import forms

from ..models import CalibrationPassage, CodebookValue, Interview, ResearchProject


class CalibrationSetForm(forms.Form):
    name = forms.CharField(
        max_length=200,
        label="Name of the set",
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )


class PassageForm(forms.Form):
    interview = forms.ModelChoiceField(
        queryset=Interview.objects.none(), widget=forms.Select(attrs={"class": "form-select"})
    )
    start = forms.IntegerField(
        min_value=0,
        label="Starts at character",
        widget=forms.NumberInput(attrs={"class": "form-control"}),
    )
    end = forms.IntegerField(
        min_value=1,
        label="Ends before character",
        widget=forms.NumberInput(attrs={"class": "form-control"}),
    )
    values = forms.ModelMultipleChoiceField(
        queryset=CodebookValue.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Agreed values (leave all unticked for a passage with no value)",
    )

    def __init__(self, *args: Any, project: ResearchProject, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["interview"].queryset = project.interviews.defer("text").select_related(
            "participant"
        )
        self.fields["values"].queryset = CodebookValue.objects.for_project(project).active()


def answers_from(
    data: Any, passages: list[CalibrationPassage], codebook: list[CodebookValue]
) -> dict[int, list[CodebookValue]]:
    """Read `seen-<passage>` and `values-<passage>` fields into passage id -> values."""
    by_id = {str(v.pk): v for v in codebook}
    answers = {}
    for passage in passages:
        if data.get(f"seen-{passage.pk}") != "1":
            continue
        answers[passage.pk] = [
            by_id[pk] for pk in data.getlist(f"values-{passage.pk}") if pk in by_id
        ]
    return answers
