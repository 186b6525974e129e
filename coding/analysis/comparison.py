"""A whole comparison: the aggregated rows, every measure, the tests, ready for a page or a file.

`comparison_build` runs two small reads (values, projects), one aggregating query and one read of
the figures per interview, then hands plain rows to pandas (measures) and numpy (tests, with the
interview as the unit). It knows nothing of requests: the caller says in which projects the
reader is an evaluator (`disclosure` then decides what they may see) and which measure to show.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..models import CodebookValue, Interview, Participant, ResearchProject
from . import disclosure, significance, stats
from .filters import BREAKDOWN_MODE, BREAKDOWN_ROLE, Filters
from .history import history_annotate
from .measures import (
    MEASURE_PREVALENCE,
    MEASURES,
    column_key,
    measure_text,
    measures_frame,
    number_text,
)
from .queries import interview_rows
from .sums import SUMMED, ColumnSums, comparison_sums
from .value_scope import grouped_suppress, restrict_values, scope_sentences

NOT_RECORDED = "(not recorded)"
NOT_IN_CODEBOOK = "not in this project's codebook"


def short_name(name: str) -> str:
    """A project's short label: the part in brackets if there is one ("Side by Side")."""
    if "(" in name and name.endswith(")"):
        return name[name.rindex("(") + 1 : -1]
    return name if len(name) <= 40 else name[:39] + "…"


@dataclass
class Column:
    key: str
    project_id: int
    project_slug: str
    project_name: str
    short: str
    group: str
    group_label: str
    interviews: float = 0.0
    masked: bool = False  # the reader is an evaluator here: disclosure control applies
    hidden: bool = False  # too few interviews to show anything (masked columns only)

    @property
    def interviews_text(self) -> str:
        return disclosure.HIDDEN if self.hidden else number_text(self.interviews)

    @property
    def label(self) -> str:
        return f"{self.short}: {self.group_label}" if self.group_label else self.short


@dataclass
class ValueRow:
    id: int
    slug: str
    name: str
    colour: str
    project_id: int | None
    project_short: str = ""
    guid: str = ""

    @property
    def framework(self) -> bool:
        return self.project_id is None


@dataclass
class Cell:
    value: ValueRow
    column: Column
    applies: bool
    number: float | None = None
    text: str = "–"
    ci_low: float | None = None
    ci_high: float | None = None
    ci_text: str = ""
    ci_sentence: str = ""
    interviews_with: float = 0.0  # under the coder rule, as the prevalence counts them
    people: float = 0.0  # distinct interviews with the value: the count disclosure protects
    tags: float = 0.0
    suppressed: bool = False
    p_raw: float | None = None  # does this cell stand out from all columns together
    p: float | None = None  # the same, adjusted for every cell tested (Holm)
    mark: str = ""  # "more" or "fewer" than across all columns together, for this measure
    sentence: str = ""


@dataclass
class RowTest:
    """Whether one value differs across the columns, with the interview as the unit."""

    p: float
    p_adjusted: float = 1.0
    method: str = ""


@dataclass
class Comparison:
    filters: Filters
    measure: str
    threshold: int
    columns: list[Column]
    values: list[ValueRow]
    rows: list[tuple[ValueRow, list[Cell]]]
    frame: pd.DataFrame
    row_tests: dict[int, RowTest] = field(default_factory=dict)
    pairwise: list[dict[str, Any]] = field(default_factory=list)
    # The codebook's history (analysis/history.py): each project's version, and sentences.
    versions: dict[int, int] = field(default_factory=dict)
    history_notes: list[str] = field(default_factory=list)
    narrowing_off: bool = False  # the reader's narrowing filters were switched off

    @property
    def measure_label(self) -> str:
        return MEASURES[self.measure][0]

    @property
    def measure_help(self) -> str:
        return MEASURES[self.measure][1]

    @property
    def has_masked(self) -> bool:
        return any(c.masked for c in self.columns)

    @property
    def has_hidden(self) -> bool:
        return any(c.suppressed for _, cells in self.rows for c in cells)

    @property
    def hidden_sentence(self) -> str:
        return disclosure.HIDDEN_SENTENCE.format(threshold=self.threshold)

    @property
    def differences(self) -> list[Cell]:
        """Cells that stand out after the adjustment for many tests, clearest first."""
        cells = [c for _, cells in self.rows for c in cells if c.mark]
        return sorted(cells, key=lambda c: c.p if c.p is not None else 1.0)

    @property
    def overall(self) -> significance.Overall | None:
        return significance.overall(self)

    @property
    def is_empty(self) -> bool:
        return not any(c.interviews for c in self.columns)

    def small(self, count: float) -> bool:
        return disclosure.is_small(count, self.threshold)


def _group_label(breakdown: str, group: str) -> str:
    if not breakdown:
        return ""
    if group == disclosure.OTHER_GROUP:
        return disclosure.OTHER_LABEL
    if not group:
        return NOT_RECORDED
    if breakdown == BREAKDOWN_ROLE:
        return str(dict(Participant.Role.choices).get(group, group))
    if breakdown == BREAKDOWN_MODE:
        return str(dict(Interview.Mode.choices).get(group, group))
    return group


def scope_values(project_ids: list[int] | tuple[int, ...]) -> list[ValueRow]:
    """The shared values, then each project's own values, in codebook order."""
    names = dict(ResearchProject.objects.filter(pk__in=project_ids).values_list("pk", "name"))
    rows = CodebookValue.objects.filter(project__isnull=True) | CodebookValue.objects.filter(
        project_id__in=project_ids
    )
    rows = rows.shared()  # never anyone's provisional values
    values = [
        ValueRow(
            id=v["id"],
            slug=v["slug"],
            name=v["name"],
            colour=v["colour"],
            project_id=v["project_id"],
            project_short=short_name(names[v["project_id"]]) if v["project_id"] else "",
            guid=str(v["guid"]),
        )
        for v in rows.values("id", "guid", "slug", "name", "colour", "project_id", "order")
        .order_by("order", "name")
        .distinct()
    ]
    return sorted(values, key=lambda v: (not v.framework, v.project_short))


def _merge(rows: list[dict[str, Any]], merge: dict[tuple[int, str], str]) -> list[dict[str, Any]]:
    """Rows with the small groups of masked projects summed into "Other"."""
    if not merge:
        return rows
    summed: dict[tuple, dict[str, Any]] = {}
    for row in rows:
        group = merge.get((row["p_id"], row["grp"] or ""), row["grp"])
        key = (row["kind"], row["p_id"], group, row["v_id"])
        if key not in summed:
            summed[key] = {**row, "grp": group}
        else:
            for name in SUMMED:
                if name in row:
                    summed[key][name] = (summed[key][name] or 0) + (row[name] or 0)
    return list(summed.values())


def _merge_interviews(interviews: list[tuple], merge: dict[tuple[int, str], str]) -> list[tuple]:
    return [
        (i, p, merge.get((p, g or ""), g), length, words) for i, p, g, length, words in interviews
    ]


def comparison_build(
    filters: Filters,
    measure: str = MEASURE_PREVALENCE,
    *,
    masked_project_ids: frozenset[int] | set[int] = frozenset(),
    threshold: int = 5,
    with_chars: bool | None = None,
    per_interview: bool = False,
    figures_only: bool = False,
) -> Comparison:
    """Compute the comparison for the filters, as a reader who is an evaluator in
    `masked_project_ids` may see it (see `disclosure`).

    Large samples are tested from per-column sums computed in the database; `per_interview`
    reads every interview's figures instead, as small samples do (the tests compare the two).
    `figures_only` leaves the tests out (for callers that need only what is shown or hidden).
    """
    masked = frozenset(masked_project_ids) & set(filters.project_ids)
    shown_filters = disclosure.evaluator_filters(filters, masked)
    narrowing_off = shown_filters != filters
    filters = shown_filters
    projects = list(
        ResearchProject.objects.filter(pk__in=filters.project_ids)
        .order_by("name")
        .values("id", "slug", "name")
    )
    values = restrict_values(scope_values([p["id"] for p in projects]), filters)
    figures = significance.Figures(load=lambda: interview_rows(filters))
    # Under every rule, the consensus one too, the table's sums and the tests' inputs come
    # from the same per-interview figures (`queries.interview_ctes`).
    rows = comparison_sums(filters, measure, [v.id for v in values])
    if filters.breakdown:
        sizes = {
            (r["p_id"], r["grp"] or ""): float(r["interviews"])
            for r in rows
            if r["kind"] == "column"
        }
        figures.merge = disclosure.merged_groups(sizes, masked, threshold)
        rows = _merge(rows, figures.merge)
    if not per_interview:
        figures.sums = ColumnSums.from_rows(rows, measure)
    columns: list[Column] = []
    groups: dict[int, set[str]] = {p["id"]: set() for p in projects}
    for row in rows:
        if row["kind"] == "column":
            groups[row["p_id"]].add(row["grp"] or "")
    for project in projects:
        found = sorted(groups[project["id"]]) or ([] if filters.breakdown else [""])
        for group in found:
            columns.append(
                Column(
                    key=column_key(project["id"], group),
                    project_id=project["id"],
                    project_slug=project["slug"],
                    project_name=project["name"],
                    short=short_name(project["name"]),
                    group=group,
                    group_label=_group_label(filters.breakdown, group),
                    masked=project["id"] in masked,
                )
            )
    words = {
        column_key(r["p_id"], r["grp"] or ""): float(r["words"] or 0)
        for r in rows
        if r["kind"] == "column"
    }
    frame = measures_frame(
        rows,
        [{"id": v.id, "project_id": v.project_id} for v in values],
        [{"project_id": c.project_id, "group": c.group} for c in columns],
        words,
    )
    comparison = Comparison(
        filters=filters,
        measure=measure,
        threshold=threshold,
        columns=columns,
        values=values,
        rows=[],
        frame=frame,
        narrowing_off=narrowing_off,
    )
    _fill_rows(comparison)
    grouped_suppress(comparison)
    _suppress(comparison)
    if not figures_only:
        significance.tests_fill(comparison, figures)
    history_annotate(comparison)
    comparison.history_notes += scope_sentences(filters)
    if not figures_only:
        _fill_pairwise(comparison)
    return comparison


def _fill_rows(comparison: Comparison) -> None:
    frame = comparison.frame.set_index(["v_id", "col"])
    interviews = comparison.frame.groupby("col")["interviews"].first()
    measure = comparison.measure
    for column in comparison.columns:
        column.interviews = float(interviews.get(column.key, 0.0))
        column.hidden = column.masked and comparison.small(column.interviews)
    for value in comparison.values:
        cells = []
        for column in comparison.columns:
            data = frame.loc[(value.id, column.key)]
            cell = Cell(value=value, column=column, applies=bool(data["applies"]))
            if cell.applies:
                # Under the averaged rule an interview counts by the share of its coders who
                # applied the value: the same rule as the prevalence.
                cell.interviews_with = float(data["present"])
                cell.people = float(data["interviews_with"])
                cell.tags = float(data["tags"])
                cell.suppressed = column.masked and (column.hidden or comparison.small(cell.people))
                number = float(data[measure])
                if not math.isnan(number):
                    cell.number = number
                    cell.text = measure_text(measure, number)
                    if measure == MEASURE_PREVALENCE:
                        cell.ci_low, cell.ci_high = float(data["ci_low"]), float(data["ci_high"])
                        cell.ci_text = f"{cell.ci_low * 100:.0f}–{cell.ci_high * 100:.0f}%"
                        cell.ci_sentence = stats.interval_sentence(
                            value.name, column.label, cell.ci_low, cell.ci_high
                        )
            cells.append(cell)
        comparison.rows.append((value, cells))


def _suppress(comparison: Comparison) -> None:
    """Hide what an evaluator may not see: primary cells, then their partners in each total."""
    lines: list[list[Cell]] = []
    by_project: dict[tuple[int, int], list[Cell]] = {}
    by_column: dict[str, list[Cell]] = {}
    for value, cells in comparison.rows:
        for cell in cells:
            if cell.applies and cell.column.masked:
                by_project.setdefault((value.id, cell.column.project_id), []).append(cell)
                by_column.setdefault(cell.column.key, []).append(cell)
    if comparison.filters.breakdown:
        # The unsplit table gives the project's total for the value.
        lines.extend(by_project.values())
    # A column's tags sum to its total, which the share of tags gives away.
    lines.extend(by_column.values())
    disclosure.suppress(lines, comparison.threshold)
    for _, cells in comparison.rows:
        for cell in cells:
            if cell.suppressed:
                cell.number = cell.ci_low = cell.ci_high = None
                cell.text = disclosure.HIDDEN
                cell.ci_text = cell.ci_sentence = ""


def _fill_pairwise(comparison: Comparison) -> None:
    columns = {c.key: c for c in comparison.columns}
    names = {v.id: v.name for v in comparison.values}
    hidden = {
        (cell.value.id, cell.column.key)
        for _, cells in comparison.rows
        for cell in cells
        if cell.suppressed
    }
    rows = [
        row
        for row in stats.pairwise_prevalence(comparison.frame)
        if (row["v_id"], row["a"]) not in hidden and (row["v_id"], row["b"]) not in hidden
    ]
    stats.pairwise_adjust(rows)
    for row in rows:
        a, b = columns[row["a"]], columns[row["b"]]
        row["value_name"] = names[row["v_id"]]
        row["label_a"], row["label_b"] = a.label, b.label
        row["sentence"] = stats.pairwise_sentence(row, names[row["v_id"]], a.label, b.label)
        comparison.pairwise.append(row)
