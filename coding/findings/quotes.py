"""The quotes a findings pack may show: the one gate between chosen excerpts and any output.

Only a candidate a lead approved, from a participant who said yes to being quoted, whose
excerpt still carries the value, can pass. The text is the excerpt's text as stored, so a
redaction made after coding is what a reader sees. Attribution is the pseudonym only where
the project chose it; never a name, never the interview's title.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Exists, OuterRef

from ..models import ExcerptValue, Participant, ResearchProject
from .models import QuoteCandidate


@dataclass(frozen=True)
class PublishableQuote:
    excerpt_id: int
    value_id: int
    project_id: int
    text: str
    caption: str
    attribution: str | None


def _project_ids(projects: Iterable[ResearchProject | int]) -> list[int]:
    return [p if isinstance(p, int) else p.pk for p in projects]


def publishable_quotes(
    projects: Iterable[ResearchProject | int],
    *,
    per_value: int = 3,
    exclude_project_ids: Iterable[int] = (),
) -> dict[int, list[PublishableQuote]]:
    """Approved, consented quotes of these projects, at most `per_value` per value id.

    Oldest approval first (then the candidate's id), so a pack made twice shows the same
    quotes. `exclude_project_ids` is for projects whose figures the reader may not see
    (disclosure control): nothing of theirs is returned. One query.
    """
    excluded = set(exclude_project_ids)
    ids = [pk for pk in _project_ids(projects) if pk not in excluded]
    if not ids or per_value <= 0:
        return {}
    still_tagged = ExcerptValue.objects.filter(
        excerpt_id=OuterRef("excerpt_id"), value_id=OuterRef("value_id")
    )
    rows = (
        QuoteCandidate.objects.filter(
            status=QuoteCandidate.Status.APPROVED,
            excerpt__interview__project_id__in=ids,
            excerpt__interview__participant__quote_consent=Participant.QuoteConsent.YES,
        )
        .filter(Exists(still_tagged))
        .order_by("decided_at", "id")
        .values_list(
            "excerpt_id",
            "value_id",
            "excerpt__interview__project_id",
            "excerpt__text",
            "caption",
            "excerpt__interview__participant__pseudonym",
            "excerpt__interview__project__quote_attribution",
        )
    )
    quotes: dict[int, list[PublishableQuote]] = {}
    for excerpt_id, value_id, project_id, text, caption, pseudonym, attribution in rows:
        chosen = quotes.setdefault(value_id, [])
        if len(chosen) >= per_value:
            continue
        by_pseudonym = attribution == ResearchProject.QuoteAttribution.PSEUDONYM
        chosen.append(
            PublishableQuote(
                excerpt_id=excerpt_id,
                value_id=value_id,
                project_id=project_id,
                text=text,
                caption=caption,
                attribution=pseudonym if by_pseudonym else None,
            )
        )
    return quotes
