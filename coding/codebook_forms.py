"""Forms of the codebook pages: proposing a change, deciding it, choosing versions to compare."""

from __future__ import annotations

from typing import Any

from django import forms

from .models import CodebookValue, Excerpt, Proposal, ResearchProject

EXAMPLES_NOT_NUMBERS = "Write the excerpts’ numbers separated by commas, such as 12, 40."
EXAMPLES_UNKNOWN = "There is no excerpt {number} in this project."


class ProposalForm(forms.Form):
    kind = forms.ChoiceField(label="What do you propose?", choices=Proposal.Kind.choices)
    value = forms.ModelChoiceField(
        label="Which value (for every change but adding one)",
        queryset=CodebookValue.objects.none(),
        required=False,
    )
    into = forms.ModelChoiceField(
        label="Merge it into", queryset=CodebookValue.objects.none(), required=False
    )
    name = forms.CharField(label="Name (new value, or new name)", max_length=100, required=False)
    split_first = forms.CharField(label="Split: first new value", max_length=100, required=False)
    split_second = forms.CharField(label="Split: second new value", max_length=100, required=False)
    short_definition = forms.CharField(label="Short definition", max_length=300, required=False)
    definition = forms.CharField(
        label="Full definition", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    when_to_use = forms.CharField(
        label="When to use it", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    when_not_to_use = forms.CharField(
        label="When not to use it", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    examples = forms.CharField(
        label="Example excerpts (optional)",
        required=False,
        help_text="The excerpt numbers shown on the codebook and value pages, such as 12, 40.",
    )
    reason = forms.CharField(label="Why?", widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, project: ResearchProject, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.project = project
        shared = CodebookValue.objects.for_project(project).shared().active()
        self.fields["value"].queryset = shared
        self.fields["into"].queryset = shared

    def clean_examples(self) -> list[Excerpt]:
        raw = self.cleaned_data.get("examples", "")
        parts = [p.strip() for p in raw.replace(";", ",").split(",") if p.strip()]
        if not all(p.isdigit() for p in parts):
            raise forms.ValidationError(EXAMPLES_NOT_NUMBERS)
        numbers = [int(p) for p in parts]
        found = {
            e.pk: e
            for e in Excerpt.objects.filter(
                pk__in=numbers, interview__project=self.project
            ).select_related("interview")
        }
        for number in numbers:
            if number not in found:
                raise forms.ValidationError(EXAMPLES_UNKNOWN.format(number=number))
        return [found[n] for n in numbers]

    def service_kwargs(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["split_names"] = [data.pop("split_first"), data.pop("split_second")]
        return data


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="Decision",
        choices=[("accept", "Accept"), ("decline", "Decline")],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label="Reason for the team", widget=forms.Textarea(attrs={"rows": 2}))


class CommentForm(forms.Form):
    text = forms.CharField(label="Your comment", widget=forms.Textarea(attrs={"rows": 2}))


class VersionDiffForm(forms.Form):
    old = forms.TypedChoiceField(label="From version", coerce=int)
    new = forms.TypedChoiceField(label="To version", coerce=int)

    def __init__(self, *args: Any, numbers: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(n, f"Version {n}") for n in numbers]
        self.fields["old"].choices = choices
        self.fields["new"].choices = choices
