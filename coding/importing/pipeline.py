"""The import pipeline: read -> plan each row (collecting every problem) -> save in bulk.

`batch_import` is the one service behind the admin page and `manage.py import_interviews`. It
plans the whole batch first, so a dry run and a real run report the same problems; by default
nothing is written when any row has an error, and with `skip_invalid` the valid rows are saved.
Saving happens in one transaction with bulk inserts: a batch lands whole or not at all.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path, PurePosixPath
from typing import Any

from django.db import IntegrityError, transaction

from ..audit import audit_record
from ..models import (
    AuditEvent,
    CodingProgress,
    Excerpt,
    ImportBatch,
    Interview,
    Participant,
    ResearchProject,
    content_hash,
    count_words,
    normalise_text,
)
from . import problems as msg
from .fields import FieldError, parse_date, parse_mode, parse_role
from .problems import ImportRefused, Problem, UnreadableFile, error, warning
from .readers import BatchSource, Limits, ManifestRow, open_batch
from .redaction import Replacement, name_key, parse_names, redactor_for
from .text import extract_text, strip_control_characters

READY = "ready"
CREATED = "created"
DUPLICATE = "duplicate"
FAILED = "error"
STATUS_LABELS = {
    READY: "Will be created",
    CREATED: "Created",
    DUPLICATE: "Skipped: already there",
    FAILED: "Error: not imported",
}
BULK_SIZE = 200
IN_QUERY_SIZE = 500  # keeps IN (...) lists under SQLite's variable limit


@dataclass
class RowPlan:
    number: int
    file: str
    title: str = ""
    project: ResearchProject | None = None
    project_label: str = ""
    pseudonym: str = ""
    role: str = Participant.Role.PARTICIPANT.value
    attributes: dict[str, str] = field(default_factory=dict)
    date: date | None = None
    interviewer: str = ""
    mode: str = Interview.Mode.IN_PERSON.value
    text: str | None = None
    content_hash: str = ""
    words: int = 0
    redactions: int = 0
    status: str = READY
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    participant_new: bool = False
    interview_id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.number,
            "file": self.file,
            "title": self.title,
            "project": self.project.slug if self.project else self.project_label,
            "project_name": self.project.name if self.project else "",
            "participant": self.pseudonym,
            "participant_new": self.participant_new,
            "role": self.role,
            "date": self.date.isoformat() if self.date else "",
            "interviewer": self.interviewer,
            "mode": self.mode,
            "mode_label": Interview.Mode(self.mode).label,
            "words": self.words,
            "redactions": self.redactions,
            "status": self.status,
            "status_label": STATUS_LABELS[self.status],
            "warnings": self.warnings,
            "errors": self.errors,
            "interview_id": self.interview_id,
        }


@dataclass
class ImportReport:
    source: str
    rows: list[RowPlan] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    dry_run: bool = False
    skip_invalid: bool = False
    refused: bool = False  # the batch as a whole could not be read
    batch: ImportBatch | None = None
    participants_created: list[int] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for row in self.rows if row.status == status)

    @property
    def error_count(self) -> int:
        return self.count(FAILED) + sum(1 for p in self.problems if p.is_error)

    @property
    def warning_count(self) -> int:
        return sum(len(row.warnings) for row in self.rows) + sum(
            1 for p in self.problems if not p.is_error
        )

    @property
    def has_errors(self) -> bool:
        return self.error_count > 0

    @property
    def can_import(self) -> bool:
        """Whether confirming would write anything."""
        if self.refused or (self.has_errors and not self.skip_invalid):
            return False
        return self.count(READY) > 0

    def all_problems(self) -> list[Problem]:
        """Batch-wide problems, then each row's errors and warnings, in manifest order."""
        found = list(self.problems)
        for row in self.rows:
            found += [error(m, row=row.number, file=row.file) for m in row.errors]
            found += [warning(m, row=row.number, file=row.file) for m in row.warnings]
        return found

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "dry_run": self.dry_run,
            "skip_invalid": self.skip_invalid,
            "refused": self.refused,
            "imported": self.batch is not None,
            "can_import": self.can_import,
            "counts": {
                "rows": len(self.rows),
                "ready": self.count(READY),
                "created": self.count(CREATED),
                "duplicates": self.count(DUPLICATE),
                "errors": self.error_count,
                "error_rows": self.count(FAILED),
                "warnings": self.warning_count,
                "redactions": sum(row.redactions for row in self.rows),
            },
            "problems": [p.as_dict() for p in self.problems],
            "rows": [row.as_dict() for row in self.rows],
            "participants_created": self.participants_created,
        }


def batch_import(
    *,
    path: Path,
    user: Any = None,
    source_name: str | None = None,
    names: str = "",
    dry_run: bool = False,
    skip_invalid: bool = False,
    limits: Limits | None = None,
) -> ImportReport:
    """Import the batch at `path` (zip, folder, manifest or table); return what happened.

    `names` are extra names to remove from every transcript, one a line (`Name` or
    `Name=Pseudonym`), on top of the batch's own names.txt and each row's `redact` column.
    """
    report = ImportReport(source_name or path.name, dry_run=dry_run, skip_invalid=skip_invalid)
    try:
        with open_batch(path, name=report.source, limits=limits) as source:
            batch_names = batch_replacements(source.names_text, names)
            report.source = redact_label(report.source, batch_names)
            plan_rows(source, report, batch_names, keep_text=not dry_run)
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


def batch_replacements(*texts: str) -> tuple[Replacement, ...]:
    replacements = tuple(r for text in texts for r in parse_names(text))
    short = [r for r in replacements if len(r.name) < 2]
    if short:
        raise ImportRefused([error(msg.NAME_TOO_SHORT.format(name=r.name)) for r in short])
    return replacements


def redact_label(label: str, replacements: tuple[Replacement, ...]) -> str:
    return redactor_for(replacements).redact(label)[0] if replacements else label


def plan_rows(
    source: BatchSource,
    report: ImportReport,
    batch_names: tuple[Replacement, ...],
    *,
    keep_text: bool,
) -> None:
    """Plan every row of the manifest, then the checks that need all rows at once."""
    report.problems += source.problems
    projects = ProjectLookup()
    for manifest_row in source.manifest.rows:
        report.rows.append(plan_row(source, manifest_row, projects, batch_names, keep_text))
    report.problems += [
        error(msg.ORPHAN_FILE.format(file=path), file=path) for path in source.orphans()
    ]
    mark_duplicates(report.rows)
    check_participants(report.rows)


class ProjectLookup:
    """Projects by slug or by name, whatever the case, read once."""

    def __init__(self) -> None:
        self.projects = list(ResearchProject.objects.order_by("name"))
        self.by_key: dict[str, ResearchProject] = {}
        for project in self.projects:
            self.by_key.setdefault(project.slug.casefold(), project)
            self.by_key.setdefault(" ".join(project.name.casefold().split()), project)

    def get(self, value: str) -> ResearchProject:
        project = self.by_key.get(" ".join(value.casefold().split()))
        if project is None:
            known = ", ".join(p.slug for p in self.projects) or "none yet"
            raise FieldError(msg.UNKNOWN_PROJECT.format(project=value, known=known))
        return project


def plan_row(
    source: BatchSource,
    manifest_row: ManifestRow,
    projects: ProjectLookup,
    batch_names: tuple[Replacement, ...],
    keep_text: bool,
) -> RowPlan:
    """Read, check, normalise and redact one row, collecting every problem it has."""
    values = manifest_row.values
    file_value = values.get("file", "")
    row = RowPlan(manifest_row.number, file_value, attributes=manifest_row.attributes)
    errors = row.errors

    def check(column: str, parse: Any) -> Any:
        try:
            return parse(values.get(column, ""))
        except FieldError as exc:
            errors.append(str(exc))
            return None

    row.project_label = values.get("project", "")
    if row.project_label:
        row.project = check("project", projects.get)
    row.pseudonym = values.get("participant", "")
    row.role = check("participant_role", parse_role) or row.role
    row.date = check("interview_date", parse_date)
    row.interviewer = values.get("interviewer", "")
    if values.get("mode", ""):
        row.mode = check("mode", parse_mode) or row.mode
    for column in ("project", "participant", "mode"):
        if not values.get(column, ""):
            errors.append(msg.MISSING_VALUE.format(column=column))
    for column, limit in (("participant", 100), ("interviewer", 100)):
        if len(values.get(column, "")) > limit:
            errors.append(msg.TOO_LONG.format(column=column, limit=limit))
    if row.date is None and not values.get("interview_date", ""):
        row.warnings.append(msg.NO_DATE)

    row_names = parse_names(values.get("redact", ""), separator=";")
    errors += [msg.NAME_TOO_SHORT.format(name=r.name) for r in row_names if len(r.name) < 2]
    replacements = batch_names + tuple(r for r in row_names if len(r.name) >= 2)
    redactor = redactor_for(replacements)
    if row.pseudonym and any(name_key(r.name) == name_key(row.pseudonym) for r in replacements):
        errors.append(msg.PSEUDONYM_IS_A_NAME)

    text = read_row_text(source, row, values)
    if text is not None:
        text, row.redactions, found = redactor.redact(text)
        # A row's own names that are not in its text are likely misspelt; the batch's names
        # are naturally missing from most transcripts.
        own = {name_key(r.name) for r in row_names}
        if own - found:
            row.warnings.append(
                msg.NAMES_NOT_FOUND.format(missing=len(own - found), total=len(own))
            )
        if not text.strip():
            errors.append(msg.EMPTY_TEXT.format(file=file_value or "the text column"))
        else:
            row.content_hash = content_hash(text)
            row.words = count_words(text)
            row.text = text if keep_text else None

    # File names and titles are stored too: they must not carry a real name either.
    row.file = redactor.redact(file_value)[0]
    title = values.get("title", "") or (
        PurePosixPath(file_value.replace("\\", "/")).stem
        if file_value
        else f"{PurePosixPath(source.name).stem} row {row.number}"
    )
    row.title = redactor.redact(title)[0][:255]
    if errors:
        row.status = FAILED
    return row


def read_row_text(source: BatchSource, row: RowPlan, values: dict[str, str]) -> str | None:
    """Return the row's normalised text (from its file or its text cell), or None on error."""
    if source.manifest.inline_text and "text" in values and not values.get("file"):
        text, removed = strip_control_characters(values["text"])
        if removed:
            row.warnings.append(msg.CONTROL_CHARACTERS.format(count=removed, file="the text"))
        return normalise_text(text)
    if not values.get("file"):
        row.errors.append(msg.MISSING_VALUE.format(column="file"))
        return None
    try:
        path = source.locate(values["file"])
        data = source.read(path)
        # A .docx or .odt is itself a zip: it gets the batch's limits on unpacking too.
        limits = source.limits
        max_unpacked = min(limits.max_total_size, max(len(data), 1) * limits.max_ratio)
        extracted = extract_text(data, path, max_unpacked=max_unpacked)
    except UnreadableFile as exc:
        row.errors.append(str(exc))
        return None
    row.warnings += extracted.warnings
    return extracted.text


def mark_duplicates(rows: list[RowPlan]) -> None:
    """Skip rows whose text is already in their project, or earlier in this batch."""
    first_row: dict[tuple[int, str], int] = {}
    for row in rows:
        if row.status != READY or row.project is None:
            continue
        key = (row.project.pk, row.content_hash)
        if key in first_row:
            row.status = DUPLICATE
            row.warnings.append(msg.DUPLICATE_IN_BATCH.format(row=first_row[key]))
            row.text = None
        else:
            first_row[key] = row.number
    hashes = sorted({h for _, h in first_row})
    existing: dict[tuple[int, str], str] = {}
    project_ids = {p for p, _ in first_row}
    for start in range(0, len(hashes), IN_QUERY_SIZE):
        found = Interview.objects.filter(
            project_id__in=project_ids, content_hash__in=hashes[start : start + IN_QUERY_SIZE]
        ).values_list("project_id", "content_hash", "title")
        existing.update({(p, h): title for p, h, title in found})
    for row in rows:
        if row.status == READY and row.project is not None:
            title = existing.get((row.project.pk, row.content_hash))
            if title is not None:
                row.status = DUPLICATE
                row.warnings.append(msg.DUPLICATE_IN_PROJECT.format(title=title or "untitled"))
                row.text = None


def check_participants(rows: list[RowPlan]) -> None:
    """Mark new participants; warn when a row's details differ from the stored ones."""
    ready = [r for r in rows if r.status == READY and r.project is not None]
    known: dict[tuple[int, str], tuple[str, dict[str, str]]] = {}
    for start in range(0, len(ready), IN_QUERY_SIZE):
        chunk = ready[start : start + IN_QUERY_SIZE]
        found = Participant.objects.filter(
            project_id__in={r.project.pk for r in chunk},  # type: ignore[union-attr]
            pseudonym__in={r.pseudonym for r in chunk},
        ).values_list("project_id", "pseudonym", "role", "attributes")
        known.update({(p, name): (role, attrs) for p, name, role, attrs in found})
    for row in ready:
        key = (row.project.pk, row.pseudonym)  # type: ignore[union-attr]
        if key not in known:
            row.participant_new = True
            known[key] = (row.role, row.attributes)
            continue
        role, attributes = known[key]
        differs = role != row.role or any(
            attributes.get(name) != value for name, value in row.attributes.items()
        )
        if differs:
            row.warnings.append(msg.PARTICIPANT_DIFFERS.format(pseudonym=row.pseudonym))


def save_report(report: ImportReport, *, user: Any) -> ImportBatch:
    """Write the planned rows of a report in one transaction; set the batch on the report."""
    ready = [row for row in report.rows if row.status == READY]
    try:
        with transaction.atomic():
            batch = ImportBatch(
                created_by=user if getattr(user, "is_authenticated", False) else None,
                source_name=report.source[:255],
            )
            batch.full_clean()
            batch.save()
            participants = participants_for(ready, report)
            for start in range(0, len(ready), BULK_SIZE):
                chunk = ready[start : start + BULK_SIZE]
                interviews = [interview_for(row, participants, batch) for row in chunk]
                Interview.objects.bulk_create(interviews)
                for row, interview in zip(chunk, interviews, strict=True):
                    row.interview_id = interview.pk
                    row.status = CREATED
                    row.text = None  # let the memory go as the batch is written
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
    for start in range(0, len(ready), IN_QUERY_SIZE):
        chunk = ready[start : start + IN_QUERY_SIZE]
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


def interview_for(
    row: RowPlan, participants: dict[tuple[int, str], Participant], batch: ImportBatch
) -> Interview:
    interview = Interview(
        project=row.project,
        participant=participants[(row.project.pk, row.pseudonym)],  # type: ignore[union-attr]
        title=row.title,
        interviewer=row.interviewer,
        date=row.date,
        mode=row.mode,
        text=row.text or "",
        import_batch=batch,
    )
    interview.refresh_derived_fields()
    # The foreign keys were just read or created; checking each again would cost a query.
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
