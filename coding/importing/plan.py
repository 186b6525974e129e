"""Planning a batch: every row read, checked, normalised and redacted, every problem collected.

Nothing is written here: the plan is what the preview shows and what `services.save_report`
writes. Checks that need all rows at once (duplicates, known participants) run after the rows.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import PurePosixPath
from typing import Any

from django.db.models import Count

from ..chunks import chunked
from ..models import (
    Interview,
    Participant,
    ResearchProject,
    content_hash,
    count_words,
    normalise_text,
)
from . import problems as msg
from .fields import FieldError, parse_date, parse_mode, parse_quote_consent, parse_role
from .manifest import ManifestRow
from .problems import ImportRefused, UnreadableFile, error
from .redaction import Replacement, name_key, parse_names, redactor_for
from .report import (
    DUPLICATE,
    FAILED,
    NEW_PERSON,
    READY,
    SAME_PERSON,
    ImportReport,
    PseudonymChoices,
    RowPlan,
)
from .sources import BatchSource
from .text import extract_text, strip_control_characters


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
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """Plan every row of the manifest, then the checks that need all rows at once.

    `progress(done, total)` hears of each row read (a background job shows the counts).
    """
    report.problems += source.problems
    projects = ProjectLookup()
    rows = source.manifest.rows
    for done, manifest_row in enumerate(rows, start=1):
        row = plan_row(source, manifest_row, projects, batch_names, keep_text)
        new_pseudonym = (report.participant_choices or {}).get(row.number)
        if new_pseudonym:  # the admin chose a new participant: the row takes its pseudonym
            row.pseudonym, row.participant_choice = new_pseudonym, NEW_PERSON
        report.rows.append(row)
        if progress is not None:
            progress(done, len(rows))
    report.problems += [
        error(msg.ORPHAN_FILE.format(file=path), file=path) for path in source.orphans()
    ]
    mark_duplicates(report.rows)
    check_participants(report.rows, report.participant_choices, report.pseudonym_choices)


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
    row.quote_consent = (
        check("quote_consent", lambda v: parse_quote_consent(v, manifest_row.number))
        or row.quote_consent
    )
    row.quote_consent_given = bool(values.get("quote_consent", "").strip())
    row.date = check("interview_date", parse_date)
    row.interviewer = values.get("interviewer", "")
    # A mode that is missing or unreadable stays blank (the row has an error and is not
    # created), so the preview shows none rather than the default.
    row.mode = (check("mode", parse_mode) or "") if values.get("mode", "") else ""
    for column in ("project", "participant", "mode"):
        # A column missing from the header is said once for the batch, not on every row.
        if not values.get(column, "") and column not in source.manifest.missing:
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
            row.warnings.append(msg.control_characters("the text", removed))
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
    for some in chunked(hashes):
        found = Interview.objects.filter(
            project_id__in=project_ids, content_hash__in=some
        ).values_list("project_id", "content_hash", "title")
        existing.update({(p, h): title for p, h, title in found})
    for row in rows:
        if row.status == READY and row.project is not None:
            title = existing.get((row.project.pk, row.content_hash))
            if title is not None:
                row.status = DUPLICATE
                row.warnings.append(msg.DUPLICATE_IN_PROJECT.format(title=title or "untitled"))
                row.text = None


Known = dict[tuple[int, str], tuple[str, dict[str, str], str, int | None]]


def known_participants(rows: list[RowPlan]) -> Known:
    """(project, pseudonym) -> role, attributes, consent to quote and interviews, for the
    participants already stored under the rows' pseudonyms."""
    known: Known = {}
    for chunk in chunked(rows):
        found = (
            Participant.objects.filter(
                project_id__in={r.project.pk for r in chunk},  # type: ignore[union-attr]
                pseudonym__in={r.pseudonym for r in chunk},
            )
            .annotate(interview_count=Count("interviews"))
            .values_list(
                "project_id", "pseudonym", "role", "attributes", "quote_consent", "interview_count"
            )
        )
        known.update(
            {(p, name): (role, attrs, consent, n) for p, name, role, attrs, consent, n in found}
        )
    return known


def check_participants(
    rows: list[RowPlan],
    choices: dict[int, str | None] | None,
    by_pseudonym: PseudonymChoices | None = None,
) -> None:
    """Mark new participants, and rows that add an interview to an existing one.

    A pseudonym that is already a participant's may be the same person or someone else given
    the same pseudonym: the row says so, and the admin decides, per row on the admin page
    (`choices`) or per pseudonym on the command line (`by_pseudonym`). A row whose details differ
    from the stored ones is warned about.
    """
    ready = [r for r in rows if r.status == READY and r.project is not None]
    # Interviews before this import; None: new in this batch.
    known = known_participants(ready)
    if by_pseudonym is not None:
        # Only rows whose pseudonym is taken in their project become the new participant: the
        # same pseudonym may be new in another project of the batch.
        renamed = []
        for row in ready:
            new = by_pseudonym.new_pseudonym(row.pseudonym)
            if new and (row.project.pk, row.pseudonym) in known:  # type: ignore[union-attr]
                row.renamed_from = row.pseudonym
                row.pseudonym, row.participant_choice = new, NEW_PERSON
                renamed.append(row)
        known.update(known_participants(renamed))
    for row in ready:
        key = (row.project.pk, row.pseudonym)  # type: ignore[union-attr]
        if key not in known:
            row.participant_new = True
            known[key] = (row.role, row.attributes, row.quote_consent, None)
            continue
        role, attributes, consent, interviews = known[key]
        if interviews is None:  # new in this batch, named by an earlier row
            continue
        if row.participant_choice == NEW_PERSON:  # the new pseudonym chosen is taken too
            row.errors.append(msg.PSEUDONYM_TAKEN.format(pseudonym=row.pseudonym))
            row.status = FAILED
            continue
        row.participant_existing, row.participant_interviews = True, interviews
        if choices is not None or by_pseudonym is not None:  # said on the row, the admin decides
            row.warnings.append(
                msg.ADDS_TO_PARTICIPANT.format(
                    pseudonym=row.pseudonym, interviews=msg.plural(interviews, "interview")
                )
            )
            if (choices is not None and row.number in choices) or (
                by_pseudonym is not None and by_pseudonym.is_same(row.pseudonym)
            ):
                row.participant_choice = SAME_PERSON
        differs = role != row.role or any(
            attributes.get(name) != value for name, value in row.attributes.items()
        )
        if differs:
            row.warnings.append(msg.PARTICIPANT_DIFFERS.format(pseudonym=row.pseudonym))
        # Consent is changed only by an admin on the participant (audited), never by a later
        # batch; a blank cell says nothing about it.
        if row.quote_consent_given and consent != row.quote_consent:
            labels = Participant.QuoteConsent
            row.warnings.append(
                msg.QUOTE_CONSENT_DIFFERS.format(
                    pseudonym=row.pseudonym,
                    stored=labels(consent).label.lower(),
                    given=labels(row.quote_consent).label.lower(),
                )
            )
