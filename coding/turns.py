"""Speaker turns recognised in transcript text, without changing the text.

A paragraph is one line of the normalised text. A paragraph that opens with a speaker label
(`Interviewer:`, `I:`, `Participant:`, `P:`, `R:`, `P12:`, a name and a colon), optionally after
a timestamp such as `[00:01:23]`, `(00:01:23)` or `00:01:23`, or with the timestamp between the
label and the colon (`Willow (00:01:23):`), starts a turn; so does a line holding only a label and
a timestamp (`Speaker 1  0:03`). Lines without a label continue the last speaker's turn. Offsets
are code points of the interview text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

INTERVIEWER_LABELS = {
    "interviewer",
    "i",
    "int",
    "iv",
    "q",
    "researcher",
    "facilitator (interviewer)",
}
PARTICIPANT_LABELS = {"participant", "p", "r", "respondent", "interviewee", "a"}
# "I1", "Int 2", "Interviewer 2", "P12", "R 3": numbered interviewers and participants.
NUMBERED_RE = re.compile(r"^(?P<base>[^\W\d_]+)[ ]?\d{1,3}$")

# A timestamp: 00:01:23, 1:23, 00:01:23.456 or 00:01:23-5, bare or in [], () or ##.
STAMP = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,-]\d{1,3})?"
BRACKETED_STAMP = rf"(?:\[{STAMP}\]|\({STAMP}\)|#{STAMP}#)"
# A label: up to five words, each starting with a capital letter or a digit (checked in
# `is_label`, since `re` has no class for capitals beyond ASCII).
LABEL = r"[^\W\d_][\w'’.-]*(?:[ ][\w(][\w'’.()-]*){0,4}"
# A timestamp, then a label, optionally a bracketed timestamp, then a colon and a space or the
# end of the line: "[00:01:23] Interviewer: ...", "Willow Smith (00:01:23): ...".
TURN_RE = re.compile(
    rf"^(?P<stamp>(?:{BRACKETED_STAMP}|{STAMP})\s*)?"
    rf"(?P<label>{LABEL})(?:\s*(?P<after>{BRACKETED_STAMP}))?"
    r"(?P<colon>:)(?=\s|$)"
)
# A line that is only a label and a timestamp ("Speaker 1  0:03", as some transcription
# services write it): the speaker's words follow on the next lines.
LABEL_STAMP_LINE_RE = re.compile(
    rf"^(?P<label>{LABEL})\s+(?P<after>{BRACKETED_STAMP}|{STAMP})(?P<colon>)\s*$"
)
STAMP_ONLY_RE = re.compile(rf"^(?:{BRACKETED_STAMP}|{STAMP}(?=\s|$))")


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


def is_label(label: str) -> bool:
    """Whether every word of a candidate label starts with a capital, a digit or a bracket."""
    return all(word[0].isupper() or word[0].isdigit() or word[0] == "(" for word in label.split())


def speaker_kind(label: str) -> str:
    key = label.strip().lower()
    if numbered := NUMBERED_RE.match(key):
        key = numbered.group("base")
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
        match = TURN_RE.match(line) or LABEL_STAMP_LINE_RE.match(line)
        if match and is_label(match.group("label")):
            speaker = match.group("label")
            kind = speaker_kind(speaker)
            label_end = start + match.end("colon")
            stamp = (match.groupdict().get("stamp") or match.group("after") or "").strip()
            new_turn = True
        else:
            stamp_match = STAMP_ONLY_RE.match(line)
            stamp = stamp_match.group(0) if stamp_match else ""
            label_end = start
            new_turn = False
        paragraphs.append(Paragraph(number, start, end, speaker, kind, label_end, stamp, new_turn))
    return paragraphs
