"""Demo of the team's review: decisions, a discussion and a calibration set, so that a fresh
`make run` shows the disagreement queue, the consensus rule and calibration at work."""

from __future__ import annotations

from typing import Any

from ..models import CalibrationSet, ConsensusDecision, Excerpt, Membership, ResearchProject
from ..review.calibration import calibration_passage_add, calibration_set_create
from ..review.consensus import decision_record
from ..review.discussions import comment_add, discussion_start
from ..review.queue import disagreement_queue, queue_interview_ids

DEMO_REASONS = [
    "We read it together: the speaker describes feeling safe, so the value applies here.",
    "On reflection this is about the group's routine rather than the value itself.",
]
CALIBRATION_NAME = "Starter passages (demo)"


def demo_review_seed(project: ResearchProject, coders: list[Any]) -> int:
    """Record two decisions and open a thread on the first queued interview; 0 if done before."""
    if ConsensusDecision.objects.filter(interview__project=project).exists():
        return 0
    ids = queue_interview_ids(project)
    if not ids or len(coders) < 2:
        return 0
    passages = disagreement_queue(project, ids[0]).passages
    first, second = coders[0], coders[1]
    decided = 0
    for passage, reason in zip(passages, DEMO_REASONS, strict=False):
        applied = any(side.applied for side in passage.sides)
        decision_record(
            interview=passage_interview(project, passage.interview_id),
            value=passage.value,
            start=passage.start,
            end=passage.end,
            outcome="apply" if applied and decided == 0 else "none",
            values=[passage.value] if applied and decided == 0 else [],
            reason=reason,
            user=first,
        )
        decided += 1
    if len(passages) > decided:
        passage = passages[decided]
        thread = discussion_start(
            interview=passage_interview(project, passage.interview_id),
            user=second,
            body=f"I am not sure about {passage.value.name} here. What did you see in it?",
            start=passage.start,
            end=passage.end,
            value=passage.value,
        )
        comment_add(
            discussion=thread,
            author=first,
            body=f"@{second.get_username()} I read it as part of the same story. Shall we "
            "look at the definition together?",
        )
    Membership.objects.filter(user=first, project=project).update(is_lead=True)
    _calibration(project, first)
    return decided


def passage_interview(project: ResearchProject, pk: int) -> Any:
    return project.interviews.select_related("project").get(pk=pk)


def _calibration(project: ResearchProject, lead: Any) -> None:
    if CalibrationSet.objects.filter(project=project, name=CALIBRATION_NAME).exists():
        return
    calibration = calibration_set_create(project=project, name=CALIBRATION_NAME, user=lead)
    excerpts = (
        Excerpt.objects.filter(interview__project=project, coder=lead, is_consensus=False)
        .select_related("interview__project")
        .prefetch_related("values")
        .order_by("interview_id", "start")[:4]
    )
    for excerpt in excerpts:
        calibration_passage_add(
            calibration=calibration,
            interview=excerpt.interview,
            start=excerpt.start,
            end=excerpt.end,
            values=list(excerpt.values.all()),
            user=lead,
        )
