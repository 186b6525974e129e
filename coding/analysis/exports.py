"""CSV and XLSX files of the comparison table and of the excerpts, streamed row by row.

CSV rows are written as they are read from a server-side cursor, so memory stays flat however
many rows there are. XLSX goes through openpyxl's write-only mode into a temporary file on disk
(the format is a zip, so it cannot be sent before it is finished), then streams from there.
Text cells that a spreadsheet would run as a formula are neutralised.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from ..audit import audit_record
from ..models import AuditEvent
from ..review.blind import hide_blind
from . import disclosure
from .comparison import Comparison, comparison_build
from .filters import Filters
from .history import VERSIONS_USED
from .measures import (
    MEASURE_COUNT,
    MEASURE_COVERAGE,
    MEASURE_PER_1000_WORDS,
    MEASURE_PER_INTERVIEW,
    MEASURE_PREVALENCE,
    MEASURE_SHARE,
)
from .queries import kept_tags
from .value_scope import grouped_hidden, scope_sentences, version_guids

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
    "codebook_version",  # the version of its project's codebook the tag was made under
]


def excerpt_export_is_large(filters: Filters, threshold: int) -> bool:
    """Whether an excerpts export has more rows than a request should write (LIMIT, not COUNT)."""
    return kept_tags(filters)[: threshold + 1].count() > threshold


TABLE_HEADER = [
    "project",
    "group",
    "value",
    "value_scope",
    "interviews_coded",
    "excerpt_count",
    "excerpts_per_interview",
    "excerpts_per_1000_words",
    "interviews_with_value",
    "prevalence",
    "prevalence_ci_low",
    "prevalence_ci_high",
    "share_of_tags",
    "coverage",
    "stands_out_measure",  # the measure whose test gives the two marks that follow
    "stands_out",
    "stands_out_adjusted_p",
    "coder_rule",
    "filters",
    "codebook_version",  # the project's current codebook version
]
# Evaluators' excerpt files leave out who said it: no pseudonym, role or mode.
EVALUATOR_EXCERPT_HEADER = [
    name for name in EXCERPT_HEADER if name not in ("participant", "participant_role", "mode")
]


def _number(x: float) -> Any:
    if math.isnan(x):
        return None
    return int(x) if float(x).is_integer() else round(float(x), 6)


def table_rows(comparison: Comparison) -> list[list[Any]]:
    """The comparison as rows for CSV/XLSX: every measure, hidden cells hidden in every one.

    "stands_out" (and its adjusted p) is the mark of one measure only, the one chosen on the page
    (its default when none was), named in "stands_out_measure" on every row.
    """
    frame = comparison.frame.set_index(["v_id", "col"])
    out: list[list[Any]] = []
    for value, cells in comparison.rows:
        for cell in cells:
            column = cell.column
            if not cell.applies:
                continue
            data = frame.loc[(value.id, column.key)]
            figures = [
                data[MEASURE_COUNT],
                data[MEASURE_PER_INTERVIEW],
                data[MEASURE_PER_1000_WORDS],
                data["present"],
                data[MEASURE_PREVALENCE],
                data["ci_low"],
                data["ci_high"],
                data[MEASURE_SHARE],
                data[MEASURE_COVERAGE],
            ]
            shown = (
                [disclosure.HIDDEN] * len(figures)
                if cell.suppressed
                else [_number(float(x)) for x in figures]
            )
            out.append(
                [
                    column.project_name,
                    column.group_label,
                    value.name,
                    "shared" if value.framework else f"own value of {value.project_short}",
                    disclosure.HIDDEN if column.hidden else _number(column.interviews),
                    *shown,
                    comparison.measure,
                    cell.mark,
                    None if cell.p is None else round(cell.p, 6),
                    comparison.filters.rule_text,
                    comparison.filters.description,
                    comparison.versions.get(column.project_id),
                ]
            )
    return out


FINDINGS = "findings"  # the findings pack (coding/findings), audited like the comparison's files
EXPORT_MODELS = {"table": "comparison", FINDINGS: "findings pack"}


def export_audit(
    *, actor: Any, what: str, fmt: str, filters: Filters, command: bool = False
) -> None:
    """Record who exported what under which filters (the page and the commands alike)."""
    audit_record(
        actor=actor,
        action=AuditEvent.Action.EXPORT,
        model=EXPORT_MODELS.get(what, "excerpt"),
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
    names = {c.project_id: c.project_name for c in comparison.columns}
    about = (
        about_rows(comparison.filters, "comparison table")
        + [["stands_out_measure", comparison.measure_label]]
        + [
            ["codebook_version", VERSIONS_USED.format(project=names[pid], version=number)]
            for pid, number in comparison.versions.items()
        ]
        + [["values_compared", sentence] for sentence in scope_sentences(comparison.filters)]
    )
    return [
        ("Comparison", TABLE_HEADER, table_rows(comparison)),
        ("About", ["item", "detail"], about),
    ]


def excerpt_rows(
    filters: Filters,
    *,
    hidden: frozenset[tuple[int, int]] = frozenset(),
    anonymous: bool = False,
    reader: Any = None,
) -> Iterator[list[Any]]:
    """One row per excerpt and value under the filters and coder rule, read in chunks.

    `hidden`: (project, value) cells an evaluator may not see, whose excerpts stay out.
    `anonymous`: leave out the pseudonym, role and mode (evaluators' files).
    `reader`: on blind projects, what this peer researcher may not see yet stays out.
    """
    rule, description = filters.rule_text, filters.description
    tags = kept_tags(filters)
    if reader is not None:
        tags = hide_blind(tags, reader, filters.project_ids, to_excerpt="excerpt__")
    guids = version_guids(filters)
    if guids is not None:
        tags = tags.filter(value__guid__in=guids)
    for project_id, value_id in sorted(hidden):
        tags = tags.exclude(excerpt__interview__project_id=project_id, value_id=value_id)
    who = (
        []
        if anonymous
        else [
            "excerpt__interview__participant__pseudonym",
            "excerpt__interview__participant__role",
            "excerpt__interview__mode",
        ]
    )
    rows = (
        tags.order_by("excerpt_id", "value_id")
        .values_list(
            "excerpt_id",
            "excerpt__interview__project__name",
            "excerpt__interview_id",
            *who,
            "excerpt__coder__username",
            "value__name",
            "excerpt__start",
            "excerpt__end",
            "excerpt__text",
            "excerpt__created",
            "version__number",
        )
        .iterator(chunk_size=2000)
    )
    for row in rows:
        yield [*row[:-1], rule, description, row[-1]]


def excerpt_sheets(
    filters: Filters,
    *,
    hidden: frozenset[tuple[int, int]] = frozenset(),
    anonymous: bool = False,
    reader: Any = None,
) -> list[tuple[str, list[str], Iterable[Iterable[Any]]]]:
    header = EVALUATOR_EXCERPT_HEADER if anonymous else EXCERPT_HEADER
    rows = excerpt_rows(filters, hidden=hidden, anonymous=anonymous, reader=reader)
    return [
        ("Excerpts", header, rows),
        ("About", ["item", "detail"], about_rows(filters, "excerpts")),
    ]


def hidden_cells(comparison: Comparison) -> frozenset[tuple[int, int]]:
    """(project, value) cells hidden from this reader."""
    hidden = frozenset(
        (cell.column.project_id, cell.value.id)
        for _, cells in comparison.rows
        for cell in cells
        if cell.suppressed
    )
    return grouped_hidden(hidden, comparison.filters)


def excerpt_export(
    filters: Filters,
    *,
    masked_project_ids: frozenset[int] = frozenset(),
    threshold: int = 5,
    reader: Any = None,
) -> tuple[list[str], Iterator[list[Any]], list[tuple[str, list[str], Iterable[Iterable[Any]]]]]:
    """Header, rows and sheets of the excerpt file, as this reader may have it.

    An evaluator's file follows the unsplit table they can see: narrowing filters off, no
    excerpts behind a hidden cell, and nothing that says who the participant is. A peer
    researcher's file leaves out what blind coding still hides from them.
    """
    masked = frozenset(masked_project_ids) & set(filters.project_ids)
    if not masked:
        return (
            EXCERPT_HEADER,
            excerpt_rows(filters, reader=reader),
            excerpt_sheets(filters, reader=reader),
        )
    shown = disclosure.evaluator_filters(replace(filters, breakdown=""), masked)
    comparison = comparison_build(shown, masked_project_ids=masked, threshold=threshold)
    hidden = hidden_cells(comparison)
    return (
        EVALUATOR_EXCERPT_HEADER,
        excerpt_rows(shown, hidden=hidden, anonymous=True),
        excerpt_sheets(shown, hidden=hidden, anonymous=True),
    )
