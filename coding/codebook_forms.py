"""Forms of the codebook pages: proposing a change, deciding it, choosing versions to compare."""

from __future__ import annotations

from typing import Any

from django import forms

from .codebook_selectors import examples_visible
from .models import CodebookValue, Excerpt, Proposal, ResearchProject

EXAMPLES_NOT_NUMBERS = "Pick the example excerpts from the search below (an example was not one)."
EXAMPLES_UNKNOWN = "There is no excerpt {number} in this project that you can pick."


class ExcerptIdsField(forms.Field):
    """Excerpt numbers sent by the example picker's tick boxes (checked again on the server)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[int]:
        if not value:
            return []
        items = [value] if isinstance(value, str) else list(value)
        parts = [str(p).strip() for p in items if str(p).strip()]
        if not all(p.isdigit() for p in parts):
            raise forms.ValidationError(EXAMPLES_NOT_NUMBERS)
        return list(dict.fromkeys(int(p) for p in parts))  # once each, in the order ticked


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
    examples = ExcerptIdsField(label="Example excerpts (optional)", required=False)
    reason = forms.CharField(label="Why?", widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(
        self, *args: Any, project: ResearchProject, user: Any = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.project = project
        self.user = user
        shared = CodebookValue.objects.for_project(project).shared().active()
        self.fields["value"].queryset = shared
        self.fields["into"].queryset = shared

    def clean_examples(self) -> list[Excerpt]:
        numbers = self.cleaned_data.get("examples") or []
        found = examples_visible(self.project, self.user, numbers)
        for number in numbers:
            if number not in found:
                raise forms.ValidationError(EXAMPLES_UNKNOWN.format(number=number))
        return [found[n] for n in numbers]

    def chosen_examples(self) -> list[Excerpt]:
        """The examples ticked so far, to show them again when the form comes back."""
        numbers = self.cleaned_data.get("examples") if hasattr(self, "cleaned_data") else None
        if numbers and isinstance(numbers[0], Excerpt):
            return list(numbers)
        try:
            raw = ExcerptIdsField().to_python(self.data.getlist("examples") if self.data else [])
        except forms.ValidationError:
            return []
        found = examples_visible(self.project, self.user, raw)
        return [found[n] for n in raw if n in found]

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
