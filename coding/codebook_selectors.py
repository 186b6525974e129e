"""Reads of the codebook pages, each with a fixed number of queries whatever the size."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from .models import (
    CodebookValue,
    CodebookVersion,
    Excerpt,
    ExcerptValue,
    Proposal,
    ResearchProject,
)
from .review.blind import visible_project_excerpts


def codebook_values(project: ResearchProject, user: Any) -> list[CodebookValue]:
    """The project's values the user may see, with their example excerpts and tag counts."""
    examples = Excerpt.objects.select_related("interview").order_by("interview_id", "start")
    return list(
        CodebookValue.objects.for_project(project)
        .visible_to(user)
        .select_related("merged_into", "parent")
        .prefetch_related(
            Prefetch("examples", queryset=examples.filter(interview__project=project))
        )
        .annotate(
            tag_count=Count("tags", filter=Q(tags__excerpt__interview__project=project)),
        )
        .order_by("-is_active", "order", "name")
    )


def value_history(project: ResearchProject, value: CodebookValue) -> dict[str, Any]:
    """Proposals about a value and the versions it appears in."""
    about = (
        Proposal.objects.filter(project=project)
        .filter(Q(value=value) | Q(into=value) | Q(made_values=value))
        .select_related(
            "project", "proposed_by", "decided_by", "value", "into", "made_version__project"
        )
        .distinct()
        .order_by("created")
    )
    guid = str(value.guid)
    versions = [
        v
        for v in CodebookVersion.objects.filter(project=project).order_by("number")
        if guid in v.value_guids
    ]
    return {"proposals": list(about), "versions": versions}


def proposal_list(project: ResearchProject) -> QuerySet[Proposal]:
    return (
        Proposal.objects.filter(project=project)
        .select_related("project", "proposed_by", "decided_by", "value", "into")
        .annotate(
            agree=Count("votes", filter=Q(votes__agrees=True), distinct=True),
            disagree=Count("votes", filter=Q(votes__agrees=False), distinct=True),
            comment_count=Count("comments", distinct=True),
        )
        .order_by("-created", "-id")
    )


def proposal_detail(project: ResearchProject, pk: int) -> Proposal | None:
    return (
        Proposal.objects.filter(project=project, pk=pk)
        .select_related(
            "proposed_by", "decided_by", "value", "into", "project", "made_version__project"
        )
        .prefetch_related(
            "comments__author",
            "votes__member",
            "made_values",
            Prefetch("examples", queryset=Excerpt.objects.select_related("interview")),
        )
        .first()
    )


def recode_rows(proposal: Proposal) -> list[ExcerptValue]:
    """The split's queue: tags still on the old value, with their excerpts and interviews."""
    return list(
        ExcerptValue.objects.filter(
            value_id=proposal.value_id, excerpt__interview__project_id=proposal.project_id
        )
        .select_related("excerpt__interview__participant", "excerpt__coder")
        .order_by("excerpt__interview_id", "excerpt__start")
    )


def version_tag_counts(project: ResearchProject) -> Counter[int]:
    """How many tags of the project were made under each version."""
    rows = (
        ExcerptValue.objects.filter(excerpt__interview__project=project)
        .values_list("version__number")
        .annotate(n=Count("id"))
    )
    return Counter({number: n for number, n in rows if number})


EXAMPLE_RESULTS = 20


def example_candidates(
    project: ResearchProject, user: Any, *, words: str = "", value_id: int | None = None
) -> list[Excerpt]:
    """Excerpts of the project a member may pick as examples: by their words or value, newest
    first, only those the member may see (blind coding), in a fixed number of queries."""
    qs = Excerpt.objects.filter(interview__project=project, is_consensus=False)
    qs = visible_project_excerpts(qs, project, user)
    if words:
        qs = qs.filter(text__icontains=words)
    if value_id is not None:
        qs = qs.filter(tags__value_id=value_id)
    return list(
        qs.select_related("interview", "coder")
        .prefetch_related("values")
        .order_by("-pk")
        .distinct()[:EXAMPLE_RESULTS]
    )


def examples_visible(project: ResearchProject, user: Any, ids: list[int]) -> dict[int, Excerpt]:
    """The excerpts among `ids` that the member may pick in this project."""
    qs = Excerpt.objects.filter(pk__in=ids, interview__project=project, is_consensus=False)
    qs = visible_project_excerpts(qs, project, user)
    return {e.pk: e for e in qs.select_related("interview").prefetch_related("values")}


def example_row(excerpt: Excerpt) -> dict[str, Any]:
    """One search result of the example picker (plain text: the page escapes it)."""
    text = excerpt.text if len(excerpt.text) <= 240 else excerpt.text[:239] + "…"
    return {
        "id": excerpt.pk,
        "text": text,
        "values": [v.name for v in excerpt.values.all()],
        "interview": excerpt.interview.title or f"Interview {excerpt.interview_id}",
    }
