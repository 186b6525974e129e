"""Changing the codebook's values: what an accepted proposal does, and the recoding after it.

Called by `proposals.py` inside its transaction, and by the services of the recode pages.
Values are never deleted: a retired value keeps its tags and its history; a merge moves the
tags and remembers where they came from (`ExcerptValue.recoded_from`).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils.text import slugify

from .audit import audit_record, snapshot
from .colours import free_colour as colour_not_in
from .models import (
    AuditEvent,
    CodebookValue,
    ConsensusDecision,
    Excerpt,
    ExcerptValue,
    Interview,
    Proposal,
    ResearchProject,
)
from .review.consensus import consensus_follow_coding
from .services import CodingError, excerpt_delete
from .versions import SNAPSHOT_FIELDS, current_version

# A version's snapshot of a value, plus where the value stands.
VALUE_FIELDS = (*SNAPSHOT_FIELDS, "status", "merged_into")
NOT_IN_QUEUE = "This excerpt is not waiting to be recoded."
RECODE_CHOICE = "Choose one of the values “{a}” or “{b}”."
NOT_YOUR_VALUE = "Only the person who made this provisional value can change it."
NOT_PROVISIONAL = "This value is part of the shared codebook now; propose a change instead."
STILL_OPEN = "The team has not decided on this value yet."
RECODE_TARGET = "Choose a value of the shared codebook to recode the excerpts to."


def _audit_value(actor: Any, action: str, value: CodebookValue, before: Any) -> None:
    audit_record(
        actor=actor,
        action=action,
        instance=value,
        project_id=value.project_id,
        before=before,
        after=snapshot(value, VALUE_FIELDS),
    )


def shared_codebook(project: ResearchProject) -> QuerySet[CodebookValue]:
    return CodebookValue.objects.for_project(project).shared()


def free_shortcut(project: ResearchProject) -> str:
    """A key 1-9 no active value of the project's shared codebook uses ("" when all are)."""
    used = set(shared_codebook(project).active().values_list("shortcut", flat=True))
    return next((k for k in "123456789" if k not in used), "")


def free_colour(project: ResearchProject) -> str:
    used = set(CodebookValue.objects.for_project(project).values_list("colour", flat=True))
    return colour_not_in(used)


def free_slug(project: ResearchProject, name: str) -> str:
    base = slugify(name)[:50] or "value"
    taken = set(CodebookValue.objects.for_project(project).values_list("slug", flat=True))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _next_order(project: ResearchProject) -> int:
    top = CodebookValue.objects.for_project(project).aggregate(top=Max("order"))["top"]
    return (top or 0) + 1


def value_new(
    project: ResearchProject, actor: Any, name: str, *, proposed: bool = False, **texts: str
) -> CodebookValue:
    """Make a value of the project's own: shared with a free key, or provisional without one."""
    value = CodebookValue(
        project=project,
        slug=free_slug(project, name),
        name=name,
        colour=free_colour(project),
        shortcut="" if proposed else free_shortcut(project),
        order=_next_order(project),
        status=CodebookValue.Status.PROPOSED if proposed else CodebookValue.Status.ACTIVE,
        proposed_by=actor if proposed else None,
        **texts,
    )
    value.full_clean()
    value.save()
    _audit_value(actor, AuditEvent.Action.CREATE, value, None)
    return value


def value_retire(value: CodebookValue, *, actor: Any, project: ResearchProject) -> None:
    before = snapshot(value, VALUE_FIELDS)
    value.is_active = False
    value.status = CodebookValue.Status.RETIRED
    value.full_clean()
    value.save()
    _audit_value(actor, AuditEvent.Action.UPDATE, value, before)


def _definitions(proposal: Proposal) -> dict[str, str]:
    names = ("short_definition", "definition", "when_to_use", "when_not_to_use")
    return {n: getattr(proposal, n) for n in names if getattr(proposal, n)}


def proposal_apply(proposal: Proposal, *, actor: Any) -> list[int]:
    """Make an accepted proposal's change; return the ids of tags a merge moved."""
    from .proposals import name_free  # it builds on this module

    project, kind, value = proposal.project, proposal.kind, proposal.value
    examples = list(proposal.examples.all())
    # A name may have been taken since the proposal was made: refuse with a sentence.
    if kind == Proposal.Kind.SPLIT:
        for name in proposal.split_names:
            name_free(project, name)
    elif kind == Proposal.Kind.RENAME or (kind == Proposal.Kind.ADD and value is None):
        name_free(project, proposal.name, except_value=value)
    if kind == Proposal.Kind.ADD:
        if value is None:
            value = value_new(project, actor, proposal.name, **_definitions(proposal))
            proposal.value = value
            proposal.save(update_fields=["value"])
        else:  # a provisional value joins the shared codebook with a key nobody uses
            before = snapshot(value, VALUE_FIELDS)
            value.status = CodebookValue.Status.ACTIVE
            value.proposed_by = None  # the proposal keeps who made it
            value.shortcut = free_shortcut(project)
            for name, text in _definitions(proposal).items():
                setattr(value, name, text)
            value.full_clean()
            value.save()
            _audit_value(actor, AuditEvent.Action.UPDATE, value, before)
        value.examples.add(*examples)
        return []
    before = snapshot(value, VALUE_FIELDS)
    if kind == Proposal.Kind.RENAME:
        value.name = proposal.name
    elif kind == Proposal.Kind.REDEFINE:
        for name, text in _definitions(proposal).items():
            setattr(value, name, text)
        value.examples.add(*examples)
    elif kind == Proposal.Kind.RETIRE:
        value.is_active = False
        value.status = CodebookValue.Status.RETIRED
    elif kind == Proposal.Kind.MERGE:
        value.is_active = False
        value.status = CodebookValue.Status.RETIRED
        value.merged_into = proposal.into
    elif kind == Proposal.Kind.SPLIT:
        value.is_active = False
        value.status = CodebookValue.Status.RETIRED
        made = [value_new(project, actor, name) for name in proposal.split_names]
        proposal.made_values.set(made)
        proposal.recode_total = split_queue(proposal).count()
        proposal.save(update_fields=["recode_total"])
    value.full_clean()
    value.save()
    _audit_value(actor, AuditEvent.Action.UPDATE, value, before)
    if kind == Proposal.Kind.MERGE:
        return _merge_tags(proposal, actor)
    return []


def _merge_tags(proposal: Proposal, actor: Any) -> list[int]:
    """Move value A's tags in this project to B at once; where B is already there, drop A's."""
    a, b = proposal.value, proposal.into
    tags = ExcerptValue.objects.filter(value=a, excerpt__interview__project=proposal.project)
    doubled = tags.filter(excerpt__tags__value=b)
    dropped = list(doubled.values_list("pk", flat=True))
    ExcerptValue.objects.filter(pk__in=dropped).delete()
    moved = list(tags.values_list("pk", flat=True))
    ExcerptValue.objects.filter(pk__in=moved).update(value=b, recoded_from=a)
    # Decided interviews' consensus layers follow the recoding (as after any coding write).
    decided = ConsensusDecision.objects.filter(interview__project=proposal.project)
    for interview in Interview.objects.filter(pk__in=decided.values("interview_id")):
        consensus_follow_coding(interview)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        model="excerptvalue",
        object_repr=f"{a.name} merged into {b.name}",
        project_id=proposal.project_id,
        before={"value": a.slug, "tags": sorted(moved + dropped)},
        after={"value": b.slug, "moved": sorted(moved), "already_there": sorted(dropped)},
    )
    return moved


def split_queue(proposal: Proposal) -> QuerySet[ExcerptValue]:
    """The tags of a split value still waiting to be recoded to one of its two new values."""
    return ExcerptValue.objects.filter(
        value_id=proposal.value_id, excerpt__interview__project_id=proposal.project_id
    )


@transaction.atomic
def recode_assign(
    *, proposal: Proposal, tag_id: Any, to: CodebookValue, actor: Any
) -> ExcerptValue:
    """Recode one excerpt of a split's queue to one of the two new values."""
    tag = (
        split_queue(proposal)
        .select_for_update()
        .select_related("excerpt__interview")
        .filter(pk=tag_id)
        .first()
    )
    if tag is None:
        raise CodingError(NOT_IN_QUEUE, status=409)
    made = list(proposal.made_values.all())
    if to.pk not in {v.pk for v in made}:
        raise CodingError(RECODE_CHOICE.format(a=made[0].name, b=made[1].name))
    return _recode(tag, to, actor)


def _recode(tag: ExcerptValue, to: CodebookValue, actor: Any) -> ExcerptValue:
    """Move one tag to another value under the current version (dropping it if doubled)."""
    excerpt = tag.excerpt
    old = tag.value
    before = {"value": old.slug}
    if ExcerptValue.objects.filter(excerpt=excerpt, value=to).exists():
        tag.delete()
    else:
        tag.value = to
        tag.recoded_from = old
        tag.version = current_version(excerpt.interview.project_id)
        tag.save()
    consensus_follow_coding(excerpt.interview)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        instance=excerpt,
        project_id=excerpt.interview.project_id,
        participant_id=excerpt.interview.participant_id,
        before=before,
        after={"value": to.slug},
    )
    return tag


def _provisional(value: CodebookValue, actor: Any) -> None:
    if value.proposed_by_id != actor.pk:
        raise CodingError(NOT_YOUR_VALUE, status=403)


@transaction.atomic
def provisional_rename(*, value: CodebookValue, actor: Any, name: Any) -> CodebookValue:
    """The proposer renames their provisional value (its open proposal follows)."""
    from .proposals import name_free

    _provisional(value, actor)
    if value.status != CodebookValue.Status.PROPOSED:
        raise CodingError(NOT_PROVISIONAL, status=409)
    before = snapshot(value, VALUE_FIELDS)
    value.name = name_free(value.project, name, except_value=value)
    value.full_clean()
    value.save()
    Proposal.objects.filter(value=value, kind=Proposal.Kind.ADD, status="open").update(
        name=value.name, value_name=value.name
    )
    _audit_value(actor, AuditEvent.Action.UPDATE, value, before)
    return value


@transaction.atomic
def provisional_define(
    *, value: CodebookValue, actor: Any, short_definition: str, definition: str
) -> CodebookValue:
    """The proposer's definition of their provisional value, written on its open proposal."""
    _provisional(value, actor)
    if value.status != CodebookValue.Status.PROPOSED:
        raise CodingError(NOT_PROVISIONAL, status=409)
    before = snapshot(value, VALUE_FIELDS)
    value.short_definition, value.definition = short_definition, definition
    value.full_clean()
    value.save()
    _audit_value(actor, AuditEvent.Action.UPDATE, value, before)
    return value


@transaction.atomic
def provisional_resolve(*, value: CodebookValue, actor: Any, to: CodebookValue | None) -> int:
    """After a provisional value is declined or withdrawn, recode its excerpts to a value of
    the shared codebook (`to`), or delete them (`to` None); return how many excerpts."""
    _provisional(value, actor)
    if value.status != CodebookValue.Status.RETIRED:
        raise CodingError(STILL_OPEN, status=409)
    tags = list(
        ExcerptValue.objects.filter(value=value).select_related("excerpt__interview", "value")
    )
    if to is not None:
        visible = shared_codebook(value.project).active()
        if not visible.filter(pk=to.pk).exists():
            raise CodingError(RECODE_TARGET)
        for tag in tags:
            _recode(tag, to, actor)
        return len(tags)
    # An excerpt with other values keeps them; one with only this value goes.
    for tag in tags:
        excerpt: Excerpt = tag.excerpt
        if excerpt.tags.count() > 1:
            _recode_drop(tag, actor)
        else:
            excerpt_delete(excerpt=excerpt, user=actor)
    return len(tags)


def _recode_drop(tag: ExcerptValue, actor: Any) -> None:
    excerpt = tag.excerpt
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        instance=excerpt,
        project_id=excerpt.interview.project_id,
        participant_id=excerpt.interview.participant_id,
        before={"value": tag.value.slug},
        after={"value": None},
    )
    tag.delete()
    consensus_follow_coding(excerpt.interview)
