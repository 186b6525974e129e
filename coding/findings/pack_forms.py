"""The findings pack's forms: publishing a draft, recording feedback on a version."""

from __future__ import annotations

from django import forms

DATE_NEEDED = "Give the date they told us, as day, month and year."


class PublishForm(forms.Form):
    note = forms.CharField(
        label="Note (optional)",
        max_length=300,
        required=False,
        help_text="Who this draft is for, or what is new in it.",
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )


class FeedbackForm(forms.Form):
    who = forms.CharField(
        label="Who said it",
        max_length=200,
        help_text="A role or a description, for example “two participants from Side by Side”.",
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    received = forms.DateField(
        label="When they told us",
        error_messages={"invalid": DATE_NEEDED, "required": DATE_NEEDED},
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}),
    )
    said = forms.CharField(
        label="What they said", widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"})
    )
    changed = forms.CharField(
        label="What we changed (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )
