"""Two people deciding passages of one interview at once: the consensus layer follows both."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from coding.models import CodingProgress, ConsensusDecision, Excerpt
from coding.review.consensus import consensus_spans, decision_record
from coding.review.queue import disagreement_queue

from .concurrency import postgresql_only, run_together
from .conftest import make_excerpt, make_interview

pytestmark = [postgresql_only, pytest.mark.django_db(transaction=True)]

TEXT = "Participant: I felt safe there. We laughed together. Nobody judged me at all."


def test_it_keeps_the_layer_whole_when_two_decisions_land_at_once(
    project: Any, peer: Any, peer2: Any
) -> None:
    interview = make_interview(project, TEXT)
    make_excerpt(interview, peer, 13, 31, "safety")
    make_excerpt(interview, peer, 32, 52, "human-connection")
    make_excerpt(interview, peer2, 53, 77, "freedom-to-be-oneself")
    for coder in (peer, peer2):
        CodingProgress.objects.create(interview=interview, coder=coder, done_at=timezone.now())
    passages = disagreement_queue(project).passages
    assert len(passages) == 3

    def decide(index: int, user: Any) -> int:
        passage = passages[index]
        return decision_record(
            interview=interview,
            value=passage.value,
            start=passage.start,
            end=passage.end,
            outcome="keep_both",
            values=[],
            reason="Both readings stand.",
            user=user,
        ).pk

    results = run_together(
        lambda: decide(0, peer), lambda: decide(1, peer2), lambda: decide(2, peer)
    )
    assert all(isinstance(r, int) for r in results), results
    assert ConsensusDecision.objects.count() == 3
    # Whatever order they committed in, the layer holds all three decided passages.
    layer = sorted(
        (e.start, e.end) for e in Excerpt.objects.filter(interview=interview, is_consensus=True)
    )
    expected = sorted(s for spans in consensus_spans(interview).values() for s in spans)
    assert layer == expected == sorted((p.start, p.end) for p in passages)
