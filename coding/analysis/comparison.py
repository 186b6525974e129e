"""A whole comparison: the aggregated rows, every measure, the tests, ready for a page or a file.

`comparison_build` runs two small reads (values, projects) and one aggregating query, then hands
plain rows to pandas. It knows nothing of requests: the caller says which projects' small
counts must be hidden (disclosure control) and which measure to show.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..models import CodebookValue, Interview, Participant, ResearchProject
from . import disclosure, stats
from .filters import BREAKDOWN_MODE, BREAKDOWN_ROLE, Filters
from .measures import (
    MEASURE_COUNT,
    MEASURE_COVERAGE,
    MEASURE_PER_INTERVIEW,
    MEASURE_PREVALENCE,
    MEASURE_SHARE,
    MEASURES,
    column_key,
    measures_frame,
)
from .queries import comparison_rows

NOT_RECORDED = "(not recorded)"
NOT_IN_CODEBOOK = "not in this project's codebook"


def short_name(name: str) -> str:
    """A project's short label: the part in brackets if there is one ("Side by Side")."""
    if "(" in name and name.endswith(")"):
        return name[name.rindex("(") + 1 : -1]
    return name if len(name) <= 40 else name[:39] + "…"


def number_text(x: float, digits: int = 1) -> str:
    """A count that may be fractional (averaged over coders): 12, 12.5."""
    if math.isnan(x):
        return "–"
    if abs(x - round(x)) < 1e-9:
        return f"{round(x):,}"
    return f"{x:,.{digits}f}"


def measure_text(measure: str, x: float) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    if measure == MEASURE_PREVALENCE:
        return f"{x * 100:.0f}%"
    if measure in (MEASURE_SHARE, MEASURE_COVERAGE):
        return f"{x * 100:.1f}%"
    if measure == MEASURE_PER_INTERVIEW:
        return f"{x:.2f}"
    return number_text(x)


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
    masked: bool = False  # small counts hidden from this reader (disclosure control)

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
    interviews_with: float = 0.0
    tags: float = 0.0
    suppressed: bool = False
    residual: float | None = None
    mark: str = ""  # "more" or "fewer" than expected if columns were alike
    sentence: str = ""


@dataclass
class Comparison:
    filters: Filters
    measure: str
    threshold: int
    columns: list[Column]
    values: list[ValueRow]
    rows: list[tuple[ValueRow, list[Cell]]]
    frame: pd.DataFrame
    chi: stats.ChiSquare | None
    pairwise: list[dict[str, Any]] = field(default_factory=list)

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
    def differences(self) -> list[Cell]:
        """Cells that differ from a table where all columns were alike, strongest first."""
        cells = [c for _, cells in self.rows for c in cells if c.sentence]
        return sorted(cells, key=lambda c: -abs(c.residual or 0))

    @property
    def is_empty(self) -> bool:
        return not any(c.interviews for c in self.columns)

    def small(self, count: float) -> bool:
        return disclosure.is_small(count, self.threshold)

    def count_text(self, column: Column, count: float) -> str:
        """A count as this reader may see it: "<5" for a small count of a masked column."""
        if column.masked and self.small(count):
            return f"<{self.threshold}"
        return number_text(count)


def _group_label(breakdown: str, group: str) -> str:
    if not breakdown:
        return ""
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
    values = [
        ValueRow(
            id=v["id"],
            slug=v["slug"],
            name=v["name"],
            colour=v["colour"],
            project_id=v["project_id"],
            project_short=short_name(names[v["project_id"]]) if v["project_id"] else "",
        )
        for v in rows.values("id", "slug", "name", "colour", "project_id", "order")
        .order_by("order", "name")
        .distinct()
    ]
    return sorted(values, key=lambda v: (not v.framework, v.project_short))


def comparison_build(
    filters: Filters,
    measure: str = MEASURE_PREVALENCE,
    *,
    masked_project_ids: frozenset[int] | set[int] = frozenset(),
    threshold: int = 5,
    with_chars: bool | None = None,
) -> Comparison:
    """Compute the comparison for the filters; hide small counts of `masked_project_ids`.

    Disclosure control applies only when the figures describe groups of participants (a
    breakdown or filter by role or attribute), as the README explains.
    """
    if with_chars is None:
        with_chars = measure == MEASURE_COVERAGE
    projects = list(
        ResearchProject.objects.filter(pk__in=filters.project_ids)
        .order_by("name")
        .values("id", "slug", "name")
    )
    values = scope_values([p["id"] for p in projects])
    rows = comparison_rows(filters, with_chars=with_chars)
    mask = filters.touches_participants
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
                    masked=mask and project["id"] in masked_project_ids,
                )
            )
    frame = measures_frame(
        rows,
        [{"id": v.id, "project_id": v.project_id} for v in values],
        [{"project_id": c.project_id, "group": c.group} for c in columns],
    )
    comparison = Comparison(
        filters=filters,
        measure=measure,
        threshold=threshold,
        columns=columns,
        values=values,
        rows=[],
        frame=frame,
        chi=stats.chi_square(frame),
    )
    _fill_rows(comparison)
    _fill_pairwise(comparison)
    return comparison


def _fill_rows(comparison: Comparison) -> None:
    frame = comparison.frame.set_index(["v_id", "col"])
    interviews = comparison.frame.groupby("col")["interviews"].first()
    residuals = comparison.chi.residuals if comparison.chi else pd.DataFrame()
    measure = comparison.measure
    for column in comparison.columns:
        column.interviews = float(interviews.get(column.key, 0.0))
    for value in comparison.values:
        cells = []
        for column in comparison.columns:
            data = frame.loc[(value.id, column.key)]
            cell = Cell(value=value, column=column, applies=bool(data["applies"]))
            if cell.applies:
                cell.interviews_with = float(data["interviews_with"])
                cell.tags = float(data["tags"])
                numerator = cell.interviews_with if measure == MEASURE_PREVALENCE else cell.tags
                cell.suppressed = column.masked and (
                    comparison.small(column.interviews) or comparison.small(numerator)
                )
                number = float(data[measure])
                if cell.suppressed:
                    cell.text = f"<{comparison.threshold}" if measure == MEASURE_COUNT else "–"
                elif not math.isnan(number):
                    cell.number = number
                    cell.text = measure_text(measure, number)
                    if measure == MEASURE_PREVALENCE:
                        cell.ci_low, cell.ci_high = float(data["ci_low"]), float(data["ci_high"])
                        cell.ci_text = f"{cell.ci_low * 100:.0f}–{cell.ci_high * 100:.0f}%"
                        cell.ci_sentence = stats.interval_sentence(
                            value.name, column.label, cell.ci_low, cell.ci_high
                        )
                if value.id in residuals.index and column.key in residuals.columns:
                    residual = float(residuals.at[value.id, column.key])
                    if not math.isnan(residual):
                        cell.residual = residual
                        if abs(residual) >= stats.RESIDUAL_CUTOFF:
                            cell.mark = "more" if residual > 0 else "fewer"
                            cell.sentence = stats.residual_sentence(
                                residual, value.name, column.label
                            )
            cells.append(cell)
        comparison.rows.append((value, cells))


def _fill_pairwise(comparison: Comparison) -> None:
    columns = {c.key: c for c in comparison.columns}
    names = {v.id: v.name for v in comparison.values}
    suppressed = {
        (cell.value.id, cell.column.key)
        for _, cells in comparison.rows
        for cell in cells
        if cell.suppressed or (cell.column.masked and comparison.small(cell.interviews_with))
    }
    for row in stats.pairwise_prevalence(comparison.frame):
        if (row["v_id"], row["a"]) in suppressed or (row["v_id"], row["b"]) in suppressed:
            continue
        a, b = columns[row["a"]], columns[row["b"]]
        row["value_name"] = names[row["v_id"]]
        row["label_a"], row["label_b"] = a.label, b.label
        row["sentence"] = stats.pairwise_sentence(row, names[row["v_id"]], a.label, b.label)
        comparison.pairwise.append(row)


TABLE_HEADER = [
    "project",
    "group",
    "value",
    "value_scope",
    "interviews_coded",
    "excerpt_count",
    "excerpts_per_interview",
    "interviews_with_value",
    "prevalence",
    "prevalence_ci_low",
    "prevalence_ci_high",
    "share_of_tags",
    "coverage",
    "adjusted_residual",
    "coder_rule",
    "filters",
]


def table_rows(comparison: Comparison) -> list[list[Any]]:
    """The comparison as rows for CSV/XLSX: every measure, with small counts hidden as "<5"."""
    frame = comparison.frame.set_index(["v_id", "col"])
    out: list[list[Any]] = []
    threshold = f"<{comparison.threshold}"
    for value, cells in comparison.rows:
        for cell in cells:
            column = cell.column
            if not cell.applies:
                continue
            data = frame.loc[(value.id, column.key)]
            hide = column.masked and comparison.small(column.interviews)
            small_tags = column.masked and comparison.small(cell.tags)
            small_with = column.masked and comparison.small(cell.interviews_with)

            def num(x: float, hidden: bool) -> Any:
                if hidden:
                    return threshold
                if math.isnan(x):
                    return None
                return int(x) if float(x).is_integer() else round(float(x), 6)

            out.append(
                [
                    column.project_name,
                    column.group_label,
                    value.name,
                    "shared" if value.framework else f"own value of {value.project_short}",
                    num(column.interviews, hide),
                    num(data[MEASURE_COUNT], hide or small_tags),
                    num(data[MEASURE_PER_INTERVIEW], hide or small_tags),
                    num(data["interviews_with"], hide or small_with),
                    num(data[MEASURE_PREVALENCE], hide or small_with),
                    num(data["ci_low"], hide or small_with),
                    num(data["ci_high"], hide or small_with),
                    num(data[MEASURE_SHARE], hide or small_tags),
                    num(data[MEASURE_COVERAGE], hide),
                    None if cell.residual is None else round(cell.residual, 4),
                    comparison.filters.rule_text,
                    comparison.filters.description,
                ]
            )
    return out
