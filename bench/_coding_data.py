"""The coding benchmark's data: one interview of 25,000 words, 1,000 excerpts by 3 coders."""

from __future__ import annotations

import random
import re
from typing import Any

WORDS = 25_000
EXCERPTS = 1_000
CODERS = ("bench-coder-a", "bench-coder-b", "bench-coder-c")

QUESTIONS = [
    "How did you first hear about the group?",
    "What was it like the first time you went along?",
    "Can you say more about that?",
    "What made you keep coming back?",
    "How did the facilitators make the sessions feel?",
    "Was there anything that made it harder to take part?",
    "What has changed for you since then?",
]
FILLER = " ".join(
    [
        "I think it was the way people listened, you know, nobody rushed you and nobody told",
        "you what you should be feeling, and after a while I started to look forward to",
        "Tuesdays, which I never thought I would say about anything back then",
    ]
).split()
EMOJI = ["😊", "🙂", "❤️", "👍", "🌱", "☕"]


def interview_text(rng: random.Random) -> str:
    from coding.demo.phrases import THEMED

    sentences = [s for group in THEMED.values() for s in group]
    lines: list[str] = []
    words = 0
    while words < WORDS:
        question = "Interviewer: " + rng.choice(QUESTIONS)
        parts = []
        for _ in range(rng.randint(2, 5)):
            parts.append(rng.choice(sentences))
            if rng.random() < 0.5:
                start = rng.randrange(len(FILLER) - 12)
                parts.append(
                    " ".join(FILLER[start : start + rng.randint(6, 12)]).capitalize() + "."
                )
        if rng.random() < 0.3:
            parts.append(rng.choice(EMOJI))
        answer = "Participant: " + " ".join(parts)
        lines += [question, answer]
        words += len(question.split()) + len(answer.split())
    # Trim the last answer so the interview has exactly WORDS words.
    extra = words - WORDS
    if extra:
        lines[-1] = " ".join(lines[-1].split()[:-extra])
    return "\n".join(lines)


def build_data() -> dict[str, Any]:
    # Imported here: the models load only once the benchmark has set Django up.
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from coding.codebook import framework_values_load, project_values_load
    from coding.models import (
        CodebookValue,
        Excerpt,
        ExcerptValue,
        Interview,
        Membership,
        Participant,
        ResearchProject,
    )

    rng = random.Random(3)
    User = get_user_model()
    with transaction.atomic():
        old = ResearchProject.objects.filter(slug="bench-coding")
        Excerpt.objects.filter(interview__project__in=old).delete()
        old.delete()
        project = ResearchProject.objects.create(slug="bench-coding", name="Bench coding")
        framework_values_load(CodebookValue)
        project_values_load(CodebookValue, project)
        coders = []
        for name in CODERS:
            user, _ = User.objects.get_or_create(username=name)
            Membership.objects.create(
                user=user, project=project, role=Membership.Role.PEER_RESEARCHER
            )
            coders.append(user)
        participant = Participant.objects.create(project=project, pseudonym="P-bench")
        interview = Interview.objects.create(
            project=project,
            participant=participant,
            title="Bench interview",
            text=interview_text(rng),
        )
        text = interview.text
        values = list(CodebookValue.objects.for_project(project).active())
        # Spans start on word starts, spread evenly over the text, 1-60 words long.
        word_starts = [m.start() for m in re.finditer(r"\S+", text)]
        excerpts = []
        for i in range(EXCERPTS):
            w = (i * len(word_starts)) // EXCERPTS + rng.randrange(5)
            start = word_starts[min(w, len(word_starts) - 2)]
            n = rng.randint(1, 60)
            m = re.compile(r"\S+").finditer(text, start)
            end = start
            for _k, match in zip(range(n), m, strict=False):
                end = match.end()
            excerpts.append(
                Excerpt(
                    interview=interview,
                    coder=coders[i % 3],
                    start=start,
                    end=end,
                    text=text[start:end],
                )
            )
        Excerpt.objects.bulk_create(excerpts)
        tags = []
        for excerpt in excerpts:
            for value in rng.sample(values, rng.randint(1, 2)):
                tags.append(ExcerptValue(excerpt=excerpt, value=value))
        ExcerptValue.objects.bulk_create(tags)
        names: dict[int, list[str]] = {}
        for tag in tags:
            names.setdefault(id(tag.excerpt), []).append(tag.value.name)
    assert all(e.text == text[e.start : e.end] for e in excerpts)
    return {
        "interview": interview,
        "coder": coders[0],
        "values": values,
        "excerpts": [
            (e.start, e.end, [t.value.name for t in tags if t.excerpt is e]) for e in excerpts
        ],
        "tag_count": len(tags),
    }


def free_spans(text: str, taken: list[tuple[int, int]], count: int) -> list[tuple[int, int]]:
    """Spans of 3-8 words in Participant lines that overlap none of `taken`."""
    spans = []
    offset = 0
    for line in text.split("\n"):
        if line.startswith("Participant: ") and len(line) > 80:
            start = offset + len("Participant: ")
            end = start + 40
            if not any(a < end and start < b for a, b in taken):
                spans.append((start, end))
                taken = [*taken, (start, end)]
        offset += len(line) + 1
    rng = random.Random(8)
    rng.shuffle(spans)
    return spans[:count]
