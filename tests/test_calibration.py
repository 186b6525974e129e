"""Coder calibration: reference passages, practising blind to them, results as prompts."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from coding.models import CalibrationAttempt, CalibrationSet, CodebookValue, Membership
from coding.review import calibration as service
from coding.services import CodingError

from .conftest import make_interview

pytestmark = pytest.mark.django_db

TEXT = (
    "Participant: I felt safe there. We laughed together. Nobody judged me. "
    "I could leave when I wanted."
)
PASSAGES = [  # text, the team's values
    ("I felt safe there.", ["safety"]),
    ("We laughed together.", ["human-connection"]),
    ("Nobody judged me.", ["freedom-to-be-oneself", "safety"]),
    ("I could leave when I wanted.", ["choice-and-control"]),
]


@pytest.fixture
def lead(project: Any, peer2: Any) -> Any:
    Membership.objects.filter(user=peer2, project=project).update(is_lead=True)
    return peer2


def value(slug: str) -> CodebookValue:
    return CodebookValue.objects.get(slug=slug, project__isnull=True)


@pytest.fixture
def reference(project: Any, lead: Any) -> CalibrationSet:
    interview = make_interview(project, TEXT, pseudonym="P300")
    made = service.calibration_set_create(project=project, name="Starter set", user=lead)
    for text, slugs in PASSAGES:
        start = TEXT.index(text)
        service.calibration_passage_add(
            calibration=made,
            interview=interview,
            start=start,
            end=start + len(text),
            values=[value(s) for s in slugs],
            user=lead,
        )
    return made


def practise(client: Client, made: CalibrationSet, answers: list[list[str]]) -> Any:
    client.post(reverse("calibration_start", args=[made.pk]))
    attempt = CalibrationAttempt.objects.latest("id")
    data: dict[str, Any] = {}
    for passage, slugs in zip(made.passages.order_by("id"), answers, strict=True):
        data[f"seen-{passage.pk}"] = "1"
        data[f"values-{passage.pk}"] = [value(s).pk for s in slugs]
    response = client.post(reverse("calibration_attempt", args=[attempt.pk]), data)
    assert response.status_code == 302, response.content.decode()[:500]
    return attempt


def test_it_lets_a_lead_set_up_reference_passages(client: Client, project: Any, lead: Any) -> None:
    make_interview(project, TEXT, pseudonym="P301")
    client.force_login(lead)
    response = client.post(reverse("calibration_list", args=[project.slug]), {"name": "Set A"})
    made = CalibrationSet.objects.get()
    assert response["Location"] == reverse("calibration_set", args=[made.pk])
    page = client.post(
        reverse("calibration_set", args=[made.pk]),
        {
            "interview": project.interviews.get().pk,
            "start": 13,
            "end": 31,
            "values": [value("safety").pk],
        },
    )
    assert page.status_code == 302
    assert [v.slug for v in made.passages.get().values.all()] == ["safety"]


def test_it_keeps_the_reference_from_people_who_are_not_leads(
    client: Client, reference: CalibrationSet, peer: Any, project: Any
) -> None:
    client.force_login(peer)
    assert client.get(reverse("calibration_set", args=[reference.pk])).status_code == 403
    response = client.post(reverse("calibration_list", args=[project.slug]), {"name": "Mine"})
    assert response.status_code == 403
    attempt = service.calibration_attempt_start(calibration=reference, coder=peer)
    page = client.get(reverse("calibration_attempt", args=[attempt.pk])).content.decode()
    assert "I felt safe there." in page
    assert " checked" not in page  # nothing is ticked for them in advance


def test_it_refuses_a_passage_outside_the_text(reference: CalibrationSet, lead: Any) -> None:
    interview = reference.passages.first().interview
    with pytest.raises(CodingError, match=service.PASSAGE_OUTSIDE):
        service.calibration_passage_add(
            calibration=reference, interview=interview, start=5, end=9999, values=[], user=lead
        )


def kappa(pairs: list[tuple[bool, bool]]) -> float:
    """Cohen's kappa from (reference, coder) pairs, computed from the confusion table."""
    n = len(pairs)
    observed = sum(a == b for a, b in pairs) / n
    p_ref = sum(a for a, _ in pairs) / n
    p_coder = sum(b for _, b in pairs) / n
    expected = p_ref * p_coder + (1 - p_ref) * (1 - p_coder)
    return (observed - expected) / (1 - expected)


def test_it_shows_agreement_per_value_and_passages_to_talk_about(
    client: Client, reference: CalibrationSet, peer: Any
) -> None:
    answers = [["safety"], ["human-connection", "safety"], ["freedom-to-be-oneself"], []]
    client.force_login(peer)
    attempt = practise(client, reference, answers)
    results = service.attempt_results(attempt)
    safety = next(r for r in results.values if r.value.slug == "safety")
    pairs = [
        ("safety" in ref, "safety" in mine)
        for (_, ref), mine in zip(PASSAGES, answers, strict=True)
    ]
    assert (safety.both, safety.reference_only, safety.coder_only, safety.neither) == (1, 1, 1, 1)
    assert safety.percent == pytest.approx(100 * sum(a == b for a, b in pairs) / len(pairs))
    assert safety.kappa == pytest.approx(kappa(pairs))
    assert [p.passage.text for p in results.differing] == [
        "We laughed together.",
        "Nobody judged me.",
        "I could leave when I wanted.",
    ]
    prompts = [p.prompt for p in results.differing]
    assert prompts[0] == "What made you see Safety here?"
    assert prompts[2] == "What in this passage might show Choice and control?"
    page = client.get(reverse("calibration_results", args=[attempt.pk])).content.decode()
    assert "You and the reference agreed about Safety on 2 of 4 passages (50%)" in page
    assert "not a score" in page and "fail" not in page.lower()


def test_it_keeps_every_attempt_to_show_drift(
    client: Client, reference: CalibrationSet, peer: Any
) -> None:
    client.force_login(peer)
    practise(client, reference, [[], [], [], []])
    second = practise(client, reference, [slugs for _, slugs in PASSAGES])
    history = service.attempt_history(reference, peer)
    assert [round(h.percent or 0) for h in history][1] == 100
    assert history[0].percent < history[1].percent
    page = client.get(reverse("calibration_results", args=[second.pk])).content.decode()
    assert 'id="history"' in page


def test_it_shows_results_to_the_coder_and_leads_only(
    client: Client, reference: CalibrationSet, peer: Any, lead: Any, project: Any
) -> None:
    client.force_login(peer)
    attempt = practise(client, reference, [[], [], [], []])
    url = reverse("calibration_results", args=[attempt.pk])
    client.force_login(lead)
    assert client.get(url).status_code == 200
    other = Membership.objects.create(
        user=type(peer).objects.create_user("rae-peer"), project=project, role="peer_researcher"
    ).user
    client.force_login(other)
    assert client.get(url).status_code == 403


def test_it_lets_evaluators_look_but_not_practise(
    client: Client, reference: CalibrationSet, evaluator: Any, outsider: Any, project: Any
) -> None:
    client.force_login(evaluator)
    assert client.get(reverse("calibration_list", args=[project.slug])).status_code == 200
    assert client.post(reverse("calibration_start", args=[reference.pk])).status_code == 403
    client.force_login(outsider)
    assert client.get(reverse("calibration_list", args=[project.slug])).status_code == 404
