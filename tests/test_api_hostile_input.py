"""Whatever a client sends the JSON API, it answers JSON: a result, or an error sentence.

Property-based: hypothesis generates bodies (any JSON, any Unicode including lone surrogates
and control characters, wrong types, raw bytes) and the test checks the answer's shape, that
nothing is stored that the database or an export could not hold, and that no answer is a 500.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coding.models import CodebookValue, CodingProgress, Excerpt
from coding.text_input import CONTROL_RE

from .conftest import make_excerpt, make_interview

TEXT = "Interviewer: Was it safe?\nParticipant: It felt safe and I was heard, mostly."
FINE = {200, 201, 204}
REFUSED = {400, 403, 404, 409, 413}
SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

any_text = st.text(st.characters(exclude_categories=()), max_size=30)
scalars = st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | any_text
any_json = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(any_text, inner, max_size=4),
    max_leaves=12,
)
offsets = st.integers(-3, len(TEXT) + 3) | any_json
slugs = st.sampled_from(["safety", "human-connection", "trust", "x"]) | any_text
excerpt_bodies = st.fixed_dictionaries(
    {},
    optional={
        "start": offsets,
        "end": offsets,
        "values": st.lists(slugs, max_size=3) | any_json,
        "note": any_text | any_json,
    },
)
raw_bodies = (
    st.binary(max_size=60)
    | any_json.map(lambda v: json.dumps(v).encode())
    | excerpt_bodies.map(lambda v: json.dumps(v).encode())
    | st.integers(1, 3000).map(lambda depth: ('{"a":' * depth + "1" + "}" * depth).encode())
)


@pytest.fixture
def setup(client: Client, project: Any, peer: Any, other_project: Any) -> dict[str, Any]:
    interview = make_interview(project, TEXT)
    client.force_login(peer)
    client.raise_request_exception = False
    excerpt = make_excerpt(interview, peer, 0, 11, "safety")
    return {"client": client, "interview": interview, "excerpt": excerpt}


def answer(client: Client, method: str, url: str, body: bytes) -> Any:
    response = getattr(client, method)(url, data=body, content_type="application/json")
    assert response.status_code in FINE | REFUSED, (response.status_code, body)
    if response.status_code == 204:
        return response
    assert response["Content-Type"] == "application/json", body
    data = response.json()
    if response.status_code in REFUSED:
        assert isinstance(data["error"], str) and data["error"].endswith((".", "?")), data
    return response


def stored_text_is_clean() -> None:
    for note in Excerpt.objects.values_list("note", flat=True):
        assert not CONTROL_RE.search(note), note
    for memo in CodingProgress.objects.values_list("memo", flat=True):
        assert not CONTROL_RE.search(memo), memo
    for name in CodebookValue.objects.values_list("name", flat=True):
        assert not CONTROL_RE.search(name), name


@SETTINGS
@given(body=raw_bodies)
def test_it_answers_any_new_excerpt_in_json(setup: dict[str, Any], body: bytes) -> None:
    url = f"/api/interviews/{setup['interview'].pk}/excerpts/"
    answer(setup["client"], "post", url, body)
    stored_text_is_clean()


@SETTINGS
@given(body=raw_bodies)
def test_it_answers_any_excerpt_change_in_json(setup: dict[str, Any], body: bytes) -> None:
    answer(setup["client"], "patch", f"/api/excerpts/{setup['excerpt'].pk}/", body)
    stored_text_is_clean()


@SETTINGS
@given(
    body=raw_bodies
    | st.fixed_dictionaries({}, optional={"memo": any_text | any_json, "done": any_json}).map(
        lambda v: json.dumps(v).encode()
    )
)
def test_it_answers_any_progress_in_json(setup: dict[str, Any], body: bytes) -> None:
    response = answer(
        setup["client"], "patch", f"/api/interviews/{setup['interview'].pk}/progress/", body
    )
    if response.status_code == 200:
        assert isinstance(response.json()["done"], bool)
    stored_text_is_clean()


@SETTINGS
@given(
    body=raw_bodies
    | st.fixed_dictionaries(
        {"name": any_text | any_json}, optional={"definition": any_text | any_json}
    ).map(lambda v: json.dumps(v).encode())
)
def test_it_answers_any_new_value_in_json(setup: dict[str, Any], body: bytes) -> None:
    answer(setup["client"], "post", f"/api/interviews/{setup['interview'].pk}/values/", body)
    stored_text_is_clean()
