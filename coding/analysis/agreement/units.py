"""Units of text for agreement: characters or sentences, each with the coders who marked it."""

from __future__ import annotations

import bisect
import re
from collections import defaultdict
from collections.abc import Sequence

UNIT_CHARACTERS = "characters"
UNIT_SENTENCES = "sentences"

# A sentence ends at . ! ? or … (with closing quotes or brackets) before white space, or at a
# line end; a speaker label such as "Participant:" stays with its sentence.
SENTENCE_RE = re.compile(r"[^\s][^\n]*?(?:[.!?…]+[\"'”’)\]]*(?=\s)|(?=\n)|$)")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """The (start, end) offsets of the sentences of a text."""
    return [(m.start(), m.end()) for m in SENTENCE_RE.finditer(text) if m.end() > m.start()]


def spans_union(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping or touching spans joined into one, in text order."""
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
        for start, end in spans_union(spans.get(coder, [])):
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


def weigh(
    pieces: list[tuple[int, int, int]], full: int, *, by_length: bool
) -> tuple[dict[int, float], list[tuple[int, int, int]]]:
    """Total units per coder pattern, and the passages where coders differ, in one pass.

    Pieces with the same coders agree the same way, so each pattern is added to the
    statistics once with its weight. Neighbouring differing pieces (consecutive in `pieces`)
    with the same coders join into one passage.
    """
    weights: dict[int, float] = defaultdict(float)
    runs: list[tuple[int, int, int]] = []
    previous = 0  # the mask of the piece just before: pieces come in text order, one per unit
    for start, end, mask in pieces:
        weights[mask] += end - start if by_length else 1
        if mask and mask != full:
            # Neighbouring units join whatever white space lies between two sentences.
            if runs and previous == mask:
                runs[-1] = (runs[-1][0], end, mask)
            else:
                runs.append((start, end, mask))
        previous = mask
    return weights, runs
