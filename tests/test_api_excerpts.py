from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from coding import services
from coding.models import AuditEvent, CodebookValue, Excerpt
from coding.views.api import NOT_SIGNED_IN

from .conftest import make_excerpt, make_interview

TEXT = "Interviewer: Was it safe? 😊\nParticipant: Cafe\u0301 talk felt safe, honestly."


def post(client: Client, interview: Any, body: Any) -> Any:
    return client.post(
        f"/api/interviews/{interview.pk}/excerpts/",
        data=json.dumps(body),
        content_type="application/json",
    )


def patch(client: Client, excerpt_id: int, body: Any) -> Any:
    return client.patch(
        f"/api/excerpts/{excerpt_id}/", data=json.dumps(body), content_type="application/json"
    )


@pytest.fixture
def coded(project: Any) -> Any:
    return make_interview(project, TEXT)


@pytest.fixture
def peer_client(client: Client, peer: Any) -> Client:
    client.force_login(peer)
    return client


def test_it_creates_an_excerpt_with_code_point_offsets(peer_client: Client, coded: Any) -> None:
    start = coded.text.index("talk")
    response = post(peer_client, coded, {"start": start, "end": start + 14, "values": ["safety"]})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["text"] == "talk felt safe"
    assert body["values"] == ["safety"]
    assert body["coder"] == "pat-peer"
    assert set(body) == {
        "id",
        "start",
        "end",
        "text",
        "values",
        "coder",
        "note",
        "created",
        "updated",
    }
    # The emoji before the selection counts as one code point, as in Python.
    assert start == len("Interviewer: Was it safe? 😊\nParticipant: Café ")
    assert Excerpt.objects.get().text == coded.text[start : start + 14]


def test_it_lists_excerpts_in_text_order(peer_client: Client, coded: Any, peer: Any) -> None:
    make_excerpt(coded, peer, 30, 40, "safety", "human-connection")
    make_excerpt(coded, peer, 2, 8, "choice-and-control")
    response = peer_client.get(f"/api/interviews/{coded.pk}/excerpts/")
    excerpts = response.json()["excerpts"]
    assert [e["start"] for e in excerpts] == [2, 30]
    assert excerpts[1]["values"] == ["safety", "human-connection"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"start": 5, "end": 999, "values": ["safety"]}, "outside the transcript"),
        ({"start": -1, "end": 4, "values": ["safety"]}, "outside the transcript"),
        ({"start": 9, "end": 4, "values": ["safety"]}, services.SPAN_EMPTY_OR_REVERSED),
        ({"start": 4, "end": 4, "values": ["safety"]}, services.SPAN_EMPTY_OR_REVERSED),
        ({"start": "4", "end": 9, "values": ["safety"]}, services.OFFSETS_NOT_WHOLE_NUMBERS),
        ({"start": 4, "end": 9, "values": []}, services.NO_VALUES),
        ({"start": 4, "end": 9}, services.NO_VALUES),
        ({"start": 4, "end": 9, "values": "safety"}, services.VALUES_NOT_A_LIST),
        ({"start": 4, "end": 9, "values": ["kindness"]}, "There is no value “kindness”"),
        ({"start": 4, "end": 9, "values": ["trust"]}, "There is no value “trust”"),
        ({"start": 4, "end": 9, "values": ["safety"], "note": 5}, services.NOTE_NOT_TEXT),
    ],
)
def test_it_refuses_bad_input_and_saves_nothing(
    peer_client: Client, coded: Any, other_project: Any, body: Any, message: str
) -> None:
    response = post(peer_client, coded, body)
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert not Excerpt.objects.exists()


def test_it_refuses_a_retired_value(peer_client: Client, coded: Any) -> None:
    CodebookValue.objects.filter(slug="safety").update(is_active=False)
    response = post(peer_client, coded, {"start": 0, "end": 5, "values": ["safety"]})
    assert response.status_code == 400
    assert response.json()["error"] == services.INACTIVE_VALUE.format(name="Safety")


def test_it_refuses_a_body_that_is_not_json(peer_client: Client, coded: Any) -> None:
    response = peer_client.post(
        f"/api/interviews/{coded.pk}/excerpts/", data="start=1", content_type="text/plain"
    )
    assert response.status_code == 400
    assert response.json()["error"] == "The request body must be a JSON object."


def test_it_changes_values_and_note(peer_client: Client, coded: Any, peer: Any) -> None:
    excerpt = make_excerpt(coded, peer, 0, 11, "safety")
    response = patch(peer_client, excerpt.pk, {"values": ["trust-me"]})
    assert response.status_code == 400
    response = patch(
        peer_client, excerpt.pk, {"values": ["human-connection", "safety"], "note": "n"}
    )
    assert response.status_code == 200
    assert response.json()["values"] == ["safety", "human-connection"]
    assert response.json()["note"] == "n"
    event = AuditEvent.objects.filter(action="update", model="excerpt").get()
    assert event.before["values"] == ["safety"]
    assert event.after["values"] == ["human-connection", "safety"]
    assert event.actor_name == "pat-peer"


def test_it_keeps_a_retired_value_already_on_an_excerpt(
    peer_client: Client, coded: Any, peer: Any
) -> None:
    excerpt = make_excerpt(coded, peer, 0, 11, "safety")
    CodebookValue.objects.filter(slug="safety").update(is_active=False)
    response = patch(peer_client, excerpt.pk, {"values": ["safety", "human-connection"]})
    assert response.status_code == 200
    assert response.json()["values"] == ["safety", "human-connection"]


def test_it_deletes_an_excerpt_and_records_it(peer_client: Client, coded: Any, peer: Any) -> None:
    excerpt = make_excerpt(coded, peer, 0, 11, "safety")
    response = peer_client.delete(f"/api/excerpts/{excerpt.pk}/")
    assert response.status_code == 204
    assert not Excerpt.objects.exists()
    event = AuditEvent.objects.get(action="delete")
    assert event.before["text"] == coded.text[0:11]
    assert event.object_id == str(excerpt.pk)


def test_it_forbids_changing_another_coders_excerpt(
    client: Client, coded: Any, peer: Any, peer2: Any
) -> None:
    excerpt = make_excerpt(coded, peer, 0, 11, "safety")
    client.force_login(peer2)
    assert patch(client, excerpt.pk, {"note": "mine now"}).status_code == 403
    assert client.delete(f"/api/excerpts/{excerpt.pk}/").status_code == 403
    excerpt.refresh_from_db()
    assert excerpt.note == ""


def test_it_lets_two_coders_tag_the_same_span(
    client: Client, coded: Any, peer: Any, peer2: Any
) -> None:
    for user in (peer, peer2):
        client.force_login(user)
        assert post(client, coded, {"start": 3, "end": 9, "values": ["safety"]}).status_code == 201
    assert sorted(Excerpt.objects.values_list("coder__username", flat=True)) == [
        "pat-peer",
        "quinn-peer",
    ]


def test_it_lets_evaluators_read_but_not_code(
    client: Client, coded: Any, peer: Any, evaluator: Any, settings: Any
) -> None:
    settings.DISCLOSURE_THRESHOLD = 1  # one interview: not too small to open at this threshold
    excerpt = make_excerpt(coded, peer, 0, 11, "safety")
    client.force_login(evaluator)
    assert client.get(f"/api/interviews/{coded.pk}/excerpts/").status_code == 200
    response = post(client, coded, {"start": 0, "end": 5, "values": ["safety"]})
    assert response.status_code == 403
    assert patch(client, excerpt.pk, {"note": "x"}).status_code == 403
    assert Excerpt.objects.count() == 1


def test_it_hides_excerpts_from_outsiders(
    client: Client, coded: Any, peer: Any, outsider: Any
) -> None:
    excerpt = make_excerpt(coded, peer, 0, 11, "safety")
    client.force_login(outsider)
    assert client.get(f"/api/interviews/{coded.pk}/excerpts/").status_code == 404
    assert client.get(f"/api/excerpts/{excerpt.pk}/").status_code == 404
    assert post(client, coded, {"start": 0, "end": 5, "values": ["safety"]}).status_code == 404


def test_it_answers_anonymous_api_calls_with_401(client: Client, coded: Any) -> None:
    response = client.get(f"/api/interviews/{coded.pk}/excerpts/")
    assert response.status_code == 401
    assert response.json() == {"error": NOT_SIGNED_IN, "login_url": "/login/"}


def test_it_enforces_csrf(coded: Any, peer: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(peer)
    assert post(client, coded, {"start": 0, "end": 5, "values": ["safety"]}).status_code == 403
    client.get(coded.get_absolute_url())
    token = client.cookies["csrftoken"].value
    response = client.post(
        f"/api/interviews/{coded.pk}/excerpts/",
        data=json.dumps({"start": 0, "end": 5, "values": ["safety"]}),
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 201


def test_it_keeps_offsets_exact_for_crlf_and_combining_text(
    peer_client: Client, project: Any
) -> None:
    interview = make_interview(project, "Interviewer: Hi\r\nParticipant: nin\u0303o and q\u0303 ok")
    assert "\r" not in interview.text
    start = interview.text.index("q\u0303")
    response = post(
        peer_client, interview, {"start": start, "end": start + 5, "values": ["safety"]}
    )
    assert response.json()["text"] == "q\u0303 ok"
    assert "ni\u00f1o" in interview.text  # composed to NFC


def test_it_saves_the_memo_and_done_mark(peer_client: Client, coded: Any) -> None:
    url = f"/api/interviews/{coded.pk}/progress/"
    response = peer_client.patch(
        url, data=json.dumps({"memo": "Reflexive note"}), content_type="application/json"
    )
    assert response.json()["memo"] == "Reflexive note"
    assert response.json()["done"] is False
    response = peer_client.patch(
        url, data=json.dumps({"done": True}), content_type="application/json"
    )
    assert response.json() == {**response.json(), "memo": "Reflexive note", "done": True}
    assert peer_client.get(url).json()["done"] is True


def test_it_keeps_the_excerpt_api_query_count_constant(
    peer_client: Client, coded: Any, peer: Any, django_assert_max_num_queries: Any
) -> None:
    for i in range(30):
        make_excerpt(coded, peer, i, i + 5, "safety", "human-connection")
    # Session and user (2), the session's sliding expiry (3), interview, role, excerpts, tags.
    with django_assert_max_num_queries(9):
        response = peer_client.get(f"/api/interviews/{coded.pk}/excerpts/")
    assert len(response.json()["excerpts"]) == 30


def test_it_keeps_the_coding_page_query_count_constant(
    peer_client: Client, project: Any, peer: Any, peer2: Any, django_assert_max_num_queries: Any
) -> None:
    interview = make_interview(
        project, "\n".join(f"Participant: line {i} text" for i in range(200))
    )
    for i in range(40):
        make_excerpt(interview, peer if i % 2 else peer2, i * 10, i * 10 + 8, "safety")
    # One of these finds the previous and next interview in My work's order; one lists the
    # interview's discussions.
    with django_assert_max_num_queries(13):
        response = peer_client.get(interview.get_absolute_url())
    assert response.status_code == 200
    assert response.content.decode().count('class="para') >= 200


def test_it_uses_this_projects_value_when_another_project_shares_its_slug(
    peer_client: Client, coded: Any, other_project: Any
) -> None:
    ours = CodebookValue.objects.create(
        project=coded.project, slug="hope", name="Hope", colour="#cfe2ff"
    )
    CodebookValue.objects.create(project=other_project, slug="hope", name="Hope", colour="#cfe2ff")
    response = post(peer_client, coded, {"start": 0, "end": 5, "values": ["hope"]})
    assert response.status_code == 201, response.json()
    assert Excerpt.objects.get().values.get() == ours
