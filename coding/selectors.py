"""Reads that span relations, with their relations selected up front."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from .access import visible_projects
from .models import (
    Excerpt,
    ExcerptValue,
    Interview,
    Participant,
    ResearchProject,
)


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
                    # People only: the team's consensus layer is not a coder.
                    Excerpt.objects.filter(interview=OuterRef("pk"), is_consensus=False)
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


def excerpt_rows(
    interview_id: int,
    excerpt_ids: list[int] | None = None,
    *,
    with_text: bool = True,
    with_times: bool = True,
) -> list[dict[str, Any]]:
    """An interview's excerpts as the API's JSON objects, in text order, in two queries.

    Tuples rather than model instances or `.values()` dicts: an interview can hold thousands
    of excerpts and this runs on every load of the coding page.
    """
    qs = Excerpt.objects.filter(interview_id=interview_id)
    tags_qs = ExcerptValue.objects.filter(excerpt__interview_id=interview_id)
    if excerpt_ids is not None:
        qs = qs.filter(pk__in=excerpt_ids)
        tags_qs = tags_qs.filter(excerpt_id__in=excerpt_ids)
    fields = ["id", "start", "end", "coder__username", "note", "created", "updated"]
    if with_text:
        fields.append("text")
    rows = qs.order_by("start", "end", "pk").values_list(*fields)
    tags: dict[int, list[str]] = {}
    for excerpt_id, slug in tags_qs.order_by("value__order", "value__name").values_list(
        "excerpt_id", "value__slug"
    ):
        tags.setdefault(excerpt_id, []).append(slug)
    result = []
    for row in rows:
        item = {
            "id": row[0],
            "start": row[1],
            "end": row[2],
            "values": tags.get(row[0], []),
            "coder": row[3],
            "note": row[4],
        }
        if with_times:
            item["created"] = row[5].isoformat()
            item["updated"] = row[6].isoformat()
        if with_text:
            item["text"] = row[7]
        result.append(item)
    return result
