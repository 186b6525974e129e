"""Agreement between coders on interviews that two or more people coded.

Each value is a yes/no judgement on each unit of text: a character (the default) or a sentence
(coded when an excerpt of the value touches it). For every value and overall (all values
pooled) we report percent agreement, Cohen's kappa for each pair of coders and Krippendorff's
alpha (nominal, any number of coders, interviews with different coders allowed).
"""

from __future__ import annotations

import bisect
import re
from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count
from django.db.models.functions import Length

from .analysis.filters import Filters, apply_filters
from .analysis.tallies import tallies_refresh
from .models import CodebookValue, ExcerptValue, Interview, ValueTally

UNIT_CHARACTERS = "characters"
UNIT_SENTENCES = "sentences"
DISAGREEMENT_LIMIT = 100

# A sentence ends at . ! ? or … (with closing quotes or brackets) before white space, or at a
# line end; a speaker label such as "Participant:" stays with its sentence.
SENTENCE_RE = re.compile(r"[^\s][^\n]*?(?:[.!?…]+[\"'”’)\]]*(?=\s)|(?=\n)|$)")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """The (start, end) offsets of the sentences of a text."""
    return [(m.start(), m.end()) for m in SENTENCE_RE.finditer(text) if m.end() > m.start()]


# --- the statistics -------------------------------------------------------------------------


def cohen_kappa(table: dict[tuple[Hashable, Hashable], float]) -> float | None:
    """Cohen's kappa from a table of (coder 1's category, coder 2's category) -> weight."""
    total = sum(table.values())
    if not total:
        return None
    categories = {a for a, _ in table} | {b for _, b in table}
    observed = sum(w for (a, b), w in table.items() if a == b) / total
    first = {c: sum(w for (a, _), w in table.items() if a == c) / total for c in categories}
    second = {c: sum(w for (_, b), w in table.items() if b == c) / total for c in categories}
    expected = sum(first[c] * second[c] for c in categories)
    if expected >= 1:
        return None  # both coders used one category only: kappa is undefined
    return (observed - expected) / (1 - expected)


def coincidences(
    units: Iterable[Sequence[Hashable | None]],
) -> dict[tuple[Hashable, Hashable], float]:
    """Krippendorff's coincidence matrix from units (rows of values, None for missing)."""
    matrix: dict[tuple[Hashable, Hashable], float] = defaultdict(float)
    for unit in units:
        values = [v for v in unit if v is not None]
        m = len(values)
        if m < 2:
            continue  # a unit coded by one coder only cannot be paired
        for i, a in enumerate(values):
            for j, b in enumerate(values):
                if i != j:
                    matrix[(a, b)] += 1 / (m - 1)
    return matrix


def krippendorff_alpha(matrix: dict[tuple[Hashable, Hashable], float]) -> float | None:
    """Krippendorff's alpha for nominal data from a coincidence matrix."""
    n = sum(matrix.values())
    totals: dict[Hashable, float] = defaultdict(float)
    for (a, _), w in matrix.items():
        totals[a] += w
    if n <= 1:
        return None
    # alpha = 1 - (n - 1) * (disagreeing pairs) / (pairs of different values expected by chance)
    expected = n * n - sum(t * t for t in totals.values())
    if expected <= 0:
        return None  # everyone used one category: there is no variation to agree on
    observed = sum(w for (a, b), w in matrix.items() if a != b)
    return 1 - (n - 1) * observed / expected


def percent_agreement(matrix: dict[tuple[Hashable, Hashable], float]) -> float | None:
    """The share of pairable judgements that agree."""
    n = sum(matrix.values())
    return sum(w for (a, b), w in matrix.items() if a == b) / n if n else None


# --- units of the interviews ----------------------------------------------------------------


def _union(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _masks(pieces: list[tuple[int, int, int]], coders: Sequence[int]) -> list:
    sets: dict[int, frozenset[int]] = {}
    out = []
    for start, end, mask in pieces:
        if mask not in sets:
            sets[mask] = frozenset(c for bit, c in enumerate(coders) if mask >> bit & 1)
        out.append((start, end, sets[mask]))
    return out


def character_masks(
    length: int, spans: dict[int, list[tuple[int, int]]], coders: Sequence[int]
) -> list[tuple[int, int, int]]:
    """Cut [0, length) into pieces, each with a bit mask of the coders covering it.

    Bit i stands for coders[i]. A coder's spans are merged first, so each coder's bit simply
    flips at the start and at the end of each merged span.
    """
    flips: dict[int, int] = defaultdict(int)
    for bit, coder in enumerate(coders):
        for start, end in _union(spans.get(coder, [])):
            start, end = min(start, length), min(end, length)
            if start < end:
                flips[start] ^= 1 << bit
                flips[end] ^= 1 << bit
    pieces: list[tuple[int, int, int]] = []
    mask = position = 0
    for offset in sorted(flips):
        if offset > position:
            pieces.append((position, offset, mask))
            position = offset
        mask ^= flips[offset]
    if position < length:
        pieces.append((position, length, mask))
    return pieces


def sentence_masks(
    sentences: list[tuple[int, int]], spans: dict[int, list[tuple[int, int]]], coders: Sequence[int]
) -> list[tuple[int, int, int]]:
    """Each sentence with a bit mask of the coders whose spans touch it."""
    starts = [s for s, _ in sentences]
    ends = [e for _, e in sentences]
    marked = [0] * len(sentences)
    for bit, coder in enumerate(coders):
        for start, end in spans.get(coder, []):
            for index in range(bisect.bisect_right(ends, start), bisect.bisect_left(starts, end)):
                marked[index] |= 1 << bit
    return [(s, e, m) for (s, e), m in zip(sentences, marked, strict=True)]


def character_patterns(
    length: int, spans: dict[int, list[tuple[int, int]]], coders: Sequence[int]
) -> list[tuple[int, int, frozenset[int]]]:
    """Cut [0, length) into pieces, each with the set of coders whose spans cover it."""
    return _masks(character_masks(length, spans, coders), coders)


def sentence_patterns(
    sentences: list[tuple[int, int]], spans: dict[int, list[tuple[int, int]]], coders: Sequence[int]
) -> list[tuple[int, int, frozenset[int]]]:
    """Each sentence with the set of coders whose spans touch it."""
    return _masks(sentence_masks(sentences, spans, coders), coders)


# --- the report -----------------------------------------------------------------------------


@dataclass
class Stats:
    """Agreement figures for one value (or all values pooled)."""

    coincidence: dict[tuple[bool, bool], float] = field(default_factory=lambda: defaultdict(float))
    pairs: dict[tuple[int, int], dict[tuple[bool, bool], float]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(float))
    )
    units: float = 0.0

    def add(self, pattern: frozenset[int], coders: Sequence[int], weight: float) -> None:
        m = len(coders)
        j = len(pattern)
        self.units += weight
        self.coincidence[(True, True)] += weight * j * (j - 1) / (m - 1)
        self.coincidence[(False, False)] += weight * (m - j) * (m - j - 1) / (m - 1)
        self.coincidence[(True, False)] += weight * j * (m - j) / (m - 1)
        self.coincidence[(False, True)] += weight * j * (m - j) / (m - 1)
        for a, b in combinations(sorted(coders), 2):
            self.pairs[(a, b)][(a in pattern, b in pattern)] += weight

    def merge(self, other: Stats) -> None:
        self.units += other.units
        for key, w in other.coincidence.items():
            self.coincidence[key] += w
        for pair, table in other.pairs.items():
            for key, w in table.items():
                self.pairs[pair][key] += w

    @property
    def percent(self) -> float | None:
        return percent_agreement(self.coincidence)

    @property
    def alpha(self) -> float | None:
        return krippendorff_alpha(self.coincidence)

    def kappas(self) -> dict[tuple[int, int], float | None]:
        return {pair: cohen_kappa(table) for pair, table in sorted(self.pairs.items())}


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

    @property
    def pairs(self) -> list[tuple[int, int]]:
        return sorted(self.overall.pairs)


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


def agreement_report(filters: Filters, unit: str = UNIT_CHARACTERS) -> AgreementReport:
    """Measure agreement on the double-coded interviews in scope."""
    ids = double_coded_interviews(filters)
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
    spans: dict[int, dict[int, dict[int, list[tuple[int, int]]]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(list))
    )
    excerpts: dict[int, dict[int, list[tuple[int, int, int]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    coders_of: dict[int, set[int]] = defaultdict(set)
    for interview_id, coder, value, start, end, excerpt_id in rows:
        spans[interview_id][value][coder].append((start, end))
        excerpts[interview_id][coder].append((start, end, excerpt_id))
        coders_of[interview_id].add(coder)
    values = list(
        CodebookValue.objects.filter(project__isnull=True)
        | CodebookValue.objects.filter(project_id__in={p for _, p, _ in info.values()})
    )
    values.sort(key=lambda v: (v.project_id is not None, v.order, v.name))
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
            weights, runs = _weigh(pieces, full, by_length=sentences is None)
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
                        )
                    )
    overall = Stats()
    for stats in per_value.values():
        overall.merge(stats)
    _fill_texts(disagreements)
    names = dict(
        get_user_model()
        .objects.filter(pk__in={c for cs in coders_of.values() for c in cs})
        .values_list("pk", "username")
    )
    return AgreementReport(
        unit=unit,
        interviews=sum(1 for i in info if len(coders_of[i]) >= 2),
        coders=names,
        values=values,
        per_value=per_value,
        overall=overall,
        disagreements=disagreements,
        disagreement_total=total,
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


def _weigh(
    pieces: list[tuple[int, int, int]], full: int, *, by_length: bool
) -> tuple[dict[int, float], list[tuple[int, int, int]]]:
    """Total units per coder pattern, and the passages where coders differ, in one pass.

    Pieces with the same coders agree the same way, so each pattern is added to the
    statistics once with its weight. Adjacent differing pieces with the same coders join.
    """
    weights: dict[int, float] = defaultdict(float)
    runs: list[tuple[int, int, int]] = []
    for start, end, mask in pieces:
        weights[mask] += end - start if by_length else 1
        if mask and mask != full:
            if runs and runs[-1][1] >= start - 1 and runs[-1][2] == mask:
                runs[-1] = (runs[-1][0], end, mask)
            else:
                runs.append((start, end, mask))
    return weights, runs


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


def _fill_texts(disagreements: list[Disagreement]) -> None:
    """Quote each passage (texts read once per interview, only for the passages listed)."""
    ids = {d.interview_id for d in disagreements}
    texts = dict(Interview.objects.filter(pk__in=ids).values_list("pk", "text"))
    for item in disagreements:
        quote = texts[item.interview_id][item.start : item.end].strip()
        item.text = quote if len(quote) <= 300 else quote[:297] + "…"
