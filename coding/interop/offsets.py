"""Normalising an imported text while keeping track of where each character went.

REFI-QDA positions count code points of the source's plain text as the other tool stored it.
Our `Interview.text` is normalised (`coding.models.normalise_text`), which can drop characters
(the `\\r` of CRLF, trailing spaces, blank lines at either end) and merge them (NFC). An
`OffsetMap` carries positions in the old text over to the new one, so that a coding stays on the
same characters.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from bisect import bisect_right

from ..models import normalise_text

_CR = re.compile(r"\r\n?")


class OffsetMap:
    """Positions of an old text in a new one, changed in a few places and shifted elsewhere.

    `pieces` are the changed places, sorted: (old_start, old_end, new_start, new_end). Between
    them the texts agree character for character. A position strictly inside a changed piece
    (inside a run of spaces that went, or between two characters NFC merged) has no exact image:
    a start goes to the piece's start and an end to its end, so a selection never loses a
    character it covered. Maps of successive steps chain through `then`.
    """

    def __init__(self, pieces: list[tuple[int, int, int, int]] | None = None) -> None:
        self.pieces = pieces or []
        self.starts = [piece[0] for piece in self.pieces]
        self.then: OffsetMap | None = None

    def start(self, position: int) -> int:
        return self._map(position, at_end=False)

    def end(self, position: int) -> int:
        return self._map(position, at_end=True)

    @property
    def is_identity(self) -> bool:
        return not self.pieces and (self.then is None or self.then.is_identity)

    def _map(self, position: int, *, at_end: bool) -> int:
        mapped = position
        index = bisect_right(self.starts, position) - 1
        if index >= 0:
            old_a, old_b, new_a, new_b = self.pieces[index]
            if position >= old_b:
                mapped = new_b + (position - old_b)
            elif position == old_a:
                mapped = new_a
            else:
                mapped = new_b if at_end else new_a
        return self.then._map(mapped, at_end=at_end) if self.then else mapped


def _chain(maps: list[OffsetMap]) -> OffsetMap:
    for first, second in itertools.pairwise(maps):
        first.then = second
    return maps[0]


def _deletions(text: str, spans: list[tuple[int, int]], keep: int = 0) -> tuple[str, OffsetMap]:
    """Remove (or shorten to `keep` characters) the given sorted, disjoint spans."""
    pieces: list[tuple[int, int, int, int]] = []
    parts: list[str] = []
    last = 0
    shift = 0
    for a, b in spans:
        parts.append(text[last:a])
        parts.append(text[a : a + keep])
        pieces.append((a, b, a - shift, a - shift + keep))
        shift += (b - a) - keep
        last = b
    parts.append(text[last:])
    return "".join(parts), OffsetMap(pieces)


def _line_endings(text: str) -> tuple[str, OffsetMap]:
    # A CRLF becomes its LF: the CR goes. A lone CR becomes an LF one for one.
    spans = [(m.start(), m.start() + 1) for m in _CR.finditer(text) if m.end() - m.start() == 2]
    text, mapping = _deletions(text, spans)
    return text.replace("\r", "\n"), mapping


def _nfc(text: str) -> tuple[str, OffsetMap]:
    if unicodedata.is_normalized("NFC", text):
        return text, OffsetMap()
    pieces: list[tuple[int, int, int, int]] = []
    parts: list[str] = []
    old = new = 0
    # A line break never composes with its neighbours, so lines normalise independently.
    for line in text.split("\n"):
        if unicodedata.is_normalized("NFC", line):
            parts.append(line)
            new += len(line)
        else:
            for a, b in _composition_groups(line):
                chunk = line[a:b]
                normal = unicodedata.normalize("NFC", chunk)
                parts.append(normal)
                if normal != chunk:
                    pieces.append((old + a, old + b, new, new + len(normal)))
                new += len(normal)
        old += len(line) + 1
        parts.append("\n")
        new += 1
    return "".join(parts)[:-1], OffsetMap(pieces)


def _composition_groups(line: str) -> list[tuple[int, int]]:
    """Split a line into spans that NFC normalises independently of each other."""
    starts = [i for i, ch in enumerate(line) if i == 0 or unicodedata.combining(ch) == 0]
    bounds = [*starts, len(line)]
    if len(bounds) < 2:
        return [(0, len(line))]
    groups: list[tuple[int, int]] = []
    a, b = bounds[0], bounds[1]
    for c in bounds[2:]:
        current, following = line[a:b], line[b:c]
        joined = unicodedata.normalize("NFC", current + following)
        if joined == unicodedata.normalize("NFC", current) + unicodedata.normalize(
            "NFC", following
        ):
            groups.append((a, b))
            a = b
        b = c
    groups.append((a, b))
    return groups


def _trailing_spaces(text: str) -> tuple[str, OffsetMap]:
    spans = []
    position = 0
    for line in text.split("\n"):
        kept = len(line.rstrip())
        if kept != len(line):
            spans.append((position + kept, position + len(line)))
        position += len(line) + 1
    return _deletions(text, spans)


def _outer_blank_lines(text: str) -> tuple[str, OffsetMap]:
    lead = len(text) - len(text.lstrip("\n"))
    trail = len(text) - len(text.rstrip("\n"))
    spans = []
    if lead == len(text):
        spans.append((0, len(text)))
    else:
        if lead:
            spans.append((0, lead))
        if trail:
            spans.append((len(text) - trail, len(text)))
    return _deletions(text, spans)


def normalise_with_map(text: str) -> tuple[str, OffsetMap]:
    """Return `normalise_text(text)` and the map of old positions to new ones."""
    maps = []
    current = text
    for step in (_line_endings, _nfc, _trailing_spaces, _outer_blank_lines):
        current, mapping = step(current)
        maps.append(mapping)
    expected = normalise_text(text)
    if current != expected:  # pragma: no cover - a guard: the steps must mirror normalise_text
        raise ValueError("The text could not be normalised with a map of its positions.")
    return current, _chain(maps)
