"""Discussion threads on an excerpt or a passage: start, comment, mention, resolve, read.

Writes are services (one transaction with their audit record); reads are selectors that fetch
their relations up front. Every comment lands in the audit trail with the interview's
participant, so withdrawing the participant blanks it there too.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Least, Substr
from django.utils import timezone

from ..access import visible_projects
from ..audit import audit_record, snapshot
from ..models import AuditEvent, Comment, Discussion, DiscussionRead, Excerpt, Interview
from ..services import CodingError
from .blind import hide_blind

COMMENT_EMPTY = "Write something before sending."
COMMENT_TOO_LONG = "A comment can be at most {limit} characters long."
PASSAGE_INVALID = "Choose an excerpt, or a passage with a start before its end inside the text."
EXCERPT_ELSEWHERE = "That excerpt belongs to another interview."
MENTION_UNKNOWN = "There is no member “{name}” in this project to mention."
REPLY_ELSEWHERE = "You can only reply to a comment of the same discussion."

COMMENT_LIMIT = 5_000
QUOTE_LIMIT = 200
# @username: Django usernames allow letters, digits and @ . + - _ ; a trailing dot ends a
# sentence rather than a name.
MENTION_RE = re.compile(r"(?<![\w@])@([\w.+-]*[\w+-])")
NEVER = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _body(body: Any) -> str:
    if not isinstance(body, str) or not body.strip():
        raise CodingError(COMMENT_EMPTY)
    body = body.strip()
    if len(body) > COMMENT_LIMIT:
        raise CodingError(COMMENT_TOO_LONG.format(limit=COMMENT_LIMIT))
    return body


def project_members(project_id: int) -> QuerySet:
    """People who may take part in a project's discussions (members and admins)."""
    return (
        get_user_model()
        .objects.filter(Q(memberships__project_id=project_id) | Q(is_staff=True), is_active=True)
        .distinct()
    )


def _mentions(body: str, project_id: int) -> list[Any]:
    names = list(dict.fromkeys(MENTION_RE.findall(body)))
    if not names:
        return []
    found = {u.get_username(): u for u in project_members(project_id).filter(username__in=names)}
    for name in names:
        if name not in found:
            raise CodingError(MENTION_UNKNOWN.format(name=name))
    return [found[name] for name in names]


def _audit_comment(comment: Comment, discussion: Discussion, interview: Interview) -> None:
    audit_record(
        actor=comment.author,
        action=AuditEvent.Action.CREATE,
        instance=comment,
        project_id=interview.project_id,
        participant_id=interview.participant_id,
        after={
            "discussion": discussion.pk,
            "body": comment.body,
            "reply_to": comment.reply_to_id,
            "mentions": sorted(u.get_username() for u in comment.mentioned),
        },
    )


def _comment(
    discussion: Discussion, author: Any, body: str, reply_to: Comment | None = None
) -> Comment:
    interview = discussion.interview
    mentioned = _mentions(body, interview.project_id)
    comment = Comment(discussion=discussion, author=author, body=body, reply_to=reply_to)
    comment.full_clean()
    comment.save()
    comment.mentions.set(mentioned)
    comment.mentioned = mentioned
    _audit_comment(comment, discussion, interview)
    DiscussionRead.objects.update_or_create(
        discussion=discussion, user=author, defaults={"read_at": comment.created}
    )
    return comment


@transaction.atomic
def discussion_start(
    *,
    interview: Interview,
    user: Any,
    body: Any,
    excerpt: Excerpt | None = None,
    start: Any = None,
    end: Any = None,
    value: Any = None,
) -> Discussion:
    """Open a thread on an excerpt (its span) or on a passage, with a first comment."""
    body = _body(body)
    if excerpt is not None:
        if excerpt.interview_id != interview.pk:
            raise CodingError(EXCERPT_ELSEWHERE)
        start, end = excerpt.start, excerpt.end
    if (
        any(isinstance(x, bool) or not isinstance(x, int) for x in (start, end))
        or start < 0
        or end <= start
        or end > len(interview.text)
    ):
        raise CodingError(PASSAGE_INVALID)
    now = timezone.now()
    discussion = Discussion(
        interview=interview,
        excerpt=excerpt,
        start=start,
        end=end,
        value=value,
        started_by=user,
        last_activity=now,
    )
    discussion.full_clean()
    discussion.save()
    audit_record(
        actor=user,
        action=AuditEvent.Action.CREATE,
        instance=discussion,
        project_id=interview.project_id,
        participant_id=interview.participant_id,
        after=snapshot(discussion, ("interview", "excerpt", "start", "end", "value")),
    )
    _comment(discussion, user, body)
    return discussion


@transaction.atomic
def comment_add(
    *, discussion: Discussion, author: Any, body: Any, reply_to: Comment | None = None
) -> Comment:
    """Add a comment (or a reply to one) to a thread; @mentions must name project members."""
    body = _body(body)
    if reply_to is not None and reply_to.discussion_id != discussion.pk:
        raise CodingError(REPLY_ELSEWHERE)
    comment = _comment(discussion, author, body, reply_to)
    Discussion.objects.filter(pk=discussion.pk).update(last_activity=comment.created)
    return comment


@transaction.atomic
def discussion_resolve(*, discussion: Discussion, user: Any, resolved: bool) -> Discussion:
    """Mark a thread resolved, or reopen it."""
    discussion = Discussion.objects.select_for_update().get(pk=discussion.pk)
    before = snapshot(discussion, ("resolved_at", "resolved_by"))
    if resolved and not discussion.is_resolved:
        discussion.resolved_at, discussion.resolved_by = timezone.now(), user
    elif not resolved and discussion.is_resolved:
        discussion.resolved_at, discussion.resolved_by = None, None
    else:
        return discussion
    discussion.last_activity = timezone.now()
    discussion.save(update_fields=["resolved_at", "resolved_by", "last_activity"])
    interview = discussion.interview
    audit_record(
        actor=user,
        action=AuditEvent.Action.UPDATE,
        instance=discussion,
        project_id=interview.project_id,
        participant_id=interview.participant_id,
        before=before,
        after=snapshot(discussion, ("resolved_at", "resolved_by")),
    )
    return discussion


def discussion_mark_read(*, discussion: Discussion, user: Any) -> None:
    """Remember that the user has read the thread up to now (a reading, not a change: no audit)."""
    DiscussionRead.objects.update_or_create(
        discussion=discussion, user=user, defaults={"read_at": timezone.now()}
    )


# --- selectors ------------------------------------------------------------------------------


def _with_unread(qs: QuerySet[Discussion], user: Any) -> QuerySet[Discussion]:
    read_at = DiscussionRead.objects.filter(discussion=OuterRef("pk"), user=user).values("read_at")[
        :1
    ]
    unread = (
        Comment.objects.filter(discussion=OuterRef("pk"), created__gt=OuterRef("my_read_at"))
        .exclude(author=user)
        .order_by()
        .values("discussion")
        .annotate(n=Count("pk"))
        .values("n")
    )
    comments = (
        Comment.objects.filter(discussion=OuterRef("pk"))
        .order_by()
        .values("discussion")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return qs.annotate(my_read_at=Coalesce(Subquery(read_at), Value(NEVER))).annotate(
        unread=Coalesce(Subquery(unread), Value(0)),
        comment_count=Coalesce(Subquery(comments), Value(0)),
        quote=Substr("interview__text", F("start") + 1, Least(F("end") - F("start"), QUOTE_LIMIT)),
        quote_length=F("end") - F("start"),
    )


def discussions_visible(qs: QuerySet[Discussion], user: Any, project_ids: Any) -> QuerySet:
    """Threads the user may see: on a blind project, not those about another coder's excerpt
    that blind coding still hides from them (the thread would show where that coder coded)."""
    on_excerpts = qs.filter(excerpt__isnull=False)
    shown = hide_blind(on_excerpts, user, project_ids, to_excerpt="excerpt__")
    if shown is on_excerpts:
        return qs  # no blind project of the user's: nothing to hide
    return qs.filter(Q(excerpt__isnull=True) | Q(pk__in=shown.values("pk")))


def discussion_list(user: Any, *, resolved: bool = False) -> QuerySet[Discussion]:
    """Threads in the user's projects, newest activity first, with unread counts and a quote."""
    projects = visible_projects(user)
    qs = Discussion.objects.filter(
        interview__project__in=projects, resolved_at__isnull=not resolved
    )
    qs = discussions_visible(qs, user, projects.values("pk"))
    return _with_unread(
        qs.select_related(
            "interview__project", "interview__participant", "started_by", "value"
        ).defer("interview__text"),
        user,
    ).order_by("-last_activity", "-pk")


def interview_discussions(interview: Interview, user: Any) -> QuerySet[Discussion]:
    """An interview's threads (open first), with unread counts for the user."""
    qs = Discussion.objects.filter(interview=interview).select_related("started_by", "value")
    if interview.project.blind_coding:  # the page has the project: no query when not blind
        qs = discussions_visible(qs, user, [interview.project_id])
    return _with_unread(qs, user).order_by(F("resolved_at").desc(nulls_first=True), "start")


def discussion_comments(discussion: Discussion) -> QuerySet[Comment]:
    return discussion.comments.select_related("author", "reply_to__author").prefetch_related(
        "mentions"
    )
