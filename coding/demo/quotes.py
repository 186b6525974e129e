"""Demo of quotes for the findings: participants' consent to quote (mostly yes, some no, some
not asked) and, per value and project, a few quotes a lead approved, from people who said yes.

All of it decided by fixed rules (a hash of the pseudonym, the excerpts' reading order), so
every fresh `make run` shows the same findings pack. Written in a few bulk queries: the demo
is synthetic, so no audit events are recorded for it.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.utils import timezone

from ..findings.models import QuoteCandidate
from ..models import ExcerptValue, Participant, ResearchProject

QUOTES_PER_VALUE = 3
# A quote a reader takes in at a glance: long enough to say something, short enough to read.
MIN_CHARS, MAX_CHARS = 60, 320
CAPTIONS = {
    "experience-in-common": "Being with people who have been through the same things",
    "safety": "Feeling safe enough to say how things really are",
    "choice-and-control": "Deciding for yourself how and when to take part",
    "two-way-interactions": "Giving support as well as getting it",
    "human-connection": "Feeling close to other people again",
    "freedom-to-be-oneself": "Not having to pretend to be someone else",
    "trust": "Trusting the people in the group",
}
WAITING_CAPTION = "This one says a lot, but we need to check we may use it"


def demo_consent(project_slug: str, pseudonym: str) -> str:
    """Seven in ten yes, the rest no or not asked, fixed by a hash of the pseudonym."""
    digest = hashlib.sha256(f"{project_slug}/{pseudonym}".encode()).digest()
    bucket = digest[0] % 20
    if bucket < 14:
        return Participant.QuoteConsent.YES
    if bucket < 17:
        return Participant.QuoteConsent.NO
    return Participant.QuoteConsent.NOT_ASKED


def demo_quotes_seed(project: ResearchProject, lead: Any, peer: Any) -> int:
    """Give the project's participants their consent and approve a few quotes per value;
    0 when the project already has quotes (a later run changes nothing)."""
    if QuoteCandidate.objects.filter(excerpt__interview__project=project).exists():
        return 0
    participants = list(project.participants.only("pk", "pseudonym"))
    for answer in Participant.QuoteConsent.values:
        ids = [p.pk for p in participants if demo_consent(project.slug, p.pseudonym) == answer]
        Participant.objects.filter(pk__in=ids).update(quote_consent=answer)
    tags = (
        ExcerptValue.objects.filter(
            excerpt__interview__project=project,
            excerpt__coder=lead,
            excerpt__is_consensus=False,
            value__is_active=True,
        )
        .order_by("value__order", "value_id", "excerpt__interview_id", "excerpt__start")
        .values_list(
            "excerpt_id",
            "value_id",
            "value__slug",
            "value__name",
            "excerpt__text",
            "excerpt__interview__participant_id",
            "excerpt__interview__participant__quote_consent",
        )
    )
    now = timezone.now()
    chosen: list[QuoteCandidate] = []
    taken: dict[int, set[int]] = {}  # value -> participants already quoted for it
    waiting: set[int] = set()  # values with a candidate from someone who did not say yes
    for excerpt_id, value_id, slug, name, text, participant_id, consent in tags:
        if not MIN_CHARS <= len(text) <= MAX_CHARS:
            continue
        people = taken.setdefault(value_id, set())
        caption = CAPTIONS.get(slug, f"What {name.lower()} meant to this person")
        if consent != Participant.QuoteConsent.YES:
            # One suggestion per value waits on the Quotes page: it cannot be approved.
            if value_id not in waiting:
                waiting.add(value_id)
                chosen.append(_candidate(excerpt_id, value_id, WAITING_CAPTION, peer))
            continue
        if len(people) >= QUOTES_PER_VALUE or participant_id in people:
            continue
        people.add(participant_id)
        quote = _candidate(excerpt_id, value_id, caption, peer)
        quote.status = QuoteCandidate.Status.APPROVED
        quote.decided_by = lead
        quote.decided_at = now
        chosen.append(quote)
    QuoteCandidate.objects.bulk_create(chosen, batch_size=500)
    return sum(1 for q in chosen if q.status == QuoteCandidate.Status.APPROVED)


def _candidate(excerpt_id: int, value_id: int, caption: str, peer: Any) -> QuoteCandidate:
    return QuoteCandidate(
        excerpt_id=excerpt_id, value_id=value_id, caption=caption, proposed_by=peer
    )
