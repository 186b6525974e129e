"""Forms of the REFI-QDA pages: the upload, and the mapping of codes to values."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from django import forms
from django.conf import settings

from ..models import CodebookValue, ResearchProject
from .report import CREATE, IGNORE, CodeRow

WRONG_EXTENSION = "Choose a REFI-QDA project (.qdpx) or codebook (.qdc) file."
TOO_LARGE = "The file is larger than {limit} MB, the most this site accepts."
DEFAULT = ""
# Django refuses a form of more than DATA_UPLOAD_MAX_NUMBER_FIELDS (1,000) fields: codes past
# this many keep their default (their match, or the choice for unmatched codes).
MAX_CODE_CHOICES = 900


class RefiUploadForm(forms.Form):
    file = forms.FileField(
        label="REFI-QDA file",
        help_text="A project (.qdpx) or a codebook (.qdc) exported from NVivo, ATLAS.ti, MAXQDA, "
        "QualCoder or another REFI-QDA tool.",
    )
    project = forms.ModelChoiceField(
        queryset=ResearchProject.objects.order_by("name"),
        label="Import into project",
        empty_label=None,
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if PurePath(upload.name).suffix.lower() not in (".qdpx", ".qdc"):
            raise forms.ValidationError(WRONG_EXTENSION)
        limit = settings.MAX_UPLOAD_SIZE
        if upload.size > limit:
            raise forms.ValidationError(TOO_LARGE.format(limit=limit // 2**20))
        return upload


class RefiMappingForm(forms.Form):
    """One choice per code: code with an existing value, create a value, or ignore the code."""

    unmatched = forms.ChoiceField(
        label="Codes that match no value",
        choices=[(CREATE, "Create each as a value of this project"), (IGNORE, "Ignore them")],
        initial=CREATE,
        widget=forms.Select(attrs={"class": "form-select w-auto"}),
    )

    def __init__(
        self, *args: Any, rows: list[CodeRow], values: list[CodebookValue], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.rows = rows
        self.choosable = rows[:MAX_CODE_CHOICES]
        targets = [(f"value:{v.pk}", f"Code with “{v.name}”") for v in values]
        for row in self.choosable:
            choices = [
                (CREATE, "Create a value of this project"),
                (IGNORE, "Ignore this code"),
                *targets,
            ]
            if row.matched_id is None:
                choices.insert(0, (DEFAULT, "As chosen above"))
            self.fields[self.field_name(row)] = forms.ChoiceField(
                label=f"What to do with the code {row.path}",
                choices=choices,
                required=False,
                initial=f"value:{row.matched_id}" if row.matched_id else DEFAULT,
            )

    @staticmethod
    def field_name(row: CodeRow) -> str:
        return f"code-{row.guid}"

    def mapping(self) -> dict[str, str]:
        """The explicit choices, by code GUID (codes left at the default are not in it)."""
        chosen = {}
        for row in self.choosable:
            choice = self.cleaned_data.get(self.field_name(row)) or DEFAULT
            if choice != DEFAULT:
                chosen[row.guid] = choice
        return chosen

    def row_fields(self) -> list[tuple[CodeRow, Any]]:
        """Each code with its choice field (None past MAX_CODE_CHOICES)."""
        return [
            (row, self[self.field_name(row)] if self.field_name(row) in self.fields else None)
            for row in self.rows
        ]

    @property
    def unchoosable(self) -> int:
        return len(self.rows) - len(self.choosable)
