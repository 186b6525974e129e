"""The team progress page: where evaluators land, each coder's progress per project."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from coding.analysis.reading import DETAILS_HIDDEN
from coding.models import CodingProgress, Membership
from coding.views.coding import READING_HELP

from .conftest import PASSWORD, make_excerpt, make_interview, make_project, make_user


def test_it_lands_evaluators_on_team_progress(client: Client, evaluator: Any) -> None:
    response = client.post(
        "/login/", {"username": evaluator.username, "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/team/"
    assert response.status_code == 200
    assert client.get("/my-work/")["Location"] == "/team/"


def test_it_keeps_peer_researchers_on_my_work(client: Client, peer: Any) -> None:
    response = client.post("/login/", {"username": peer.username, "password": PASSWORD})
    assert response["Location"] == "/my-work/"
    assert client.get("/my-work/").status_code == 200


def test_it_shows_team_progress_not_my_work_in_an_evaluators_menu(
    client: Client, evaluator: Any
) -> None:
    client.force_login(evaluator)
    html = client.get("/team/").content.decode()
    assert 'href="/team/" aria-current="page"' in html
    assert 'href="/my-work/"' not in html


def test_it_counts_each_coders_progress(
    client: Client, project: Any, peer: Any, peer2: Any, evaluator: Any
) -> None:
    first = make_interview(project, "one")
    second = make_interview(project, "two")
    third = make_interview(project, "three")
    make_interview(project, "four")
    make_excerpt(first, peer, 0, 3)
    make_excerpt(first, peer, 1, 3)
    CodingProgress.objects.create(interview=first, coder=peer, done_at=timezone.now())
    make_excerpt(second, peer, 0, 3)
    make_excerpt(first, peer2, 0, 2)
    CodingProgress.objects.create(interview=third, coder=peer2, memo="to read again")
    client.force_login(evaluator)
    [team] = client.get("/team/").context["teams"]
    assert team.project == project
    assert (team.interviews, team.double_coded) == (4, 1)
    rows = {
        c.username: (c.not_started, c.in_progress, c.done, c.excerpts, c.double_coded)
        for c in team.coders
    }
    assert rows == {peer.username: (2, 1, 1, 3, 1), peer2.username: (2, 2, 0, 1, 1)}


def test_it_lists_coders_without_coding_yet_and_not_evaluators(
    client: Client, project: Any, peer: Any, evaluator: Any
) -> None:
    make_interview(project, "one")
    client.force_login(evaluator)
    [team] = client.get("/team/").context["teams"]
    assert [(c.username, c.not_started) for c in team.coders] == [(peer.username, 1)]


def test_it_shows_only_the_readers_projects(
    client: Client, project: Any, other_project: Any, evaluator: Any, outsider: Any
) -> None:
    make_interview(other_project, "hidden")
    client.force_login(evaluator)
    assert [t.project for t in client.get("/team/").context["teams"]] == [project]
    client.force_login(outsider)
    assert client.get("/team/").context["teams"] == []


def test_it_keeps_team_progress_queries_constant(
    client: Client, db: Any, django_assert_max_num_queries: Any
) -> None:
    evaluator = make_user("erin")
    for i in range(3):
        project = make_project(f"p{i}")
        Membership.objects.create(user=evaluator, project=project, role="evaluator")
        for k in range(3):
            coder = make_user(f"coder{i}{k}")
            Membership.objects.create(user=coder, project=project, role="peer_researcher")
            for j in range(4):
                text = f"text {i} {j} {k}"
                make_excerpt(make_interview(project, text, pseudonym=f"P{i}{j}{k}"), coder, 0, 4)
    client.force_login(evaluator)
    client.get("/team/")
    # Session, user, projects, interviews, members, excerpts, progress (and the refresh).
    with django_assert_max_num_queries(10):
        response = client.get("/team/")
    assert len(response.context["teams"]) == 3


def test_it_gives_evaluators_a_reading_view_of_an_interview(
    client: Client, project: Any, peer: Any, evaluator: Any, settings: Any
) -> None:
    settings.DISCLOSURE_THRESHOLD = 1  # one interview: a project too small to show otherwise
    interview = make_interview(project)
    make_excerpt(interview, peer, 0, 11)
    client.force_login(evaluator)
    response = client.get(interview.get_absolute_url())
    html = response.content.decode()
    assert escape(READING_HELP) in html
    assert response.context["coders"] == [peer.username]
    assert 'id="picker"' not in html
    assert 'id="memo"' not in html
    assert "Select text" not in html
    assert 'href="/team/"' in html
    assert 'href="/my-work/' not in html


def test_it_lists_a_projects_interviews_to_evaluators_without_participant_details(
    client: Client, project: Any, peer: Any, evaluator: Any
) -> None:
    interview = make_interview(project, pseudonym="Willowherb")
    make_excerpt(interview, peer, 0, 11)
    url = reverse("project_detail", args=[project.slug])
    client.force_login(peer)
    assert "Willowherb" in client.get(url).content.decode()
    client.force_login(evaluator)
    html = client.get(url).content.decode()
    assert "Willowherb" not in html and str(interview) not in html
    assert f">Interview {interview.pk}</a>" in html
    assert ">Excerpts</th>" not in html and ">Role</th>" not in html
    assert escape(DETAILS_HIDDEN) in html
