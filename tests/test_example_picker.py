"""The example picker of a proposal: search the project's excerpts, tick to add, checked again
on the server (blind coding included)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from coding.codebook_forms import EXAMPLES_UNKNOWN
from coding.models import CodingProgress, Proposal

from .conftest import make_excerpt, make_interview, make_project

TEXT = "Interviewer: And then?\nParticipant: I trust the group. I felt safe there. We laughed."


def search(client: Client, project: Any, **params: str) -> Any:
    return client.get(reverse("api_example_search", args=[project.slug]), params)


def test_it_finds_excerpts_by_their_words_and_value(
    client: Client, project: Any, peer: Any
) -> None:
    interview = make_interview(project, TEXT)
    safe = make_excerpt(interview, peer, TEXT.index("I felt"), TEXT.index(" We"), "safety")
    laugh = make_excerpt(interview, peer, TEXT.index("We"), len(TEXT), "human-connection")
    client.force_login(peer)
    ids = [r["id"] for r in search(client, project, q="SAFE").json()["results"]]
    assert ids == [safe.pk]
    found = search(client, project, value=str(laugh.values.get().pk)).json()["results"]
    assert [(r["id"], r["values"], r["text"]) for r in found] == [
        (laugh.pk, ["Human connection"], "We laughed.")
    ]
    assert {r["id"] for r in search(client, project).json()["results"]} == {safe.pk, laugh.pk}


def test_it_searches_in_a_fixed_number_of_queries(client: Client, project: Any, peer: Any) -> None:
    client.force_login(peer)
    interview = make_interview(project, TEXT)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            search(client, project)
        return len(captured)

    make_excerpt(interview, peer, 30, 32, "safety")
    queries()  # the first request of a session also stores the session
    few = queries()
    for start in range(33, 60, 3):
        make_excerpt(interview, peer, start, start + 2, "safety", "human-connection")
    assert len(search(client, project).json()["results"]) == 10
    assert queries() == few <= 10


def test_it_keeps_another_coders_excerpts_out_of_a_blind_project_until_both_are_done(
    client: Client, project: Any, peer: Any, peer2: Any
) -> None:
    project.blind_coding = True
    project.save()
    interview = make_interview(project, TEXT)
    mine = make_excerpt(interview, peer, 36, 50, "choice-and-control")
    theirs = make_excerpt(interview, peer2, 51, 68, "safety")
    client.force_login(peer)
    assert [r["id"] for r in search(client, project).json()["results"]] == [mine.pk]
    # Nor can the number be sent by hand.
    response = client.post(
        reverse("proposal_new", args=[project.slug]),
        {"kind": "add", "name": "Hope", "reason": "r", "examples": [str(theirs.pk)]},
    )
    assert EXAMPLES_UNKNOWN.format(number=theirs.pk) in response.content.decode()
    for coder in (peer, peer2):
        CodingProgress.objects.create(interview=interview, coder=coder, done_at=timezone.now())
    ids = {r["id"] for r in search(client, project).json()["results"]}
    assert ids == {mine.pk, theirs.pk}


def test_it_refuses_an_excerpt_of_another_project(client: Client, project: Any, peer: Any) -> None:
    elsewhere = make_project("elsewhere")
    other = make_excerpt(make_interview(elsewhere, TEXT), peer, 36, 50, "safety")
    client.force_login(peer)
    assert search(client, project).json()["results"] == []
    response = client.post(
        reverse("proposal_new", args=[project.slug]),
        {"kind": "add", "name": "Hope", "reason": "r", "examples": [str(other.pk)]},
    )
    page = response.content.decode()
    assert EXAMPLES_UNKNOWN.format(number=other.pk) in page
    assert not Proposal.objects.exists()


def test_it_keeps_ticked_examples_when_the_form_comes_back(
    client: Client, project: Any, peer: Any
) -> None:
    excerpt = make_excerpt(make_interview(project, TEXT), peer, 36, 50, "choice-and-control")
    client.force_login(peer)
    response = client.post(
        reverse("proposal_new", args=[project.slug]),
        {"kind": "add", "name": "", "reason": "", "examples": [str(excerpt.pk)]},
    )
    page = response.content.decode()
    assert f'name="examples" value="{excerpt.pk}"' in page
    assert "I trust the gr" in page


def test_it_saves_the_ticked_examples_in_order(client: Client, project: Any, peer: Any) -> None:
    interview = make_interview(project, TEXT)
    a = make_excerpt(interview, peer, 36, 50, "choice-and-control")
    b = make_excerpt(interview, peer, 51, 68, "safety")
    client.force_login(peer)
    client.post(
        reverse("proposal_new", args=[project.slug]),
        {"kind": "add", "name": "Hope", "reason": "r", "examples": [str(b.pk), str(a.pk)]},
    )
    assert set(Proposal.objects.get().examples.all()) == {a, b}


@pytest.mark.parametrize("bad", ["12x", "-1"])
def test_it_explains_an_example_that_is_not_a_number(
    client: Client, project: Any, peer: Any, bad: str
) -> None:
    client.force_login(peer)
    response = client.post(
        reverse("proposal_new", args=[project.slug]),
        {"kind": "add", "name": "Hope", "reason": "r", "examples": [bad]},
    )
    assert "Pick the example excerpts from the search below" in response.content.decode()
    assert not Proposal.objects.exists()
