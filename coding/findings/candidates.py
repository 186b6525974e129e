"""Choosing quotes: peer researchers propose an excerpt as a quote for one of its values, a
project lead approves or declines it, and a lead or an admin sets how quotes are attributed.

Each write checks who may make it, validates, and records its audit event in one transaction.
Audit events carry the participant, so withdrawing them blanks the captions recorded here.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from ..access import ADMIN, PEER_RESEARCHER
from ..audit import audit_record, audit_scope, snapshot
from ..models import AuditEvent, Excerpt, ExcerptValue, Participant, ResearchProject
from ..proposals import is_lead, member_role
from ..services.checks import CodingError
from ..text_input import free_text
from .models import CAPTION_MAX, QuoteCandidate

REASON_MAX = 1000

CAPTION_MISSING = "Write a short caption saying, in plain words, why this quote matters."
CAPTION_TOO_LONG = "A caption can be at most {limit} characters long."
CAPTION_NOT_TEXT = "A caption must be text."
REASON_TOO_LONG = "A reason can be at most {limit} characters long."
NOT_A_PEER_RESEARCHER = "Only the project's peer researchers can choose quotes."
LEADS_ONLY = "Only a project lead (or an admin) can approve or decline quotes."
SETTING_LEADS_ONLY = "Only a project lead or an admin can change how quotes are attributed."
NOT_ITS_VALUE = "This excerpt is not coded with that value, so it cannot be its quote."
ALREADY_CANDIDATE = "This excerpt is already a candidate quote for “{value}”."
NO_CONSENT = "Cannot be used: no consent to quote."
NO_LONGER_TAGGED = "The excerpt no longer has this value, so it cannot be approved for it."
NOT_YOURS_TO_REMOVE = (
    "Only the person who proposed this quote, while it waits for a decision, or a lead can "
    "remove it."
)
NO_SUCH_QUOTE = "There is no such quote, or you cannot see it."
UNKNOWN_ATTRIBUTION = "Choose how quotes are attributed: by pseudonym, or not at all."

CANDIDATE_AUDIT_FIELDS = (
    "excerpt",
    "value",
    "caption",
    "proposed_by",
    "status",
    "decided_by",
    "decision_reason",
)


def _text(value: Any, *, limit: int, too_long: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise CodingError(CAPTION_NOT_TEXT)
    text = " ".join(free_text(value).split())
    if len(text) > limit:
        raise CodingError(too_long.format(limit=limit))
    return text


def _audit(actor: Any, action: str, candidate: QuoteCandidate, **changes: Any) -> None:
    audit_record(
        actor=actor, action=action, instance=candidate, **audit_scope(candidate), **changes
    )


def _state(candidate: QuoteCandidate) -> dict[str, Any]:
    return snapshot(candidate, CANDIDATE_AUDIT_FIELDS)


def can_choose_quotes(project: ResearchProject, user: Any) -> bool:
    return member_role(project, user) in (ADMIN, PEER_RESEARCHER)


@transaction.atomic
def quote_propose(*, excerpt: Excerpt, value_id: Any, caption: Any, user: Any) -> QuoteCandidate:
    """Mark an excerpt as a candidate quote for one of its values, with a plain caption."""
    project = excerpt.interview.project
    if not can_choose_quotes(project, user):
        raise CodingError(NOT_A_PEER_RESEARCHER, status=403)
    caption = _text(caption, limit=CAPTION_MAX, too_long=CAPTION_TOO_LONG)
    if not caption:
        raise CodingError(CAPTION_MISSING)
    tag = (
        ExcerptValue.objects.select_related("value")
        .filter(excerpt=excerpt, value_id=value_id if str(value_id).isdigit() else None)
        .first()
    )
    if tag is None:
        raise CodingError(NOT_ITS_VALUE)
    candidate = QuoteCandidate(excerpt=excerpt, value=tag.value, caption=caption, proposed_by=user)
    try:
        with transaction.atomic():
            candidate.save()
    except IntegrityError:
        raise CodingError(ALREADY_CANDIDATE.format(value=tag.value.name), status=409) from None
    _audit(user, AuditEvent.Action.CREATE, candidate, after=_state(candidate))
    return candidate


def _locked(candidate: QuoteCandidate) -> QuoteCandidate:
    return (
        QuoteCandidate.objects.select_for_update(of=("self",))
        .select_related("excerpt__interview__participant", "excerpt__interview__project", "value")
        .get(pk=candidate.pk)
    )


@transaction.atomic
def quote_decide(
    *, candidate: QuoteCandidate, user: Any, approve: bool, reason: Any = ""
) -> QuoteCandidate:
    """A lead approves or declines a candidate; a decision may be changed later."""
    candidate = _locked(candidate)
    interview = candidate.excerpt.interview
    if not is_lead(interview.project, user):
        raise CodingError(LEADS_ONLY, status=403)
    reason = _text(reason, limit=REASON_MAX, too_long=REASON_TOO_LONG)
    if approve:
        if interview.participant.quote_consent != Participant.QuoteConsent.YES:
            raise CodingError(NO_CONSENT)
        if not ExcerptValue.objects.filter(
            excerpt_id=candidate.excerpt_id, value_id=candidate.value_id
        ).exists():
            raise CodingError(NO_LONGER_TAGGED)
    before = _state(candidate)
    candidate.status = QuoteCandidate.Status.APPROVED if approve else QuoteCandidate.Status.DECLINED
    candidate.decided_by = user
    candidate.decided_at = timezone.now()
    candidate.decision_reason = reason
    candidate.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    _audit(user, AuditEvent.Action.UPDATE, candidate, before=before, after=_state(candidate))
    return candidate


@transaction.atomic
def quote_remove(*, candidate: QuoteCandidate, user: Any) -> None:
    """Take a candidate back: its proposer while it waits, or a lead at any time."""
    candidate = _locked(candidate)
    waiting_own = (
        candidate.proposed_by_id == user.pk and candidate.status == QuoteCandidate.Status.CANDIDATE
    )
    if not waiting_own and not is_lead(candidate.excerpt.interview.project, user):
        raise CodingError(NOT_YOURS_TO_REMOVE, status=403)
    before = _state(candidate)
    _audit(user, AuditEvent.Action.DELETE, candidate, before=before)
    candidate.delete()


@transaction.atomic
def quote_attribution_set(*, project: ResearchProject, user: Any, attribution: Any) -> None:
    """A lead or an admin chooses whether quotes are attributed by pseudonym or not at all."""
    if not is_lead(project, user):
        raise CodingError(SETTING_LEADS_ONLY, status=403)
    if attribution not in ResearchProject.QuoteAttribution.values:
        raise CodingError(UNKNOWN_ATTRIBUTION)
    project = ResearchProject.objects.select_for_update().get(pk=project.pk)
    before = {"quote_attribution": project.quote_attribution}
    if before["quote_attribution"] == attribution:
        return
    project.quote_attribution = attribution
    project.save(update_fields=["quote_attribution"])
    audit_record(
        actor=user,
        action=AuditEvent.Action.UPDATE,
        instance=project,
        project_id=project.pk,
        before=before,
        after={"quote_attribution": attribution},
    )
