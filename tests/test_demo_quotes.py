"""The demo's consent to quote and approved quotes: fixed rules, consenting people only."""

from __future__ import annotations

from typing import Any

from coding.demo.quotes import QUOTES_PER_VALUE, demo_consent, demo_quotes_seed
from coding.findings.models import QuoteCandidate
from coding.models import Participant

from .conftest import make_excerpt, make_interview

SENTENCE = "I felt safe there, because nobody asked me to explain myself before I was ready."


def test_it_gives_the_same_consent_every_time_mostly_yes() -> None:
    answers = [demo_consent("side-by-side", f"Person {n}") for n in range(400)]
    assert answers == [demo_consent("side-by-side", f"Person {n}") for n in range(400)]
    assert 0.6 < answers.count("yes") / 400 < 0.8
    assert answers.count("no") > 20 and answers.count("not_asked") > 20


def test_it_approves_a_few_quotes_per_value_from_consenting_people(
    project: Any, peer: Any, peer2: Any
) -> None:
    excerpts = []
    for n in range(8):
        interview = make_interview(project, f"Participant: {SENTENCE} ({n})", pseudonym=f"P{n}")
        excerpts.append(make_excerpt(interview, peer, 13, 13 + len(SENTENCE), "safety"))
    consent = {p.pk: demo_consent(project.slug, p.pseudonym) for p in Participant.objects.all()}
    assert {"yes", "no", "not_asked"} <= set(consent.values())  # the rule below can fail

    approved = demo_quotes_seed(project, peer, peer2)

    quotes = QuoteCandidate.objects.select_related("excerpt__interview__participant")
    chosen = [q for q in quotes if q.status == "approved"]
    assert (
        approved
        == len(chosen)
        == min(QUOTES_PER_VALUE, sum(1 for c in consent.values() if c == "yes"))
    )
    assert all(q.excerpt.interview.participant.quote_consent == "yes" for q in chosen)
    assert all(q.decided_by == peer and q.proposed_by == peer2 for q in chosen)
    # One suggestion from someone who did not say yes waits, to show it cannot be used.
    (waiting,) = [q for q in quotes if q.status == "candidate"]
    assert waiting.excerpt.interview.participant.quote_consent != "yes"
    stored = dict(Participant.objects.values_list("pk", "quote_consent"))
    assert stored == consent
    # A second run adds nothing.
    assert demo_quotes_seed(project, peer, peer2) == 0
    assert QuoteCandidate.objects.count() == len(quotes)
