"""publishable_quotes(): the one gate between chosen excerpts and a findings pack."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from coding.findings.models import QuoteCandidate
from coding.findings.quotes import PublishableQuote, publishable_quotes
from coding.models import CodebookValue, ExcerptValue, Participant, ResearchProject

from .conftest import make_excerpt, make_interview, make_user

TEXT = "Interviewer: How was it?\nParticipant: I felt safe there and people listened to me."


def _quote(
    project: ResearchProject,
    coder: Any,
    lead: Any,
    *,
    pseudonym: str,
    consent: str = "yes",
    status: str = "approved",
    slug: str = "safety",
    minutes: int = 0,
) -> QuoteCandidate:
    interview = make_interview(project, f"{TEXT} ({pseudonym})", pseudonym=pseudonym)
    Participant.objects.filter(pk=interview.participant_id).update(quote_consent=consent)
    start = TEXT.index("I felt")
    excerpt = make_excerpt(interview, coder, start, start + 16, slug)
    value = CodebookValue.objects.for_project(project).get(slug=slug)
    decided = status != "candidate"
    return QuoteCandidate.objects.create(
        excerpt=excerpt,
        value=value,
        caption=f"Caption for {pseudonym}",
        proposed_by=coder,
        status=status,
        decided_by=lead if decided else None,
        decided_at=timezone.now() + timedelta(minutes=minutes) if decided else None,
    )


@pytest.fixture
def people(db: Any) -> tuple[Any, Any]:
    return make_user("coder"), make_user("lead")


def test_it_returns_only_approved_candidates(project: Any, people: tuple) -> None:
    coder, lead = people
    approved = _quote(project, coder, lead, pseudonym="A")
    _quote(project, coder, lead, pseudonym="B", status="candidate")
    _quote(project, coder, lead, pseudonym="C", status="declined")

    quotes = publishable_quotes([project])

    assert [q.excerpt_id for q in quotes[approved.value_id]] == [approved.excerpt_id]


@pytest.mark.parametrize("consent", ["no", "not_asked"])
def test_it_leaves_out_participants_who_did_not_say_yes(
    project: Any, people: tuple, consent: str
) -> None:
    coder, lead = people
    yes = _quote(project, coder, lead, pseudonym="Yes")
    _quote(project, coder, lead, pseudonym="Other", consent=consent)

    quotes = publishable_quotes([project])

    assert [q.excerpt_id for q in quotes[yes.value_id]] == [yes.excerpt_id]


def test_it_returns_the_text_as_stored_after_a_redaction(project: Any, people: tuple) -> None:
    coder, lead = people
    candidate = _quote(project, coder, lead, pseudonym="A")
    excerpt = candidate.excerpt
    # A redaction masks the stored excerpt text with same-length blocks.
    excerpt.text = "I felt ████ there"[: len(excerpt.text)]
    excerpt.save(update_fields=["text"])

    (quote,) = publishable_quotes([project])[candidate.value_id]

    assert quote.text == excerpt.text
    assert quote.caption == "Caption for A"
    assert quote.project_id == project.pk
    assert quote.value_id == candidate.value_id


def test_it_attributes_by_pseudonym_only_when_the_project_says_so(
    project: Any, people: tuple
) -> None:
    coder, lead = people
    candidate = _quote(project, coder, lead, pseudonym="Wren")

    (unattributed,) = publishable_quotes([project])[candidate.value_id]
    project.quote_attribution = ResearchProject.QuoteAttribution.PSEUDONYM
    project.save()
    (attributed,) = publishable_quotes([project])[candidate.value_id]

    assert unattributed.attribution is None
    assert attributed.attribution == "Wren"


def test_it_leaves_out_excluded_projects(project: Any, other_project: Any, people: tuple) -> None:
    coder, lead = people
    here = _quote(project, coder, lead, pseudonym="A")
    _quote(other_project, coder, lead, pseudonym="B")

    quotes = publishable_quotes([project, other_project], exclude_project_ids=[other_project.pk])

    assert [q.project_id for qs in quotes.values() for q in qs] == [
        here.excerpt.interview.project_id
    ]


def test_it_leaves_out_projects_not_asked_for(
    project: Any, other_project: Any, people: tuple
) -> None:
    coder, lead = people
    _quote(other_project, coder, lead, pseudonym="B")

    assert publishable_quotes([project]) == {}


def test_it_orders_by_oldest_approval_and_keeps_per_value(project: Any, people: tuple) -> None:
    coder, lead = people
    late = _quote(project, coder, lead, pseudonym="Late", minutes=30)
    early = _quote(project, coder, lead, pseudonym="Early", minutes=10)
    middle = _quote(project, coder, lead, pseudonym="Middle", minutes=20)

    two = publishable_quotes([project], per_value=2)[late.value_id]
    every = publishable_quotes([project], per_value=5)[late.value_id]

    assert [q.excerpt_id for q in two] == [early.excerpt_id, middle.excerpt_id]
    assert [q.excerpt_id for q in every] == [e.excerpt_id for e in (early, middle, late)]


def test_it_keys_quotes_by_value(project: Any, people: tuple) -> None:
    coder, lead = people
    safety = _quote(project, coder, lead, pseudonym="A", slug="safety")
    choice = _quote(project, coder, lead, pseudonym="B", slug="choice-and-control")

    quotes = publishable_quotes([project])

    assert set(quotes) == {safety.value_id, choice.value_id}
    assert isinstance(quotes[safety.value_id][0], PublishableQuote)


def test_it_leaves_out_a_quote_whose_excerpt_lost_the_value(project: Any, people: tuple) -> None:
    coder, lead = people
    candidate = _quote(project, coder, lead, pseudonym="A")
    ExcerptValue.objects.filter(excerpt=candidate.excerpt, value=candidate.value).delete()

    assert publishable_quotes([project]) == {}


def test_it_reads_everything_in_one_query(
    project: Any, other_project: Any, people: tuple, django_assert_num_queries: Any
) -> None:
    coder, lead = people
    for n in range(4):
        _quote(project, coder, lead, pseudonym=f"P{n}")
        _quote(other_project, coder, lead, pseudonym=f"Q{n}")

    with django_assert_num_queries(1):
        publishable_quotes([project.pk, other_project.pk])


def test_it_gives_nothing_for_withdrawn_participants(project: Any, people: tuple) -> None:
    from coding.protection import participant_withdraw

    coder, lead = people
    candidate = _quote(project, coder, lead, pseudonym="Gone")
    admin = make_user("admin", staff=True)

    participant_withdraw(participant=candidate.excerpt.interview.participant, actor=admin)

    assert not QuoteCandidate.objects.exists()
    assert publishable_quotes([project]) == {}
