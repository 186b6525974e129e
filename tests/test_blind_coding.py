"""Blind double coding: others' excerpts stay on the server until both coders are done."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from coding.models import CodingProgress, Job

from .conftest import decide_first_passage, make_excerpt

pytestmark = pytest.mark.django_db


@pytest.fixture
def blind(project: Any, interview: Any, peer: Any, peer2: Any) -> dict[str, Any]:
    project.blind_coding = True
    project.save()
    first = make_excerpt(interview, peer, 38, 55, "safety")
    second = make_excerpt(interview, peer2, 25, 37, "human-connection")
    return {"interview": interview, "first": first, "second": second}


def mark_done(interview: Any, *coders: Any) -> None:
    for coder in coders:
        CodingProgress.objects.update_or_create(
            interview=interview, coder=coder, defaults={"done_at": timezone.now()}
        )


def api_coders(client: Client, interview: Any) -> set[str]:
    url = reverse("api_interview_excerpts", args=[interview.pk])
    return {e["coder"] for e in client.get(url).json()["excerpts"]}


def page_data(client: Client, interview: Any) -> dict[str, Any]:
    page = client.get(reverse("interview_detail", args=[interview.pk])).content.decode()
    found = re.search(r'<script id="coding-data" type="application/json">(.*?)</script>', page)
    return json.loads(found.group(1))


def test_it_hides_the_other_coders_excerpts_until_both_are_done(
    client: Client, blind: dict, peer: Any, peer2: Any
) -> None:
    interview = blind["interview"]
    client.force_login(peer2)
    assert api_coders(client, interview) == {"quinn-peer"}
    data = page_data(client, interview)
    assert {e["coder"] for e in data["excerpts"]} == {"quinn-peer"}
    assert "pat-peer" not in data["coders"]
    detail = reverse("api_excerpt_detail", args=[blind["first"].pk])
    assert client.get(detail).status_code == 404
    # One of them done is not enough, whichever it is.
    mark_done(interview, peer)
    assert api_coders(client, interview) == {"quinn-peer"}
    mark_done(interview, peer2)
    assert api_coders(client, interview) == {"quinn-peer", "pat-peer"}
    assert {e["coder"] for e in page_data(client, interview)["excerpts"]} == {
        "quinn-peer",
        "pat-peer",
    }
    assert client.get(detail).status_code == 200


def test_it_hides_nothing_when_the_project_does_not_code_blind(
    client: Client, blind: dict, project: Any, peer2: Any
) -> None:
    project.blind_coding = False
    project.save()
    client.force_login(peer2)
    assert api_coders(client, blind["interview"]) == {"quinn-peer", "pat-peer"}


@pytest.mark.parametrize("reader", ["evaluator", "admin_user"])
def test_it_shows_everything_to_readers_who_do_not_code(
    client: Client, blind: dict, reader: str, request: Any, settings: Any
) -> None:
    settings.DISCLOSURE_THRESHOLD = 1  # one interview: not too small to open at this threshold
    client.force_login(request.getfixturevalue(reader))
    assert api_coders(client, blind["interview"]) == {"quinn-peer", "pat-peer"}


def test_it_says_on_the_page_that_coding_is_blind(client: Client, blind: dict, peer2: Any) -> None:
    client.force_login(peer2)
    page = client.get(reverse("interview_detail", args=[blind["interview"].pk]))
    assert 'id="blind-note"' in page.content.decode()


def test_it_keeps_hidden_excerpts_out_of_the_discussion_form(
    client: Client, blind: dict, peer2: Any
) -> None:
    client.force_login(peer2)
    page = client.get(reverse("discussion_new", args=[blind["interview"].pk])).content.decode()
    assert f'value="{blind["second"].pk}"' in page
    assert f'value="{blind["first"].pk}"' not in page


def test_it_keeps_the_other_coders_quotes_out_of_the_comparison_drill_down(
    client: Client, blind: dict, peer: Any, peer2: Any, project: Any
) -> None:
    first = blind["first"]
    url = reverse("compare_cell")
    params = {"value": first.values.get().pk, "column": f"{project.pk}:"}
    client.force_login(peer2)
    page = client.get(url, params).content.decode()
    assert first.text not in page
    mark_done(blind["interview"], peer)
    assert first.text not in client.get(url, params).content.decode()
    mark_done(blind["interview"], peer2)
    assert first.text in client.get(url, params).content.decode()
    # The one who coded it always sees their own quote.
    client.force_login(peer)
    assert first.text in client.get(url, params).content.decode()


def test_it_keeps_interviews_not_yet_done_off_a_peer_researchers_agreement_page(
    client: Client, blind: dict, peer: Any, peer2: Any
) -> None:
    first = blind["first"]
    url = reverse("compare_agreement")
    client.force_login(peer2)
    page = client.get(url).content.decode()
    assert "<strong>Showing:</strong> 0 interviews" in page
    assert first.text not in page
    mark_done(blind["interview"], peer, peer2)
    page = client.get(url).content.decode()
    assert "<strong>Showing:</strong> 1 interview " in page
    assert first.text in page


def test_it_keeps_the_other_coders_excerpts_out_of_a_peer_researchers_export(
    client: Client, blind: dict, peer: Any, peer2: Any, settings: Any
) -> None:
    def exported() -> str:
        response = client.get(reverse("compare_export", args=["excerpts", "csv"]))
        return b"".join(response.streaming_content).decode()

    client.force_login(peer2)
    assert blind["second"].text in exported()
    assert blind["first"].text not in exported()
    # The same in a background job's file (a large export).
    settings.EXPORT_JOB_THRESHOLD = 0
    response = client.get(reverse("compare_export", args=["excerpts", "csv"]))
    job = Job.objects.get()
    content = job.result_file.open("rb").read().decode()
    assert response.status_code == 302
    assert blind["second"].text in content and blind["first"].text not in content
    settings.EXPORT_JOB_THRESHOLD = 10_000
    mark_done(blind["interview"], peer, peer2)
    assert blind["first"].text in exported()


def test_it_keeps_a_thread_on_the_other_coders_excerpt_hidden_until_both_are_done(
    client: Client, blind: dict, peer: Any, peer2: Any
) -> None:
    from coding.review.discussions import discussion_start

    interview = blind["interview"]
    thread = discussion_start(
        interview=interview, user=peer, body="Is this safety?", excerpt=blind["first"]
    )
    passage = discussion_start(interview=interview, user=peer, body="Here?", start=0, end=10)
    client.force_login(peer2)
    listed = client.get(reverse("discussion_list")).content.decode()
    assert reverse("discussion_detail", args=[thread.pk]) not in listed
    assert reverse("discussion_detail", args=[passage.pk]) in listed
    assert client.get(reverse("discussion_detail", args=[thread.pk])).status_code == 404
    side = client.get(reverse("interview_detail", args=[interview.pk])).content.decode()
    assert reverse("discussion_detail", args=[thread.pk]) not in side
    mark_done(interview, peer, peer2)
    assert client.get(reverse("discussion_detail", args=[thread.pk])).status_code == 200
    listed = client.get(reverse("discussion_list")).content.decode()
    assert reverse("discussion_detail", args=[thread.pk]) in listed
    # Its coder always sees it.
    client.force_login(peer)
    assert client.get(reverse("discussion_detail", args=[thread.pk])).status_code == 200


def test_it_keeps_hidden_threads_and_decisions_out_of_a_peer_researchers_review_files(
    client: Client, blind: dict, peer: Any, peer2: Any, project: Any
) -> None:
    from coding.models import Membership
    from coding.review.discussions import discussion_start

    from .conftest import make_user

    def download(what: str) -> str:
        response = client.get(reverse("review_export", args=[project.slug, what]))
        return b"".join(response.streaming_content).decode()

    interview = blind["interview"]
    discussion_start(interview=interview, user=peer, body="Mine: safety?", excerpt=blind["first"])
    client.force_login(peer2)
    assert "Mine: safety?" not in download("discussions")
    mark_done(interview, peer, peer2)
    assert "Mine: safety?" in download("discussions")
    decide_first_passage(project, peer, "We agreed it is not there.")
    assert "We agreed it is not there." in download("decisions")
    # A peer researcher who did not code it has not marked it done: the coding stays hidden.
    third = make_user("rae-peer")
    Membership.objects.create(user=third, project=project, role="peer_researcher")
    client.force_login(third)
    assert "We agreed it is not there." not in download("decisions")
    assert "Mine: safety?" not in download("discussions")


def test_it_keeps_the_queue_of_a_blind_interview_from_a_peer_researcher_who_is_not_done(
    client: Client, blind: dict, peer: Any, peer2: Any, project: Any
) -> None:
    from coding.models import Membership

    from .conftest import make_user

    mark_done(blind["interview"], peer, peer2)
    url = reverse("disagreement_list", args=[project.slug])
    client.force_login(peer2)
    assert blind["first"].text in client.get(url).content.decode()
    third = make_user("rae-peer")
    Membership.objects.create(user=third, project=project, role="peer_researcher")
    client.force_login(third)
    page = client.get(url).content.decode()
    assert blind["first"].text not in page and blind["second"].text not in page
