"""Reads that span relations, with their relations selected up front."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from .access import visible_projects
from .models import Excerpt, Interview, Participant, ResearchProject


def count_subquery(
    queryset: QuerySet, outer_field: str = "pk", inner_field: str = "project"
) -> Any:
    """A correlated COUNT(*) subquery, so several counts do not multiply each other's joins."""
    counted = (
        queryset.filter(**{inner_field: OuterRef(outer_field)})
        .order_by()
        .values(inner_field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def project_summaries(user: Any) -> QuerySet[ResearchProject]:
    """Projects the user may read, each with interview, participant and excerpt counts."""
    return (
        visible_projects(user)
        .annotate(
            interview_count=count_subquery(Interview.objects.all()),
            participant_count=count_subquery(Participant.objects.all()),
            excerpt_count=count_subquery(Excerpt.objects.all(), inner_field="interview__project"),
        )
        .order_by("name")
    )


def project_interviews(project: ResearchProject) -> QuerySet[Interview]:
    """A project's interviews with participant and excerpt counts, without the transcript text."""
    return (
        project.interviews.select_related("participant")
        .defer("text")
        .annotate(
            excerpt_count=count_subquery(Excerpt.objects.all(), inner_field="interview"),
            coder_count=Coalesce(
                Subquery(
                    Excerpt.objects.filter(interview=OuterRef("pk"))
                    .order_by()
                    .values("interview")
                    .annotate(n=Count("coder", distinct=True))
                    .values("n"),
                    output_field=IntegerField(),
                ),
                Value(0),
            ),
        )
        .order_by("date", "pk")
    )
