from __future__ import annotations

from typing import Any

from django.test import Client
from django.utils import timezone

from coding.models import CodingProgress, Membership

from .conftest import make_excerpt, make_interview, make_project


def rows(response: Any) -> dict[str, tuple[str, int]]:
    return {i.title: (i.status, i.my_excerpts) for i in response.context["interviews"]}


def test_it_shows_my_status_and_excerpt_count(
    client: Client, project: Any, peer: Any, peer2: Any
) -> None:
    untouched = make_interview(project, "one", title="Untouched")
    coded = make_interview(project, "two", title="Coded")
    memo_only = make_interview(project, "three", title="Memo only")
    finished = make_interview(project, "four", title="Finished")
    others = make_interview(project, "five", title="Others only")
    make_excerpt(coded, peer, 0, 3)
    make_excerpt(coded, peer, 1, 2)
    CodingProgress.objects.create(interview=memo_only, coder=peer, memo="thinking")
    make_excerpt(finished, peer, 0, 4)
    CodingProgress.objects.create(interview=finished, coder=peer, done_at=timezone.now())
    make_excerpt(others, peer2, 0, 4)
    client.force_login(peer)
    response = client.get("/my-work/")
    assert rows(response) == {
        untouched.title: ("not_started", 0),
        coded.title: ("in_progress", 2),
        memo_only.title: ("in_progress", 0),
        finished.title: ("done", 1),
        others.title: ("not_started", 0),
    }
    html = response.content.decode()
    assert '<span class="status status-done">Done</span>' in html
    assert '<span class="status status-in_progress">In progress</span>' in html


def test_it_filters_by_status_and_project(
    client: Client, project: Any, other_project: Any, peer: Any
) -> None:
    Membership.objects.create(user=peer, project=other_project, role="peer_researcher")
    started = make_interview(project, "one", title="Started")
    make_interview(project, "two", title="Fresh")
    elsewhere = make_interview(other_project, "three", title="Elsewhere")
    make_excerpt(started, peer, 0, 3)
    client.force_login(peer)
    assert set(rows(client.get("/my-work/?status=in_progress"))) == {"Started"}
    assert set(rows(client.get("/my-work/?status=not_started"))) == {"Fresh", "Elsewhere"}
    by_project = client.get(f"/my-work/?project={other_project.slug}")
    assert set(rows(by_project)) == {elsewhere.title}


def test_it_lists_only_my_projects(client: Client, project: Any, outsider: Any) -> None:
    make_interview(project, "one", title="Hidden")
    client.force_login(outsider)
    response = client.get("/my-work/")
    assert rows(response) == {}
    assert "Hidden" not in response.content.decode()


def test_it_keeps_my_work_queries_constant(
    client: Client, peer: Any, django_assert_max_num_queries: Any
) -> None:
    for i in range(4):
        project = make_project(f"p{i}")
        Membership.objects.create(user=peer, project=project, role="peer_researcher")
        for j in range(5):
            make_excerpt(make_interview(project, f"text {i} {j}", pseudonym=f"P{i}{j}"), peer, 0, 4)
    client.force_login(peer)
    # Session, user, the session's once-a-minute refresh (3), projects, interviews.
    with django_assert_max_num_queries(7):
        response = client.get("/my-work/")
    assert len(response.context["interviews"]) == 20
