"""Forms of the import pages."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.conf import settings

from ..models import Participant
from . import problems as msg
from .problems import human_size
from .report import NEW_PERSON, READY, SAME_PERSON

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
    # A fresh key in each form: a double click or a resent form finds the preview job the first
    # made instead of uploading and reading the batch twice.
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput, required=False, initial=uuid.uuid4)

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


CONFIRM_FORM_ID = "import-confirm"  # the choices sit in the preview's table, outside the form


class ImportConfirmForm(forms.Form):
    """Confirming a preview: skip rows with errors or not, and who each marked row is about."""

    skip_invalid = forms.BooleanField(label=SKIP_INVALID_LABEL, required=False)

    def __init__(self, *args: Any, rows: list[dict[str, Any]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Rows naming an existing participant: the same person, or a new one with a pseudonym.
        self.marked = [
            r for r in rows or [] if r.get("participant_existing") and r["status"] == READY
        ]
        for row in self.marked:
            number, pseudonym = row["row"], row["participant"]
            self.fields[f"participant-{number}"] = forms.ChoiceField(
                label=f"Row {number}: is {pseudonym} the same person?",
                choices=[
                    (SAME_PERSON, f"Yes: add this interview to {pseudonym}"),
                    (NEW_PERSON, "No: a new participant, with the pseudonym below"),
                ],
                widget=forms.RadioSelect(
                    attrs={"form": CONFIRM_FORM_ID, "class": "form-check-input"}
                ),
                error_messages={
                    "required": msg.CHOICE_NEEDED.format(row=number, pseudonym=pseudonym)
                },
            )
            self.fields[f"pseudonym-{number}"] = forms.CharField(
                label=f"Pseudonym of the new participant (row {number})",
                required=False,
                max_length=100,
                widget=forms.TextInput(attrs={"form": CONFIRM_FORM_ID, "autocomplete": "off"}),
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for row in self.marked:
            number = row["row"]
            if data.get(f"participant-{number}") != NEW_PERSON:
                continue
            pseudonym = " ".join(data.get(f"pseudonym-{number}", "").split())
            if not pseudonym:
                self.add_error(f"pseudonym-{number}", msg.NEW_PSEUDONYM_MISSING.format(row=number))
            elif Participant.objects.filter(
                project__slug=row["project"], pseudonym=pseudonym
            ).exists():
                self.add_error(
                    f"pseudonym-{number}", msg.PSEUDONYM_TAKEN.format(pseudonym=pseudonym)
                )
            data[f"pseudonym-{number}"] = pseudonym
        return data

    def participant_choices(self) -> dict[int, str | None]:
        """Row number -> None (the same person) or the new participant's pseudonym."""
        return {
            row["row"]: (
                self.cleaned_data[f"pseudonym-{row['row']}"]
                if self.cleaned_data[f"participant-{row['row']}"] == NEW_PERSON
                else None
            )
            for row in self.marked
        }

    def row_fields(self, row: dict[str, Any]) -> dict[str, Any] | None:
        """The bound fields of a marked row, for the preview's table."""
        if row not in self.marked:
            return None
        return {
            "choice": self[f"participant-{row['row']}"],
            "pseudonym": self[f"pseudonym-{row['row']}"],
        }
