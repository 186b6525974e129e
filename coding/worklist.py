"""A coder's work list: My work's filter, its order, its pages, and moving through it.

The same filter, carried in the URL, orders My work and the next/previous links of the coding
page, so that "next" is always the row below in the list the coder came from.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Page, Paginator
from django.db.models import Case, CharField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.urls import reverse

from .models import CodingProgress, Excerpt, Interview, ResearchProject
from .selectors import count_subquery

PAGE_SIZE = 50
SEARCH_MAX = 100  # characters of a search kept; longer text cannot match a title anyway

NOT_STARTED, IN_PROGRESS, DONE = "not_started", "in_progress", "done"
STATUSES = {NOT_STARTED: "Not started", IN_PROGRESS: "In progress", DONE: "Done"}
STATUS_RANK = {NOT_STARTED: 0, IN_PROGRESS: 1, DONE: 2}

DEFAULT_SORT = "project"
# key -> (label, order_by); every order ends on the primary key so pages never overlap.
SORTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "project": ("Project, then date", ("project__name", "date", "pk")),
    "title": ("Title", ("title", "pk")),
    "participant": ("Participant", ("participant__pseudonym", "pk")),
    "newest": ("Newest first", ("-date", "-pk")),
    "oldest": ("Oldest first", ("date", "pk")),
    "status": ("My status", ("status_rank", "project__name", "date", "pk")),
}


@dataclass(frozen=True)
class WorkFilter:
    """What My work shows: a project, a status, a search and an order (all optional)."""

    project: str = ""
    status: str = ""
    q: str = ""
    sort: str = DEFAULT_SORT

    @classmethod
    def from_query(cls, query: Any) -> WorkFilter:
        """Read the filter from a query string; unknown values fall back to the defaults."""
        status = query.get("status", "")
        sort = query.get("sort", DEFAULT_SORT)
        return cls(
            project=query.get("project", "")[:100],
            status=status if status in STATUSES else "",
            q=" ".join(query.get("q", "").split())[:SEARCH_MAX],
            sort=sort if sort in SORTS else DEFAULT_SORT,
        )

    def params(self) -> dict[str, str]:
        """The filter's non-default parts, in a fixed order."""
        items = {"project": self.project, "status": self.status, "q": self.q}
        if self.sort != DEFAULT_SORT:
            items["sort"] = self.sort
        return {key: value for key, value in items.items() if value}

    def querystring(self) -> str:
        """`?project=...&sort=...` (empty for the default filter), to carry in links."""
        params = self.params()
        return f"?{urlencode(params)}" if params else ""


def work_interviews(user: Any, projects: QuerySet[ResearchProject]) -> QuerySet[Interview]:
    """The projects' interviews with the user's excerpt count, done time and status."""
    mine = Excerpt.objects.filter(coder=user)
    progress = CodingProgress.objects.filter(interview=OuterRef("pk"), coder=user)
    return (
        Interview.objects.filter(project__in=projects)
        .select_related("project", "participant")
        .defer("text")
        .annotate(
            my_excerpts=count_subquery(mine, inner_field="interview"),
            my_done_at=Subquery(progress.values("done_at")[:1]),
            my_progress=Subquery(progress.values("pk")[:1]),
        )
        .annotate(
            status=Case(
                When(my_done_at__isnull=False, then=Value(DONE)),
                When(Q(my_excerpts__gt=0) | Q(my_progress__isnull=False), then=Value(IN_PROGRESS)),
                default=Value(NOT_STARTED),
                output_field=CharField(),
            ),
            status_rank=Case(
                *(When(status=key, then=Value(rank)) for key, rank in STATUS_RANK.items()),
                default=Value(0),
            ),
        )
    )


def work_filtered(
    user: Any, projects: QuerySet[ResearchProject], work_filter: WorkFilter
) -> QuerySet[Interview]:
    """The user's interviews that pass the filter, in the filter's order."""
    if work_filter.project:
        projects = projects.filter(slug=work_filter.project)
    interviews = work_interviews(user, projects)
    if work_filter.status:
        interviews = interviews.filter(status=work_filter.status)
    if work_filter.q:
        interviews = interviews.filter(
            Q(title__icontains=work_filter.q) | Q(participant__pseudonym__icontains=work_filter.q)
        )
    return interviews.order_by(*SORTS[work_filter.sort][1])


def work_page(interviews: QuerySet[Interview], number: Any) -> Page:
    """One page of the list (the last page when the number is past the end)."""
    page = Paginator(interviews, PAGE_SIZE).get_page(number)
    for interview in page.object_list:
        interview.status_label = STATUSES[interview.status]
    return page


@dataclass(frozen=True)
class ProjectProgress:
    name: str
    slug: str
    not_started: int
    in_progress: int
    done: int

    @property
    def total(self) -> int:
        return self.not_started + self.in_progress + self.done


def work_summary(user: Any, projects: QuerySet[ResearchProject]) -> list[ProjectProgress]:
    """The user's progress in each project, over all its interviews (one query)."""
    counts: Counter[tuple[int, str]] = Counter(
        work_interviews(user, projects).order_by().values_list("project_id", "status")
    )
    return [
        ProjectProgress(
            name=project.name,
            slug=project.slug,
            not_started=counts[(project.pk, NOT_STARTED)],
            in_progress=counts[(project.pk, IN_PROGRESS)],
            done=counts[(project.pk, DONE)],
        )
        for project in projects
    ]


@dataclass(frozen=True)
class WorkLink:
    """An interview to link to: its address and its name as My work shows it."""

    pk: int
    label: str

    def get_absolute_url(self) -> str:
        return reverse("interview_detail", args=[self.pk])

    def __str__(self) -> str:
        return self.label


@dataclass(frozen=True)
class WorkNav:
    """Where an interview stands in the coder's list: neighbours, position, the filter."""

    previous: WorkLink | None
    next: WorkLink | None
    position: int | None  # 1-based; None when the interview is not in the list (any more)
    total: int
    querystring: str


def work_neighbours(
    user: Any, projects: QuerySet[ResearchProject], work_filter: WorkFilter, interview_pk: int
) -> WorkNav:
    """The interviews before and after this one in the filtered list (one query).

    An interview that left the filter (marked done while the list shows "Not started") has no
    position; its "next" is then the first interview of the list.
    """
    rows = list(
        work_filtered(user, projects, work_filter).values_list(
            "pk", "title", "participant__pseudonym"
        )
    )
    # The same name as Interview.__str__, without loading the interviews.
    links = [WorkLink(pk, title or f"Interview with {pseudonym}") for pk, title, pseudonym in rows]
    ids = [link.pk for link in links]
    if interview_pk in ids:
        index = ids.index(interview_pk)
        before = links[index - 1] if index > 0 else None
        after = links[index + 1] if index + 1 < len(links) else None
        position: int | None = index + 1
    else:
        before, after, position = None, (links[0] if links else None), None
    return WorkNav(
        previous=before,
        next=after,
        position=position,
        total=len(links),
        querystring=work_filter.querystring(),
    )
