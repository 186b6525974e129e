"""Coding the same span again, or retrying a save, never makes a second excerpt."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from coding import services
from coding.jobs.models import Job
from coding.jobs.services import clean_up_schedule
from coding.models import AuditEvent, Excerpt, IdempotencyKey

from .concurrency import postgresql_only, run_together
from .conftest import make_interview

TEXT = "Interviewer: Was it safe?\nParticipant: It felt safe and I was heard."
URL = "/api/interviews/{}/excerpts/"


def post(client: Client, interview: Any, body: dict[str, Any], key: str | None = None) -> Any:
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(
        URL.format(interview.pk), json.dumps(body), content_type="application/json", headers=headers
    )


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def coded(project: Any) -> Any:
    return make_interview(project, TEXT)


def test_it_adds_values_to_the_excerpt_already_on_the_same_span(coded: Any, peer: Any) -> None:
    client = signed_in(peer)
    first = post(client, coded, {"start": 3, "end": 12, "values": ["safety"]})
    again = post(client, coded, {"start": 3, "end": 12, "values": ["human-connection", "safety"]})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["values"] == ["safety", "human-connection"]
    assert Excerpt.objects.count() == 1
    event = AuditEvent.objects.filter(model="excerpt", action="update").get()
    assert (event.before["values"], event.after["values"]) == (
        ["safety"],
        ["human-connection", "safety"],
    )


def test_it_keeps_other_coders_and_other_spans_apart(coded: Any, peer: Any, peer2: Any) -> None:
    assert (
        post(signed_in(peer), coded, {"start": 3, "end": 12, "values": ["safety"]}).status_code
        == 201
    )
    assert (
        post(signed_in(peer2), coded, {"start": 3, "end": 12, "values": ["safety"]}).status_code
        == 201
    )
    assert (
        post(signed_in(peer), coded, {"start": 3, "end": 13, "values": ["safety"]}).status_code
        == 201
    )
    assert Excerpt.objects.count() == 3


def test_it_answers_a_repeated_key_with_the_excerpt_it_made(coded: Any, peer: Any) -> None:
    client = signed_in(peer)
    key = str(uuid.uuid4())
    first = post(client, coded, {"start": 3, "end": 12, "values": ["safety"]}, key)
    retry = post(client, coded, {"start": 3, "end": 12, "values": ["safety"]}, key)
    assert (first.status_code, retry.status_code) == (201, 200)
    assert retry.json() == first.json()
    assert Excerpt.objects.count() == 1
    assert AuditEvent.objects.filter(model="excerpt").count() == 1


def test_it_does_not_replay_a_late_retry_over_a_later_change(coded: Any, peer: Any) -> None:
    client = signed_in(peer)
    key = str(uuid.uuid4())
    made = post(client, coded, {"start": 3, "end": 12, "values": ["safety"]}, key).json()
    client.patch(
        f"/api/excerpts/{made['id']}/",
        json.dumps({"values": ["human-connection"]}),
        content_type="application/json",
    )
    retry = post(client, coded, {"start": 3, "end": 12, "values": ["safety"]}, key)
    assert retry.status_code == 200
    assert retry.json()["values"] == ["human-connection"]


def test_it_keeps_keys_apart_per_coder(coded: Any, peer: Any, peer2: Any) -> None:
    key = str(uuid.uuid4())
    assert (
        post(signed_in(peer), coded, {"start": 3, "end": 12, "values": ["safety"]}, key).status_code
        == 201
    )
    assert (
        post(
            signed_in(peer2), coded, {"start": 3, "end": 12, "values": ["safety"]}, key
        ).status_code
        == 201
    )


def test_it_refuses_a_key_reused_for_another_selection(coded: Any, peer: Any) -> None:
    client = signed_in(peer)
    key = str(uuid.uuid4())
    post(client, coded, {"start": 3, "end": 12, "values": ["safety"]}, key)
    response = post(client, coded, {"start": 4, "end": 12, "values": ["safety"]}, key)
    assert response.status_code == 409
    assert response.json() == {"error": services.KEY_REUSED}


def test_it_refuses_a_key_that_is_not_a_uuid(coded: Any, peer: Any) -> None:
    response = post(
        signed_in(peer), coded, {"start": 3, "end": 12, "values": ["safety"]}, "x" * 300
    )
    assert response.status_code == 400
    assert response.json() == {"error": services.KEY_NOT_UUID}
    assert not Excerpt.objects.exists()


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_it_makes_one_excerpt_from_simultaneous_posts_of_one_span(project: Any, peer: Any) -> None:
    interview = make_interview(project, TEXT)
    clients = [signed_in(peer) for _ in range(3)]
    for trial in range(4):
        bodies = [
            {"start": trial, "end": 20, "values": [slug]}
            for slug in ("safety", "human-connection", "choice-and-control")
        ]
        responses = run_together(
            *[lambda c=c, b=b: post(c, interview, b) for c, b in zip(clients, bodies, strict=True)]
        )
        assert sorted(r.status_code for r in responses) == [200, 200, 201]
        excerpt = Excerpt.objects.get(interview=interview, start=trial)
        assert excerpt.tags.count() == 3


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_it_makes_one_excerpt_from_simultaneous_retries_of_one_key(project: Any, peer: Any) -> None:
    interview = make_interview(project, TEXT)
    clients = [signed_in(peer) for _ in range(3)]
    for trial in range(4):
        key = str(uuid.uuid4())
        body = {"start": trial, "end": 20, "values": ["safety"]}
        responses = run_together(
            *[lambda c=c, b=body, k=key: post(c, interview, b, k) for c in clients]
        )
        assert sorted(r.status_code for r in responses) == [200, 200, 201]
        assert len({r.json()["id"] for r in responses}) == 1
        assert Excerpt.objects.filter(interview=interview, start=trial).count() == 1
        assert (
            AuditEvent.objects.filter(
                model="excerpt", object_id=str(responses[0].json()["id"])
            ).count()
            == 1
        )


def test_it_forgets_old_keys_in_the_scheduled_clean_up(
    coded: Any, peer: Any, settings: Any
) -> None:
    settings.IDEMPOTENCY_KEYS_KEEP_HOURS = 24
    client = signed_in(peer)
    old_key, recent_key = str(uuid.uuid4()), str(uuid.uuid4())
    post(client, coded, {"start": 3, "end": 12, "values": ["safety"]}, key=old_key)
    recent = post(client, coded, {"start": 13, "end": 20, "values": ["safety"]}, key=recent_key)
    IdempotencyKey.objects.filter(key=old_key).update(
        created=timezone.now() - dt.timedelta(hours=25)
    )

    job, _ = clean_up_schedule()
    job.refresh_from_db()
    assert job.status == Job.Status.DONE, job.error
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == [uuid.UUID(recent_key)]
    # A retry within the keep time still replays its first answer.
    again = post(client, coded, {"start": 13, "end": 20, "values": ["safety"]}, key=recent_key)
    assert again.json()["id"] == recent.json()["id"] and Excerpt.objects.count() == 2
