"""Participant data protection: withdrawing a participant and redacting a transcript.

Both services also blank what the audit trail, the import reports and Django's admin log kept of
the words they remove: research ethics require that a withdrawn participant's data goes
everywhere, and that a name masked in a transcript does not survive in an old snapshot.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from .audit import audit_record, audit_scrub
from .chunks import IN_QUERY_SIZE, chunked
from .importing.redaction import name_pattern
from .importing.report import NAMED_FIELDS
from .models import (
    AuditEvent,
    CodingProgress,
    Excerpt,
    ExcerptValue,
    ImportBatch,
    Interview,
    Participant,
    normalise_text,
)

WITHDRAWN = "[withdrawn participant]"
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
    """A withdrawal or redaction that was refused; the message says why, in plain words."""


def _chunks(ids: Sequence[Any]) -> Iterable[list[str]]:
    for chunk in chunked(ids):
        yield [str(i) for i in chunk]


def _scrub_objects(model: str, ids: Sequence[Any], note: str) -> int:
    """Blank the audit snapshots of the given objects of one model."""
    return sum(
        audit_scrub(AuditEvent.objects.filter(model=model, object_id__in=chunk), note=note)
        for chunk in _chunks(ids)
    )


def _scrub_admin_log(model: type, ids: Sequence[Any], note: str) -> int:
    """Blank the names Django's admin log kept of changed objects (its `object_repr`)."""
    content_type = ContentType.objects.get_for_model(model)
    return sum(
        LogEntry.objects.filter(content_type=content_type, object_id__in=chunk).update(
            object_repr=note, change_message=""
        )
        for chunk in _chunks(ids)
    )


# --- withdrawal ------------------------------------------------------------------------------


@dataclass(frozen=True)
class WithdrawalCounts:
    interviews: int
    excerpts: int
    tags: int
    memos: int
    attributes: int


@dataclass(frozen=True)
class WithdrawalResult:
    pseudonym: str
    counts: WithdrawalCounts
    audit_event: AuditEvent


def participant_withdrawal_counts(participant: Participant) -> WithdrawalCounts:
    """What withdrawing the participant would remove (shown before the admin confirms)."""
    interviews = Interview.objects.filter(participant=participant)
    return WithdrawalCounts(
        interviews=interviews.count(),
        excerpts=Excerpt.objects.filter(interview__in=interviews).count(),
        tags=ExcerptValue.objects.filter(excerpt__interview__in=interviews).count(),
        memos=CodingProgress.objects.filter(interview__in=interviews).count(),
        attributes=len(participant.attributes or {}),
    )


def _report_row_is_theirs(
    row: dict[str, Any], participant: Participant, interview_ids: set[int], files: set[str]
) -> bool:
    if row.get("interview_id") in interview_ids:
        return True
    project = str(row.get("project", "")).casefold()
    same_project = project in (
        participant.project.slug.casefold(),
        participant.project.name.casefold(),
    )
    named = str(row.get("participant", "")).strip().casefold() == participant.pseudonym.casefold()
    return (same_project and named) or (bool(files) and row.get("file") in files)


def _scrub_report(
    report: dict[str, Any], participant: Participant, interview_ids: set[int], files: set[str]
) -> bool:
    """Blank the rows of an import report that name the participant; return whether any did."""
    changed = False
    gone_files: set[str] = set()
    rows = report.get("rows") if isinstance(report, dict) else None
    for row in rows if isinstance(rows, list) else []:
        if not isinstance(row, dict) or not _report_row_is_theirs(
            row, participant, interview_ids, files
        ):
            continue
        if row.get("file"):
            gone_files.add(row["file"])
        for key in NAMED_FIELDS:
            if key in row:
                row[key] = WITHDRAWN
        row.update(
            {"warnings": [], "errors": [], "interview_id": None, "date": "", "withdrawn": True}
        )
        changed = True
    for problem in report.get("problems", []) if isinstance(report, dict) else []:
        if isinstance(problem, dict) and problem.get("file") in gone_files:
            problem.update({"file": WITHDRAWN, "message": WITHDRAWN})
            changed = True
    created = report.get("participants_created") if isinstance(report, dict) else None
    if isinstance(created, list) and participant.pk in created:
        report["participants_created"] = [pk for pk in created if pk != participant.pk]
        changed = True
    return changed


def _scrub_import_reports(participant: Participant, interviews: list[tuple[int, str]]) -> int:
    """Blank the participant's rows in every import report; return how many reports changed."""
    interview_ids = {pk for pk, _ in interviews}
    own_batches = set(
        Interview.objects.filter(pk__in=interview_ids)
        .exclude(import_batch=None)
        .values_list("import_batch_id", flat=True)
    )
    changed = 0
    # Reports are few but a row may name the participant in any of them (a failed or rolled
    # back row has no interview), so each one is read.
    for batch in ImportBatch.objects.only("pk", "report").iterator(chunk_size=100):
        # A REFI-QDA batch row names only the source file, which became the interview's title.
        files = {title for _, title in interviews if title} if batch.pk in own_batches else set()
        if _scrub_report(batch.report, participant, interview_ids, files):
            ImportBatch.objects.filter(pk=batch.pk).update(report=batch.report)
            changed += 1
    return changed


def _unique_attribute_values(participant: Participant) -> set[str]:
    """Attribute values no other participant of the project shares (they could identify)."""
    others = Participant.objects.filter(project_id=participant.project_id).exclude(
        pk=participant.pk
    )
    shared = {
        (name, value)
        for attributes in others.values_list("attributes", flat=True)
        if isinstance(attributes, dict)
        for name, value in attributes.items()
    }
    return {
        value.casefold()
        for name, value in (participant.attributes or {}).items()
        if isinstance(value, str) and value.strip() and (name, value) not in shared
    }


def _scrub_exports(participant: Participant, note: str) -> int:
    """Blank export events whose filters named an attribute value only this participant had."""
    unique = _unique_attribute_values(participant)
    if not unique:
        return 0
    events = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).filter(
        Q(project_id=participant.project_id) | Q(project_id=None)
    )
    ids = [
        pk
        for pk, after in events.values_list("pk", "after").iterator(chunk_size=1000)
        if _contains_any(after, unique)
    ]
    return sum(
        audit_scrub(AuditEvent.objects.filter(pk__in=chunk), note=note) for chunk in _chunks(ids)
    )


@transaction.atomic
def participant_withdraw(*, participant: Participant, actor: Any) -> WithdrawalResult:
    """Remove a participant with all their interviews, coding and memos, and their traces.

    The audit trail keeps one event with the pseudonym, the time and the counts removed; every
    earlier event about them loses its snapshots.
    """
    participant = (
        Participant.objects.select_for_update().select_related("project").get(pk=participant.pk)
    )
    counts = participant_withdrawal_counts(participant)
    interviews = list(Interview.objects.filter(participant=participant).values_list("pk", "title"))
    interview_ids = [pk for pk, _ in interviews]
    excerpt_ids = list(
        Excerpt.objects.filter(interview__participant=participant).values_list("pk", flat=True)
    )
    tag_ids = list(
        ExcerptValue.objects.filter(excerpt__interview__participant=participant).values_list(
            "pk", flat=True
        )
    )
    progress_ids = list(
        CodingProgress.objects.filter(interview__participant=participant).values_list(
            "pk", flat=True
        )
    )

    audit_scrub(
        AuditEvent.objects.filter(
            Q(participant_id=participant.pk) | Q(model="participant", object_id=str(participant.pk))
        ),
        note=WITHDRAWN,
    )
    for model, ids in (
        ("interview", interview_ids),
        ("excerpt", excerpt_ids),
        ("excerptvalue", tag_ids),
        ("codingprogress", progress_ids),
    ):
        _scrub_objects(model, ids, WITHDRAWN)
    for model_class, ids in (
        (Participant, [participant.pk]),
        (Interview, interview_ids),
        (Excerpt, excerpt_ids),
        (ExcerptValue, tag_ids),
        (CodingProgress, progress_ids),
    ):
        _scrub_admin_log(model_class, ids, WITHDRAWN)
    _scrub_import_reports(participant, interviews)
    _scrub_exports(participant, WITHDRAWN)

    pseudonym, project_id = participant.pseudonym, participant.project_id
    # The participant's interviews cascade, and with them their excerpts, value tags and memos.
    participant.delete()
    event = audit_record(
        actor=actor,
        action=AuditEvent.Action.WITHDRAW,
        model="participant",
        object_repr=pseudonym,
        project_id=project_id,
        after={
            "interviews": counts.interviews,
            "excerpts": counts.excerpts,
            "tags": counts.tags,
            "memos": counts.memos,
        },
    )
    return WithdrawalResult(pseudonym=pseudonym, counts=counts, audit_event=event)


# --- redaction -------------------------------------------------------------------------------


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


def _contains_any(value: Any, needles: set[str]) -> bool:
    if isinstance(value, str):
        folded = value.casefold()
        return any(needle in folded for needle in needles)
    if isinstance(value, dict):
        return any(_contains_any(v, needles) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_contains_any(v, needles) for v in value)
    return False


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
        if _contains_any([before, after, object_repr], removed)
    ]
    scrubbed = _scrub_objects("excerpt", sorted(scrub_ids), REDACTED)
    for chunk in _chunks(event_ids):
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
