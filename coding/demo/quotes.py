"""Demo of consent to quote and approved quotes, so that a fresh `make run` shows a full
findings pack: most participants said yes, some no, some were not asked; two or three approved
quotes per value come from those who said yes."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from ..findings.models import QuoteCandidate
from ..models import CodebookValue, Excerpt, Participant, ResearchProject

QUOTES_PER_VALUE = 3
SHORTEST, LONGEST = 60, 320  # characters: a quote a reader takes in at a glance
CAPTION = "An example of {value} in a participant's own words."
# Of every ten participants: seven said yes, one no, two were not asked (the default).
CONSENT_CYCLE = ["yes"] * 7 + ["no", "not_asked", "not_asked"]


def demo_quotes_seed(project: ResearchProject, proposer: Any, lead: Any) -> int:
    """Consent for the project's participants and approved quotes; 0 if done before."""
    if QuoteCandidate.objects.filter(excerpt__interview__project=project).exists():
        return 0
    participants = list(project.participants.order_by("pseudonym").values_list("pk", flat=True))
    for answer in set(CONSENT_CYCLE):
        chosen = [pk for n, pk in enumerate(participants) if CONSENT_CYCLE[n % 10] == answer]
        Participant.objects.filter(pk__in=chosen).update(quote_consent=answer)
    if project.slug == "side-by-side":
        ResearchProject.objects.filter(pk=project.pk).update(
            quote_attribution=ResearchProject.QuoteAttribution.PSEUDONYM
        )
    made = 0
    now = timezone.now()
    for value in CodebookValue.objects.for_project(project).shared().active():
        excerpts = (
            Excerpt.objects.filter(
                interview__project=project,
                interview__participant__quote_consent="yes",
                is_consensus=False,
                tags__value=value,
            )
            .order_by("interview_id", "start")
            .distinct()
        )
        picked: list[Excerpt] = []
        seen_interviews: set[int] = set()
        seen_texts: set[str] = set()  # the sentence bank repeats itself: one of each
        for excerpt in excerpts.iterator():
            fits = SHORTEST <= len(excerpt.text) <= LONGEST
            new = excerpt.interview_id not in seen_interviews and excerpt.text not in seen_texts
            if fits and new:
                picked.append(excerpt)
                seen_interviews.add(excerpt.interview_id)
                seen_texts.add(excerpt.text)
            if len(picked) == QUOTES_PER_VALUE:
                break
        QuoteCandidate.objects.bulk_create(
            QuoteCandidate(
                excerpt=excerpt,
                value=value,
                caption=CAPTION.format(value=value.name),
                proposed_by=proposer,
                status=QuoteCandidate.Status.APPROVED,
                decided_by=lead,
                decided_at=now,
            )
            for excerpt in picked
        )
        made += len(picked)
    return made
