"""Which values a comparison counts: those of a chosen codebook version, and values grouped.

Two options an evaluator sets in the comparison's filters:

- **Values shared in codebook version N**: only the values found in version N of the codebook of
  every compared project are shown (a project that has not reached version N counts with its
  newest version). Interviews coded stay the same; the share of tags counts these values only.
- **Grouping**: a project's own value counted as a framework value it relates to (trust as
  safety). Its tags are read as the framework value's, from the excerpts, so an excerpt tagged
  with both counts once per interview and its characters once.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django.db.models import Case, F, IntegerField, Value, When
from django.db.models.functions import Length

from ..models import CodebookValue, CodebookVersion
from ..versions import codebook_snapshot
from .filters import Filters, filtered_tags, group_expression

VERSION_SCOPE = (
    "Values shared in codebook version {number}: only the values found in version {number} of "
    "the codebook of every project compared are shown (a project that has not reached version "
    "{number} counts with its newest version); interviews coded are counted as before, and the "
    "share of tags counts these values only."
)
VERSION_SHORT = "values shared in codebook version {number}"
GROUPED = (
    "Grouped for this comparison: {pairs}. Their excerpts count as the framework value's, and "
    "an excerpt tagged with both counts once."
)
GROUPED_PAIR = "“{value}” ({project}) counted as “{target}”"
GROUPED_SHORT = "{value} counted as {target}"


def version_guids(filters: Filters) -> set[str] | None:
    """The guids of the values every compared project's version N holds (None: no restriction)."""
    number = filters.codebook_version
    if not number or not filters.project_ids:
        return None
    chosen: dict[int, CodebookVersion] = {}
    versions = CodebookVersion.objects.filter(
        project_id__in=filters.project_ids, number__lte=number
    ).order_by("project_id", "number")
    for version in versions:
        chosen[version.project_id] = version  # the last one at or below N
    shared: set[str] | None = None
    for project_id in filters.project_ids:
        version = chosen.get(project_id)
        # A project without recorded versions is at version 1: its codebook as it stands.
        rows = version.snapshot if version else codebook_snapshot(project_id)  # type: ignore[arg-type]
        guids = {row["guid"] for row in rows}
        shared = guids if shared is None else shared & guids
    return shared or set()


def restrict_values(values: list[Any], filters: Filters) -> list[Any]:
    """The comparison's value rows without grouped values and values outside the version."""
    grouped = {member for member, _ in filters.groups}
    guids = version_guids(filters)
    return [v for v in values if v.id not in grouped and (guids is None or str(v.guid) in guids)]


def group_members(filters: Filters, value_id: int) -> list[int]:
    """The value and the values counted as it in this comparison."""
    return [value_id, *(member for member, target in filters.groups if target == value_id)]


def grouped_hidden(
    hidden: frozenset[tuple[int, int]], filters: Filters
) -> frozenset[tuple[int, int]]:
    """Hidden (project, value) cells plus the grouped values whose figures they hold."""
    extra = {
        (project_id, member)
        for project_id, value_id in hidden
        for member, target in filters.groups
        if target == value_id
    }
    return frozenset(hidden | extra)


def scope_sentences(filters: Filters) -> list[str]:
    """What the page and the files say about these options, in full."""
    sentences = []
    if filters.codebook_version:
        sentences.append(VERSION_SCOPE.format(number=filters.codebook_version))
    if filters.groups:
        pairs = "; ".join(GROUPED_PAIR.format(**words) for words in _pair_words(filters.groups))
        sentences.append(GROUPED.format(pairs=pairs))
    return sentences


def scope_description(
    codebook_version: int | None, groups: tuple[tuple[int, int], ...]
) -> list[str]:
    """Short parts of the filters' one-line summary."""
    parts = []
    if codebook_version:
        parts.append(VERSION_SHORT.format(number=codebook_version))
    parts += [GROUPED_SHORT.format(**words) for words in _pair_words(groups)]
    return parts


def _pair_words(groups: tuple[tuple[int, int], ...]) -> list[dict[str, str]]:
    ids = {i for pair in groups for i in pair}
    values = CodebookValue.objects.filter(pk__in=ids).select_related("project").in_bulk()
    return [
        {
            "value": values[member].name,
            "project": values[member].project.name if values[member].project else "framework",
            "target": values[target].name,
        }
        for member, target in groups
        if member in values and target in values
    ]


def grouped_tally_source(filters: Filters, *, with_words: bool = False) -> tuple[str, tuple]:
    """The tallies' columns (as `queries._tally_source`) counted from the excerpts, with the
    grouped values read as their framework value.

    One row per interview, coder and (grouped) value: distinct excerpts, the union of their
    characters, the first excerpt, and the coder facts the tallies carry (coders of the
    interview, coders who applied the value, the primary coder, one marked row per interview).
    """
    mapped = Case(
        *[When(value_id=member, then=Value(target)) for member, target in filters.groups],
        default=F("value_id"),
        output_field=IntegerField(),
    )
    extra = {"words": F("excerpt__interview__word_count")} if with_words else {}
    tags = (
        filtered_tags(filters)
        .order_by()
        .values(
            p_id=F("excerpt__interview__project_id"),
            grp=group_expression(filters),
            i_id=F("excerpt__interview_id"),
            c_id=F("excerpt__coder_id"),
            v_id=mapped,
            x_id=F("excerpt_id"),
            s=F("excerpt__start"),
            e=F("excerpt__end"),
            len_=Length("excerpt__interview__text"),
            **extra,
        )
        .distinct()  # an excerpt with both values is one row once they are one value
    )
    sql, params = tags.query.sql_with_params()
    words = ", MAX(w.words) AS words" if with_words else ""
    words_out = ", r.words" if with_words else ""
    return (
        f"""
    SELECT r.p_id, r.grp, r.i_id, r.c_id, r.v_id, r.n, r.ch, r.fx AS first_x, r.len_,
           MAX(r.coder_rank) OVER (PARTITION BY r.i_id) AS k,
           COUNT(*) OVER (PARTITION BY r.i_id, r.v_id) AS vk,
           MIN(r.fx) OVER (PARTITION BY r.i_id, r.c_id) = MIN(r.fx) OVER (PARTITION BY r.i_id)
               AS prim,
           ROW_NUMBER() OVER (PARTITION BY r.i_id ORDER BY r.c_id, r.v_id) = 1 AS first_row
           {words_out}
    FROM (
        SELECT g.*, DENSE_RANK() OVER (PARTITION BY g.i_id ORDER BY g.c_id) AS coder_rank
        FROM (
            SELECT MAX(w.p_id) AS p_id, MAX(w.grp) AS grp, w.i_id, w.c_id, w.v_id,
                   COUNT(*) AS n,
                   SUM(CASE WHEN w.prev_e IS NULL OR w.s >= w.prev_e THEN w.e - w.s
                            WHEN w.e > w.prev_e THEN w.e - w.prev_e ELSE 0 END) AS ch,
                   MIN(w.x_id) AS fx, MAX(w.len_) AS len_{words}
            FROM (
                SELECT x.*, MAX(x.e) OVER (
                    PARTITION BY x.i_id, x.c_id, x.v_id ORDER BY x.s, x.e, x.x_id
                    ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_e
                FROM ({sql}) x
            ) w
            GROUP BY w.i_id, w.c_id, w.v_id
        ) g
    ) r
    """,
        tuple(params),
    )


def grouped_suppress(comparison: Any) -> None:
    """Hide, for an evaluator, a grouped cell whose interviews differ from the ungrouped
    value's by a small number: subtracting the two views would give that small count."""
    filters = comparison.filters
    if not filters.groups or not comparison.has_masked:
        return
    # Imported here: the queries read the grouped tallies from this module.
    from .queries import comparison_rows

    targets = {target for _, target in filters.groups}
    whole = replace(filters, breakdown="")
    grouped = _people(comparison_rows(whole), targets)
    plain = _people(comparison_rows(replace(whole, groups=())), targets)
    small = {
        key
        for key in grouped.keys() | plain.keys()
        if 0 < round(grouped.get(key, 0.0) - plain.get(key, 0.0), 9) < comparison.threshold
    }
    for value, cells in comparison.rows:
        for cell in cells:
            if cell.column.masked and (cell.column.project_id, value.id) in small:
                cell.suppressed = True


def _people(rows: list[dict[str, Any]], targets: set[int]) -> dict[tuple[int, int], float]:
    return {
        (row["p_id"], row["v_id"]): float(row["interviews"] or 0)
        for row in rows
        if row["kind"] == "cell" and row["v_id"] in targets
    }
