"""What can go wrong in an import, in words a non-technical admin understands.

Messages are module constants (format strings) so that tests reuse them. A `Problem` belongs to
the whole batch (row is None) or to one manifest row; errors stop an import, warnings do not.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NoReturn

from ..archives import MEMBER, RATIO, ArchiveTooLarge

ERROR = "error"
WARNING = "warning"

# The batch as a whole (nothing is imported, whatever --skip-invalid says).
NOT_A_BATCH = (
    "This is not a batch that can be imported: upload a .zip with a manifest.csv and the "
    "transcript files, or a single .csv or .xlsx spreadsheet with a text column."
)
NOT_FOUND = "There is no file or folder at {path}."
BAD_ZIP = "The .zip file is damaged or is not really a zip file, so it cannot be opened."
ENCRYPTED_ZIP = "{file} is protected by a password. Make the zip again without a password."
UNSAFE_PATH = (
    "The zip holds an entry named {file} that points outside the batch folder (an absolute "
    "path or '..'). Such a zip may be harmful, so nothing was imported."
)
UNSAFE_LINK = "{file} is a link to somewhere else on the disk; only real files can be imported."
ZIP_BOMB = (
    "{file} unpacks to {ratio}× its packed size (the limit is {limit}×). A zip like this can be "
    "harmful, so nothing was imported."
)
TOO_LARGE_UNPACKED = (
    "The files unpack to {size}, more than the limit of {limit}. Split the batch into smaller ones."
)
READING_STOPPED = (
    "Reading stopped at {limit}: the files unpack to more than one batch may. Split the batch "
    "into smaller ones."
)
DAMAGED_MEMBER = "{file} is damaged inside the zip and cannot be unpacked. Make the zip again."
TOO_MANY_FILES = "The batch holds {count} files, more than the limit of {limit}. Split it up."
TOO_MANY_ROWS = "The manifest has {count} rows, more than the limit of {limit}. Split it up."
NO_MANIFEST = (
    "No manifest.csv was found. Put a manifest.csv (see the template) beside the transcripts."
)
SEVERAL_MANIFESTS = "There are several manifests ({files}); keep only one manifest.csv."
EMPTY_MANIFEST = "The manifest {file} has no rows to import."
MISSING_COLUMNS = "The manifest {file} is missing {columns}. See the template."
NO_FILE_OR_TEXT_COLUMN = "The manifest {file} needs a 'file' column (or a 'text' column)."
DUPLICATE_COLUMN = "The manifest {file} has the column '{column}' twice."
BAD_SPREADSHEET = "{file} could not be opened as an Excel workbook (.xlsx); it may be damaged."
UNREADABLE_MANIFEST = "The manifest {file} could not be read: {reason}"
SEMICOLON_MANIFEST = "The manifest {file} uses semicolons between columns; it was read that way."
ORPHAN_FILE = "{file} is in the batch but no manifest row names it. Add a row or remove the file."
NAME_TOO_SHORT = (
    "The name to remove '{name}' is a single character; it would remove letters from every word."
)

# One manifest row.
UNKNOWN_PROJECT = "There is no project called '{project}'. Projects: {known}."
MISSING_VALUE = "The '{column}' column is empty."
FILE_NOT_FOUND = "The file {file} named in this row is not in the batch."
FILE_NOT_FOUND_SUGGEST = (
    "The file {file} named in this row is not in the batch. Did you mean {close}?"
)
FILE_NOT_UPLOADED = (
    "This row names the file {file}, but only a spreadsheet was given. Put the spreadsheet (as "
    "manifest.csv) and the files in a .zip, or use a 'text' column."
)
FILE_TOO_LARGE = "{file} is {size}, more than the limit of {limit} for one file."
BAD_PATH_IN_ROW = "The file name {file} points outside the batch folder."
INVALID_DATE = "'{value}' is not a date. Write dates as 2024-03-31 or 31/03/2024."
NO_DATE = "No interview date is given."
INVALID_MODE = "'{value}' is not a way of interviewing: write in person, phone or online."
INVALID_ROLE = "'{value}' is not a participant role: write one of {choices}."
INVALID_QUOTE_CONSENT = (
    "Row {row}, column quote_consent: '{value}' is not an answer to whether the participant "
    "agreed to be quoted. Write yes, no or not asked, or leave it blank (not asked)."
)
QUOTE_CONSENT_DIFFERS = (
    "{pseudonym} is already in the project with consent to quote '{stored}'; this row says "
    "'{given}'. The stored answer is kept: an admin changes it on the participant's page."
)
TOO_LONG = "The '{column}' value is longer than {limit} characters."
EMPTY_TEXT = "The transcript is empty (or only spaces) after reading {file}."
DUPLICATE_IN_PROJECT = "This transcript is already in the project ({title}); skipped."
DUPLICATE_IN_BATCH = "This transcript is the same as row {row} of this batch; skipped."
PSEUDONYM_IS_A_NAME = (
    "The participant's pseudonym is one of the names to remove: use a pseudonym, not a real name."
)
ADDS_TO_PARTICIPANT = (
    "Adds an interview to {pseudonym}, who already has {interviews} in this project."
)
CHOICE_NEEDED = "Row {row}: choose whether {pseudonym} is the same person or a new participant."
NEW_PSEUDONYM_MISSING = "Row {row}: give the new participant a pseudonym."
PSEUDONYM_TAKEN = (
    "{pseudonym} is already a participant of this project: choose another pseudonym for the new "
    "participant."
)
PARTICIPANT_DIFFERS = (
    "Participant {pseudonym} already exists with other details (role or attributes); the "
    "existing details were kept."
)
NAMES_NOT_FOUND = (
    "{missing} of the {total} names in this row's redact column did not appear in the "
    "transcript: check their spelling."
)

# Reading one transcript file.
UNSUPPORTED_TYPE = (
    "{file} is not a file type that can be imported. Use .txt, .md, .docx, .odt or .rtf."
)
OLD_WORD = "{file} is an old Word document (.doc). Open it in Word and save it as .docx."
PDF_FILE = "{file} is a PDF. Save the transcript from its original program as .docx or .txt."
BINARY_NAMED_TEXT = (
    "{file} is not a text file although its name ends in {suffix} (it looks like {kind}). "
    "Save the transcript as plain text again."
)
UNDECODABLE = (
    "The characters of {file} could not be read in any usual encoding. Open it and save it as "
    "'UTF-8' text."
)
GUESSED_ENCODING = (
    "{file} was not saved as UTF-8; it was read as {encoding}. Check accents and quotes."
)
CONTROL_CHARACTERS = "Removed from {file}: {count}."
CORRUPT_DOCX = "{file} could not be opened as a Word document (.docx); it may be damaged."
CORRUPT_ODT = "{file} could not be opened as an OpenDocument text (.odt); it may be damaged."
CORRUPT_RTF = "{file} is not a valid RTF document."

# Rolling a batch back.
ALREADY_ROLLED_BACK = "This batch has already been rolled back."
BATCH_HAS_CODING = (
    "This batch cannot be rolled back: {count} of its interviews have been coded. Coding work is "
    "never deleted by a rollback."
)
CONCURRENT_IMPORT = (
    "Another import added some of these transcripts at the same moment. Nothing was imported; "
    "run the import again."
)


@dataclass(frozen=True, slots=True)
class Problem:
    level: str
    message: str
    row: int | None = None
    file: str = ""

    @property
    def is_error(self) -> bool:
        return self.level == ERROR

    def line(self, source: str) -> str:
        """One line for the command's output, naming the manifest row and the file."""
        where = source
        if self.row is not None:
            where += f", row {self.row}"
        if self.file:
            where += f" ({self.file})"
        return f"{where}: {self.level}: {self.message}"

    def as_dict(self) -> dict[str, object]:
        return {"level": self.level, "message": self.message, "row": self.row, "file": self.file}


def error(message: str, **where: object) -> Problem:
    return Problem(ERROR, message, **where)  # type: ignore[arg-type]


def warning(message: str, **where: object) -> Problem:
    return Problem(WARNING, message, **where)  # type: ignore[arg-type]


class ImportRefused(Exception):
    """The batch as a whole cannot be imported; `problems` say why."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


class UnreadableFile(Exception):
    """One transcript file cannot be turned into text; the message says why."""


def human_size(size: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024  # type: ignore[assignment]
    return f"{size} bytes"  # pragma: no cover


def plural(count: int, word: str, words: str | None = None) -> str:
    """'1 interview', '3 interviews' (or the plural given)."""
    return f"{count} {word if count == 1 else words or word + 's'}"


def missing_columns(file: str, missing: list[str]) -> str:
    """MISSING_COLUMNS with "the column mode" or "the columns mode, date"."""
    word = "the column" if len(missing) == 1 else "the columns"
    return MISSING_COLUMNS.format(file=file, columns=f"{word} {', '.join(missing)}")


def control_characters(file: str, count: int) -> str:
    """CONTROL_CHARACTERS with "1 invisible control character" or "2 ... characters"."""
    return CONTROL_CHARACTERS.format(file=file, count=plural(count, "invisible control character"))


def refuse(message: str) -> NoReturn:
    """Stop reading the batch: nothing of it can be imported, for this one reason."""
    raise ImportRefused([error(message)])


def refusal_for(exc: ArchiveTooLarge, source: str) -> str:
    """The plain message for an archive over a limit, naming the member or the batch."""
    if exc.kind == RATIO:
        return ZIP_BOMB.format(file=exc.member or source, ratio=exc.size, limit=exc.limit)
    if exc.kind == MEMBER:
        size = human_size(exc.size) if exc.size >= 0 else "more"
        return FILE_TOO_LARGE.format(file=exc.member, size=size, limit=human_size(exc.limit))
    if exc.size < 0:
        return READING_STOPPED.format(limit=human_size(exc.limit))
    return TOO_LARGE_UNPACKED.format(size=human_size(exc.size), limit=human_size(exc.limit))
