"""A small world for the findings pack tests: three projects, quotes that may and may not pass.

Side by Side and Women Side by Side have six interviews each (over the disclosure threshold of
5); Maternal has two, so an evaluator (and any shared pack) sees it hidden. Safety comes up in
every Side by Side interview and in none of Women Side by Side's, so the interview-level test
finds that difference.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from coding.findings.models import QuoteCandidate
from coding.models import CodebookValue, Membership, Participant, ResearchProject
from coding.protection.withdrawal import participant_withdraw

from .conftest import make_excerpt, make_interview, make_project, make_user

# Every quote's words are unique, so a test can search a whole file for them.
SHOWN = "Being with people who got it made me feel safe for the first time"
NOT_SHOWN = {
    "consent no": "I never wanted anyone to read this sentence about the group",
    "consent not asked": "Nobody asked me whether these words could be printed anywhere",
    "declined": "The team declined this quote about the tea and the biscuits",
    "withdrawn": "I later withdrew and these words must vanish from every pack",
    "hidden project": "Only two of us were interviewed in this small maternal project",
}
PREFIX = "Interviewer: How was it?\nParticipant: "


@dataclass
class PackWorld:
    side: ResearchProject
    women: ResearchProject
    maternal: ResearchProject
    peer: Any
    evaluator: Any
    admin: Any
    quotes: dict[str, QuoteCandidate] = field(default_factory=dict)

    @property
    def projects(self) -> list[ResearchProject]:
        return [self.maternal, self.side, self.women]


def make_quote(
    project: ResearchProject,
    coder: Any,
    lead: Any,
    words: str,
    *,
    consent: str = "yes",
    status: str = "approved",
    slug: str = "safety",
    pseudonym: str | None = None,
    tail: str = "",
) -> QuoteCandidate:
    interview = make_interview(project, PREFIX + words + "." + tail, pseudonym=pseudonym)
    Participant.objects.filter(pk=interview.participant_id).update(quote_consent=consent)
    excerpt = make_excerpt(interview, coder, len(PREFIX), len(PREFIX) + len(words), slug)
    decided = status != "candidate"
    return QuoteCandidate.objects.create(
        excerpt=excerpt,
        value=CodebookValue.objects.for_project(project).get(slug=slug),
        caption=f"Why it matters: {words[:20]}",
        proposed_by=coder,
        status=status,
        decided_by=lead if decided else None,
        decided_at=timezone.now() if decided else None,
    )


def pack_world() -> PackWorld:
    side = make_project("side-by-side", "Community peer support (Side by Side)")
    women = make_project("women-side-by-side", "Women-only peer support (Women Side by Side)")
    maternal = make_project("maternal", "Maternal peer support (Maternal)")
    peer, evaluator = make_user("pat-peer"), make_user("eve-evaluator")
    admin = make_user("alice-admin", staff=True)
    for project in (side, women, maternal):
        Membership.objects.create(user=peer, project=project, role="peer_researcher")
        Membership.objects.create(user=evaluator, project=project, role="evaluator")
    world = PackWorld(side, women, maternal, peer, evaluator, admin)
    world.quotes["shown"] = make_quote(side, peer, admin, SHOWN)
    world.quotes["consent no"] = make_quote(
        side, peer, admin, NOT_SHOWN["consent no"], consent="no"
    )
    world.quotes["consent not asked"] = make_quote(
        side, peer, admin, NOT_SHOWN["consent not asked"], consent="not_asked"
    )
    world.quotes["declined"] = make_quote(
        side, peer, admin, NOT_SHOWN["declined"], status="declined"
    )
    withdrawn = make_quote(side, peer, admin, NOT_SHOWN["withdrawn"], pseudonym="Leaver")
    for n in range(1, 3):  # six Side by Side interviews in all, each with Safety
        make_quote(side, peer, admin, f"Side by Side interview {n} felt safe", status="candidate")
    for n in range(6):  # Women Side by Side: human connection, never safety
        make_quote(
            women, peer, admin, f"Women group talk {n}", status="candidate", slug="human-connection"
        )
    world.quotes["hidden project"] = make_quote(maternal, peer, admin, NOT_SHOWN["hidden project"])
    make_quote(maternal, peer, admin, "A second maternal interview", status="candidate")
    participant_withdraw(participant=withdrawn.excerpt.interview.participant, actor=admin)
    make_quote(side, peer, admin, "Side by Side interview 3 felt safe", status="candidate")
    return world
