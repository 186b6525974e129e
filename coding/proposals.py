"""Writes of the peer-led codebook: proposals, comments, agree/disagree and a lead's decision.

Every service validates first, raises `CodingError` with a sentence for the person, and writes
inside one transaction together with its audit record. Accepting a proposal changes the
codebook (`changes.py`) and makes a new version.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import transaction
from django.utils import timezone

from . import changes
from .access import ADMIN, PEER_RESEARCHER
from .audit import audit_record, snapshot
from .models import (
    AuditEvent,
    CodebookValue,
    Excerpt,
    ExcerptValue,
    Membership,
    Proposal,
    ProposalComment,
    ProposalVote,
    ResearchProject,
)
from .services import VALUE_NAME_LIMIT, CodingError
from .versions import current_version, version_create

REASON_MISSING = "Say why you propose this change: the team decides on the reason."
DECISION_REASON_MISSING = "Give a reason for the decision: the team will read it."
UNKNOWN_KIND = "Choose what kind of change you propose."
VALUE_MISSING = "Choose the value the change is about."
VALUE_NOT_IN_CODEBOOK = "The value “{name}” is not in this project’s codebook."
VALUE_RETIRED = "The value “{name}” has been retired already."
FRAMEWORK_IS_SHARED = (
    "“{name}” is one of the framework values every project shares, so one project cannot "
    "change it. Propose a value of your project’s own, or merge a value into it."
)
NAME_MISSING = "Give the value a name."
NAME_TAKEN = "There is already a value “{name}” in this project’s codebook."
MERGE_TARGET_MISSING = "Choose the value to merge “{name}” into."
MERGE_INTO_ITSELF = "A value cannot be merged into itself."
SPLIT_NAMES_NEEDED = "Give the two new values a name each, and two different names."
NOTHING_TO_REDEFINE = "Write at least one of the definitions you propose."
EXAMPLE_NOT_IN_PROJECT = "Example excerpts must come from this project’s interviews."
COMMENT_EMPTY = "Write a comment first."
COMMENT_TOO_LONG = "A comment can be at most {limit} characters long."
PROPOSAL_CLOSED = "This proposal has been decided already, so it cannot change."
LEADS_ONLY = "Only a project lead can accept or decline a proposal."
NOT_A_PEER_RESEARCHER = "Only the project’s peer researchers can propose and discuss changes."
NOT_YOUR_PROPOSAL = "Only the person who made a proposal can withdraw it."
NOT_YOUR_DEFINITION = "Only the person who made a proposal can change its definition."
ONLY_AN_ADDITION_IS_DEFINED = (
    "Only a proposal to add a value has its definition written here: to change the definition "
    "of a value already in the codebook, propose a redefinition."
)
SHORT_DEFINITION_MISSING = "Write a short definition: a sentence saying what the value means."
SHORT_DEFINITION_TOO_LONG = "A short definition can be at most {limit} characters long."
SHORT_DEFINITION_LIMIT = 300
VALUE_BUSY = "“{name}” already has an open proposal: discuss that one first."

COMMENT_LIMIT = 5_000
TEXT_LIMIT = 10_000


def _text(value: Any, limit: int = TEXT_LIMIT) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise CodingError("Texts must be written as text.")
    return value.strip()[:limit]


def member_role(project: ResearchProject, user: Any) -> str | None:
    if user.is_staff:
        return ADMIN
    return (
        Membership.objects.filter(project=project, user=user).values_list("role", flat=True).first()
    )


def is_lead(project: ResearchProject, user: Any) -> bool:
    """Leads decide proposals; admins may too, so a team without a lead is never stuck."""
    if user.is_staff:
        return True
    return Membership.objects.filter(project=project, user=user, is_lead=True).exists()


def _must_take_part(project: ResearchProject, user: Any) -> None:
    if member_role(project, user) not in (ADMIN, PEER_RESEARCHER):
        raise CodingError(NOT_A_PEER_RESEARCHER, status=403)


def _project_value(project: ResearchProject, value: Any, *, own: bool) -> CodebookValue:
    if not isinstance(value, CodebookValue):
        raise CodingError(VALUE_MISSING)
    if value.project_id not in (None, project.pk) or value.status == value.Status.PROPOSED:
        raise CodingError(VALUE_NOT_IN_CODEBOOK.format(name=value.name))
    if not value.is_active:
        raise CodingError(VALUE_RETIRED.format(name=value.name))
    if own and value.project_id is None:
        raise CodingError(FRAMEWORK_IS_SHARED.format(name=value.name))
    return value


def name_free(project: ResearchProject, name: str, *, except_value: Any = None) -> str:
    """Return the tidied name if no value of the project's codebook has it."""
    name = " ".join(name.split()) if isinstance(name, str) else ""
    if not name:
        raise CodingError(NAME_MISSING)
    if len(name) > VALUE_NAME_LIMIT:
        raise CodingError(f"A value’s name can be at most {VALUE_NAME_LIMIT} characters long.")
    clash = CodebookValue.objects.for_project(project).filter(name__iexact=name)
    if except_value is not None:
        clash = clash.exclude(pk=except_value.pk)
    if clash.exists():
        raise CodingError(NAME_TAKEN.format(name=name))
    return name


def _examples(project: ResearchProject, examples: Iterable[Any]) -> list[Excerpt]:
    chosen = list(examples or [])
    for excerpt in chosen:
        if not isinstance(excerpt, Excerpt) or excerpt.interview.project_id != project.pk:
            raise CodingError(EXAMPLE_NOT_IN_PROJECT)
    return chosen


def proposal_state(proposal: Proposal) -> dict[str, Any]:
    state = snapshot(
        proposal,
        (
            "kind",
            "status",
            "value",
            "into",
            "name",
            "short_definition",
            "definition",
            "when_to_use",
            "when_not_to_use",
            "split_names",
            "reason",
            "decision_reason",
        ),
    )
    state["examples"] = sorted(proposal.examples.values_list("pk", flat=True))
    return state


def _audit(actor: Any, action: str, instance: Any, project: ResearchProject, **kw: Any) -> None:
    audit_record(actor=actor, action=action, instance=instance, project_id=project.pk, **kw)


@contextmanager
def proposal_audit(proposal: Proposal, actor: Any) -> Iterator[None]:
    """Record what the block changes in a proposal: its state before and after, one event."""
    before = proposal_state(proposal)
    yield
    _audit(
        actor,
        AuditEvent.Action.UPDATE,
        proposal,
        proposal.project,
        before=before,
        after=proposal_state(proposal),
    )


@transaction.atomic
def proposal_create(
    *,
    project: ResearchProject,
    actor: Any,
    kind: Any,
    reason: Any,
    value: CodebookValue | None = None,
    into: CodebookValue | None = None,
    name: Any = "",
    short_definition: Any = "",
    definition: Any = "",
    when_to_use: Any = "",
    when_not_to_use: Any = "",
    split_names: Any = (),
    examples: Iterable[Excerpt] = (),
) -> Proposal:
    """Propose a change to a project's codebook, for the team to discuss and a lead to decide."""
    _must_take_part(project, actor)
    if kind not in Proposal.Kind.values:
        raise CodingError(UNKNOWN_KIND)
    reason = _text(reason)
    if not reason:
        raise CodingError(REASON_MISSING)
    proposal = Proposal(
        project=project,
        kind=kind,
        reason=reason,
        proposed_by=actor,
        short_definition=_text(short_definition, 300),
        definition=_text(definition),
        when_to_use=_text(when_to_use),
        when_not_to_use=_text(when_not_to_use),
    )
    if kind == Proposal.Kind.ADD:
        if value is not None:  # a provisional value made while coding
            proposal.value = value
            proposal.name = value.name
        else:
            proposal.name = name_free(project, name)
    else:
        proposal.value = _project_value(project, value, own=True)
        if Proposal.objects.filter(value=proposal.value, status=Proposal.Status.OPEN).exists():
            raise CodingError(VALUE_BUSY.format(name=proposal.value.name), status=409)
    if kind == Proposal.Kind.RENAME:
        proposal.name = name_free(project, name, except_value=proposal.value)
    elif (
        kind == Proposal.Kind.REDEFINE
        and not any(getattr(proposal, f) for f in ("short_definition", "definition", "when_to_use"))
        and not proposal.when_not_to_use
    ):
        raise CodingError(NOTHING_TO_REDEFINE)
    elif kind == Proposal.Kind.MERGE:
        if into is None:
            raise CodingError(MERGE_TARGET_MISSING.format(name=proposal.value.name))
        proposal.into = _project_value(project, into, own=False)
        if proposal.into.pk == proposal.value.pk:
            raise CodingError(MERGE_INTO_ITSELF)
    elif kind == Proposal.Kind.SPLIT:
        names = [" ".join(n.split()) for n in split_names or () if isinstance(n, str)]
        names = [n for n in names if n]
        if len(names) != 2 or names[0].casefold() == names[1].casefold():
            raise CodingError(SPLIT_NAMES_NEEDED)
        proposal.split_names = [name_free(project, n) for n in names]
    proposal.value_name = proposal.value.name if proposal.value else ""
    proposal.into_name = proposal.into.name if proposal.into else ""
    chosen = _examples(project, examples)
    proposal.full_clean()
    proposal.save()
    proposal.examples.set(chosen)
    _audit(actor, AuditEvent.Action.CREATE, proposal, project, after=proposal_state(proposal))
    return proposal


def _open(proposal: Proposal) -> Proposal:
    locked = Proposal.objects.select_for_update().select_related("project").get(pk=proposal.pk)
    if not locked.is_open:
        raise CodingError(PROPOSAL_CLOSED, status=409)
    return locked


@transaction.atomic
def proposal_comment(*, proposal: Proposal, actor: Any, text: Any) -> ProposalComment:
    """Add a member's comment to a proposal (also after it is decided: talk goes on)."""
    _must_take_part(proposal.project, actor)
    text = _text(text, COMMENT_LIMIT + 1)
    if not text:
        raise CodingError(COMMENT_EMPTY)
    if len(text) > COMMENT_LIMIT:
        raise CodingError(COMMENT_TOO_LONG.format(limit=COMMENT_LIMIT))
    comment = ProposalComment(proposal=proposal, author=actor, text=text)
    comment.full_clean()
    comment.save()
    _audit(actor, AuditEvent.Action.CREATE, comment, proposal.project, after={"text": text})
    return comment


@transaction.atomic
def proposal_vote(*, proposal: Proposal, actor: Any, agrees: bool) -> ProposalVote:
    """Record that a member agrees or disagrees with an open proposal (a second say replaces
    the first)."""
    _must_take_part(proposal.project, actor)
    proposal = _open(proposal)
    vote = ProposalVote.objects.filter(proposal=proposal, member=actor).first()
    before = {"agrees": vote.agrees} if vote else None
    if vote is None:
        vote = ProposalVote(proposal=proposal, member=actor, agrees=bool(agrees))
    vote.agrees = bool(agrees)
    vote.full_clean()
    vote.save()
    action = AuditEvent.Action.UPDATE if before else AuditEvent.Action.CREATE
    _audit(actor, action, vote, proposal.project, before=before, after={"agrees": vote.agrees})
    return vote


@transaction.atomic
def proposal_define(
    *, proposal: Proposal, actor: Any, short_definition: Any, definition: Any = ""
) -> Proposal:
    """The proposer writes or changes the definition of a value they propose to add, until it
    is decided (a value made while coding often has none); a provisional value follows, and
    acceptance carries it into the codebook."""
    proposal = _open(proposal)
    if proposal.proposed_by_id != actor.pk:
        raise CodingError(NOT_YOUR_DEFINITION, status=403)
    if proposal.kind != Proposal.Kind.ADD:
        raise CodingError(ONLY_AN_ADDITION_IS_DEFINED)
    short = _text(short_definition, SHORT_DEFINITION_LIMIT + 1)
    if not short:
        raise CodingError(SHORT_DEFINITION_MISSING)
    if len(short) > SHORT_DEFINITION_LIMIT:
        raise CodingError(SHORT_DEFINITION_TOO_LONG.format(limit=SHORT_DEFINITION_LIMIT))
    # Without a full definition the short one stands for both, as when made while coding.
    full = _text(definition) or short
    with proposal_audit(proposal, actor):
        proposal.short_definition, proposal.definition = short, full
        proposal.full_clean()
        proposal.save(update_fields=["short_definition", "definition"])
        if proposal.value_id:
            changes.provisional_define(
                value=proposal.value, actor=actor, short_definition=short, definition=full
            )
    return proposal


@transaction.atomic
def proposal_withdraw(*, proposal: Proposal, actor: Any) -> Proposal:
    """Withdraw one's own open proposal; a provisional value it brought is retired with it."""
    proposal = _open(proposal)
    if proposal.proposed_by_id != actor.pk:
        raise CodingError(NOT_YOUR_PROPOSAL, status=403)
    with proposal_audit(proposal, actor):
        proposal.status = Proposal.Status.WITHDRAWN
        proposal.save(update_fields=["status"])
        if proposal.kind == Proposal.Kind.ADD and proposal.value_id:
            changes.value_retire(proposal.value, actor=actor, project=proposal.project)
    return proposal


@transaction.atomic
def proposal_decide(*, proposal: Proposal, actor: Any, accept: bool, reason: Any) -> Proposal:
    """A lead accepts (the codebook changes and a new version is made) or declines a proposal."""
    if not is_lead(proposal.project, actor):
        raise CodingError(LEADS_ONLY, status=403)
    reason = _text(reason)
    if not reason:
        raise CodingError(DECISION_REASON_MISSING)
    proposal = _open(proposal)
    # Make sure the codebook as it stands now is a version before the change is made.
    current_version(proposal.project)
    with proposal_audit(proposal, actor):
        proposal.status = Proposal.Status.ACCEPTED if accept else Proposal.Status.DECLINED
        proposal.decided_by = actor
        proposal.decided_at = timezone.now()
        proposal.decision_reason = reason
        proposal.full_clean()
        proposal.save()
        if accept:
            # The title is read before the change: after a rename it would name the new name twice.
            summary = proposal.title[:1].upper() + proposal.title[1:]
            moved = changes.proposal_apply(proposal, actor=actor)
            version = version_create(
                project=proposal.project,
                actor=actor,
                summary=summary,
                reason=f"{proposal.reason}\n\nDecision: {reason}",
                proposal=proposal,
            )
            # Tags a merge moved were remade under the new version.
            ExcerptValue.objects.filter(pk__in=moved).update(version=version)
        elif proposal.kind == Proposal.Kind.ADD and proposal.value_id:
            # A declined provisional value stays on its proposer's excerpts until they recode or
            # delete them (the decision page offers both); nobody can apply it any more.
            changes.value_retire(proposal.value, actor=actor, project=proposal.project)
    return proposal
