"""Forms of the review pages: starting a discussion and commenting."""

from __future__ import annotations

from typing import Any

from django import forms

from ..models import CodebookValue, Comment, Discussion, Excerpt, Interview
from ..review.blind import visible_excerpts

PASSAGE_NEEDED = "Choose an excerpt, or give the first and last character of a passage."


class DiscussionForm(forms.Form):
    excerpt = forms.ModelChoiceField(
        queryset=Excerpt.objects.none(),
        required=False,
        label="Excerpt",
        empty_label="(a passage instead: give its start and end below)",
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    start = forms.IntegerField(
        required=False,
        min_value=0,
        label="Passage starts at character",
        widget=forms.NumberInput(attrs={"class": "form-control"}),
    )
    end = forms.IntegerField(
        required=False,
        min_value=1,
        label="Passage ends before character",
        widget=forms.NumberInput(attrs={"class": "form-control"}),
    )
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4, "class": "form-control"}), label="Your comment"
    )
    # Set when the thread is opened from the disagreement queue about one value.
    value = forms.ModelChoiceField(
        queryset=CodebookValue.objects.none(), required=False, widget=forms.HiddenInput
    )

    def __init__(self, *args: Any, interview: Interview, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.interview = interview
        qs = visible_excerpts(interview, user).select_related("coder").order_by("start", "pk")
        self.fields["excerpt"].queryset = qs
        self.fields["excerpt"].label_from_instance = self._label
        self.excerpt_choices = qs
        self.fields["value"].queryset = CodebookValue.objects.for_project(interview.project_id)

    @staticmethod
    def _label(excerpt: Excerpt) -> str:
        snippet = excerpt.text if len(excerpt.text) <= 80 else excerpt.text[:77] + "…"
        return f"{excerpt.coder.get_username()}: “{snippet}” ({excerpt.start}–{excerpt.end})"

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("excerpt") and (data.get("start") is None or data.get("end") is None):
            raise forms.ValidationError(PASSAGE_NEEDED)
        return data

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        common = {"body": data["body"], "value": data.get("value")}
        if data.get("excerpt"):
            return {"excerpt": data["excerpt"], **common}
        return {"start": data["start"], "end": data["end"], **common}


class CommentForm(forms.Form):
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Your comment",
        help_text="Mention a member with @ and their user name, for example @pat.",
    )
    reply_to = forms.ModelChoiceField(
        queryset=Comment.objects.none(), required=False, widget=forms.HiddenInput
    )

    def __init__(self, *args: Any, discussion: Discussion | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if discussion is not None:
            self.fields["reply_to"].queryset = discussion.comments.all()
