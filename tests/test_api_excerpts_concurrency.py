"""Excerpt writes that race each other end as if they had come one after the other."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from coding.models import AuditEvent, Excerpt

from .concurrency import postgresql_only, run_together
from .conftest import make_excerpt, make_interview

pytestmark = [postgresql_only, pytest.mark.django_db(transaction=True)]


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def delete(client: Client, pk: int) -> int:
    return client.delete(f"/api/excerpts/{pk}/").status_code


def patch(client: Client, pk: int, body: dict[str, Any]) -> int:
    response = client.patch(
        f"/api/excerpts/{pk}/", data=json.dumps(body), content_type="application/json"
    )
    return response.status_code


def test_it_never_brings_back_an_excerpt_deleted_during_a_patch(project: Any, peer: Any) -> None:
    interview = make_interview(project, "We felt safe and heard there. " * 10)
    clients = [signed_in(peer), signed_in(peer)]
    body = {"note": "edited", "values": ["human-connection"]}
    for trial in range(6):
        excerpt = make_excerpt(interview, peer, trial, trial + 10, "safety")
        deleted, patched = run_together(
            lambda pk=excerpt.pk: delete(clients[0], pk),
            lambda pk=excerpt.pk: patch(clients[1], pk, body),
        )
        assert deleted == 204, deleted
        assert patched in (200, 404), patched
        assert not Excerpt.objects.filter(pk=excerpt.pk).exists(), f"trial {trial}: came back"


def test_it_writes_one_event_for_four_deletes_at_once(project: Any, peer: Any) -> None:
    interview = make_interview(project, "We felt safe and heard there. " * 10)
    clients = [signed_in(peer) for _ in range(4)]
    for trial in range(3):
        excerpt = make_excerpt(interview, peer, trial, trial + 10, "safety")
        statuses = run_together(*[lambda c=c, pk=excerpt.pk: delete(c, pk) for c in clients])
        assert sorted(statuses) == [204, 404, 404, 404], statuses
        events = AuditEvent.objects.filter(
            model="excerpt", action=AuditEvent.Action.DELETE, object_id=str(excerpt.pk)
        )
        assert events.count() == 1
