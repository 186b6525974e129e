"""Disclosure control: the one place that decides what an evaluator may see.

Evaluators read a project's figures but not its people. Where figures describe groups of
participants, small counts (under `DISCLOSURE_THRESHOLD`) in the projects where the reader is
an evaluator are hidden. Every evaluator output (table, charts, files, drill-down,
co-occurrence) asks this module.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from ..access import EVALUATOR, is_admin
from ..models import Membership


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
