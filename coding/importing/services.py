"""The batch import services: `batch_import` (plan, then save in one transaction) and
`batch_rollback`.

`batch_import` is the one service behind the admin page and `manage.py import_interviews`. It
plans the whole batch first, so a dry run and a real run report the same problems; by default
nothing is written when any row has an error, and with `skip_invalid` the valid rows are saved.
Saving happens in one transaction with bulk inserts: a batch lands whole or not at all.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction

from ..archives import Limits
from ..audit import audit_record
from ..chunks import chunked
from ..models import AuditEvent, CodingProgress, Excerpt, ImportBatch, Interview, Participant
from . import problems as msg
from .plan import batch_replacements, plan_rows, redact_label
from .problems import ImportRefused, error
from .report import CREATED, DUPLICATE, READY, ImportReport, PseudonymChoices, RowPlan
from .sources import open_batch

BULK_SIZE = 200


def batch_import(
    *,
    path: Path,
    user: Any = None,
    source_name: str | None = None,
    names: str = "",
    dry_run: bool = False,
    skip_invalid: bool = False,
    limits: Limits | None = None,
    participant_choices: dict[int, str | None] | None = None,
    pseudonym_choices: PseudonymChoices | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Import the batch at `path` (zip, folder, manifest or table); return what happened.

    `names` are extra names to remove from every transcript, one a line (`Name` or
    `Name=Pseudonym`), on top of the batch's own names.txt and each row's `redact` column.
    `participant_choices` (the admin page) says, for each row whose pseudonym is an existing
    participant's, whether it is that person (None) or a new participant (their pseudonym);
    given, a row without a choice stops the import. `pseudonym_choices` (the command) says the
    same by pseudonym. Neither given, it is that person.
    """
    report = ImportReport(
        source_name or path.name,
        dry_run=dry_run,
        skip_invalid=skip_invalid,
        participant_choices=participant_choices,
        pseudonym_choices=pseudonym_choices,
    )
    try:
        with open_batch(path, name=report.source, limits=limits) as source:
            batch_names = batch_replacements(source.names_text, names)
            report.source = redact_label(report.source, batch_names)
            plan_rows(source, report, batch_names, keep_text=not dry_run, progress=progress)
            report.refused = source.manifest.refused
    except ImportRefused as refusal:
        report.refused = True
        report.problems = refusal.problems
        report.rows = []
        return report
    if not dry_run and report.can_import:
        try:
            save_report(report, user=user)
        except ImportRefused as refusal:
            report.refused = True
            report.problems += refusal.problems
    return report


def save_report(report: ImportReport, *, user: Any) -> ImportBatch:
    """Write the planned rows of a report in one transaction; set the batch on the report."""
    ready = [row for row in report.rows if row.status == READY]
    # The text work (normalising, hashing, counting words, validating) is done before the
    # transaction: on SQLite the transaction holds the database-wide write lock, and coders'
    # saves wait for it, so it should only write.
    prepared = []
    for row in ready:
        prepared.append((row, interview_for(row)))
        row.text = None  # the interview holds the text now
    try:
        with transaction.atomic():
            batch = ImportBatch(
                created_by=user if getattr(user, "is_authenticated", False) else None,
                source_name=report.source[:255],
            )
            batch.full_clean()
            batch.save()
            participants = participants_for(ready, report)
            for chunk in chunked(prepared, BULK_SIZE):
                for row, interview in chunk:
                    interview.participant = participants[(row.project.pk, row.pseudonym)]  # type: ignore[union-attr]
                    interview.import_batch = batch
                Interview.objects.bulk_create([interview for _, interview in chunk])
                for row, interview in chunk:
                    row.interview_id = interview.pk
                    row.status = CREATED
                    interview.text = ""  # let the memory go as the batch is written
            report.batch = batch
            batch.interview_count = report.count(CREATED)
            batch.skipped_count = report.count(DUPLICATE)
            batch.error_count = report.error_count
            batch.warning_count = report.warning_count
            batch.report = report.as_dict()
            batch.save()
            audit_batch(batch, report, user)
    except IntegrityError:
        # Another import stored the same text in between planning and saving.
        report.batch = None
        for row in ready:
            row.status, row.interview_id = READY, None
        raise ImportRefused([error(msg.CONCURRENT_IMPORT)]) from None
    return batch


def participants_for(
    ready: list[RowPlan], report: ImportReport
) -> dict[tuple[int, str], Participant]:
    """Return the rows' participants by (project, pseudonym), creating the new ones in bulk."""
    participants: dict[tuple[int, str], Participant] = {}
    for chunk in chunked(ready):
        for participant in Participant.objects.filter(
            project_id__in={r.project.pk for r in chunk},  # type: ignore[union-attr]
            pseudonym__in={r.pseudonym for r in chunk},
        ):
            participants[(participant.project_id, participant.pseudonym)] = participant
    new: list[Participant] = []
    for row in ready:
        key = (row.project.pk, row.pseudonym)  # type: ignore[union-attr]
        if key not in participants:
            participant = Participant(
                project=row.project,
                pseudonym=row.pseudonym,
                role=row.role,
                quote_consent=row.quote_consent,
                attributes=row.attributes,
            )
            participant.full_clean(
                exclude=["project"], validate_unique=False, validate_constraints=False
            )
            participants[key] = participant
            new.append(participant)
    Participant.objects.bulk_create(new, batch_size=BULK_SIZE)
    report.participants_created = [p.pk for p in new]
    return participants


def interview_for(row: RowPlan) -> Interview:
    """A row's interview with its derived fields, checked; its participant and batch come later."""
    interview = Interview(
        project=row.project,
        title=row.title,
        interviewer=row.interviewer,
        date=row.date,
        mode=row.mode,
        text=row.text or "",
    )
    interview.refresh_derived_fields()
    # The foreign keys are set inside the transaction, from rows just read or created there.
    interview.full_clean(
        exclude=["project", "participant", "import_batch"],
        validate_unique=False,
        validate_constraints=False,
    )
    return interview


def audit_batch(batch: ImportBatch, report: ImportReport, user: Any) -> None:
    """One audit event per project the batch touched, so each project's trail shows it."""
    per_project: dict[int, list[RowPlan]] = defaultdict(list)
    for row in report.rows:
        if row.status == CREATED and row.project is not None:
            per_project[row.project.pk].append(row)
    for project_id, rows in sorted(per_project.items()):
        audit_record(
            actor=user,
            action=AuditEvent.Action.IMPORT,
            instance=batch,
            project_id=project_id,
            after={
                "interviews": [row.interview_id for row in rows],
                "participants_created": sum(1 for row in rows if row.participant_new),
                "redactions": sum(row.redactions for row in rows),
                "skipped": batch.skipped_count,
                "errors": batch.error_count,
            },
        )


def batch_coded_count(batch: ImportBatch) -> int:
    """How many interviews of the batch have coding work (excerpts, memos or a done mark)."""
    coded = set(
        Excerpt.objects.filter(interview__import_batch=batch).values_list("interview_id", flat=True)
    )
    coded |= set(
        CodingProgress.objects.filter(interview__import_batch=batch).values_list(
            "interview_id", flat=True
        )
    )
    return len(coded)


class RollbackRefused(Exception):
    """The batch cannot be rolled back; the message says why."""


def batch_rollback(*, batch: ImportBatch, user: Any) -> int:
    """Delete a batch's interviews (and the participants it created); return how many.

    Refused when the batch was rolled back already or when anyone has started coding one of its
    interviews: coding work is never deleted this way.
    """
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.status == ImportBatch.Status.ROLLED_BACK:
            raise RollbackRefused(msg.ALREADY_ROLLED_BACK)
        coded = batch_coded_count(batch)
        if coded:
            raise RollbackRefused(msg.BATCH_HAS_CODING.format(count=coded))
        per_project: dict[int, list[int]] = defaultdict(list)
        for pk, project_id in batch.interviews.values_list("pk", "project_id"):
            per_project[project_id].append(pk)
        deleted = sum(len(pks) for pks in per_project.values())
        batch.interviews.all().delete()
        created_ids = batch.report.get("participants_created", [])
        removed = Participant.objects.filter(pk__in=created_ids, interviews__isnull=True)
        removed_count = removed.count()
        removed.delete()
        batch.status = ImportBatch.Status.ROLLED_BACK
        batch.save(update_fields=["status"])
        for project_id, pks in sorted(per_project.items()):
            audit_record(
                actor=user,
                action=AuditEvent.Action.ROLLBACK,
                instance=batch,
                project_id=project_id,
                before={"interviews": pks},
                after={"interviews_deleted": len(pks), "participants_deleted": removed_count},
            )
    return deleted
