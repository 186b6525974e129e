"""The plan of an import: every row it will write, worked out against the database first.

`ImportPlan.build()` matches codes to values (`codes`), users to accounts and cases to
participants (`people`), sources to interviews and selections to excerpts (`sources`), carrying
each selection's positions through the text's normalisation, and counts every coding it keeps or
leaves out (with the reason). `ImportPlan.write()` then inserts it all in one transaction.
Nothing in `build()` writes.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction

from ...audit import audit_record
from ...importing.problems import plural
from ...importing.report import CREATED, report_row
from ...models import (
    AuditEvent,
    CodebookValue,
    CodingProgress,
    Excerpt,
    ExcerptValue,
    ImportBatch,
    Interview,
    Membership,
    Participant,
    ResearchProject,
)
from ...versions import current_version, version_create
from ..qde import Package, RefiError
from ..report import REPORT_COUNTS, UNMATCHED_CHOICES, RefiReport
from .codes import CodesPlan
from .people import PeoplePlan
from .sources import SourcesPlan


class ImportPlan(CodesPlan, PeoplePlan, SourcesPlan):
    """Everything an import will write, worked out before any of it is."""

    def __init__(
        self,
        package: Package,
        filename: str,
        project: ResearchProject,
        actor: Any,
        mapping: dict[str, str],
        unmatched: str,
        dry_run: bool,
    ) -> None:
        if unmatched not in UNMATCHED_CHOICES:
            raise RefiError(f"Unmatched codes can be created or ignored, not {unmatched!r}.")
        self.package = package
        self.doc = package.document
        self.project = project
        self.actor = actor if getattr(actor, "is_authenticated", False) else None
        self.mapping = mapping
        self.unmatched = unmatched
        self.report = RefiReport(
            filename=filename,
            kind=self.doc.kind,
            origin=self.doc.origin,
            project=project.name,
            dry_run=dry_run,
            missing_sources=list(package.missing),
            unreadable_sources=list(package.unreadable),
        )
        self.codings_skipped: Counter[str] = Counter()
        self.selections_skipped: Counter[str] = Counter()
        self.counts: Counter[str] = Counter()
        # Rows to write.
        self.new_values: list[CodebookValue] = []
        self.new_users: list[Any] = []
        self.new_participants: list[Participant] = []
        self.new_interviews: list[Interview] = []
        self.excerpts: list[Excerpt] = []
        self.excerpt_values: list[tuple[Excerpt, Any]] = []
        self.interview_of_source: dict[str, Interview] = {}
        self.used_notes: set[str] = set()
        self.new_progress: dict[tuple[int, Any], CodingProgress] = {}
        self.changed_progress: list[CodingProgress] = []

    def build(self) -> None:
        self._plan_codes()
        if self.doc.kind == "project":
            self._load_users()
            self._plan_cases()
            self._plan_sources()
            self._plan_memos()
            self._count_skipped_kinds()
        self._check_rows()
        self._finish_report()

    def _check_rows(self) -> None:
        """Run the models' own field checks on every new row that is not an excerpt.

        Excerpts are built from the interview text between their offsets, so they hold by
        construction; foreign keys are left out because the rows they point at are unsaved.
        """
        errors: list[str] = []
        rows: list[tuple[Any, list[str], str]] = [
            *((v, ["project", "parent"], f"Value '{v.name}'") for v in self.new_values),
            *((u, ["password"], f"Coder '{u.username}'") for u in self.new_users),
            *((p, ["project"], f"Case '{p.pseudonym}'") for p in self.new_participants),
            *(
                (i, ["project", "participant", "import_batch"], f"Source '{i.title}'")
                for i in self.new_interviews
            ),
        ]
        for row, exclude, label in rows:
            try:
                row.clean_fields(exclude=exclude)
                row.clean()
            except ValidationError as exc:
                errors.append(f"{label} cannot be saved: {' '.join(exc.messages)}")
        if errors:
            raise RefiError(errors)

    def _finish_report(self) -> None:
        counts = self.counts
        counts["codes"] = len(self.doc.codes)
        counts["codings"] = self.doc.coding_count
        counts["cases"] = len(self.doc.cases)
        counts["sources_unreadable"] = len(self.package.unreadable)
        self.report.counts = {key: counts[key] for key in REPORT_COUNTS}
        self.report.codings_skipped = {k: v for k, v in self.codings_skipped.items() if v}
        self.report.selections_skipped = {k: v for k, v in self.selections_skipped.items() if v}
        if counts["colours_lightened"]:
            n = counts["colours_lightened"]
            self.report.warnings.append(
                f"{plural(n, 'code colour')} {'was' if n == 1 else 'were'} lightened so that "
                "text highlighted with them stays readable."
            )
        if counts["participants_from_sources"]:
            n = counts["participants_from_sources"]
            self.report.warnings.append(
                f"{plural(n, 'source')} {'belongs' if n == 1 else 'belong'} to no case: a "
                "participant named after each source was made. Rename them if a name "
                "identifies anyone."
            )

    @transaction.atomic
    def write(self) -> None:
        get_user_model().objects.bulk_create(self.new_users)
        Membership.objects.bulk_create(
            Membership(user=user, project=self.project, role=Membership.Role.PEER_RESEARCHER)
            for user in self.new_users
        )
        version = current_version(self.project)  # the codebook before the import
        self._write_values()
        if self.new_values:  # new codes open a new version of the project's codebook
            version = version_create(
                project=self.project,
                actor=self.actor,
                summary=f"Imported {len(self.new_values)} new code(s) from {self.report.filename}",
                reason="A REFI-QDA import brought codes the codebook did not have.",
            )
        Participant.objects.bulk_create(self.new_participants)
        batch = None
        if self.new_interviews:
            batch = ImportBatch.objects.create(
                created_by=self.actor,
                source_name=self.report.filename[:255],
                interview_count=len(self.new_interviews),
                skipped_count=self.counts["sources_missing"],
                warning_count=len(self.report.warnings),
            )
        for interview in self.new_interviews:
            interview.import_batch = batch
        Interview.objects.bulk_create(self.new_interviews, batch_size=200)
        if batch is not None:
            batch.report = self._batch_report()
            batch.save(update_fields=["report"])
        Excerpt.objects.bulk_create(self.excerpts, batch_size=1000)
        ExcerptValue.objects.bulk_create(
            (ExcerptValue(excerpt=e, value=v, version=version) for e, v in self.excerpt_values),
            batch_size=2000,
        )
        CodingProgress.objects.bulk_create(self.new_progress.values())
        CodingProgress.objects.bulk_update(self.changed_progress, ["memo"])
        audit_record(
            actor=self.actor,
            action=AuditEvent.Action.IMPORT,
            model="refi-qda",
            object_id=batch.pk if batch else "",
            object_repr=self.report.filename,
            project_id=self.project.pk,
            after={"counts": self.report.counts, "codings_skipped": self.report.codings_skipped},
        )

    def _batch_report(self) -> dict[str, Any]:
        """The import batch's report, in the form the batch import pages show and roll back."""
        new_participants = {id(p) for p in self.new_participants}
        rows = [
            report_row(
                number=i,
                file=interview.title,
                title=interview.title,
                project=self.project,
                participant=interview.participant.pseudonym,
                participant_new=id(interview.participant) in new_participants,
                role=interview.participant.role,
                date=interview.date,
                interviewer=interview.interviewer,
                mode=interview.mode,
                words=interview.word_count,
                redactions=0,
                status=CREATED,
                warnings=[],
                errors=[],
                interview_id=interview.pk,
            )
            for i, interview in enumerate(self.new_interviews, start=1)
        ]
        return {
            "refi": self.report.summary(),
            "rows": rows,
            "problems": [{"level": "warning", "message": w} for w in self.report.warnings],
            "participants_created": [p.pk for p in self.new_participants],
        }
