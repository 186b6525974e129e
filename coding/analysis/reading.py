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
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied

from ..access import EVALUATOR
from . import disclosure
from .comparison import comparison_build
from .filters import RULES, Filters
from .measures import MEASURE_COUNT

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


def evaluator_reading(role: str | None, project_id: int) -> ReadingPolicy | None:
    """The policy for a reader with this role (`access.project_role`) in the project; None when
    they may see everything (every role but evaluator: the same readers as
    `disclosure.masked_projects`, which admins are never in).

    Raises PermissionDenied (with `INTERVIEW_HIDDEN`) when the project is hidden as too small.
    """
    if role != EVALUATOR:
        return None
    threshold = disclosure.threshold()
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
            raise PermissionDenied(INTERVIEW_HIDDEN)
        hidden |= {
            cell.value.slug for _, cells in comparison.rows for cell in cells if cell.suppressed
        }
    return ReadingPolicy(frozenset(hidden))
