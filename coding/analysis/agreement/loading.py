"""Reading what agreement needs: the double-coded interviews in scope and their coders' spans."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count
from django.db.models.functions import Length

from ...models import (
    CodebookValue,
    CodingProgress,
    ExcerptValue,
    Interview,
    ResearchProject,
    ValueTally,
)
from ..filters import Filters, apply_filters
from ..tallies import tallies_refresh
from .units import UNIT_SENTENCES

Spans = dict[int, list[tuple[int, int]]]  # coder -> their (start, end) spans
COUNTED_DEFINITION = (
    "An interview counts when two or more of the people who coded it have marked it done, and "
    "only their coding is compared; interviews still being coded are listed apart below."
)


@dataclass
class SetAside:
    """A double-coded interview left out: fewer than two of its coders have marked it done."""

    interview_id: int
    title: str
    coders: list[str]
    done: list[str]

    @property
    def reason(self) -> str:
        if not self.done:
            return f"coded by {' and '.join(self.coders)}; nobody has marked it done yet"
        waiting = [c for c in self.coders if c not in self.done]
        return (
            f"coded by {' and '.join(self.coders)}; only {self.done[0]} has marked it done "
            f"({' and '.join(waiting)} not yet)"
        )


@dataclass
class AgreementData:
    """The double-coded interviews in scope, as plain rows for measuring."""

    unit: str
    # interview -> (title, project, text length, or the text itself for sentence units)
    info: dict[int, tuple[str, int, Any]]
    spans: dict[int, dict[int, Spans]]  # interview -> value -> coder -> spans
    excerpts: dict[int, dict[int, list[tuple[int, int, int]]]]  # interview -> coder -> excerpts
    coders_of: dict[int, set[int]]
    values: list[CodebookValue]
    coder_names: dict[int, str] = field(default_factory=dict)
    set_aside: list[SetAside] = field(default_factory=list)
    everyone_done: set[int] = field(default_factory=set)  # interviews all coders marked done
    project_slugs: dict[int, str] = field(default_factory=dict)


def double_coded_interviews(filters: Filters) -> list[int]:
    """Interviews in scope with excerpts by two or more coders (read from the tallies)."""
    tallies_refresh()
    qs = apply_filters(
        ValueTally.objects.filter(interview__project_id__in=filters.project_ids),
        filters,
        to_interview="interview__",
    )
    rows = (
        qs.order_by()
        .values("interview_id")
        .annotate(k=Count("coder_id", distinct=True))
        .filter(k__gte=2)
        .values_list("interview_id", flat=True)
    )
    return sorted(rows)


def agreement_load(
    filters: Filters, unit: str, *, leave_out: frozenset[int] = frozenset()
) -> AgreementData:
    """Read the double-coded interviews in scope (but `leave_out`), their coders' spans and
    the values.

    Only coders who have marked an interview done are compared, and only interviews that two
    or more of them have marked done count; the others are set aside with the reason.
    """
    ids = [i for i in double_coded_interviews(filters) if i not in leave_out]
    done = set(
        CodingProgress.objects.filter(interview_id__in=ids, done_at__isnull=False).values_list(
            "interview_id", "coder_id"
        )
    )
    tags = ExcerptValue.objects.filter(excerpt__interview_id__in=ids, excerpt__is_consensus=False)
    if filters.coder_ids:
        tags = tags.filter(excerpt__coder_id__in=filters.coder_ids)
    rows = _fetch_rows(
        tags.values_list(
            "excerpt__interview_id",
            "excerpt__coder_id",
            "value_id",
            "excerpt__start",
            "excerpt__end",
            "excerpt_id",
        )
    )
    spans: dict[int, dict[int, Spans]] = defaultdict(lambda: defaultdict(lambda: defaultdict(list)))
    excerpts: dict[int, dict[int, list[tuple[int, int, int]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    coders_of: dict[int, set[int]] = defaultdict(set)
    everyone: dict[int, set[int]] = defaultdict(set)
    for interview_id, coder, value, start, end, excerpt_id in rows:
        everyone[interview_id].add(coder)
        if (interview_id, coder) not in done:
            continue
        spans[interview_id][value][coder].append((start, end))
        excerpts[interview_id][coder].append((start, end, excerpt_id))
        coders_of[interview_id].add(coder)
    counted = [i for i in ids if len(coders_of[i]) >= 2]
    interviews = Interview.objects.filter(pk__in=ids).order_by("pk")
    if unit == UNIT_SENTENCES:
        info = {i.pk: (i.title or str(i.pk), i.project_id, i.text) for i in interviews}
    else:
        info = {
            row["pk"]: (row["title"] or str(row["pk"]), row["project_id"], row["n"])
            for row in interviews.annotate(n=Length("text")).values(
                "pk", "title", "project_id", "n"
            )
        }
    values = list(
        CodebookValue.objects.filter(project__isnull=True)
        | CodebookValue.objects.filter(project_id__in={p for _, p, _ in info.values()})
    )
    values.sort(key=lambda v: (v.project_id is not None, v.order, v.name))
    names = dict(
        get_user_model()
        .objects.filter(pk__in={c for cs in everyone.values() for c in cs})
        .values_list("pk", "username")
    )
    set_aside = [
        SetAside(
            interview_id=i,
            title=info[i][0],
            coders=sorted(names[c] for c in everyone[i]),
            done=sorted(names[c] for c in coders_of[i]),
        )
        for i in ids
        if i not in counted and len(everyone[i]) >= 2
    ]
    slugs = dict(
        ResearchProject.objects.filter(pk__in={p for _, p, _ in info.values()}).values_list(
            "pk", "slug"
        )
    )
    return AgreementData(
        unit,
        {i: info[i] for i in counted},
        spans,
        excerpts,
        coders_of,
        values,
        names,
        set_aside=set_aside,
        everyone_done={i for i in counted if coders_of[i] == everyone[i]},
        project_slugs=slugs,
    )


def _fetch_rows(qs: Any) -> list[tuple[Any, ...]]:
    """The rows of a values_list query straight from the cursor (plain integers only)."""
    try:
        sql, params = qs.query.sql_with_params()
    except EmptyResultSet:
        return []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def fill_texts(disagreements: list[Any]) -> None:
    """Quote each passage (texts read once per interview, only for the passages listed)."""
    ids = {d.interview_id for d in disagreements}
    texts = dict(Interview.objects.filter(pk__in=ids).values_list("pk", "text"))
    for item in disagreements:
        quote = texts[item.interview_id][item.start : item.end].strip()
        item.text = quote if len(quote) <= 300 else quote[:297] + "…"
