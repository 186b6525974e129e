"""CSV and XLSX files of the comparison table and of the excerpts, streamed row by row.

CSV rows are written as they are read from a server-side cursor, so memory stays flat however
many rows there are. XLSX goes through openpyxl's write-only mode into a temporary file on disk
(the format is a zip, so it cannot be sent before it is finished), then streams from there.
Text cells that a spreadsheet would run as a formula are neutralised.
"""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from collections.abc import Iterable, Iterator
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from ..audit import audit_record
from ..models import AuditEvent
from .comparison import TABLE_HEADER, Comparison, table_rows
from .filters import Filters
from .queries import kept_tags

CSV = "csv"
XLSX = "xlsx"
FORMATS = {
    CSV: "text/csv; charset=utf-8",
    XLSX: ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}
# Spreadsheets treat a cell starting with one of these as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_MAX_ROWS = 1_048_576 - 1  # one header row per sheet

EXCERPT_HEADER = [
    "excerpt_id",
    "project",
    "interview_id",
    "participant",
    "participant_role",
    "mode",
    "coder",
    "value",
    "start",
    "end",
    "text",
    "created",
    "coder_rule",
    "filters",
]


def export_audit(
    *, actor: Any, what: str, fmt: str, filters: Filters, command: bool = False
) -> None:
    """Record who exported what under which filters (the page and the commands alike)."""
    audit_record(
        actor=actor,
        action=AuditEvent.Action.EXPORT,
        model="comparison" if what == "table" else "excerpt",
        object_repr=f"{what} as {fmt.upper()}" + (" (command)" if command else ""),
        project_id=filters.project_ids[0] if len(filters.project_ids) == 1 else None,
        after={
            "export": what,
            "format": fmt,
            "filters": filters.description,
            "coder_rule": filters.rule,
            "project_ids": list(filters.project_ids),
        },
    )


def neutralise(value: Any) -> Any:
    """Prefix an apostrophe to text that a spreadsheet would read as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _cell(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return neutralise(value)


def _xlsx_cell(value: Any) -> Any:
    """A cell XML can hold: control characters (in names, pasted text) would break the file."""
    value = _cell(value)
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


class _Line:
    """A file-like object whose write returns the line, for csv.writer in a generator."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: list[str], rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    """The CSV text, one line at a time, starting with a byte-order mark for spreadsheets."""
    writer = csv.writer(_Line())
    yield "\ufeff" + writer.writerow(header)
    for row in rows:
        yield writer.writerow([_cell(v) for v in row])


def xlsx_file(sheets: list[tuple[str, list[str], Iterable[Iterable[Any]]]]) -> Any:
    """Write sheets into a temporary XLSX file and return it, open and rewound.

    A sheet with more rows than a spreadsheet can hold continues on further sheets.
    """
    workbook = Workbook(write_only=True)
    for title, header, rows in sheets:
        part = 1
        sheet = workbook.create_sheet(title=title[:31])
        sheet.append([_xlsx_cell(v) for v in header])
        written = 0
        for row in rows:
            if written == XLSX_MAX_ROWS:
                part += 1
                sheet = workbook.create_sheet(title=f"{title[:27]} {part}")
                sheet.append(header)
                written = 0
            sheet.append([_xlsx_cell(v) for v in row])
            written += 1
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 (the response closes it)
    workbook.save(handle)
    handle.seek(0)
    return handle


def about_rows(filters: Filters, what: str) -> list[list[str]]:
    return [
        ["export", what],
        ["coder_rule", filters.rule_text],
        ["filters", filters.description],
        ["exported", dt.datetime.now(dt.UTC).isoformat(timespec="seconds")],
    ]


def table_sheets(comparison: Comparison) -> list[tuple[str, list[str], Iterable[Iterable[Any]]]]:
    return [
        ("Comparison", TABLE_HEADER, table_rows(comparison)),
        ("About", ["item", "detail"], about_rows(comparison.filters, "comparison table")),
    ]


def excerpt_rows(filters: Filters) -> Iterator[list[Any]]:
    """One row per excerpt and value under the filters and coder rule, read in chunks."""
    rule, description = filters.rule_text, filters.description
    rows = (
        kept_tags(filters)
        .order_by("excerpt_id", "value_id")
        .values_list(
            "excerpt_id",
            "excerpt__interview__project__name",
            "excerpt__interview_id",
            "excerpt__interview__participant__pseudonym",
            "excerpt__interview__participant__role",
            "excerpt__interview__mode",
            "excerpt__coder__username",
            "value__name",
            "excerpt__start",
            "excerpt__end",
            "excerpt__text",
            "excerpt__created",
        )
        .iterator(chunk_size=2000)
    )
    for row in rows:
        yield [*row, rule, description]


def excerpt_sheets(filters: Filters) -> list[tuple[str, list[str], Iterable[Iterable[Any]]]]:
    return [
        ("Excerpts", EXCERPT_HEADER, excerpt_rows(filters)),
        ("About", ["item", "detail"], about_rows(filters, "excerpts")),
    ]
