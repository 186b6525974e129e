"""The form of a decision on one passage of the disagreement queue."""

from __future__ import annotations

from typing import Any

from django import forms

from ..models import CodebookValue, ConsensusDecision, Interview, ResearchProject

INTERVIEW_ELSEWHERE = "That interview is not in this project."


class DecisionForm(forms.Form):
    interview = forms.IntegerField(widget=forms.HiddenInput)
    value = forms.ModelChoiceField(queryset=CodebookValue.objects.none(), widget=forms.HiddenInput)
    start = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    end = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    outcome = forms.ChoiceField(
        choices=ConsensusDecision.Outcome.choices, widget=forms.RadioSelect, label="Decision"
    )
    values = forms.ModelMultipleChoiceField(
        queryset=CodebookValue.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Values to apply",
    )
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="Reason")

    def __init__(self, *args: Any, project: ResearchProject, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.project = project
        codebook = CodebookValue.objects.for_project(project)
        self.fields["value"].queryset = codebook
        self.fields["values"].queryset = codebook

    def clean_interview(self) -> Interview:
        interview = (
            Interview.objects.select_related("project")
            .filter(project=self.project, pk=self.cleaned_data["interview"])
            .first()
        )
        if interview is None:
            raise forms.ValidationError(INTERVIEW_ELSEWHERE)
        return interview

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "interview": data["interview"],
            "value": data["value"],
            "start": data["start"],
            "end": data["end"],
            "outcome": data["outcome"],
            "values": list(data["values"]),
            "reason": data["reason"],
        }
