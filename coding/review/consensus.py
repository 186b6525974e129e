"""Decisions on disagreements, and the consensus layer they build.

The consensus layer of an interview is a set of excerpts by the "consensus" system account
(`Excerpt.is_consensus`): the passages where every coder applied a value, plus what the team
decided about the passages where they differed. "Apply these values" puts the chosen values on
the passage; "No value" leaves it without the value; "Keep both codings" records that both
readings stand, and keeps the value on the passage. The layer is rebuilt from scratch after
each decision, so it always follows from the coders' work and the decisions.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from ..audit import audit_record, snapshot
from ..models import AuditEvent, CodebookValue, ConsensusDecision, Excerpt, ExcerptValue, Interview
from ..services import CodingError
from ..versions import current_version
from .blind import CONSENSUS_USERNAME
from .queue import agreed_spans, coding_rows, differing_runs, disagreement_queue, merge

REASON_NEEDED = "Write down the reason for the decision, so others can follow it later."
REASON_TOO_LONG = "A reason can be at most {limit} characters long."
OUTCOME_UNKNOWN = "Choose one of: apply these values, no value, or keep both codings."
APPLY_NEEDS_VALUES = "Choose at least one value to apply, or decide “No value”."
NOT_A_DISAGREEMENT = (
    "This passage is no longer one where the coders differ (the coding may have changed). "
    "Reload the queue."
)
VALUE_ELSEWHERE = "The value “{name}” is not in this project’s codebook."

REASON_LIMIT = 5_000
CONSENSUS_NOTE = "Consensus: agreed by every coder, or decided by the team."
DECISION_FIELDS = ("interview", "value", "start", "end", "outcome", "reason", "values")


def consensus_coder() -> Any:
    """The system account that 'codes' the consensus layer: it cannot sign in."""
    user, created = get_user_model().objects.get_or_create(
        username=CONSENSUS_USERNAME,
        defaults={"is_active": False, "first_name": "Consensus"},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


@transaction.atomic
def decision_record(
    *,
    interview: Interview,
    value: CodebookValue,
    start: int,
    end: int,
    outcome: Any,
    values: list[CodebookValue],
    reason: Any,
    user: Any,
) -> ConsensusDecision:
    """Record (or change) the team's decision on one passage, then rebuild the consensus layer."""
    if outcome not in ConsensusDecision.Outcome.values:
        raise CodingError(OUTCOME_UNKNOWN)
    if not isinstance(reason, str) or not reason.strip():
        raise CodingError(REASON_NEEDED)
    if len(reason) > REASON_LIMIT:
        raise CodingError(REASON_TOO_LONG.format(limit=REASON_LIMIT))
    codebook = set(
        CodebookValue.objects.for_project(interview.project_id).values_list("pk", flat=True)
    )
    for chosen in [value, *values]:
        if chosen.pk not in codebook:
            raise CodingError(VALUE_ELSEWHERE.format(name=chosen.name))
    if outcome == ConsensusDecision.Outcome.APPLY and not values:
        raise CodingError(APPLY_NEEDS_VALUES)
    if outcome != ConsensusDecision.Outcome.APPLY:
        values = []
    # Lock the interview: two people deciding at once rebuild the layer one after the other.
    Interview.objects.select_for_update().filter(pk=interview.pk).first()
    passages = disagreement_queue(interview.project, interview.pk).passages
    if (interview.pk, value.pk, start, end) not in {p.key for p in passages}:
        raise CodingError(NOT_A_DISAGREEMENT, status=409)
    decision = ConsensusDecision.objects.filter(
        interview=interview, value=value, start=start, end=end
    ).first()
    before = snapshot(decision, DECISION_FIELDS) if decision else None
    if decision is None:
        decision = ConsensusDecision(interview=interview, value=value, start=start, end=end)
    decision.outcome, decision.reason, decision.decided_by = outcome, reason.strip(), user
    decision.full_clean()
    decision.save()
    decision.values.set(values)
    _supersede(decision, user, {p.key for p in passages})
    audit_record(
        actor=user,
        action=AuditEvent.Action.UPDATE if before else AuditEvent.Action.CREATE,
        instance=decision,
        project_id=interview.project_id,
        participant_id=interview.participant_id,
        before=before,
        after=snapshot(decision, DECISION_FIELDS),
    )
    consensus_layer_rebuild(interview=interview)
    return decision


def _supersede(decision: ConsensusDecision, user: Any, current: set[tuple]) -> None:
    """Remove the earlier decisions on this value whose passage the coders changed (not in
    `current`, the passages as they stand) and which overlap the passage just decided: the new
    decision takes their place."""
    earlier = ConsensusDecision.objects.filter(
        interview_id=decision.interview_id,
        value_id=decision.value_id,
        start__lt=decision.end,
        end__gt=decision.start,
    ).exclude(pk=decision.pk)
    for old in earlier:
        if (old.interview_id, old.value_id, old.start, old.end) in current:
            continue  # a passage of its own still: not replaced
        audit_record(
            actor=user,
            action=AuditEvent.Action.DELETE,
            instance=old,
            project_id=decision.interview.project_id,
            participant_id=decision.interview.participant_id,
            before=snapshot(old, DECISION_FIELDS),
            after=None,
        )
        old.delete()


def consensus_follow_coding(interview: Interview) -> None:
    """Rebuild a decided interview's consensus layer after its coding changed (called by the
    coding services inside the write's transaction), so decisions whose passage changed stop
    counting at once."""
    if ConsensusDecision.objects.filter(interview=interview).exists():
        Interview.objects.select_for_update().filter(pk=interview.pk).first()
        consensus_layer_rebuild(interview=interview)


def consensus_spans(interview: Interview) -> dict[int, list[tuple[int, int]]]:
    """Value id -> the merged spans of the interview's consensus layer."""
    rows = coding_rows([interview.pk])
    spans: dict[int, dict[int, list[tuple[int, int]]]] = defaultdict(lambda: defaultdict(list))
    coders = sorted({coder for _, coder, _, _, _ in rows})
    for _, coder, value, start, end in rows:
        spans[value][coder].append((start, end))
    layer: dict[int, list[tuple[int, int]]] = defaultdict(list)
    # Only decisions on passages as they stand count: one whose text the coders have changed
    # since waits to be decided again (the queue lists it).
    passages = set()
    for value, by_coder in spans.items():
        layer[value].extend(agreed_spans(by_coder, coders))
        passages.update((value, s, e) for s, e, _ in differing_runs(by_coder, coders))
    for decision in ConsensusDecision.objects.filter(interview=interview).prefetch_related(
        "values"
    ):
        if (decision.value_id, decision.start, decision.end) not in passages:
            continue
        span = (decision.start, decision.end)
        if decision.outcome == ConsensusDecision.Outcome.KEEP_BOTH:
            layer[decision.value_id].append(span)
        elif decision.outcome == ConsensusDecision.Outcome.APPLY:
            for chosen in decision.values.all():
                layer[chosen.pk].append(span)
    return {value: merge(found) for value, found in layer.items() if found}


def consensus_layer_rebuild(*, interview: Interview) -> int:
    """Replace the interview's consensus excerpts; return how many it now has.

    Called inside `decision_record`'s transaction. Derived data, like the tallies: it is not
    audited itself (the decisions that shape it are).
    """
    Excerpt.objects.filter(interview=interview, is_consensus=True).delete()
    layer = consensus_spans(interview)
    if not layer:
        return 0
    coder = consensus_coder()
    made = Excerpt.objects.bulk_create(
        [
            Excerpt(
                interview=interview,
                coder=coder,
                start=start,
                end=end,
                text=interview.text[start:end],
                note=CONSENSUS_NOTE,
                is_consensus=True,
            )
            for value in sorted(layer)
            for start, end in layer[value]
        ]
    )
    order = [value for value in sorted(layer) for _ in layer[value]]
    version = current_version(interview.project_id)
    ExcerptValue.objects.bulk_create(
        [
            ExcerptValue(excerpt=e, value_id=v, version=version)
            for e, v in zip(made, order, strict=True)
        ]
    )
    return len(made)
