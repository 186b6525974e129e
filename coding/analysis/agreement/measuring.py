"""Measuring agreement on loaded interviews: figures per value and overall, passages to discuss."""

from __future__ import annotations

from dataclasses import dataclass, field

from ...models import CodebookValue
from ..filters import Filters
from .loading import AgreementData, SetAside, agreement_load, fill_texts
from .statistics import Stats
from .units import (
    UNIT_CHARACTERS,
    UNIT_SENTENCES,
    character_masks,
    sentence_masks,
    sentence_spans,
    weigh,
)

DISAGREEMENT_LIMIT = 100
PASSAGE_DEFINITION = (
    "A passage is one stretch of text where, for one value, some of the coders compared "
    "applied it and the others did not. Neighbouring {unit} on which the same coders applied "
    "it make one passage; text disputed for two values counts once for each."
)


@dataclass
class Side:
    """What one coder did on a passage: the value in question, and every value they put there."""

    coder_id: int
    applied: bool
    value_ids: list[int]


@dataclass
class Disagreement:
    interview_id: int
    interview_title: str
    value_id: int
    start: int
    end: int
    applied: list[int]
    not_applied: list[int]
    excerpts: dict[int, int | None]  # coder -> an excerpt of theirs on this passage
    text: str = ""
    sides: list[Side] = field(default_factory=list)
    project_slug: str = ""
    side_by_side: bool = False  # every coder marked it done: the disagreement queue shows it

    @property
    def slug(self) -> str:
        """The passage's anchor in the disagreement queue (`review.queue.Passage.slug`)."""
        return f"{self.interview_id}-{self.value_id}-{self.start}-{self.end}"


@dataclass
class AgreementReport:
    unit: str
    interviews: int
    coders: dict[int, str]
    values: list[CodebookValue]
    per_value: dict[int, Stats]
    overall: Stats
    disagreements: list[Disagreement]
    disagreement_total: int
    set_aside: list[SetAside] = field(default_factory=list)

    @property
    def pairs(self) -> list[tuple[int, int]]:
        return sorted(self.overall.pairs)


def agreement_report(
    filters: Filters, unit: str = UNIT_CHARACTERS, *, leave_out: frozenset[int] = frozenset()
) -> AgreementReport:
    """Measure agreement on the double-coded interviews in scope, but those in `leave_out`
    (interviews whose coding the reader may not see yet: blind coding)."""
    report = agreement_measure(agreement_load(filters, unit, leave_out=leave_out))
    fill_texts(report.disagreements)
    return report


def agreement_measure(data: AgreementData) -> AgreementReport:
    """Agreement figures per value and overall, and the passages where coders differ."""
    unit, info, spans, excerpts = data.unit, data.info, data.spans, data.excerpts
    coders_of, values = data.coders_of, data.values
    per_value = {v.pk: Stats() for v in values}
    disagreements: list[Disagreement] = []
    total = 0
    for interview_id, (title, project_id, payload) in info.items():
        coders = sorted(coders_of[interview_id])
        if len(coders) < 2:
            continue
        sentences = sentence_spans(payload) if unit == UNIT_SENTENCES else None
        full = (1 << len(coders)) - 1
        sets: dict[int, frozenset[int]] = {}

        def pattern_of(mask: int, coders: list[int] = coders, sets: dict = sets) -> frozenset[int]:
            if mask not in sets:
                sets[mask] = frozenset(c for bit, c in enumerate(coders) if mask >> bit & 1)
            return sets[mask]

        for value in values:
            if value.project_id not in (None, project_id):
                continue
            value_spans = spans[interview_id].get(value.pk, {})
            if not value_spans:
                # Nobody applied the value here: every unit is an agreed "no".
                units = len(sentences) if sentences is not None else payload
                per_value[value.pk].add(pattern_of(0), coders, units)
                continue
            if sentences is not None:
                pieces = sentence_masks(sentences, value_spans, coders)
            else:
                pieces = character_masks(payload, value_spans, coders)
            weights, runs = weigh(pieces, full, by_length=sentences is None)
            for mask, weight in weights.items():
                per_value[value.pk].add(pattern_of(mask), coders, weight)
            for start, end, mask in runs:
                total += 1
                if len(disagreements) < DISAGREEMENT_LIMIT:
                    pattern = pattern_of(mask)
                    disagreements.append(
                        Disagreement(
                            interview_id=interview_id,
                            interview_title=title,
                            value_id=value.pk,
                            start=start,
                            end=end,
                            applied=sorted(pattern),
                            not_applied=[c for c in coders if c not in pattern],
                            excerpts={
                                c: _excerpt_at(excerpts[interview_id][c], start, end)
                                for c in coders
                            },
                            sides=_sides(spans[interview_id], coders, pattern, start, end),
                            project_slug=data.project_slugs.get(project_id, ""),
                            side_by_side=interview_id in data.everyone_done,
                        )
                    )
    overall = Stats()
    for stats in per_value.values():
        overall.merge(stats)
    return AgreementReport(
        unit=unit,
        interviews=sum(1 for i in info if len(coders_of[i]) >= 2),
        coders=data.coder_names,
        values=values,
        per_value=per_value,
        overall=overall,
        disagreements=disagreements,
        disagreement_total=total,
        set_aside=data.set_aside,
    )


def _sides(
    spans: dict[int, dict[int, list[tuple[int, int]]]],
    coders: list[int],
    applied: frozenset[int],
    start: int,
    end: int,
) -> list[Side]:
    """Each coder's values on [start, end): any of their spans of the value overlaps it."""
    return [
        Side(
            coder_id=coder,
            applied=coder in applied,
            value_ids=[
                value_id
                for value_id, by_coder in spans.items()
                if any(s < end and start < e for s, e in by_coder.get(coder, []))
            ],
        )
        for coder in coders
    ]


def _excerpt_at(items: list[tuple[int, int, int]], start: int, end: int) -> int | None:
    """The coder's excerpt on the passage (widest overlap), else their nearest one.

    The nearest excerpt still scrolls that coder's view to the right part of the transcript.
    """
    best, best_score = None, None
    for s, e, excerpt_id in items:
        overlap = min(e, end) - max(s, start)
        score = (0, -overlap) if overlap > 0 else (1, -overlap)
        if best_score is None or score < best_score:
            best, best_score = excerpt_id, score
    return best
