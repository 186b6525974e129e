"""Choosing quotes: propose, approve or decline, remove, and the attribution setting."""

from __future__ import annotations

from typing import Any

import pytest

from coding.findings import candidates as svc
from coding.findings.models import QuoteCandidate
from coding.models import AuditEvent, CodebookValue, Membership, Participant, ResearchProject
from coding.services.checks import CodingError

from .conftest import make_excerpt, make_interview, make_user


@pytest.fixture
def lead(project: Any) -> Any:
    user = make_user("lee-lead")
    Membership.objects.create(user=user, project=project, role="peer_researcher", is_lead=True)
    return user


@pytest.fixture
def excerpt(project: Any, peer: Any) -> Any:
    interview = make_interview(project, pseudonym="Willow")
    Participant.objects.filter(pk=interview.participant_id).update(quote_consent="yes")
    start = interview.text.index("I felt")
    return make_excerpt(interview, peer, start, start + 15, "safety", "human-connection")


def value_id(project: Any, slug: str = "safety") -> int:
    return CodebookValue.objects.for_project(project).get(slug=slug).pk


def propose(excerpt: Any, user: Any, slug: str = "safety", caption: Any = "Feeling safe") -> Any:
    project = excerpt.interview.project
    return svc.quote_propose(
        excerpt=excerpt, value_id=value_id(project, slug), caption=caption, user=user
    )


def refusal(call: Any) -> CodingError:
    with pytest.raises(CodingError) as raised:
        call()
    return raised.value


# --- proposing -----------------------------------------------------------------------------------


def test_it_lets_a_peer_researcher_propose_with_a_caption(excerpt: Any, peer2: Any) -> None:
    candidate = propose(excerpt, peer2, caption="  Feeling   safe\u0007 there ")

    assert candidate.status == QuoteCandidate.Status.CANDIDATE
    assert candidate.caption == "Feeling safe there"
    assert candidate.proposed_by == peer2
    event = AuditEvent.objects.get(model="quotecandidate", action="create")
    assert event.after["caption"] == "Feeling safe there"
    assert event.participant_id == excerpt.interview.participant_id


def test_it_refuses_evaluators_and_outsiders(excerpt: Any, evaluator: Any, outsider: Any) -> None:
    for user in (evaluator, outsider):
        error = refusal(lambda u=user: propose(excerpt, u))
        assert (error.message, error.status) == (svc.NOT_A_PEER_RESEARCHER, 403)
    assert not QuoteCandidate.objects.exists()


@pytest.mark.parametrize(
    ("caption", "message"),
    [
        ("", svc.CAPTION_MISSING),
        ("   ", svc.CAPTION_MISSING),
        (None, svc.CAPTION_MISSING),
        ("x" * 201, svc.CAPTION_TOO_LONG.format(limit=200)),
        (42, svc.CAPTION_NOT_TEXT),
    ],
)
def test_it_refuses_a_bad_caption(excerpt: Any, peer: Any, caption: Any, message: str) -> None:
    assert refusal(lambda: propose(excerpt, peer, caption=caption)).message == message
    assert not AuditEvent.objects.filter(model="quotecandidate").exists()


def test_it_refuses_a_value_the_excerpt_does_not_have(excerpt: Any, peer: Any) -> None:
    error = refusal(lambda: propose(excerpt, peer, slug="choice-and-control"))
    assert error.message == svc.NOT_ITS_VALUE


def test_it_refuses_the_same_excerpt_and_value_twice(excerpt: Any, peer: Any, peer2: Any) -> None:
    propose(excerpt, peer)
    error = refusal(lambda: propose(excerpt, peer2))
    assert (error.message, error.status) == (svc.ALREADY_CANDIDATE.format(value="Safety"), 409)
    # Another of its values is a different candidate.
    assert propose(excerpt, peer2, slug="human-connection").value.slug == "human-connection"


# --- deciding ------------------------------------------------------------------------------------


def test_it_lets_a_lead_approve_and_records_it(excerpt: Any, peer: Any, lead: Any) -> None:
    candidate = svc.quote_decide(candidate=propose(excerpt, peer), user=lead, approve=True)

    candidate.refresh_from_db()
    assert candidate.status == "approved" and candidate.decided_by == lead
    assert candidate.decided_at is not None
    event = AuditEvent.objects.get(model="quotecandidate", action="update")
    assert (event.before["status"], event.after["status"]) == ("candidate", "approved")


def test_it_lets_a_lead_decline_with_a_reason(excerpt: Any, peer: Any, lead: Any) -> None:
    candidate = svc.quote_decide(
        candidate=propose(excerpt, peer), user=lead, approve=False, reason="Too long to read."
    )
    assert (candidate.status, candidate.decision_reason) == ("declined", "Too long to read.")


def test_it_lets_only_leads_and_admins_decide(
    excerpt: Any, peer: Any, peer2: Any, evaluator: Any, admin_user: Any
) -> None:
    candidate = propose(excerpt, peer)
    for user in (peer, peer2, evaluator):
        error = refusal(lambda u=user: svc.quote_decide(candidate=candidate, user=u, approve=True))
        assert (error.message, error.status) == (svc.LEADS_ONLY, 403)
    assert svc.quote_decide(candidate=candidate, user=admin_user, approve=True).status == "approved"


@pytest.mark.parametrize("consent", ["no", "not_asked"])
def test_it_cannot_approve_without_consent(
    excerpt: Any, peer: Any, lead: Any, consent: str
) -> None:
    Participant.objects.filter(pk=excerpt.interview.participant_id).update(quote_consent=consent)
    candidate = propose(excerpt, peer)

    error = refusal(lambda: svc.quote_decide(candidate=candidate, user=lead, approve=True))

    assert error.message == svc.NO_CONSENT == "Cannot be used: no consent to quote."
    candidate.refresh_from_db()
    assert candidate.status == "candidate"
    # Declining stays possible.
    assert svc.quote_decide(candidate=candidate, user=lead, approve=False).status == "declined"


def test_it_cannot_approve_once_the_excerpt_lost_the_value(
    excerpt: Any, peer: Any, lead: Any
) -> None:
    candidate = propose(excerpt, peer)
    excerpt.tags.filter(value__slug="safety").delete()

    error = refusal(lambda: svc.quote_decide(candidate=candidate, user=lead, approve=True))
    assert error.message == svc.NO_LONGER_TAGGED


def test_it_refuses_a_reason_that_is_too_long(excerpt: Any, peer: Any, lead: Any) -> None:
    candidate = propose(excerpt, peer)
    error = refusal(
        lambda: svc.quote_decide(candidate=candidate, user=lead, approve=False, reason="x" * 1001)
    )
    assert error.message == svc.REASON_TOO_LONG.format(limit=1000)


# --- removing ------------------------------------------------------------------------------------


def test_it_lets_the_proposer_remove_a_waiting_candidate(excerpt: Any, peer: Any) -> None:
    svc.quote_remove(candidate=propose(excerpt, peer), user=peer)
    assert not QuoteCandidate.objects.exists()
    assert AuditEvent.objects.filter(model="quotecandidate", action="delete").count() == 1


def test_it_keeps_a_decided_or_someone_elses_candidate_from_a_peer(
    excerpt: Any, peer: Any, peer2: Any, lead: Any
) -> None:
    candidate = propose(excerpt, peer)
    assert refusal(lambda: svc.quote_remove(candidate=candidate, user=peer2)).status == 403
    svc.quote_decide(candidate=candidate, user=lead, approve=True)
    assert refusal(lambda: svc.quote_remove(candidate=candidate, user=peer)).status == 403
    svc.quote_remove(candidate=candidate, user=lead)
    assert not QuoteCandidate.objects.exists()


def test_it_goes_with_its_excerpt(excerpt: Any, peer: Any) -> None:
    propose(excerpt, peer)
    excerpt.delete()
    assert not QuoteCandidate.objects.exists()


# --- the attribution setting ---------------------------------------------------------------------


def test_it_lets_a_lead_or_admin_set_attribution(project: Any, lead: Any, admin_user: Any) -> None:
    svc.quote_attribution_set(project=project, user=lead, attribution="pseudonym")
    project.refresh_from_db()
    assert project.quote_attribution == ResearchProject.QuoteAttribution.PSEUDONYM
    svc.quote_attribution_set(project=project, user=admin_user, attribution="none")
    project.refresh_from_db()
    assert project.quote_attribution == "none"
    events = AuditEvent.objects.filter(model="researchproject").order_by("pk")
    assert [e.after for e in events] == [
        {"quote_attribution": "pseudonym"},
        {"quote_attribution": "none"},
    ]


def test_it_refuses_attribution_from_others_and_unknown_choices(
    project: Any, peer: Any, lead: Any
) -> None:
    error = refusal(
        lambda: svc.quote_attribution_set(project=project, user=peer, attribution="pseudonym")
    )
    assert (error.message, error.status) == (svc.SETTING_LEADS_ONLY, 403)
    error = refusal(
        lambda: svc.quote_attribution_set(project=project, user=lead, attribution="full name")
    )
    assert error.message == svc.UNKNOWN_ATTRIBUTION
    project.refresh_from_db()
    assert project.quote_attribution == "none"


# --- the database's own rules --------------------------------------------------------------------


def test_it_keeps_unknown_answers_and_settings_out_of_the_database(project: Any) -> None:
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Participant.objects.create(project=project, pseudonym="X", quote_consent="maybe")
    with pytest.raises(IntegrityError), transaction.atomic():
        ResearchProject.objects.filter(pk=project.pk).update(quote_attribution="full name")


def test_it_keeps_a_decision_without_its_maker_out_of_the_database(excerpt: Any, peer: Any) -> None:
    from django.db import IntegrityError, transaction

    candidate = propose(excerpt, peer)
    with pytest.raises(IntegrityError), transaction.atomic():
        QuoteCandidate.objects.filter(pk=candidate.pk).update(status="approved")
    with pytest.raises(IntegrityError), transaction.atomic():
        QuoteCandidate.objects.filter(pk=candidate.pk).update(status="published")
