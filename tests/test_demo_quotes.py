"""The demo data shows a full findings pack: consent answers and approved quotes."""

from __future__ import annotations

from typing import Any

import pytest

from coding.demo.quotes import CONSENT_CYCLE, demo_quotes_seed
from coding.findings.models import QuoteCandidate
from coding.findings.quotes import publishable_quotes
from coding.models import Participant

from .conftest import make_excerpt, make_interview

pytestmark = pytest.mark.django_db

SENTENCE = "Participant: I felt safe there because the ground rules were read out every week."


def test_it_answers_consent_for_everyone_and_approves_quotes_only_from_yes(
    project: Any, peer: Any, peer2: Any
) -> None:
    for n in range(10):
        interview = make_interview(project, f"{SENTENCE} ({n})", pseudonym=f"P{n:02d}")
        make_excerpt(interview, peer, 13, len(SENTENCE), "safety")
    made = demo_quotes_seed(project, peer, peer2)
    answers = list(
        Participant.objects.order_by("pseudonym").values_list("quote_consent", flat=True)
    )
    assert answers == CONSENT_CYCLE
    quotes = QuoteCandidate.objects.select_related("excerpt__interview__participant")
    assert made == quotes.count() == 1  # the same words in every interview: shown once
    assert all(q.excerpt.interview.participant.quote_consent == "yes" for q in quotes)
    assert all(q.status == "approved" and q.decided_by == peer2 for q in quotes)
    assert sum(len(v) for v in publishable_quotes([project]).values()) == 1
    assert demo_quotes_seed(project, peer, peer2) == 0  # once only
