"""Coder calibration: a lead picks reference passages with agreed values; a coder codes them
without seeing the reference; the results show agreement per value and the passages that
differ, as prompts for a conversation. Every attempt is kept, so drift over time shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from ..access import is_admin
from ..audit import audit_record, snapshot
from ..models import (
    AuditEvent,
    CalibrationAnswer,
    CalibrationAttempt,
    CalibrationPassage,
    CalibrationSet,
    CodebookValue,
    Interview,
    Membership,
    ResearchProject,
)
from ..services import CodingError

NAME_NEEDED = "Give the set of passages a name."
NAME_TAKEN = "This project already has a set called “{name}”."
PASSAGE_OUTSIDE = "The passage must start before it ends and lie inside the interview’s text."
INTERVIEW_ELSEWHERE = "That interview belongs to another project."
VALUE_ELSEWHERE = "The value “{name}” is not in this project’s codebook."
NO_PASSAGES = "This set has no passages yet: a lead adds them first."
NOT_YOUR_ATTEMPT = "This is someone else’s practice."
ATTEMPT_FINISHED = "This practice is finished; start a new one to try again."
UNANSWERED = "Look at every passage before finishing: {count} not yet seen."


def is_lead(user: Any, project: ResearchProject | int) -> bool:
    """Admins and project leads set up calibration."""
    if is_admin(user):
        return True
    project_id = project if isinstance(project, int) else project.pk
    return Membership.objects.filter(user=user, project_id=project_id, is_lead=True).exists()


def _values(project_id: int, values: list[CodebookValue]) -> list[CodebookValue]:
    allowed = set(CodebookValue.objects.for_project(project_id).values_list("pk", flat=True))
    for value in values:
        if value.pk not in allowed:
            raise CodingError(VALUE_ELSEWHERE.format(name=value.name))
    return values


@transaction.atomic
def calibration_set_create(*, project: ResearchProject, name: Any, user: Any) -> CalibrationSet:
    if not isinstance(name, str) or not name.strip():
        raise CodingError(NAME_NEEDED)
    name = " ".join(name.split())
    if CalibrationSet.objects.filter(project=project, name=name).exists():
        raise CodingError(NAME_TAKEN.format(name=name))
    calibration = CalibrationSet(project=project, name=name, created_by=user)
    calibration.full_clean()
    calibration.save()
    audit_record(
        actor=user,
        action=AuditEvent.Action.CREATE,
        instance=calibration,
        project_id=project.pk,
        after=snapshot(calibration, ("project", "name")),
    )
    return calibration


@transaction.atomic
def calibration_passage_add(
    *,
    calibration: CalibrationSet,
    interview: Interview,
    start: int,
    end: int,
    values: list[CodebookValue],
    user: Any,
) -> CalibrationPassage:
    """Add a reference passage with its agreed values (none is a valid answer too)."""
    if interview.project_id != calibration.project_id:
        raise CodingError(INTERVIEW_ELSEWHERE)
    if start < 0 or end <= start or end > len(interview.text):
        raise CodingError(PASSAGE_OUTSIDE)
    chosen = _values(calibration.project_id, values)
    passage = CalibrationPassage(calibration=calibration, interview=interview, start=start, end=end)
    passage.full_clean()
    passage.save()
    passage.values.set(chosen)
    audit_record(
        actor=user,
        action=AuditEvent.Action.CREATE,
        instance=passage,
        project_id=interview.project_id,
        participant_id=interview.participant_id,
        after={**snapshot(passage, ("calibration", "interview", "start", "end", "values"))},
    )
    return passage


@transaction.atomic
def calibration_attempt_start(*, calibration: CalibrationSet, coder: Any) -> CalibrationAttempt:
    if not calibration.passages.exists():
        raise CodingError(NO_PASSAGES)
    attempt = CalibrationAttempt.objects.create(calibration=calibration, coder=coder)
    audit_record(
        actor=coder,
        action=AuditEvent.Action.CREATE,
        instance=attempt,
        project_id=calibration.project_id,
    )
    return attempt


@transaction.atomic
def calibration_attempt_submit(
    *, attempt: CalibrationAttempt, coder: Any, answers: dict[int, list[CodebookValue]]
) -> CalibrationAttempt:
    """Save the coder's values for every passage (passage id -> values) and finish."""
    attempt = CalibrationAttempt.objects.select_for_update().get(pk=attempt.pk)
    if attempt.coder_id != coder.pk:
        raise CodingError(NOT_YOUR_ATTEMPT, status=403)
    if attempt.finished_at is not None:
        raise CodingError(ATTEMPT_FINISHED, status=409)
    passages = list(attempt.calibration.passages.values_list("pk", flat=True))
    missing = [pk for pk in passages if pk not in answers]
    if missing:
        raise CodingError(UNANSWERED.format(count=len(missing)))
    for pk in passages:
        answer, _ = CalibrationAnswer.objects.get_or_create(attempt=attempt, passage_id=pk)
        answer.values.set(_values(attempt.calibration.project_id, answers[pk]))
    attempt.finished_at = timezone.now()
    attempt.save(update_fields=["finished_at"])
    audit_record(
        actor=coder,
        action=AuditEvent.Action.UPDATE,
        instance=attempt,
        project_id=attempt.calibration.project_id,
        after={
            "finished_at": attempt.finished_at.isoformat(),
            "answers": {str(pk): sorted(v.slug for v in answers[pk]) for pk in passages},
        },
    )
    return attempt


# --- results --------------------------------------------------------------------------------


@dataclass
class ValueResult:
    value: CodebookValue
    both: int  # passages where the coder and the reference applied the value
    reference_only: int
    coder_only: int
    neither: int

    @property
    def passages(self) -> int:
        return self.both + self.reference_only + self.coder_only + self.neither

    @property
    def agreed(self) -> int:
        return self.both + self.neither

    @property
    def percent(self) -> float | None:
        return 100 * self.agreed / self.passages if self.passages else None

    @property
    def kappa(self) -> float | None:
        """Cohen's kappa between the coder and the reference on this value."""
        n = self.passages
        if not n:
            return None
        observed = self.agreed / n
        coder_yes = (self.both + self.coder_only) / n
        reference_yes = (self.both + self.reference_only) / n
        expected = coder_yes * reference_yes + (1 - coder_yes) * (1 - reference_yes)
        if expected >= 1:
            return None
        return (observed - expected) / (1 - expected)

    @property
    def sentence(self) -> str:
        """The figures in words, for people who do not read statistics."""
        if not self.passages:
            return ""
        text = (
            f"You and the reference agreed about {self.value.name} on {self.agreed} of "
            f"{self.passages} passages ({self.percent:.0f}%): both applied it on {self.both}, "
            f"both left it off on {self.neither}."
        )
        if self.reference_only or self.coder_only:
            text += (
                f" The reference has it where you did not on {self.reference_only}, and you "
                f"applied it where the reference did not on {self.coder_only}."
            )
        kappa = self.kappa
        if kappa is None:
            text += " Kappa cannot be worked out here: one of you never or always applied it."
        else:
            text += (
                f" Kappa is {kappa:.2f}: it discounts the agreement chance alone would give "
                "(1 means full agreement, 0 no more than chance)."
            )
        return text


@dataclass
class PassageResult:
    passage: CalibrationPassage
    reference: list[str]
    answer: list[str]

    @property
    def differs(self) -> bool:
        return set(self.reference) != set(self.answer)

    @property
    def prompt(self) -> str:
        """A question to talk over, not a verdict."""
        missing = [v for v in self.reference if v not in self.answer]
        extra = [v for v in self.answer if v not in self.reference]
        parts = []
        if missing:
            parts.append(f"What in this passage might show {', '.join(missing)}?")
        if extra:
            parts.append(f"What made you see {', '.join(extra)} here?")
        return " ".join(parts)


@dataclass
class AttemptResults:
    attempt: CalibrationAttempt
    values: list[ValueResult]
    passages: list[PassageResult]

    @property
    def differing(self) -> list[PassageResult]:
        return [p for p in self.passages if p.differs]

    @property
    def percent(self) -> float | None:
        total = sum(v.passages for v in self.values)
        return 100 * sum(v.agreed for v in self.values) / total if total else None


def attempt_results(attempt: CalibrationAttempt) -> AttemptResults:
    """Agreement with the reference, per value, and the passages where the answers differ."""
    passages = list(
        attempt.calibration.passages.select_related("interview").prefetch_related("values")
    )
    answers = {
        a.passage_id: a for a in attempt.answers.prefetch_related("values").order_by("passage_id")
    }
    codebook = list(
        CodebookValue.objects.for_project(attempt.calibration.project_id).order_by("order", "name")
    )
    rows = []
    results = []
    for passage in passages:
        reference = {v.pk for v in passage.values.all()}
        answer = answers.get(passage.pk)
        given = {v.pk for v in answer.values.all()} if answer else set()
        rows.append((reference, given))
        results.append(
            PassageResult(
                passage=passage,
                reference=[v.name for v in codebook if v.pk in reference],
                answer=[v.name for v in codebook if v.pk in given],
            )
        )
    values = []
    for value in codebook:
        counts = [0, 0, 0, 0]
        for reference, given in rows:
            r, g = value.pk in reference, value.pk in given
            counts[0 if r and g else 1 if r else 2 if g else 3] += 1
        if counts[0] + counts[1] + counts[2]:  # values nobody used on these passages say nothing
            values.append(ValueResult(value, *counts))
    return AttemptResults(attempt=attempt, values=values, passages=results)


def attempt_history(calibration: CalibrationSet, coder: Any) -> list[AttemptResults]:
    """A coder's finished attempts on a set, oldest first, to show drift over time."""
    attempts = calibration.attempts.filter(coder=coder, finished_at__isnull=False)
    return [attempt_results(a) for a in attempts.order_by("started", "pk")]
