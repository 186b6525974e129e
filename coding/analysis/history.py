"""What the comparison must say about the codebook's history.

An interview coded before a value entered its project's codebook cannot show that value: its
cell reads "not in the codebook then" rather than a misleading zero. An interview that carries the
value counts as coded with it whatever version recorded the tag (a provisional value is tagged
under the version before the one that accepts it), so only interviews without the value, coded
before it existed, count as "before". The page also names the
codebook version each project's figures rest on, and the excerpts a split still leaves waiting.
A fixed number of queries, whatever the size.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import Max

from ..models import CodebookVersion, ExcerptValue, Proposal

NOT_IN_CODEBOOK_THEN = "not in the codebook then"
PARTLY_BEFORE = (
    "{before} of {coded} coded interviews of {project} were coded before “{value}” entered its "
    "codebook (version {version}); they count as not showing it."
)
ALL_BEFORE = (
    "“{value}” entered the codebook of {project} in version {version}, after all its interviews "
    "were coded: its cells say “not in the codebook then”."
)
RECODE_WAITING = (
    "{left} of {total} excerpts of “{value}” in {project} still wait to be recoded into "
    "{names} after the split of version {version}."
)
VERSIONS_USED = "{project}: codebook version {version}"


def _versions(
    project_ids: list[int], guids: dict[str, int]
) -> tuple[dict[tuple[int, int], int], dict[int, int], list[int]]:
    """(project, value) -> the first version whose snapshot holds the value; each project's
    current version number (1 when none was recorded yet); the accepted splits' ids."""
    first: dict[tuple[int, int], int] = {}
    latest = dict.fromkeys(project_ids, 1)
    splits = []
    versions = (
        CodebookVersion.objects.filter(project_id__in=project_ids)
        .select_related("proposal")
        .only("project_id", "number", "snapshot", "proposal__kind")
        .order_by("number")
    )
    for version in versions:
        latest[version.project_id] = version.number
        if version.proposal is not None and version.proposal.kind == Proposal.Kind.SPLIT:
            splits.append(version.proposal_id)
        for row in version.snapshot:
            value_id = guids.get(row["guid"])
            if value_id is not None:
                first.setdefault((version.project_id, value_id), version.number)
    return first, latest, splits


def history_annotate(comparison: Any) -> None:
    """Mark cells of values that arrived after the coding; collect the page's sentences."""
    project_ids = sorted({c.project_id for c in comparison.columns})
    names = {c.project_id: c.project_name for c in comparison.columns}
    comparison.history_notes = []
    if not project_ids:
        return
    guids = {v.guid: v.id for v in comparison.values}
    introduced, comparison.versions, splits = _versions(project_ids, guids)
    # The newest version each interview's coding was made under.
    coded_under: dict[int, list[tuple[int, int]]] = defaultdict(list)
    rows = (
        ExcerptValue.objects.filter(
            excerpt__interview__project_id__in=project_ids, version__isnull=False
        )
        .values("excerpt__interview_id", "excerpt__interview__project_id")
        .annotate(v=Max("version__number"))
    )
    for row in rows:
        coded_under[row["excerpt__interview__project_id"]].append(
            (row["excerpt__interview_id"], row["v"])
        )
    carries = _carriers(project_ids, {v for (_, v), n in introduced.items() if n > 1})
    for value, cells in comparison.rows:
        for project_id in project_ids:
            version = introduced.get((project_id, value.id))
            if version is None or version == 1:
                continue
            coded = coded_under.get(project_id, [])
            with_value = carries.get(value.id, set())
            before = sum(1 for i, v in coded if v < version and i not in with_value)
            if not before:
                continue
            words = {"value": value.name, "project": names[project_id], "version": version}
            if before == len(coded):
                for cell in cells:
                    if (
                        cell.column.project_id == project_id
                        and cell.applies
                        and not getattr(cell, "suppressed", False)
                    ):
                        cell.number, cell.text = None, NOT_IN_CODEBOOK_THEN
                comparison.history_notes.append(ALL_BEFORE.format(**words))
            else:
                comparison.history_notes.append(
                    PARTLY_BEFORE.format(before=before, coded=len(coded), **words)
                )
    if splits:  # queries only when a compared project has split a value
        comparison.history_notes += recode_notes(splits, names)


def _carriers(project_ids: list[int], value_ids: set[int]) -> dict[int, set[int]]:
    """value -> the interviews (of the compared projects) that carry it; one query, and only
    when a compared value arrived after version 1."""
    carries: dict[int, set[int]] = defaultdict(set)
    if not value_ids:
        return carries
    rows = (
        ExcerptValue.objects.filter(
            excerpt__interview__project_id__in=project_ids, value_id__in=value_ids
        )
        .values_list("value_id", "excerpt__interview_id")
        .distinct()
    )
    for value_id, interview_id in rows:
        carries[value_id].add(interview_id)
    return carries


def recode_notes(split_ids: list[int], names: dict[int, str]) -> list[str]:
    """A sentence for each accepted split whose excerpts are not all recoded yet."""
    notes = []
    splits = (
        Proposal.objects.filter(pk__in=split_ids)
        .select_related("value", "made_version")
        .prefetch_related("made_values")
    )
    for split in splits:
        left = ExcerptValue.objects.filter(
            value_id=split.value_id, excerpt__interview__project_id=split.project_id
        ).count()
        if left:
            made = " or ".join(f"“{v.name}”" for v in split.made_values.all())
            notes.append(
                RECODE_WAITING.format(
                    left=left,
                    total=split.recode_total,
                    value=split.value.name,
                    project=names[split.project_id],
                    names=made,
                    version=split.made_version.number if split.made_version else "?",
                )
            )
    return notes
