"""The manifest of a batch: one row per interview, read from a .csv or .xlsx table.

Header cells are matched loosely ("Interview date" = "interview_date"); columns that are not the
app's own become participant attributes. Nothing about files or folders is known here.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import PurePosixPath
from typing import Any

from .. import archives
from ..archives import ArchiveTooLarge, Limits
from . import problems as msg
from .problems import Problem, UnreadableFile, error, refusal_for, refuse, warning
from .text import decode_text

MANIFEST_NAMES = {"manifest.csv", "manifest.xlsx"}
NAMES_FILE = "names.txt"
TABLE_SUFFIXES = {".csv", ".xlsx"}

REQUIRED_COLUMNS = [
    "project",
    "participant",
    "participant_role",
    "interview_date",
    "interviewer",
    "mode",
]
RESERVED_COLUMNS = {*REQUIRED_COLUMNS, "file", "text", "title", "redact", "quote_consent"}
TEMPLATE_COLUMNS = ["file", *REQUIRED_COLUMNS, "redact", "quote_consent", "age_band"]


@dataclass
class ManifestRow:
    number: int  # as a spreadsheet shows it: the header is row 1
    values: dict[str, str]
    attributes: dict[str, str]


@dataclass
class Manifest:
    name: str
    rows: list[ManifestRow]
    inline_text: bool
    problems: list[Problem] = field(default_factory=list)
    # Header problems: the batch cannot be imported, but its rows are still checked so that
    # every problem is reported in one pass.
    refused: bool = False
    missing: set[str] = field(default_factory=set)


def column_key(header: str) -> str:
    """Return the key of a header cell: "Interview date" and "interview_date" are the same."""
    return re.sub(r"[\s\-]+", "_", header.replace("\ufeff", "").strip().lower())


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def build_manifest(
    name: str, table: Iterable[list[Any]], limits: Limits, problems: list[Problem]
) -> Manifest:
    """Check the header of a table and turn its rows into ManifestRows."""
    rows_iter = iter(table)
    header = [cell_text(cell) for cell in next(rows_iter, [])]
    keys = [column_key(h) for h in header]
    fatal: list[Problem] = []
    seen: set[str] = set()
    for key, label in zip(keys, header, strict=True):
        if key and key in seen:
            fatal.append(error(msg.DUPLICATE_COLUMN.format(file=name, column=label.strip())))
        seen.add(key)
    missing = [c for c in REQUIRED_COLUMNS if c not in seen]
    if missing:
        fatal.append(error(msg.missing_columns(name, missing)))
    if "file" not in seen and "text" not in seen:
        fatal.append(error(msg.NO_FILE_OR_TEXT_COLUMN.format(file=name)))

    rows: list[ManifestRow] = []
    for number, cells in enumerate(rows_iter, start=2):
        texts = [cell_text(cell) for cell in cells]
        if not any(t.strip() for t in texts):
            continue
        if len(rows) >= limits.max_files:
            count = len(rows) + 1 + sum(1 for _ in rows_iter)
            refuse(msg.TOO_MANY_ROWS.format(count=count, limit=limits.max_files))
        values: dict[str, str] = {}
        attributes: dict[str, str] = {}
        for key, label, value in zip(keys, header, texts, strict=False):
            if key == "text":
                values[key] = value  # kept as written: the text is normalised later
            elif key in RESERVED_COLUMNS:
                values[key] = value.strip()
            elif key and value.strip():
                attributes[label.replace("\ufeff", "").strip()] = value.strip()
        rows.append(ManifestRow(number, values, attributes))
    if not rows:
        refuse(msg.EMPTY_MANIFEST.format(file=name))
    return Manifest(
        name,
        rows,
        inline_text="text" in seen,
        problems=fatal + problems,
        refused=bool(fatal),
        missing=set(missing),
    )


def parse_manifest(data: bytes, name: str, limits: Limits) -> Manifest:
    if PurePosixPath(name).suffix.lower() == ".xlsx":
        return parse_xlsx(data, name, limits)
    return parse_csv(data, name, limits)


def parse_csv(data: bytes, name: str, limits: Limits) -> Manifest:
    problems: list[Problem] = []
    try:
        decoded = decode_text(data, name)
    except UnreadableFile as exc:
        refuse(str(exc))
    problems += [warning(w, file=name) for w in decoded.warnings]
    text = decoded.text
    first_line = text.split("\n", 1)[0]
    # Excel in many European locales saves "CSV" with semicolons; the header tells which.
    known = RESERVED_COLUMNS

    def score(sep: str) -> int:
        return sum(column_key(h) in known for h in first_line.split(sep))

    delimiter = max([",", ";", "\t"], key=score)
    if delimiter == ";":
        problems.append(warning(msg.SEMICOLON_MANIFEST.format(file=name), file=name))
    try:
        table = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        refuse(msg.UNREADABLE_MANIFEST.format(file=name, reason=exc))
    return build_manifest(name, table, limits, problems)


def parse_xlsx(data: bytes, name: str, limits: Limits) -> Manifest:
    from openpyxl import load_workbook  # seconds to load: only when a workbook comes

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            archives.check_declared(archive.infolist(), limits)
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except ArchiveTooLarge as exc:
        exc.member = name  # the workbook is what the admin knows, not its inner parts
        refuse(refusal_for(exc, name))
    except Exception:  # openpyxl and zipfile raise many kinds on a damaged file
        refuse(msg.BAD_SPREADSHEET.format(file=name))
    try:
        sheet = workbook.worksheets[0]
        table = [list(row) for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()
    return build_manifest(name, table, limits, [])


def manifest_template() -> str:
    """The CSV an admin downloads to start a manifest, with two example rows."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(TEMPLATE_COLUMNS)
    writer.writerow(
        ["interview-01.docx", "side-by-side", "Willow", "participant", "2024-03-31", "Amira",
         "in person", "Sarah Jones=Rose;Dr Patel", "yes", "25-34"]
    )  # fmt: skip
    writer.writerow(
        ["interview-02.txt", "Side by Side", "Rowan", "facilitator", "14/04/2024", "Ben",
         "online", "", "not asked", "45-54"]
    )  # fmt: skip
    return out.getvalue()
