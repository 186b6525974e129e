"""What an import found and did, row by row: kept on the batch and shown on its pages.

`report_row` is the one shape of a row in a stored import report: the batch import and the
REFI-QDA import write it, the batch pages show it, and withdrawing a participant blanks the
fields in `NAMED_FIELDS`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date as Date
from typing import Any

from ..models import ImportBatch, Interview, Participant, ResearchProject
from .problems import Problem, error, warning

READY = "ready"
CREATED = "created"
DUPLICATE = "duplicate"
FAILED = "error"
STATUS_LABELS = {
    READY: "Will be created",
    CREATED: "Created",
    DUPLICATE: "Skipped: already there",
    FAILED: "Error: not imported",
}
SAME_PERSON = "same"
NEW_PERSON = "new"
# Fields of a report row that can name a person or their file; withdrawal blanks them.
NAMED_FIELDS = ("file", "title", "participant", "interviewer")


def report_row(
    *,
    number: int,
    file: str,
    title: str,
    project: ResearchProject | None,
    project_label: str = "",
    participant: str,
    participant_new: bool,
    role: str,
    date: Date | None,
    interviewer: str,
    mode: str,
    words: int,
    redactions: int,
    status: str,
    warnings: list[str],
    errors: list[str],
    interview_id: int | None,
    participant_existing: bool = False,
    participant_interviews: int = 0,
    participant_choice: str = "",
    quote_consent: str = "",
) -> dict[str, Any]:
    """One row of a stored import report."""
    return {
        "row": number,
        "file": file,
        "title": title,
        "project": project.slug if project else project_label,
        "project_name": project.name if project else "",
        "participant": participant,
        "participant_new": participant_new,
        "role": role,
        "date": date.isoformat() if date else "",
        "interviewer": interviewer,
        "mode": mode,
        "mode_label": Interview.Mode(mode).label if mode else "",
        "words": words,
        "redactions": redactions,
        "status": status,
        "status_label": STATUS_LABELS[status],
        "warnings": warnings,
        "errors": errors,
        "interview_id": interview_id,
        # An existing participant of this pseudonym and their interviews before this import;
        # the admin's choice for the row: the same person ("same"), a new participant ("new").
        "participant_existing": participant_existing,
        "participant_interviews": participant_interviews,
        "participant_choice": participant_choice,
        # The consent to quote a new participant is created with ("" where not read).
        "quote_consent": quote_consent,
        "quote_consent_label": (
            Participant.QuoteConsent(quote_consent).label if quote_consent else ""
        ),
    }


@dataclass
class RowPlan:
    number: int
    file: str
    title: str = ""
    project: ResearchProject | None = None
    project_label: str = ""
    pseudonym: str = ""
    role: str = Participant.Role.PARTICIPANT.value
    quote_consent: str = Participant.QuoteConsent.NOT_ASKED.value
    quote_consent_given: bool = False  # the row's quote_consent cell was not blank
    attributes: dict[str, str] = field(default_factory=dict)
    date: Date | None = None
    interviewer: str = ""
    mode: str = Interview.Mode.IN_PERSON.value
    text: str | None = None
    content_hash: str = ""
    words: int = 0
    redactions: int = 0
    status: str = READY
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    participant_new: bool = False
    interview_id: int | None = None
    participant_existing: bool = False  # the pseudonym is already a participant's
    participant_interviews: int = 0  # that participant's interviews, before this import
    participant_choice: str = ""  # SAME_PERSON or NEW_PERSON once the admin has chosen
    renamed_from: str = ""  # the manifest's pseudonym, when the admin chose a new participant

    def as_dict(self) -> dict[str, Any]:
        return report_row(
            number=self.number,
            file=self.file,
            title=self.title,
            project=self.project,
            project_label=self.project_label,
            participant=self.pseudonym,
            participant_new=self.participant_new,
            role=self.role,
            date=self.date,
            interviewer=self.interviewer,
            mode=self.mode,
            words=self.words,
            redactions=self.redactions,
            status=self.status,
            warnings=self.warnings,
            errors=self.errors,
            interview_id=self.interview_id,
            participant_existing=self.participant_existing,
            participant_interviews=self.participant_interviews,
            participant_choice=self.participant_choice,
            quote_consent=self.quote_consent,
        )


@dataclass(frozen=True)
class PseudonymChoices:
    """The command line's answer, by pseudonym, for rows naming an existing participant.

    `same`: pseudonyms that are the participant already there; `new`: pseudonym -> the new
    participant's pseudonym; `all_same`: every such row is the same person.
    """

    same: frozenset[str] = frozenset()
    new: dict[str, str] = field(default_factory=dict)
    all_same: bool = False

    def new_pseudonym(self, pseudonym: str) -> str | None:
        return self.new.get(pseudonym)

    def is_same(self, pseudonym: str) -> bool:
        return self.all_same or pseudonym in self.same


@dataclass
class ImportReport:
    source: str
    rows: list[RowPlan] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    dry_run: bool = False
    skip_invalid: bool = False
    refused: bool = False  # the batch as a whole could not be read
    batch: ImportBatch | None = None
    participants_created: list[int] = field(default_factory=list)
    # Row number -> None (the same person) or a new participant's pseudonym, for every row whose
    # pseudonym is an existing participant's. None: not asked (the command line), the same person.
    participant_choices: dict[int, str | None] | None = None
    # The same, by pseudonym, from the command line; None: not asked.
    pseudonym_choices: PseudonymChoices | None = None

    @property
    def asks(self) -> bool:
        """Whether rows naming an existing participant wait for a choice (page or command)."""
        return self.participant_choices is not None or self.pseudonym_choices is not None

    def count(self, status: str) -> int:
        return sum(1 for row in self.rows if row.status == status)

    @property
    def error_count(self) -> int:
        return self.count(FAILED) + sum(1 for p in self.problems if p.is_error)

    @property
    def warning_count(self) -> int:
        return sum(len(row.warnings) for row in self.rows) + sum(
            1 for p in self.problems if not p.is_error
        )

    @property
    def has_errors(self) -> bool:
        return self.error_count > 0

    @property
    def undecided(self) -> int:
        """Rows naming an existing participant that still wait for the admin's choice."""
        if not self.asks:
            return 0
        return sum(
            1
            for row in self.rows
            if row.status == READY and row.participant_existing and not row.participant_choice
        )

    @property
    def can_import(self) -> bool:
        """Whether confirming would write anything."""
        if self.refused or (self.has_errors and not self.skip_invalid) or self.undecided:
            return False
        return self.count(READY) > 0

    def undecided_rows(self) -> list[RowPlan]:
        return [
            row
            for row in self.rows
            if row.status == READY and row.participant_existing and not row.participant_choice
        ]

    def all_problems(self) -> list[Problem]:
        """Batch-wide problems, then each row's errors and warnings, in manifest order."""
        found = list(self.problems)
        for row in self.rows:
            found += [error(m, row=row.number, file=row.file) for m in row.errors]
            found += [warning(m, row=row.number, file=row.file) for m in row.warnings]
        return found

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "dry_run": self.dry_run,
            "skip_invalid": self.skip_invalid,
            "refused": self.refused,
            "imported": self.batch is not None,
            "can_import": self.can_import,
            "counts": {
                "rows": len(self.rows),
                "ready": self.count(READY),
                "created": self.count(CREATED),
                "duplicates": self.count(DUPLICATE),
                "errors": self.error_count,
                "error_rows": self.count(FAILED),
                "warnings": self.warning_count,
                "redactions": sum(row.redactions for row in self.rows),
                "existing_participants": sum(
                    1 for row in self.rows if row.status == READY and row.participant_existing
                ),
            },
            "problems": [p.as_dict() for p in self.problems],
            "rows": [row.as_dict() for row in self.rows],
            "participants_created": self.participants_created,
        }
