"""The demo data shows the team's review: decisions, a thread and a calibration set."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from coding.demo.review import demo_review_seed
from coding.models import CalibrationSet, CodingProgress, ConsensusDecision, Discussion, Excerpt

from .conftest import make_excerpt, make_interview

pytestmark = pytest.mark.django_db

TEXT = "Participant: I felt safe there. We laughed together. Nobody judged me at all."


def test_it_seeds_decisions_a_thread_and_calibration_once(
    project: Any, peer: Any, peer2: Any
) -> None:
    interview = make_interview(project, TEXT)
    make_excerpt(interview, peer, 13, 31, "safety")
    make_excerpt(interview, peer, 32, 52, "human-connection")
    make_excerpt(interview, peer2, 13, 52, "safety")
    make_excerpt(interview, peer2, 53, 77, "freedom-to-be-oneself")
    for coder in (peer, peer2):
        CodingProgress.objects.create(interview=interview, coder=coder, done_at=timezone.now())
    assert demo_review_seed(project, [peer, peer2]) == 2
    assert ConsensusDecision.objects.count() == 2
    assert all(d.reason for d in ConsensusDecision.objects.all())
    thread = Discussion.objects.get()
    assert thread.comments.count() == 2 and thread.value is not None
    assert Excerpt.objects.filter(is_consensus=True).exists()
    assert CalibrationSet.objects.get().passages.count() == 2
    assert demo_review_seed(project, [peer, peer2]) == 0
    assert ConsensusDecision.objects.count() == 2
