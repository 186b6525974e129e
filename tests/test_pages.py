from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from .conftest import make_excerpt, make_interview, make_project


@pytest.mark.parametrize("name", ["home"])
def test_it_sends_anonymous_visitors_to_login(client: Client, db: Any, name: str) -> None:
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_sends_anonymous_visitors_to_login_from_an_interview(
    client: Client, interview: Any
) -> None:
    response = client.get(interview.get_absolute_url())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_lists_my_projects_with_counts(client: Client, peer: Any, project: Any) -> None:
    interview = make_interview(project)
    make_interview(project, "Another interview text", pseudonym="Rowan")
    make_excerpt(interview, peer, 0, 11)
    client.force_login(peer)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    row = response.context["projects"][0]
    assert (row.interview_count, row.participant_count, row.excerpt_count) == (2, 2, 1)
    assert project.name in response.content.decode()


def test_it_hides_projects_from_outsiders(client: Client, outsider: Any, project: Any) -> None:
    client.force_login(outsider)
    response = client.get(reverse("home"))
    assert project.name not in response.content.decode()
    assert client.get(project.get_absolute_url()).status_code == 404


def test_it_shows_a_project_to_its_members(
    client: Client, peer: Any, evaluator: Any, project: Any
) -> None:
    make_interview(project, pseudonym="Willow")
    client.force_login(peer)
    response = client.get(project.get_absolute_url())
    assert response.status_code == 200
    assert "Willow" in response.content.decode()
    # Evaluators see the project too, without participant details (tests/test_team_progress.py).
    client.force_login(evaluator)
    assert client.get(project.get_absolute_url()).status_code == 200


def test_it_shows_an_interview_with_distinct_turns(client: Client, peer: Any, project: Any) -> None:
    interview = make_interview(project, "Interviewer: How was it?\nParticipant: Calm 😊.")
    client.force_login(peer)
    html = client.get(interview.get_absolute_url()).content.decode()
    assert 'class="para turn-start speaker-interviewer"' in html
    assert 'class="para turn-start speaker-participant"' in html
    assert '<span class="speaker">Participant:</span> Calm 😊.' in html


def test_it_escapes_transcript_text(client: Client, peer: Any, project: Any) -> None:
    interview = make_interview(project, "Participant: <script>alert('x')</script> & <b>bold</b>")
    client.force_login(peer)
    html = client.get(interview.get_absolute_url()).content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &lt;b&gt;bold" in html


def test_it_hides_interviews_of_other_projects(
    client: Client, peer: Any, other_project: Any
) -> None:
    interview = make_interview(other_project)
    client.force_login(peer)
    assert client.get(interview.get_absolute_url()).status_code == 404


def test_it_keeps_home_page_queries_constant(
    client: Client, admin_user: Any, django_assert_max_num_queries: Any
) -> None:
    for i in range(6):
        make_interview(make_project(f"p{i}"), f"text {i}")
    client.force_login(admin_user)
    with django_assert_max_num_queries(6):
        assert client.get(reverse("home")).status_code == 200


def test_it_sets_a_content_security_policy_without_unsafe_inline(client: Client, db: Any) -> None:
    response = client.get(reverse("login"))
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert response["X-Frame-Options"] == "DENY"


def test_it_keeps_the_project_page_queries_constant(
    client: Client, peer: Any, project: Any, django_assert_max_num_queries: Any
) -> None:
    for i in range(25):
        make_excerpt(make_interview(project, f"text {i}", pseudonym=f"P{i}"), peer, 0, 4)
    client.force_login(peer)
    with django_assert_max_num_queries(9):
        response = client.get(project.get_absolute_url())
    assert response.content.decode().count("/interviews/") == 25


def test_it_points_favicon_requests_at_the_icon(client: Client, db: Any) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == "/static/favicon.svg"
