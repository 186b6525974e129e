"""The disagreement queue: on each double-coded interview that its coders have all marked
done, the passages where they differ on a value, side by side, with any decision or thread.

A passage is a run of characters where some coders applied the value and others did not
(characters, as in the agreement measures; adjacent characters with the same coders join).
Built from the excerpts in a fixed number of queries, however many passages there are.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model

from ..analysis.agreement.units import spans_union as merge
from ..models import (
    CodebookValue,
    CodingProgress,
    ConsensusDecision,
    Discussion,
    Excerpt,
    ExcerptValue,
    Interview,
    ResearchProject,
)

QUOTE_LIMIT = 600
# Disclosure control: the queue shows each coder's values passage by passage, which would let
# an evaluator count what the comparison hides; the agreement page gives them the figures.
QUEUE_FOR_CODERS = (
    "The disagreement queue is the coding team's work, so evaluators do not see it, nor the "
    "decisions file. The comparison's agreement page shows how often the coders agree."
)


@dataclass
class Side:
    """One coder's view of a passage: whether they applied the value, and all their values."""

    coder: str
    applied: bool
    values: list[str]


@dataclass
class Passage:
    interview_id: int
    value: CodebookValue
    start: int
    end: int
    text: str
    sides: list[Side]
    decision: ConsensusDecision | None = None
    discussion: Discussion | None = None
    # Decisions on this value made on text here before the coding changed: decide again.
    earlier: list[ConsensusDecision] = field(default_factory=list)

    @property
    def key(self) -> tuple[int, int, int, int]:
        return (self.interview_id, self.value.pk, self.start, self.end)

    @property
    def slug(self) -> str:
        """A stable id for the page (anchors and form field ids)."""
        return f"{self.interview_id}-{self.value.pk}-{self.start}-{self.end}"

    @property
    def is_decided(self) -> bool:
        return self.decision is not None


@dataclass
class ChangedDecision:
    """A decision whose passage the coders have changed since: the passages of its value over
    the same text now, to decide again (none when the coders now agree there)."""

    decision: ConsensusDecision
    value: CodebookValue
    text: str
    passages: list[Passage]


@dataclass
class InterviewQueue:
    interview: Interview
    coders: list[str]
    passages: list[Passage] = field(default_factory=list)
    # Decisions whose passage no longer exists as it was: the coding changed since.
    changed: list[ChangedDecision] = field(default_factory=list)

    @property
    def remaining(self) -> int:
        return sum(1 for p in self.passages if not p.is_decided)

    def passages_over(self, decision: ConsensusDecision) -> list[Passage]:
        """The current passages of the decision's value that overlap its text."""
        return [
            p for p in self.passages if p.value.pk == decision.value_id and _overlap(p, decision)
        ]


@dataclass
class Queue:
    interviews: list[InterviewQueue]
    values: list[CodebookValue]

    @property
    def passages(self) -> list[Passage]:
        return [p for item in self.interviews for p in item.passages]

    @property
    def total(self) -> int:
        return len(self.passages)

    @property
    def remaining(self) -> int:
        return sum(item.remaining for item in self.interviews)

    def by_value(self) -> list[tuple[CodebookValue, int, int]]:
        """(value, passages, still to decide) for each value with passages."""
        counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
        for passage in self.passages:
            counts[passage.value.pk][0] += 1
            counts[passage.value.pk][1] += 0 if passage.is_decided else 1
        return [(v, *counts[v.pk]) for v in self.values if v.pk in counts]


def coverage(
    spans: dict[Any, list[tuple[int, int]]], coders: list[Any]
) -> list[tuple[int, int, frozenset]]:
    """Cut the covered text into pieces, each with the set of coders whose spans cover it."""
    edges: dict[int, list[tuple[Any, int]]] = defaultdict(list)
    for coder in coders:
        for start, end in merge(spans.get(coder, [])):
            edges[start].append((coder, 1))
            edges[end].append((coder, -1))
    pieces: list[tuple[int, int, frozenset]] = []
    covering: set[Any] = set()
    previous = None
    for offset in sorted(edges):
        if previous is not None and covering and offset > previous:
            pieces.append((previous, offset, frozenset(covering)))
        for coder, change in edges[offset]:
            if change > 0:
                covering.add(coder)
            else:
                covering.discard(coder)
        previous = offset
    return pieces


def differing_runs(
    spans: dict[Any, list[tuple[int, int]]], coders: list[Any]
) -> list[tuple[int, int, frozenset]]:
    """Passages where some coders applied a value and others did not."""
    everyone = frozenset(coders)
    runs: list[tuple[int, int, frozenset]] = []
    for start, end, who in coverage(spans, coders):
        if who == everyone:
            continue
        if runs and runs[-1][1] == start and runs[-1][2] == who:
            runs[-1] = (runs[-1][0], end, who)
        else:
            runs.append((start, end, who))
    return runs


def agreed_spans(
    spans: dict[Any, list[tuple[int, int]]], coders: list[Any]
) -> list[tuple[int, int]]:
    """Where every coder applied a value."""
    everyone = frozenset(coders)
    return merge([(s, e) for s, e, who in coverage(spans, coders) if who == everyone])


def queue_interview_ids(project: ResearchProject, interview_id: int | None = None) -> list[int]:
    """Interviews with two or more coders, every one of whom has marked the interview done."""
    excerpts = Excerpt.objects.filter(interview__project=project, is_consensus=False)
    progress = CodingProgress.objects.filter(interview__project=project, done_at__isnull=False)
    if interview_id is not None:
        excerpts = excerpts.filter(interview_id=interview_id)
        progress = progress.filter(interview_id=interview_id)
    coders: dict[int, set[int]] = defaultdict(set)
    for i_id, coder in excerpts.order_by().values_list("interview_id", "coder_id").distinct():
        coders[i_id].add(coder)
    done = set(progress.values_list("interview_id", "coder_id"))
    return sorted(
        i_id
        for i_id, who in coders.items()
        if len(who) >= 2 and all((i_id, c) in done for c in who)
    )


def coding_rows(interview_ids: list[int]) -> list[tuple[int, int, int, int, int]]:
    """(interview, coder, value, start, end) of every person's tag on the interviews."""
    return list(
        ExcerptValue.objects.filter(
            excerpt__interview_id__in=interview_ids, excerpt__is_consensus=False
        ).values_list(
            "excerpt__interview_id",
            "excerpt__coder_id",
            "value_id",
            "excerpt__start",
            "excerpt__end",
        )
    )


def disagreement_queue(project: ResearchProject, interview_id: int | None = None) -> Queue:
    """The project's disagreement queue (or one interview's), in text order."""
    ids = queue_interview_ids(project, interview_id)
    values = list(CodebookValue.objects.for_project(project).order_by("order", "name"))
    by_id = {v.pk: v for v in values}
    if not ids:
        return Queue(interviews=[], values=values)
    interviews = {
        i.pk: i
        for i in Interview.objects.filter(pk__in=ids).select_related("participant").order_by("pk")
    }
    rows = coding_rows(ids)
    spans: dict[int, dict[int, dict[int, list[tuple[int, int]]]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(list))
    )
    tags: dict[int, dict[int, list[tuple[int, int, int]]]] = defaultdict(lambda: defaultdict(list))
    for i_id, coder, value, start, end in rows:
        spans[i_id][value][coder].append((start, end))
        tags[i_id][coder].append((start, end, value))
    names = dict(
        get_user_model().objects.filter(pk__in={r[1] for r in rows}).values_list("pk", "username")
    )
    decisions = {
        (d.interview_id, d.value_id, d.start, d.end): d
        for d in ConsensusDecision.objects.filter(interview_id__in=ids)
        .select_related("decided_by")
        .prefetch_related("values")
    }
    threads: dict[tuple[int, int, int, int], Discussion] = {}
    for thread in Discussion.objects.filter(interview_id__in=ids, value__isnull=False).order_by(
        "created"
    ):
        threads.setdefault((thread.interview_id, thread.value_id, thread.start, thread.end), thread)
    result = []
    for i_id in ids:
        interview = interviews[i_id]
        coders = sorted(tags[i_id], key=lambda c: names[c])
        item = InterviewQueue(interview=interview, coders=[names[c] for c in coders])
        for value in values:
            for start, end, who in differing_runs(spans[i_id].get(value.pk, {}), coders):
                text = interview.text[start:end]
                passage = Passage(
                    interview_id=i_id,
                    value=value,
                    start=start,
                    end=end,
                    text=text if len(text) <= QUOTE_LIMIT else text[: QUOTE_LIMIT - 1] + "…",
                    sides=[
                        Side(
                            coder=names[c],
                            applied=c in who,
                            values=_values_on(tags[i_id][c], start, end, by_id),
                        )
                        for c in coders
                    ],
                )
                passage.decision = decisions.get(passage.key)
                passage.discussion = threads.get(passage.key)
                item.passages.append(passage)
        item.passages.sort(key=lambda p: (p.start, p.end, p.value.order, p.value.name))
        current = {p.key for p in item.passages}
        stale = [d for key, d in decisions.items() if key[0] == i_id and key not in current]
        for decision in sorted(stale, key=lambda d: (d.start, d.end)):
            over = item.passages_over(decision)
            for passage in over:
                passage.earlier.append(decision)
            text = interview.text[decision.start : decision.end]
            item.changed.append(
                ChangedDecision(
                    decision=decision,
                    value=by_id[decision.value_id],
                    text=text if len(text) <= QUOTE_LIMIT else text[: QUOTE_LIMIT - 1] + "…",
                    passages=over,
                )
            )
        result.append(item)
    return Queue(interviews=result, values=values)


def _overlap(passage: Passage, decision: ConsensusDecision) -> bool:
    return passage.start < decision.end and decision.start < passage.end


def _values_on(
    coder_tags: list[tuple[int, int, int]], start: int, end: int, by_id: dict[int, CodebookValue]
) -> list[str]:
    """Names of the values a coder put on anything overlapping the passage."""
    found = {v for s, e, v in coder_tags if s < end and e > start}
    return [by_id[v].name for v in sorted(found, key=lambda v: (by_id[v].order, by_id[v].name))]
