from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from coding import services
from coding.models import TEXT_COLOUR, AuditEvent, CodebookValue, contrast_ratio

from .conftest import make_interview


def add_value(client: Client, interview: Any, body: Any) -> Any:
    return client.post(
        f"/api/interviews/{interview.pk}/values/",
        data=json.dumps(body),
        content_type="application/json",
    )


def test_it_adds_an_emergent_value_of_the_project(
    client: Client, peer: Any, interview: Any
) -> None:
    client.force_login(peer)
    response = add_value(client, interview, {"name": "  Hope for   the future ", "definition": "x"})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["slug"] == "hope-for-the-future"
    assert body["name"] == "Hope for the future"
    assert body["project_specific"] is True
    # Provisional: no key until the team accepts it, so a typo never takes a key from everyone.
    assert body["shortcut"] == ""
    assert body["provisional"] is True
    assert contrast_ratio(body["colour"], TEXT_COLOUR) >= 4.5
    value = CodebookValue.objects.get(slug="hope-for-the-future")
    assert value.project == interview.project
    event = AuditEvent.objects.get(model="codebookvalue", action="create")
    assert event.after["name"] == "Hope for the future"
    assert event.actor_name == "pat-peer"
    # The new value can be used at once.
    tagged = client.post(
        f"/api/interviews/{interview.pk}/excerpts/",
        data=json.dumps({"start": 0, "end": 5, "values": ["hope-for-the-future"]}),
        content_type="application/json",
    )
    assert tagged.status_code == 201


def test_it_gives_each_new_value_its_own_colour(client: Client, peer: Any, interview: Any) -> None:
    client.force_login(peer)
    first = add_value(client, interview, {"name": "Hope"}).json()
    second = add_value(client, interview, {"name": "Humour"}).json()
    assert first["colour"] != second["colour"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"name": ""}, services.VALUE_NAME_MISSING),
        ({"name": "   "}, services.VALUE_NAME_MISSING),
        ({}, services.VALUE_NAME_MISSING),
        ({"name": 5}, services.VALUE_NAME_MISSING),
        ({"name": "x" * 101}, "at most 100 characters"),
        ({"name": "safety"}, "There is already a value “safety”"),
        ({"name": "Hope", "definition": ["x"]}, services.VALUE_DEFINITION_NOT_TEXT),
    ],
)
def test_it_refuses_a_bad_value_and_saves_nothing(
    client: Client, peer: Any, interview: Any, body: Any, message: str
) -> None:
    client.force_login(peer)
    before = CodebookValue.objects.count()
    response = add_value(client, interview, body)
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert CodebookValue.objects.count() == before


def test_it_keeps_a_project_value_apart_from_other_projects(
    client: Client, peer: Any, interview: Any, other_project: Any
) -> None:
    CodebookValue.objects.create(project=other_project, slug="hope", name="Hope", colour="#cfe2ff")
    client.force_login(peer)
    response = add_value(client, interview, {"name": "Hope"})
    assert response.status_code == 201
    assert response.json()["slug"] == "hope"
    assert CodebookValue.objects.filter(slug="hope").count() == 2


def test_it_lets_only_coders_of_the_project_add_values(
    client: Client, evaluator: Any, outsider: Any, project: Any
) -> None:
    interview = make_interview(project)
    client.force_login(evaluator)
    assert add_value(client, interview, {"name": "Hope"}).status_code == 403
    client.force_login(outsider)
    assert add_value(client, interview, {"name": "Hope"}).status_code == 404
    client.logout()
    assert add_value(client, interview, {"name": "Hope"}).status_code == 401
    assert not CodebookValue.objects.filter(slug="hope").exists()
