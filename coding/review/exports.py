"""The team's review in files: decisions and discussions as CSV rows, and as REFI-QDA notes
linked to the selections (excerpts) of the passages they are about."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from xml.etree.ElementTree import Element

from django.db import transaction
from django.db.models import Prefetch

from ..audit import audit_record
from ..interop.qde import element, stable_guid
from ..models import AuditEvent, Comment, ConsensusDecision, Discussion, ResearchProject
from .blind import hidden_interview_ids
from .discussions import discussions_visible

DECISION_HEADER = [
    "decision_id",
    "project",
    "interview_id",
    "interview",
    "participant",
    "value",
    "start",
    "end",
    "text",
    "outcome",
    "values_applied",
    "reason",
    "decided_by",
    "decided_at",
]
DISCUSSION_HEADER = [
    "discussion_id",
    "comment_id",
    "project",
    "interview_id",
    "interview",
    "participant",
    "value",
    "start",
    "end",
    "text",
    "status",
    "author",
    "reply_to",
    "comment",
    "created",
]


def _decisions(projects: list[ResearchProject]) -> Any:
    return (
        ConsensusDecision.objects.filter(interview__project__in=projects)
        .select_related("interview__project", "interview__participant", "value", "decided_by")
        .prefetch_related("values")
        .order_by("interview__project__name", "interview_id", "start", "end", "value__order")
    )


def _discussions(projects: list[ResearchProject]) -> Any:
    return (
        Discussion.objects.filter(interview__project__in=projects)
        .select_related("interview__project", "interview__participant", "value")
        .prefetch_related(
            Prefetch(
                "comments",
                queryset=Comment.objects.select_related("author").order_by("created", "id"),
            )
        )
        .order_by("interview__project__name", "interview_id", "start", "pk")
    )


def _who(interview: Any, anonymous: bool) -> list[str]:
    """The interview's title and pseudonym, left out of evaluators' files (as for excerpts)."""
    return ["", ""] if anonymous else [str(interview), interview.participant.pseudonym]


def decision_rows(
    projects: list[ResearchProject], *, anonymous: bool = False, reader: Any = None
) -> Iterator[list[Any]]:
    """One row per decision; a `reader` on a blind project does not get the decisions of
    interviews where someone's coding is still hidden from them."""
    hidden = hidden_interview_ids(reader, [p.pk for p in projects]) if reader else set()
    for d in _decisions(projects):
        interview = d.interview
        if interview.pk in hidden:
            continue
        yield [
            d.pk,
            interview.project.name,
            interview.pk,
            *_who(interview, anonymous),
            d.value.name,
            d.start,
            d.end,
            interview.text[d.start : d.end],
            d.get_outcome_display(),
            "; ".join(v.name for v in d.values.all()),
            d.reason,
            d.decided_by.get_username() if d.decided_by else "",
            d.decided_at,
        ]


def discussion_rows(
    projects: list[ResearchProject],
    *,
    anonymous: bool = False,
    reader: Any = None,
    hidden_values: frozenset[str] = frozenset(),
) -> Iterator[list[Any]]:
    """One row per comment, each carrying its thread's passage; a `reader` on a blind project
    does not get the threads about excerpts blind coding still hides from them. A value in
    `hidden_values` (an evaluator's, `analysis.reading`) is not named."""
    threads = _discussions(projects)
    if reader is not None:
        threads = discussions_visible(threads, reader, [p.pk for p in projects])
    for thread in threads:
        interview = thread.interview
        shown = thread.value is not None and thread.value.slug not in hidden_values
        for comment in thread.comments.all():
            yield [
                thread.pk,
                comment.pk,
                interview.project.name,
                interview.pk,
                *_who(interview, anonymous),
                thread.value.name if shown else "",
                thread.start,
                thread.end,
                interview.text[thread.start : thread.end],
                "resolved" if thread.is_resolved else "open",
                comment.author.get_username() if comment.author else "",
                comment.reply_to_id or "",
                comment.body,
                comment.created,
            ]


# --- REFI-QDA -------------------------------------------------------------------------------


@dataclass
class ReviewNote:
    guid: str
    name: str
    text: str
    username: str | None
    interview_id: int
    start: int
    end: int


def review_notes(projects: list[ResearchProject]) -> dict[int, list[ReviewNote]]:
    """Decisions and discussions of the projects as notes, by interview."""
    found: dict[int, list[ReviewNote]] = defaultdict(list)
    for d in _decisions(projects):
        applied = ", ".join(v.name for v in d.values.all())
        text = f"Decision on {d.value.name}: {d.get_outcome_display()}."
        if applied:
            text += f" Values applied: {applied}."
        who = d.decided_by.get_username() if d.decided_by else None
        text += f"\nReason: {d.reason}\n({who or 'a former member'}, {d.decided_at:%Y-%m-%d})"
        found[d.interview_id].append(
            ReviewNote(
                guid=stable_guid("decision", str(d.pk)),
                name=f"Decision on {d.value.name}",
                text=text,
                username=who,
                interview_id=d.interview_id,
                start=d.start,
                end=d.end,
            )
        )
    for thread in _discussions(projects):
        comments = list(thread.comments.all())
        lines = [f"Discussion ({'resolved' if thread.is_resolved else 'open'})"]
        for c in comments:
            author = c.author.get_username() if c.author else "a former member"
            lines.append(f"{author}, {c.created:%Y-%m-%d %H:%M}: {c.body}")
        first = comments[0].author if comments and comments[0].author else None
        found[thread.interview_id].append(
            ReviewNote(
                guid=stable_guid("discussion", str(thread.pk)),
                name="Discussion" + (f" about {thread.value.name}" if thread.value else ""),
                text="\n".join(lines),
                username=first.get_username() if first else None,
                interview_id=thread.interview_id,
                start=thread.start,
                end=thread.end,
            )
        )
    return found


def review_usernames(notes: dict[int, list[ReviewNote]]) -> set[str]:
    return {n.username for items in notes.values() for n in items if n.username}


def link_review_notes(
    source: Element,
    items: list[ReviewNote],
    excerpts: list[Any],
    notes: list[tuple[str, str, str, str | None]],
) -> None:
    """Add each note to the export and point every selection overlapping its passage at it.

    A passage no selection touches (a thread on uncoded text) hangs on the source itself.
    """
    if not items:
        return
    selections = {node.get("guid"): node for node in source if node.tag == "PlainTextSelection"}
    for item in items:
        notes.append((item.guid, item.name, item.text, item.username))
        linked = False
        for excerpt in excerpts:
            node = selections.get(str(excerpt.guid))
            if node is not None and excerpt.start < item.end and excerpt.end > item.start:
                element(node, "NoteRef", targetGUID=item.guid)
                linked = True
        if not linked:
            element(source, "NoteRef", targetGUID=item.guid)


# What each file is recorded as in the audit trail.
EXPORT_MODELS = {"decisions": "consensusdecision", "discussions": "comment"}


@transaction.atomic
def review_export_audit(*, actor: Any, project: ResearchProject, what: str, filename: str) -> None:
    """Record in the audit trail that someone downloaded a project's decisions or threads."""
    audit_record(
        actor=actor,
        action=AuditEvent.Action.EXPORT,
        model=EXPORT_MODELS[what],
        object_repr=filename,
        project_id=project.pk,
    )
