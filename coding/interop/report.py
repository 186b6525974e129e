"""What an import of a REFI-QDA file did (or, in a dry run, would do), and why it refuses one.

The messages are constants so that the tests check the very words an admin reads.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

CREATE = "create"
IGNORE = "ignore"
UNMATCHED_CHOICES = (CREATE, IGNORE)

DUPLICATE_GUID = "GUID {guid} is used by more than one element ({kinds}); each needs its own."
UNKNOWN_CODE = (
    "A coding in source '{source}' (selection {selection}) refers to code {code}, "
    "which is not in the file's codebook."
)
OUTSIDE_TEXT = (
    "Selection {selection} in source '{source}' runs from {start} to {end}, outside its text "
    "of {length} characters."
)
BAD_CHOICE = "The mapping for code '{code}' is not understood: {choice!r}."
VALUE_NOT_VISIBLE = "The mapping for code '{code}' names a value this project cannot use."
SAME_GUID_OTHER_TEXT = (
    "Source '{source}' is the interview '{interview}' of this project, but its text differs "
    "from the text here: it was imported as a new interview."
)
CHANGED_MEANWHILE = (
    "The project changed while the file was being imported ({error}); nothing was imported. "
    "Try again."
)
NOTHING_TO_IMPORT = "{name} holds no codes and no text sources: there is nothing to import."

SKIP_MISSING = "source text missing"
SKIP_NO_TEXT = "source has no text"
SKIP_EMPTY_SELECTION = "empty selection"
SKIP_EMPTIED = "only characters that normalising the text removes"
SKIP_NO_CODES = "no codes kept"
SKIP_PRESENT = "already in this project"
SKIP_IGNORED = "code ignored"
SKIP_DUPLICATE = "same value twice on one excerpt"
SKIP_OUTSIDE_SOURCES = "not in any source (for example in a note)"

UNKNOWN_CODER = "refi-unknown-coder"
REPORT_COUNTS = [
    *("codes", "codes_matched", "codes_created", "codes_ignored"),
    *("sources", "interviews_created", "interviews_matched", "sources_missing"),
    *("sources_unreadable", "selections", "excerpts_created", "non_text_selections"),
    *("codings", "codings_imported", "cases", "participants_created", "participants_matched"),
    *("participants_from_sources", "coders_matched", "coders_created", "memos", "excerpt_notes"),
]


@dataclass
class CodeRow:
    """One code of the file, as the mapping step shows it."""

    guid: str
    name: str
    path: str
    description: str
    color: str
    codings: int  # codings of this code on texts that are present
    matched_id: int | None
    matched_name: str
    choice: str


@dataclass
class RefiReport:
    filename: str
    kind: str  # "project" or "codebook"
    origin: str
    project: str
    dry_run: bool
    codes: list[CodeRow] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    codings_skipped: dict[str, int] = field(default_factory=dict)
    selections_skipped: dict[str, int] = field(default_factory=dict)
    missing_sources: list[str] = field(default_factory=list)
    unreadable_sources: list[str] = field(default_factory=list)
    created_coders: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> dict[str, Any]:
        """The figures without the per-code rows: for the audit trail and the import batch."""
        data = self.as_dict()
        data.pop("codes")
        return data

    def lines(self) -> list[str]:
        """The report as plain lines, for the command line."""
        c = self.counts
        out = [
            f"{self.filename} ({self.kind} from {self.origin or 'an unnamed tool'}) "
            f"into {self.project}{' (dry run: nothing written)' if self.dry_run else ''}",
            f"Codes: {c['codes']} in the file; {c['codes_matched']} matched to values, "
            f"{c['codes_created']} new values, {c['codes_ignored']} ignored.",
        ]
        if self.kind == "project":
            out += [
                f"Sources: {c['sources']} text sources; {c['interviews_created']} new interviews, "
                f"{c['interviews_matched']} already here, {c['sources_missing']} without text.",
                f"Selections: {c['selections']} in text sources; {c['excerpts_created']} "
                "excerpts created.",
                f"Codings: {c['codings']} in the file; {c['codings_imported']} imported.",
                f"Cases: {c['cases']}; {c['participants_created']} participants created, "
                f"{c['participants_matched']} matched.",
                f"Coders: {c['coders_matched']} matched, {c['coders_created']} created "
                "as inactive accounts.",
                f"Memos and notes: {c['memos']} memos, {c['excerpt_notes']} excerpt notes.",
            ]
            for reason, n in self.selections_skipped.items():
                out.append(f"  selections skipped ({reason}): {n}")
            for reason, n in self.codings_skipped.items():
                out.append(f"  codings skipped ({reason}): {n}")
            if self.missing_sources:
                out.append("Sources whose text is missing: " + "; ".join(self.missing_sources))
            if self.unreadable_sources:
                out.append("Sources not in UTF-8: " + "; ".join(self.unreadable_sources))
        out += [f"Note: {w}" for w in self.warnings]
        return out
