"""The JSON API answers every failure in JSON with a sentence, never an HTML page."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.backends.db import SessionStore
from django.db import OperationalError
from django.db.backends.utils import CursorWrapper
from django.test import Client

from coding import services
from coding.models import CodebookValue, CodingProgress, Excerpt
from coding.views import api, errors

from .concurrency import postgresql_only, run_together
from .conftest import make_excerpt, make_interview

TEXT = "Interviewer: Was it safe?\nParticipant: It felt safe and I was heard."


@pytest.fixture
def coded(project: Any) -> Any:
    return make_interview(project, TEXT)


@pytest.fixture
def peer_client(client: Client, peer: Any) -> Client:
    client.force_login(peer)
    return client


def send(client: Client, method: str, url: str, body: str | bytes, **extra: Any) -> Any:
    return getattr(client, method)(url, data=body, content_type="application/json", **extra)


def excerpts_url(interview: Any) -> str:
    return f"/api/interviews/{interview.pk}/excerpts/"


@pytest.mark.parametrize("bad", ['"\\ud800"', '"a\\udfffb"'])
def test_it_refuses_lone_surrogates(peer_client: Client, coded: Any, bad: str) -> None:
    body = '{"start": 0, "end": 5, "values": ["safety"], "note": ' + bad + "}"
    response = send(peer_client, "post", excerpts_url(coded), body)
    assert response.status_code == 400
    assert response.json() == {"error": api.TEXT_NOT_VALID.format(field="note")}
    assert not Excerpt.objects.exists()


def test_it_refuses_lone_surrogates_in_values_and_keys(peer_client: Client, coded: Any) -> None:
    for body in ('{"start": 0, "end": 5, "values": ["\\ud800"]}', '{"\\ud800": 1}'):
        response = send(peer_client, "post", excerpts_url(coded), body)
        assert response.status_code == 400
        assert response.json()["error"].startswith("The text")


def test_it_cleans_control_characters_out_of_notes_and_memos(
    peer_client: Client, coded: Any
) -> None:
    body = {"start": 0, "end": 5, "values": ["safety"], "note": "a\x00b\x07c\td\ne\x9f"}
    response = send(peer_client, "post", excerpts_url(coded), json.dumps(body))
    assert response.status_code == 201, response.content
    assert Excerpt.objects.get().note == "abc\td\ne"
    memo = {"memo": "memo\x00\x1b text"}
    url = f"/api/interviews/{coded.pk}/progress/"
    assert send(peer_client, "patch", url, json.dumps(memo)).status_code == 200
    assert CodingProgress.objects.get().memo == "memo text"


@pytest.mark.parametrize("name", ["Tru\x00st", "Trust\x07", "\x1bTrust"])
def test_it_refuses_control_characters_in_value_names(
    peer_client: Client, coded: Any, name: str
) -> None:
    url = f"/api/interviews/{coded.pk}/values/"
    response = send(peer_client, "post", url, json.dumps({"name": name, "definition": "d\x00"}))
    assert response.status_code == 400
    assert response.json() == {"error": services.VALUE_NAME_CONTROL}
    assert not CodebookValue.objects.filter(name__startswith="Tru").exists()


def test_it_cleans_control_characters_out_of_definitions(peer_client: Client, coded: Any) -> None:
    url = f"/api/interviews/{coded.pk}/values/"
    body = {"name": "Hope", "definition": "Looking\x00 ahead\x07"}
    assert send(peer_client, "post", url, json.dumps(body)).status_code == 201
    assert CodebookValue.objects.get(name="Hope").definition == "Looking ahead"


@pytest.mark.parametrize("slug", ["safe\x00ty", "safety\x07", "x" * 5000])
def test_it_reads_strange_slugs_as_unknown_values(
    peer_client: Client, coded: Any, slug: str
) -> None:
    body = {"start": 0, "end": 5, "values": [slug]}
    response = send(peer_client, "post", excerpts_url(coded), json.dumps(body))
    assert response.status_code == 400
    assert response.json()["error"].startswith("There is no value")


def test_it_names_another_projects_value_like_an_unknown_one(
    peer_client: Client, coded: Any, other_project: Any
) -> None:
    theirs = CodebookValue.objects.filter(project=other_project).exclude(
        slug__in=CodebookValue.objects.for_project(coded.project).values("slug")
    )[0]
    for slug in (theirs.slug, "no-such-value"):
        body = {"start": 0, "end": 5, "values": [slug]}
        response = send(peer_client, "post", excerpts_url(coded), json.dumps(body))
        assert response.json() == {"error": services.UNKNOWN_VALUE.format(slug=slug)}


def test_it_refuses_deep_json(peer_client: Client, coded: Any) -> None:
    for depth in (100_000, 50):
        body = '{"a": ' * depth + "1" + "}" * depth
        response = send(peer_client, "post", excerpts_url(coded), body)
        assert response.status_code == 400
        assert response.json() == {"error": api.BODY_TOO_DEEP}


@pytest.mark.parametrize("done", ["no", "false", 0, 1, None, [], {}])
def test_it_takes_only_booleans_for_done(peer_client: Client, coded: Any, done: Any) -> None:
    url = f"/api/interviews/{coded.pk}/progress/"
    response = send(peer_client, "patch", url, json.dumps({"done": done}))
    if done is None:  # absent and null both mean "leave as it is"
        assert response.status_code == 200
        return
    assert response.status_code == 400
    assert response.json() == {"error": services.DONE_NOT_BOOLEAN}
    assert not CodingProgress.objects.filter(done_at__isnull=False).exists()


def test_it_answers_a_missing_csrf_token_in_json(coded: Any, peer: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(peer)
    body = json.dumps({"start": 0, "end": 5, "values": ["safety"]})
    response = send(client, "post", excerpts_url(coded), body)
    assert response.status_code == 403
    assert response.json() == {"error": errors.CSRF_FAILED}
    # Pages keep Django's own explanation.
    assert client.post("/logout/").headers["Content-Type"].startswith("text/html")


def test_it_answers_an_oversized_body_with_413(peer_client: Client, coded: Any) -> None:
    body = json.dumps({"start": 0, "end": 5, "values": ["safety"], "note": "x" * 10_000_000})
    response = send(peer_client, "post", excerpts_url(coded), body)
    assert response.status_code == 413
    assert response.json()["error"].startswith("The request is too large")
    assert not Excerpt.objects.exists()


def test_it_answers_503_in_json_while_the_database_is_down(
    coded: Any, peer: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(peer)

    def down(*args: Any, **kwargs: Any) -> None:
        raise OperationalError("server closed the connection unexpectedly")

    with monkeypatch.context() as patched:
        patched.setattr(CursorWrapper, "execute", down)
        response = client.get(excerpts_url(coded))
    assert response.status_code == 503
    assert response.json() == {"error": errors.DATABASE_UNAVAILABLE}
    assert response["Retry-After"]


def test_it_answers_unexpected_errors_in_json(
    peer_client: Client, coded: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    peer_client.raise_request_exception = False

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(api.selectors, "excerpt_rows", broken)
    response = peer_client.get(excerpts_url(coded))
    assert response.status_code == 500
    assert response.json() == {"error": errors.SERVER_ERROR}


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_it_answers_409_when_two_coders_add_one_value_name_at_once(
    project: Any, peer: Any, peer2: Any
) -> None:
    interview = make_interview(project, TEXT)
    clients = []
    for user in (peer, peer2, peer, peer2):
        client = Client()
        client.force_login(user)
        clients.append(client)
    url = f"/api/interviews/{interview.pk}/values/"
    for trial in range(3):
        body = json.dumps({"name": f"Hope {trial}"})
        responses = run_together(*[lambda c=c, b=body: send(c, "post", url, b) for c in clients])
        statuses = sorted(r.status_code for r in responses)
        assert statuses[0] == 201 and set(statuses[1:]) <= {400, 409}, statuses
        assert all(r["Content-Type"] == "application/json" for r in responses)
        assert CodebookValue.objects.filter(name=f"Hope {trial}").count() == 1


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_it_adds_one_value_twice_at_once_without_error(project: Any, peer: Any) -> None:
    interview = make_interview(project, TEXT)
    clients = []
    for _ in range(3):
        client = Client()
        client.force_login(peer)
        clients.append(client)
    body = json.dumps({"values": ["safety", "human-connection"]})
    for trial in range(3):
        excerpt = make_excerpt(interview, peer, trial, 20, "safety")
        url = f"/api/excerpts/{excerpt.pk}/"
        responses = run_together(*[lambda c=c, u=url: send(c, "patch", u, body) for c in clients])
        assert [r.status_code for r in responses] == [200, 200, 200]
        assert excerpt.tags.count() == 2


def test_it_answers_503_when_the_session_cannot_be_saved_in_an_outage(
    coded: Any, peer: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(peer)

    def save(*args: Any, **kwargs: Any) -> None:
        # What the database session store does when the UPDATE meets a dropped connection.
        try:
            raise OperationalError("server closed the connection unexpectedly")
        except OperationalError:
            raise UpdateError  # noqa: B904 (implicit chaining, as Django's store does)

    with monkeypatch.context() as patched:
        patched.setattr(SessionStore, "save", save)
        response = client.get(excerpts_url(coded))  # the first call of a minute saves the session
    assert response.status_code == 503
    assert response.json() == {"error": errors.DATABASE_UNAVAILABLE}


def test_it_answers_a_method_the_address_does_not_take_in_json(
    peer_client: Client, coded: Any
) -> None:
    response = send(peer_client, "delete", excerpts_url(coded), "")
    assert response.status_code == 405
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"error": api.METHOD_NOT_ALLOWED.format(methods="GET, POST")}
    assert response["Allow"] == "GET, POST"
