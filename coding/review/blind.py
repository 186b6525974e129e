"""Blind double coding: a peer researcher sees only their own excerpts on an interview of a
blind project until they and the other coder have both marked it done.

Decided on the server, for the coding page's embedded data and for the API alike, so that no
client can show what it was never sent. Admins and evaluators, who do not code blind, see all.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from ..access import PEER_RESEARCHER, project_role
from ..models import CodingProgress, Excerpt, Interview

CONSENSUS_USERNAME = "consensus"


def visible_coders(interview: Interview, user: Any, role: str | None = None) -> set[str] | None:
    """Usernames whose excerpts the user may see on the interview; None means everyone's."""
    if not interview.project.blind_coding:
        return None
    if role is None:
        role = project_role(user, interview.project_id)
    if role != PEER_RESEARCHER:
        return None
    done = set(
        CodingProgress.objects.filter(interview=interview, done_at__isnull=False).values_list(
            "coder__username", flat=True
        )
    )
    me = user.get_username()
    if me not in done:
        return {me}
    # Once the reader is done, they see the coding of everyone else who is done too, and the
    # team's consensus layer.
    return done | {me, CONSENSUS_USERNAME}


def blind_rows(rows: list[dict[str, Any]], visible: set[str] | None) -> list[dict[str, Any]]:
    """Keep the API rows (`excerpt_rows`) of the coders the reader may see."""
    if visible is None:
        return rows
    return [row for row in rows if row["coder"] in visible]


def visible_excerpts(interview: Interview, user: Any, role: str | None = None) -> QuerySet:
    """The interview's excerpts the user may see."""
    qs = Excerpt.objects.filter(interview=interview)
    visible = visible_coders(interview, user, role)
    return qs if visible is None else qs.filter(Q(coder__username__in=visible))


def visible_project_excerpts(
    qs: QuerySet, project: Any, user: Any, role: str | None = None
) -> QuerySet:
    """Narrow a queryset of a project's excerpts to those the user may see on a blind project.

    The same rule as `visible_coders`, for many interviews at once: one's own excerpts; once
    one has marked an interview done, the excerpts there of the coders who are done too and
    the consensus layer.
    """
    if not project.blind_coding:
        return qs
    if role is None:
        role = project_role(user, project.pk)
    if role != PEER_RESEARCHER:
        return qs
    done = CodingProgress.objects.filter(done_at__isnull=False, interview=OuterRef("interview"))
    mine = Exists(done.filter(coder=user))
    theirs = Exists(done.filter(coder=OuterRef("coder")))
    return qs.filter(Q(coder=user) | (mine & (theirs | Q(is_consensus=True))))
