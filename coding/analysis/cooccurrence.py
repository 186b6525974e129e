"""Value co-occurrence: how often two values are applied to the same passage, per project."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.safestring import mark_safe

from ..models import ResearchProject
from . import charts, disclosure
from .comparison import ValueRow, scope_values
from .filters import Filters
from .queries import cooccurrence_rows


@dataclass
class Cooccurrence:
    """One project's square matrix of value pairs (diagonal: the value's own tags)."""

    project: ResearchProject
    values: list[ValueRow]
    matrix: list[list[float | None]]
    rows: list[tuple[ValueRow, list[str]]] = field(default_factory=list)
    svg: str = ""


def cooccurrence_matrices(filters: Filters) -> list[Cooccurrence]:
    """One square matrix of value pairs per project, counts unmasked."""
    rows = cooccurrence_rows(filters)
    values = scope_values(filters.project_ids)
    projects = ResearchProject.objects.filter(pk__in=filters.project_ids).order_by("name")
    out = []
    for project in projects:
        own = [v for v in values if v.project_id in (None, project.pk)]
        index = {v.id: i for i, v in enumerate(own)}
        matrix: list[list[float | None]] = [[0.0] * len(own) for _ in own]
        for row in rows:
            if row["p_id"] != project.pk:
                continue
            i, j = index[row["v1"]], index[row["v2"]]
            matrix[i][j] = matrix[j][i] = float(row["n"])
        out.append(Cooccurrence(project=project, values=own, matrix=matrix))
    return out


def cooccurrence_build(
    filters: Filters,
    *,
    masked_project_ids: frozenset[int],
    threshold: int,
    hidden: frozenset[tuple[int, int]] = frozenset(),
) -> list[Cooccurrence]:
    """The matrices as this reader may see them, with their table rows and charts.

    In a project where the reader is an evaluator, a value hidden in the table (`hidden`:
    (project, value) cells) is hidden here too, and so is any small count of pairs.
    """
    items = cooccurrence_matrices(filters)
    for item in items:
        if item.project.pk in masked_project_ids:
            gone = [(item.project.pk, v.id) in hidden for v in item.values]
            item.matrix = [
                [None if gone[i] or gone[j] else x for j, x in enumerate(row)]
                for i, row in enumerate(disclosure.mask_matrix(item.matrix, threshold))
            ]
        item.rows = [
            (v, [disclosure.HIDDEN if x is None else f"{x:,.0f}" for x in r])
            for v, r in zip(item.values, item.matrix, strict=True)
        ]
        # charts escapes every name it writes, so the SVG can go into a page as it is.
        item.svg = mark_safe(
            charts.matrix_svg(
                f"Value co-occurrence in {item.project.name}",
                [v.name for v in item.values],
                [v.colour for v in item.values],
                item.matrix,
            )
        )
    return items
