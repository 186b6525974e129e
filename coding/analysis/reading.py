"""What an evaluator may see of one interview's reading view, under the comparison's policy.

An evaluator who could open every interview with all its coding and its participant's details
could count what the comparison hides. So, in the projects where the reader is an evaluator
(`disclosure.masked_projects`):

- the reading view shows no participant details (pseudonym, role, mode, date, interviewer,
  attributes), as the comparison shows none;
- a project the comparison hides as too small cannot be opened at all;
- excerpts of a value whose cell of the project's unsplit column is hidden (primary or
  complementary suppression) under any coder rule are left out, so nobody can count, interview
  by interview, a figure the table hides under one of the rules.

Peer researchers and admins see everything.

The hidden values take one comparison per coder rule to find, so they are kept in Django's cache
under a key made of the project's data state (`_state`): any change to its coding or codebook
gives a new key, so the next page open computes them afresh and nothing is hidden from stale data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max, Q

from ..access import EVALUATOR
from ..models import CodebookValue, ValueTally
from . import disclosure
from .comparison import comparison_build
from .filters import RULES, Filters
from .measures import MEASURE_COUNT
from .tallies import tallies_refresh

INTERVIEW_HIDDEN = (
    "Evaluators cannot open this interview: its project has too few coded interviews to show "
    "without risk of recognising the people in it."
)
CODING_HIDDEN = (
    "Some coding is hidden to protect participants: values found in too few of this project's "
    "interviews are not shown to evaluators, nor are the participant's details."
)
DETAILS_HIDDEN = "To protect participants, evaluators do not see the participant's details."


@dataclass(frozen=True)
class ReadingPolicy:
    """For an evaluator: the values of the project whose excerpts stay hidden."""

    hidden_slugs: frozenset[str]

    def note(self, hidden: str, details: str) -> str:
        return hidden if self.hidden_slugs else details

    def rows(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Excerpt rows (`selectors.excerpt_rows`) without hidden values; none left, no row."""
        kept = []
        for row in rows:
            values = [v for v in row["values"] if v not in self.hidden_slugs]
            if values:
                kept.append({**row, "values": values})
        return kept


def _state(project_id: int, threshold: int) -> str:
    """What the project's hidden values depend on, read cheaply (three small queries).

    The comparison reads only the tallies and the codebook. A recount deletes an interview's
    tally rows and inserts new ones (ids never reused, SQLite's AUTOINCREMENT included), so the
    count and the largest id change with every recount: only deleting lowers the count, any
    insert raises the largest id. Values change by `save` (their `updated`), or go (the count).
    """
    tallies_refresh()  # count what is queued first, as the comparison would
    tallies = ValueTally.objects.filter(interview__project_id=project_id).aggregate(
        n=Count("id"), last=Max("id")
    )
    values = CodebookValue.objects.filter(
        Q(project__isnull=True) | Q(project_id=project_id)
    ).aggregate(n=Count("id"), last=Max("updated"), top=Max("id"))
    changed = values["last"].timestamp() if values["last"] else 0
    return (
        f"reading-hidden:{project_id}:{threshold}:{tallies['n']}:{tallies['last']}:"
        f"{values['n']}:{values['top']}:{changed}"
    )


def _hidden_values(project_id: int, threshold: int) -> frozenset[str] | None:
    """Slugs of the values hidden under some coder rule; None when the project is hidden."""
    hidden: set[str] = set()
    for rule in RULES:
        comparison = comparison_build(
            Filters(project_ids=(project_id,), rule=rule),
            MEASURE_COUNT,
            masked_project_ids={project_id},
            threshold=threshold,
            figures_only=True,
        )
        if any(column.hidden for column in comparison.columns):
            return None
        hidden |= {
            cell.value.slug for _, cells in comparison.rows for cell in cells if cell.suppressed
        }
    return frozenset(hidden)


def project_reading(project_id: int) -> ReadingPolicy:
    """The evaluator's policy in the project, computed once per data state (see `_state`).

    Raises PermissionDenied (with `INTERVIEW_HIDDEN`) when the project is hidden as too small.
    """
    threshold = disclosure.threshold()
    key = _state(project_id, threshold)
    cached = cache.get(key)
    if cached is None:
        hidden = _hidden_values(project_id, threshold)
        # A list, so that "hidden project" (None) is told apart from a cache miss.
        cached = ["project"] if hidden is None else ["values", sorted(hidden)]
        cache.set(key, cached, timeout=24 * 3600)
    if cached[0] == "project":
        raise PermissionDenied(INTERVIEW_HIDDEN)
    return ReadingPolicy(frozenset(cached[1]))


def evaluator_reading(role: str | None, project_id: int) -> ReadingPolicy | None:
    """The policy for a reader with this role (`access.project_role`) in the project; None when
    they may see everything (every role but evaluator: the same readers as
    `disclosure.masked_projects`, which admins are never in).

    Raises PermissionDenied (with `INTERVIEW_HIDDEN`) when the project is hidden as too small.
    """
    if role != EVALUATOR:
        return None
    return project_reading(project_id)
