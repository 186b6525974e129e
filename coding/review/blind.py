"""Blind double coding: a peer researcher sees only their own excerpts on an interview of a
blind project until they and the other coder have both marked it done.

Decided on the server, for the coding page's embedded data and for the API alike, so that no
client can show what it was never sent. Admins and evaluators, who do not code blind, see all.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from ..access import PEER_RESEARCHER, is_admin, project_role
from ..models import CodingProgress, Excerpt, Interview, Membership

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


def blind_project_ids(user: Any, project_ids: Iterable[int]) -> list[int]:
    """The projects among these that code blind and where the user is a peer researcher."""
    if not user.is_authenticated or is_admin(user):
        return []
    return list(
        Membership.objects.filter(
            user=user,
            role=PEER_RESEARCHER,
            # A queryset stays a subquery (no query of its own).
            project_id__in=project_ids if isinstance(project_ids, QuerySet) else list(project_ids),
            project__blind_coding=True,
        ).values_list("project_id", flat=True)
    )


def hide_blind(
    qs: QuerySet, user: Any, project_ids: Iterable[int], *, to_excerpt: str = ""
) -> QuerySet:
    """Leave out of a queryset of excerpts (or, with `to_excerpt` "excerpt__", of their tags)
    what the user may not see yet on the blind projects among `project_ids`.

    The rule of `visible_coders`, for many interviews at once: one's own excerpts; once one has
    marked an interview done, the excerpts there of the coders who are done too and the
    consensus layer.
    """
    blind = blind_project_ids(user, project_ids)
    if not blind:
        return qs
    done = CodingProgress.objects.filter(
        done_at__isnull=False, interview=OuterRef(f"{to_excerpt}interview")
    )
    mine = Exists(done.filter(coder=user))
    theirs = Exists(done.filter(coder=OuterRef(f"{to_excerpt}coder")))
    seen = Q(**{f"{to_excerpt}coder": user}) | (
        mine & (theirs | Q(**{f"{to_excerpt}is_consensus": True}))
    )
    in_blind = Q(**{f"{to_excerpt}interview__project_id__in": blind})
    return qs.filter(~in_blind | seen)


def visible_project_excerpts(
    qs: QuerySet, project: Any, user: Any, *, to_excerpt: str = ""
) -> QuerySet:
    """`hide_blind` for one project's excerpts or tags."""
    if not project.blind_coding:
        return qs
    return hide_blind(qs, user, [project.pk], to_excerpt=to_excerpt)


def hidden_interview_ids(user: Any, project_ids: Iterable[int]) -> set[int]:
    """Interviews of blind projects on which another coder's work is still hidden from the
    user (pages that show whole interviews' coding, such as agreement, leave them out)."""
    blind = blind_project_ids(user, project_ids)
    if not blind:
        return set()
    excerpts = Excerpt.objects.filter(interview__project_id__in=blind)
    shown = hide_blind(excerpts, user, blind)
    hidden = excerpts.exclude(pk__in=shown.values("pk"))
    return set(hidden.values_list("interview_id", flat=True).distinct())
