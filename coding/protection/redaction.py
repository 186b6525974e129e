"""Masking words in a transcript after coding began, keeping every excerpt's offsets.

The masked words are also blanked from earlier audit snapshots of the interview and its
excerpts, so a name masked here does not survive in an old snapshot.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from ..audit import audit_record, audit_scrub
from ..chunks import IN_QUERY_SIZE
from ..importing.redaction import name_pattern
from ..models import AuditEvent, Excerpt, Interview, normalise_text
from .scrub import chunks, contains_any, scrub_objects

REDACTED = "[redacted]"
# One block per masked character keeps every offset valid. It is not whitespace (so trimming
# lines cannot remove it) and NFC leaves it alone (so normalising cannot change lengths).
MASK = "█"

NAME_EMPTY = "Type the name (or other words) to mask."
NAME_TOO_SHORT = "Type at least two letters: a single letter would be masked in every word."
NAME_NOT_FOUND = "“{name}” does not appear in this transcript as a whole word."
SPAN_INVALID = "The part to mask must lie inside the transcript and not be empty."
MASK_CHANGED_TEXT = "Masking would change the transcript's length, so nothing was changed."
HASH_CLASH = (
    "After masking, this transcript would be identical to another transcript of the project, "
    "so nothing was changed."
)


class ProtectionError(Exception):
    """A masking that was refused; the message says why, in plain words."""


@dataclass(frozen=True)
class RedactionResult:
    spans: list[tuple[int, int]]
    characters: int
    excerpts_masked: int
    events_scrubbed: int


def clean_name(name: str) -> str:
    """The name as it is searched for: NFC, single spaces; refused when empty or one letter."""
    name = " ".join(unicodedata.normalize("NFC", name or "").split())
    if not name:
        raise ProtectionError(NAME_EMPTY)
    if len(name) < 2:
        raise ProtectionError(NAME_TOO_SHORT)
    return name


def find_occurrences(text: str, name: str) -> list[tuple[int, int]]:
    """Spans of every case-insensitive, whole-word occurrence of name in text."""
    name = clean_name(name)
    # The same matching as name removal at import: any apostrophe, spaces or tabs between words.
    pattern = re.compile(r"(?<!\w)" + name_pattern(name) + r"(?!\w)", re.IGNORECASE)
    return [match.span() for match in pattern.finditer(text)]


def mask(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """Replace every character of the spans but whitespace by MASK (line breaks stay)."""
    chars = list(text)
    for start, end in spans:
        for i in range(start, end):
            if not chars[i].isspace():
                chars[i] = MASK
    return "".join(chars)


@transaction.atomic
def interview_redact_spans(
    *, interview: Interview, spans: Sequence[tuple[int, int]], actor: Any
) -> RedactionResult:
    """Mask spans of a transcript after coding began, keeping every excerpt's offsets."""
    interview = Interview.objects.select_for_update().get(pk=interview.pk)
    old_text = interview.text
    spans = sorted({(int(s), int(e)) for s, e in spans})
    if not spans or any(s < 0 or e > len(old_text) or e <= s for s, e in spans):
        raise ProtectionError(SPAN_INVALID)
    removed = {old_text[s:e].casefold() for s, e in spans}
    removed = {words for words in removed if words.strip()}
    new_text = mask(old_text, spans)
    if normalise_text(new_text) != new_text or len(new_text) != len(old_text):
        raise ProtectionError(MASK_CHANGED_TEXT)
    interview.text = new_text
    interview.refresh_derived_fields()
    try:
        interview.full_clean(exclude=["participant", "project", "import_batch"])
    except ValidationError as error:
        raise ProtectionError(HASH_CLASH) from error
    interview.save(update_fields=["text", "content_hash", "word_count"])

    overlap = Q()
    for start, end in spans:
        overlap |= Q(start__lt=end, end__gt=start)
    excerpts = list(Excerpt.objects.filter(overlap, interview=interview))
    for excerpt in excerpts:
        excerpt.text = new_text[excerpt.start : excerpt.end]
    Excerpt.objects.bulk_update(excerpts, ["text"], batch_size=IN_QUERY_SIZE)

    # Earlier snapshots of the overlapping excerpts hold the masked words; so may snapshots of
    # excerpts since moved or deleted, and of this interview, which are found by their content.
    scrub_ids = {str(e.pk) for e in excerpts}
    candidates = AuditEvent.objects.filter(
        Q(participant_id=interview.participant_id)
        | Q(model="interview", object_id=str(interview.pk))
    ).values_list("pk", "before", "after", "object_repr")
    event_ids = [
        pk
        for pk, before, after, object_repr in candidates.iterator(chunk_size=1000)
        if contains_any([before, after, object_repr], removed)
    ]
    scrubbed = scrub_objects("excerpt", sorted(scrub_ids), REDACTED)
    for chunk in chunks(event_ids):
        scrubbed += audit_scrub(AuditEvent.objects.filter(pk__in=chunk), note=REDACTED)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.REDACT,
        model="interview",
        object_id=interview.pk,
        object_repr=f"Interview {interview.pk}",
        project_id=interview.project_id,
        participant_id=interview.participant_id,
        after={
            "spans": [[s, e] for s, e in spans],
            "characters": sum(e - s for s, e in spans),
            "excerpts_masked": len(excerpts),
            "audit_events_scrubbed": scrubbed,
        },
    )
    return RedactionResult(
        spans=list(spans),
        characters=sum(e - s for s, e in spans),
        excerpts_masked=len(excerpts),
        events_scrubbed=scrubbed,
    )


def interview_redact(*, interview: Interview, start: int, end: int, actor: Any) -> RedactionResult:
    """Mask one span of a transcript (see `interview_redact_spans`)."""
    return interview_redact_spans(interview=interview, spans=[(start, end)], actor=actor)


def interview_redact_name(*, interview: Interview, name: str, actor: Any) -> RedactionResult:
    """Mask every whole-word occurrence of a name, found again at the moment of masking."""
    with transaction.atomic():
        locked = Interview.objects.select_for_update().get(pk=interview.pk)
        spans = find_occurrences(locked.text, name)
        if not spans:
            raise ProtectionError(NAME_NOT_FOUND.format(name=clean_name(name)))
        return interview_redact_spans(interview=locked, spans=spans, actor=actor)
