"""Reads of candidate quotes for the Quotes page and the coding page, in constant queries.

Who sees what: peer researchers and admins see every candidate of the project, except, on a
blind-coding project, those from other coders' excerpts the reader may not see yet (the rule of
`review.blind`). Evaluators see no pseudonyms, and nothing of a project whose figures
disclosure control hides from them, nor the candidates of a value whose figure is hidden.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from ..access import EVALUATOR
from ..analysis import disclosure
from ..analysis.comparison import comparison_build
from ..analysis.exports import hidden_cells
from ..analysis.filters import Filters
from ..models import Participant, ResearchProject
from ..review.blind import visible_project_excerpts
from .models import QuoteCandidate

PROJECT_HIDDEN = (
    "This project has too few interviews for its quotes to be shown to evaluators: people "
    "could be recognised."
)
SOME_HIDDEN = (
    "Quotes for values whose figures are hidden in the comparison are not shown to evaluators."
)


@dataclass(frozen=True)
class EvaluatorView:
    project_hidden: bool
    hidden_value_ids: frozenset[int]


def evaluator_view(project: ResearchProject, user: Any) -> EvaluatorView:
    """What disclosure control hides of this project from this evaluator (as the comparison)."""
    comparison = comparison_build(
        Filters(project_ids=(project.pk,)),
        masked_project_ids=disclosure.masked_projects(user, (project.pk,)),
        threshold=disclosure.threshold(),
    )
    hidden = any(c.hidden for c in comparison.columns) or not comparison.columns
    return EvaluatorView(
        project_hidden=hidden,
        hidden_value_ids=frozenset(v for _, v in hidden_cells(comparison)),
    )


def visible_candidates(project: ResearchProject, user: Any) -> QuerySet[QuoteCandidate]:
    qs = QuoteCandidate.objects.filter(excerpt__interview__project=project)
    # Blind coding: the one rule of `review.blind`, through each candidate's excerpt.
    return visible_project_excerpts(qs, project, user, to_excerpt="excerpt__")


@dataclass
class QuotePage:
    rows: list[QuoteCandidate]
    notice: str = ""
    counts: dict[str, int] = field(default_factory=dict)


STATUS_ORDER = {"candidate": 0, "approved": 1, "declined": 2}


def quote_page(
    project: ResearchProject, user: Any, role: str | None, status: str = ""
) -> QuotePage:
    """The project's candidates as this reader may see them, waiting ones first."""
    notice = ""
    qs = visible_candidates(project, user)
    if role == EVALUATOR:
        view = evaluator_view(project, user)
        if view.project_hidden:
            return QuotePage(rows=[], notice=PROJECT_HIDDEN)
        if view.hidden_value_ids:
            qs = qs.exclude(value_id__in=view.hidden_value_ids)
            notice = SOME_HIDDEN
    rows = list(
        qs.select_related(
            "excerpt__interview__participant", "value", "proposed_by", "decided_by"
        ).order_by("value__name", "created", "id")
    )
    counts = {s: 0 for s in STATUS_ORDER}
    for row in rows:
        counts[row.status] += 1
        row.usable = row.excerpt.interview.participant.quote_consent == (
            Participant.QuoteConsent.YES
        )
    if status in STATUS_ORDER:
        rows = [r for r in rows if r.status == status]
    rows.sort(key=lambda r: STATUS_ORDER[r.status])
    return QuotePage(rows=rows, notice=notice, counts=counts)


def excerpt_candidates(excerpt_id: int) -> list[QuoteCandidate]:
    """One excerpt's candidates with what the coding page shows of them (one query)."""
    return list(
        QuoteCandidate.objects.filter(excerpt_id=excerpt_id)
        .select_related("value", "proposed_by", "excerpt__interview__participant")
        .order_by("created", "id")
    )


def candidate_json(candidate: QuoteCandidate, user: Any, lead: bool) -> dict[str, Any]:
    consent = candidate.excerpt.interview.participant.quote_consent
    waiting = candidate.status == QuoteCandidate.Status.CANDIDATE
    return {
        "id": candidate.pk,
        "value": candidate.value.slug,
        "value_name": candidate.value.name,
        "caption": candidate.caption,
        "status": candidate.status,
        "status_label": candidate.get_status_display(),
        "proposed_by": candidate.proposed_by.get_username(),
        "usable": consent == Participant.QuoteConsent.YES,
        "can_remove": lead or (waiting and candidate.proposed_by_id == user.pk),
        "decision_reason": candidate.decision_reason,
    }


def drilldown_quotes(project: ResearchProject, user: Any, tags: list[Any]) -> bool:
    """Whether the reader may suggest quotes here; marks each tag of the drill-down's page with
    the status of its candidate (`quote_label`, "" when none). One query."""
    from .candidates import can_choose_quotes

    if not can_choose_quotes(project, user):
        return False
    found = QuoteCandidate.objects.filter(excerpt_id__in={t.excerpt_id for t in tags}).values_list(
        "excerpt_id", "value_id", "status"
    )
    labels = {(e, v): QuoteCandidate.Status(s).label for e, v, s in found}
    for tag in tags:
        tag.quote_label = labels.get((tag.excerpt_id, tag.value_id), "")
    return True
