"""Fictional interviews and their coding, generated from fixed seeds.

Two runs give the same texts, offsets and values, so seeding can match interviews by their
content hash. The words come from the phrase banks in `phrases.py`.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from ..models import Interview, Participant, count_words
from .phrases import (
    AGE_BANDS,
    ETHNICITIES,
    FILLER,
    INTERVIEWERS,
    PSEUDONYMS,
    QUESTIONS,
    SYNTHETIC_NOTE,
    THEMED,
)

DEMO_INTERVIEW_COUNTS = {
    "side-by-side": 69,
    "women-side-by-side": 40,
    "maternal-peer-support": 24,
}

# How often each value is the theme of a participant's sentence, per project: the demo's
# projects differ the way an evaluator might expect (safety and trust in the women-only groups,
# connection and shared experience around motherhood).
VALUE_WEIGHTS = {
    "side-by-side": {
        "experience-in-common": 20,
        "safety": 12,
        "choice-and-control": 20,
        "two-way-interactions": 22,
        "human-connection": 16,
        "freedom-to-be-oneself": 10,
    },
    "women-side-by-side": {
        "experience-in-common": 14,
        "safety": 28,
        "choice-and-control": 10,
        "two-way-interactions": 9,
        "human-connection": 12,
        "freedom-to-be-oneself": 12,
        "trust": 15,
    },
    "maternal-peer-support": {
        "experience-in-common": 28,
        "safety": 14,
        "choice-and-control": 7,
        "two-way-interactions": 9,
        "human-connection": 28,
        "freedom-to-be-oneself": 14,
    },
}
ROLES = [
    (Participant.Role.PARTICIPANT, 70),
    (Participant.Role.FACILITATOR, 15),
    (Participant.Role.STAFF, 8),
    (Participant.Role.STAKEHOLDER, 5),
    (Participant.Role.OTHER, 2),
]
PROJECT_PERIODS = {
    "side-by-side": (dt.date(2015, 6, 1), dt.date(2017, 3, 1)),
    "women-side-by-side": (dt.date(2019, 1, 1), dt.date(2021, 6, 1)),
    "maternal-peer-support": (dt.date(2020, 6, 1), dt.date(2022, 6, 1)),
}
COVID = dt.date(2020, 3, 23)

# How likely an interview is to touch on each value at all, per project: without this every
# long interview would mention every value and prevalence would read 100% everywhere.
PRESENCE = {
    "side-by-side": {
        "experience-in-common": 0.8,
        "safety": 0.55,
        "choice-and-control": 0.85,
        "two-way-interactions": 0.9,
        "human-connection": 0.75,
        "freedom-to-be-oneself": 0.5,
    },
    "women-side-by-side": {
        "experience-in-common": 0.6,
        "safety": 0.95,
        "choice-and-control": 0.45,
        "two-way-interactions": 0.4,
        "human-connection": 0.6,
        "freedom-to-be-oneself": 0.65,
        "trust": 0.8,
    },
    "maternal-peer-support": {
        "experience-in-common": 0.95,
        "safety": 0.6,
        "choice-and-control": 0.35,
        "two-way-interactions": 0.45,
        "human-connection": 0.95,
        "freedom-to-be-oneself": 0.7,
    },
}


@dataclass
class DemoExcerpt:
    coder_index: int
    start: int
    end: int
    values: list[str]


@dataclass
class DemoInterview:
    project_slug: str
    number: int
    pseudonym: str
    role: str
    attributes: dict[str, str]
    date: dt.date
    mode: str
    interviewer: str
    text: str
    excerpts: list[DemoExcerpt] = field(default_factory=list)
    done_by: list[int] = field(default_factory=list)


def _weighted(rng: random.Random, weights: dict[str, int] | list[tuple[Any, int]]) -> Any:
    items = list(weights.items()) if isinstance(weights, dict) else weights
    return rng.choices([k for k, _ in items], weights=[w for _, w in items], k=1)[0]


def demo_interview(project_slug: str, number: int) -> DemoInterview:
    """Generate one fictional interview and its coding, the same every time."""
    rng = random.Random(f"peervalues-demo:{project_slug}:{number}")
    n = len(PSEUDONYMS)
    pseudonym = PSEUDONYMS[number % n] + (f" {chr(65 + number // n)}." if number >= n else "")
    role = _weighted(rng, ROLES)
    if project_slug == "side-by-side":
        gender = rng.choice(["Woman", "Man", "Man", "Woman", "Non-binary"])
    else:
        gender = "Woman"
    attributes = {
        "age_band": rng.choice(
            AGE_BANDS[:4] if project_slug == "maternal-peer-support" else AGE_BANDS
        ),
        "gender": gender,
        "ethnicity": rng.choice(ETHNICITIES),
    }
    first, last = PROJECT_PERIODS[project_slug]
    date = first + dt.timedelta(days=rng.randrange((last - first).days))
    if date >= COVID:
        mode = _weighted(rng, [(Interview.Mode.ONLINE, 70), (Interview.Mode.PHONE, 30)])
    else:
        mode = _weighted(rng, [(Interview.Mode.IN_PERSON, 75), (Interview.Mode.PHONE, 25)])

    # Transcription conventions vary between transcribers.
    style = rng.choice(["full", "full", "short", "stamped"])
    labels = {
        "full": ("Interviewer", "Participant"),
        "short": ("I", "P"),
        "stamped": ("Interviewer", pseudonym.split()[0]),
    }[style]
    present = {
        slug: weight
        for slug, weight in VALUE_WEIGHTS[project_slug].items()
        if rng.random() < PRESENCE[project_slug][slug]
    }
    # At least two values come up in any interview.
    for slug in sorted(VALUE_WEIGHTS[project_slug], key=lambda s: -VALUE_WEIGHTS[project_slug][s]):
        if len(present) >= 2:
            break
        present[slug] = VALUE_WEIGHTS[project_slug][slug]
    weights = present
    # Lines are added until the target is passed; the last answer adds at most ~200 words.
    target_words = rng.randint(3000, 8750)
    parts: list[str] = [SYNTHETIC_NOTE, ""]
    themed_spans: list[tuple[int, int, str]] = []
    offset = sum(len(p) + 1 for p in parts)
    words = count_words(SYNTHETIC_NOTE)
    seconds = 0

    def add_line(line: str) -> int:
        nonlocal offset, words
        start = offset
        words += count_words(line)
        parts.append(line)
        offset += len(line) + 1
        return start

    while words < target_words:
        seconds += rng.randint(20, 140)
        stamp = (
            f"[{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}] "
            if style == "stamped"
            else ""
        )
        question = rng.choice(QUESTIONS)
        add_line(f"{stamp}{labels[0]}: {question}")
        prefix = f"{stamp}{labels[1]}: "
        sentences: list[tuple[str, str | None]] = []
        for _ in range(rng.randint(3, 8)):
            if rng.random() < 0.45:
                slug = _weighted(rng, weights)
                sentences.append((rng.choice(THEMED[slug]), slug))
            else:
                sentences.append((rng.choice(FILLER), None))
        line = prefix
        spans: list[tuple[int, int, str]] = []
        for i, (sentence, slug) in enumerate(sentences):
            if i:
                line += " "
            if slug:
                spans.append((len(line), len(line) + len(sentence), slug))
            line += sentence
        start = add_line(line)
        themed_spans.extend((start + s, start + e, slug) for s, e, slug in spans)
    text = "\n".join(parts)

    interview = DemoInterview(
        project_slug,
        number,
        pseudonym,
        role,
        attributes,
        date,
        mode,
        rng.choice(INTERVIEWERS),
        text,
    )
    # Who codes it: most interviews by one of the two coders, about a fifth by both, a few by
    # nobody yet.
    draw = rng.random()
    coders = [] if draw < 0.08 else [0, 1] if draw < 0.29 else [number % 2]
    first_coder_picks: dict[int, tuple[int, int, list[str]]] = {}
    for coder in coders:
        for index, (s, e, slug) in enumerate(themed_spans):
            agreeing = coder != coders[0] and index in first_coder_picks
            if agreeing and rng.random() < 0.85:
                s0, e0, values0 = first_coder_picks[index]
                values = values0 if rng.random() < 0.85 else [slug, _weighted(rng, weights)]
                interview.excerpts.append(DemoExcerpt(coder, s0, e0, sorted(set(values))))
                continue
            if rng.random() < (0.2 if not agreeing else 0.1):
                values = [slug]
                if rng.random() < 0.1:
                    values.append(_weighted(rng, weights))
                values = sorted(set(values))
                interview.excerpts.append(DemoExcerpt(coder, s, e, values))
                if coder == coders[0]:
                    first_coder_picks[index] = (s, e, values)
        if rng.random() < 0.85:
            interview.done_by.append(coder)
    return interview
