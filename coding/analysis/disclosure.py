"""Disclosure control: the one place that decides what an evaluator may see.

Evaluators read a project's figures but not its people. In the projects where the reader is an
evaluator, one policy holds for every output (table, marks, sentences, charts, CSV/XLSX,
drill-down, co-occurrence, agreement, excerpt files):

- narrowing filters are off (`evaluator_filters`): whole projects, or one split at a time;
- groups with fewer than `DISCLOSURE_THRESHOLD` interviews merge into "Other" as a whole
  (`merged_groups`); a project with fewer is hidden;
- a cell resting on fewer interviews than the threshold is hidden (primary suppression), and so
  is a partner in every total that would give it away (complementary, `suppress`);
- hidden cells carry no figure, test, mark, colour or sentence, and their quotes cannot be
  opened; excerpt files carry no pseudonyms or participant attributes.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django.conf import settings

from ..access import EVALUATOR, is_admin
from ..models import Membership
from .filters import Filters


def threshold() -> int:
    """The smallest count shown to evaluators."""
    return int(settings.DISCLOSURE_THRESHOLD)


def masked_projects(user: Any, project_ids: tuple[int, ...]) -> frozenset[int]:
    """Projects in which this reader is an evaluator: their small counts are hidden."""
    if user is None or is_admin(user):
        return frozenset()
    return frozenset(
        Membership.objects.filter(
            user=user, role=EVALUATOR, project_id__in=project_ids
        ).values_list("project_id", flat=True)
    )


def is_small(count: float, limit: int) -> bool:
    """A count that would single out a few people: more than none, fewer than the limit."""
    return 0 < count < limit


def mask_matrix(matrix: list[list[float | None]], limit: int) -> list[list[float | None]]:
    """The matrix with small counts replaced by None (shown as "<limit")."""
    return [[None if x is not None and is_small(x, limit) else x for x in row] for row in matrix]


# --- the policy, applied to every evaluator output ----------------------------------------------

HIDDEN = "hidden"
OTHER_GROUP = "~other"
OTHER_LABEL = "Other (small groups together)"
NARROWING_OFF = (
    "As an evaluator you see whole projects, or one split at a time: filters that narrow the "
    "interviews (dates, roles, modes, attributes, coders) are switched off, so that nobody can "
    "be singled out by comparing two views."
)
NARROWING_OFF_SHORT = "filters that narrow the interviews are switched off"
HIDDEN_SENTENCE = (
    "Some figures read “hidden”: they rest on fewer than {threshold} interviews (or would let "
    "such a figure be worked out from the totals), so they are hidden to protect people from "
    "being recognised. Tests and marks leave hidden figures out."
)
QUOTES_HIDDEN = "The quotes behind a hidden figure cannot be opened."


def evaluator_filters(filters: Filters, masked_project_ids: frozenset[int]) -> Filters:
    """The filters an evaluator's figures are computed under: narrowing filters switched off.

    Any two views that differ by a narrowing filter (a date, a role, a coder) would give by
    subtraction the figures of the few interviews between them; whole projects and one split
    at a time, with small groups merged, leave nothing to subtract.
    """
    if not masked_project_ids or not set(masked_project_ids) & set(filters.project_ids):
        return filters
    return replace(
        filters,
        roles=(),
        modes=(),
        date_from=None,
        date_to=None,
        attributes=(),
        coder_ids=(),
        description=f"{filters.description}; for an evaluator, {NARROWING_OFF_SHORT}",
    )


def merged_groups(
    sizes: dict[tuple[int, str], float], masked_project_ids: frozenset[int], limit: int
) -> dict[tuple[int, str], str]:
    """Groups of masked projects to merge into "Other", so every group shown has `limit`+.

    `sizes`: interviews per (project, group). If the small groups together are still too few,
    the smallest other group joins them, until "Other" is large enough or holds everything.
    """
    merge: dict[tuple[int, str], str] = {}
    for project in masked_project_ids:
        groups = sorted((n, g) for (p, g), n in sizes.items() if p == project)
        small = [g for n, g in groups if n < limit]
        if not small:
            continue
        rest = [(n, g) for n, g in groups if n >= limit]
        total = sum(n for n, g in groups if g in small)
        while total < limit and rest:
            n, g = rest.pop(0)
            small.append(g)
            total += n
        for g in small:
            merge[(project, g)] = OTHER_GROUP
    return merge


def suppress(lines: list[list[Any]], limit: int) -> None:
    """Primary and complementary suppression over cells that share a total.

    Each cell has `people` (interviews with the value, the count to protect), `hidden`
    (primary suppression already decided) and is in one or more `lines`: cells whose sum
    a reader can know (a value across one project's groups, which the unsplit table totals;
    the values of one column, which its tag total sums). A line with exactly one hidden cell
    would give it away, so the smallest other cell of the line is hidden too, until no line
    has exactly one.
    """
    changed = True
    while changed:
        changed = False
        for line in lines:
            hidden = [c for c in line if c.suppressed]
            shown = [c for c in line if not c.suppressed]
            if len(hidden) == 1 and shown:
                # A nonzero partner keeps the pair's sum from pinning both cells to 0.
                pick = min(shown, key=lambda c: (c.people == 0, c.people))
                pick.suppressed = True
                changed = True


def quotes_allowed(
    hidden: frozenset[tuple[int, int]], filters: Filters, project_id: int, value_id: int
) -> bool:
    """Whether an evaluator may open the quotes behind a cell of a project they evaluate.

    Only from the unsplit table, and only where its figure is shown: quotes read within a
    group would tie excerpts (and their interviews) to that group.
    """
    return not filters.breakdown and (project_id, value_id) not in hidden
