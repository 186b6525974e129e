"""Speaker turns recognised in transcript text, without changing the text.

A paragraph is one line of the normalised text. A paragraph that opens with a speaker label
(`Interviewer:`, `I:`, `Participant:`, `P:`, `R:`, a name and a colon), optionally after a
timestamp such as `[00:01:23]`, starts a turn; lines without a label continue the last speaker's
turn. Offsets are code points of the interview text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

INTERVIEWER_LABELS = {"interviewer", "i", "int", "q", "researcher", "facilitator (interviewer)"}
PARTICIPANT_LABELS = {"participant", "p", "r", "respondent", "interviewee", "a"}

# A timestamp, then a label of up to five words starting with a capital letter (or a single
# letter such as I/P/R), then a colon and a space or the end of the line.
TURN_RE = re.compile(
    r"^(?P<stamp>[\[(]?\d{1,2}:\d{2}(?::\d{2})?[\])]?\s*)?"
    r"(?P<label>(?:[A-Z][\w'’.-]*)(?:[ ][A-Z0-9(][\w'’.()-]*){0,4})"
    r"(?P<colon>:)(?=\s|$)"
)
STAMP_ONLY_RE = re.compile(r"^[\[(]\d{1,2}:\d{2}(?::\d{2})?[\])]")


@dataclass(frozen=True, slots=True)
class Paragraph:
    number: int
    start: int
    end: int
    speaker: str
    kind: str  # "interviewer", "participant", "other" or "" (no speaker known)
    label_end: int  # offset just after the label (== start when the line has none)
    stamp: str
    new_turn: bool

    @property
    def label_length(self) -> int:
        return self.label_end - self.start


def speaker_kind(label: str) -> str:
    key = label.strip().lower()
    if key in INTERVIEWER_LABELS or key.startswith("interviewer"):
        return "interviewer"
    if key in PARTICIPANT_LABELS or key.startswith("participant"):
        return "participant"
    return "other"


def split_paragraphs(text: str) -> list[Paragraph]:
    """Split text into numbered paragraphs (non-empty lines) with their speakers."""
    paragraphs: list[Paragraph] = []
    speaker, kind = "", ""
    offset = 0
    number = 0
    for line in text.split("\n"):
        start, end = offset, offset + len(line)
        offset = end + 1
        if not line.strip():
            continue
        number += 1
        match = TURN_RE.match(line)
        if match:
            speaker = match.group("label")
            kind = speaker_kind(speaker)
            label_end = start + match.end("colon")
            stamp = (match.group("stamp") or "").strip()
            new_turn = True
        else:
            stamp_match = STAMP_ONLY_RE.match(line)
            stamp = stamp_match.group(0) if stamp_match else ""
            label_end = start
            new_turn = False
        paragraphs.append(Paragraph(number, start, end, speaker, kind, label_end, stamp, new_turn))
    return paragraphs
