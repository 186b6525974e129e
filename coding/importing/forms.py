"""Forms of the import pages."""

from __future__ import annotations

from pathlib import Path

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.conf import settings

from .problems import human_size

UPLOAD_SUFFIXES = {".zip", ".csv", ".xlsx"}
WRONG_UPLOAD_TYPE = (
    "Upload a .zip (manifest.csv and the transcript files) or a .csv or .xlsx spreadsheet with "
    "a text column."
)
UPLOAD_TOO_LARGE = "The file is {size}, more than the limit of {limit}. Split the batch up."

SKIP_INVALID_LABEL = "Import the rows without errors and skip the others"
SKIP_INVALID_HELP = (
    "Leave this off to import all or nothing: then one error in any row stops the whole batch."
)


class ImportUploadForm(forms.Form):
    batch = forms.FileField(
        label="Batch file",
        help_text="A .zip with manifest.csv and the transcripts (.txt, .md, .docx, .odt, .rtf), "
        "or a .csv or .xlsx with a text column.",
        widget=forms.ClearableFileInput(attrs={"accept": ".zip,.csv,.xlsx"}),
    )
    names = forms.CharField(
        label="Names to remove from every transcript (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off", "spellcheck": "false"}),
        help_text="One name a line. Write Name=Pseudonym to put a pseudonym in its place; "
        "otherwise it becomes [name]. These names are not stored.",
    )
    skip_invalid = forms.BooleanField(
        label=SKIP_INVALID_LABEL, required=False, help_text=SKIP_INVALID_HELP
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.helper = FormHelper()
        self.helper.form_method = "post"
        self.helper.add_input(Submit("preview", "Check and preview"))

    def clean_batch(self) -> object:
        upload = self.cleaned_data["batch"]
        if Path(upload.name or "").suffix.lower() not in UPLOAD_SUFFIXES:
            raise forms.ValidationError(WRONG_UPLOAD_TYPE)
        if upload.size > settings.MAX_UPLOAD_SIZE:
            raise forms.ValidationError(
                UPLOAD_TOO_LARGE.format(
                    size=human_size(upload.size), limit=human_size(settings.MAX_UPLOAD_SIZE)
                )
            )
        return upload


class ImportConfirmForm(forms.Form):
    skip_invalid = forms.BooleanField(label=SKIP_INVALID_LABEL, required=False)
