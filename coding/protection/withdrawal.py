"""Withdrawing a participant: their interviews, coding and memos go, and every trace of them.

Besides the rows themselves, the audit trail's snapshots, the import reports' rows, Django's
admin log and export events that named an attribute only they had are blanked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q

from ..audit import WITHDRAWN, audit_record, audit_scrub
from ..findings.models import QuoteCandidate
from ..importing.report import NAMED_FIELDS
from ..models import (
    AuditEvent,
    CodingProgress,
    Excerpt,
    ExcerptValue,
    ImportBatch,
    Interview,
    Participant,
)
from .scrub import chunks, contains_any, scrub_admin_log, scrub_objects


@dataclass(frozen=True)
class WithdrawalCounts:
    interviews: int
    excerpts: int
    tags: int
    memos: int
    attributes: int
    quotes: int = 0  # candidate quotes chosen from their excerpts (any status)


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
        quotes=QuoteCandidate.objects.filter(excerpt__interview__in=interviews).count(),
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
        if contains_any(after, unique)
    ]
    return sum(
        audit_scrub(AuditEvent.objects.filter(pk__in=chunk), note=note) for chunk in chunks(ids)
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
    quote_ids = list(
        QuoteCandidate.objects.filter(excerpt__interview__participant=participant).values_list(
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
        ("quotecandidate", quote_ids),
    ):
        scrub_objects(model, ids, WITHDRAWN)
    for model_class, ids in (
        (Participant, [participant.pk]),
        (Interview, interview_ids),
        (Excerpt, excerpt_ids),
        (ExcerptValue, tag_ids),
        (CodingProgress, progress_ids),
        (QuoteCandidate, quote_ids),
    ):
        scrub_admin_log(model_class, ids, WITHDRAWN)
    _scrub_import_reports(participant, interviews)
    _scrub_exports(participant, WITHDRAWN)

    pseudonym, project_id = participant.pseudonym, participant.project_id
    # The participant's interviews cascade, and with them their excerpts, value tags, memos
    # and the candidate quotes chosen from those excerpts.
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
            "quotes": counts.quotes,
        },
    )
    return WithdrawalResult(pseudonym=pseudonym, counts=counts, audit_event=event)
