from __future__ import annotations

from datetime import date
from typing import Any

from django.test import Client
from django.utils import timezone

from coding.models import CodingProgress, Membership
from coding.worklist import PAGE_SIZE

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
    # Session, user, the session's once-a-minute refresh (3), the user's roles, projects, the
    # progress summary, the list's count and its page.
    with django_assert_max_num_queries(10):
        response = client.get("/my-work/")
    assert len(response.context["interviews"]) == 20


def test_it_searches_by_pseudonym_or_title(client: Client, project: Any, peer: Any) -> None:
    make_interview(project, "one", title="Kitchen table talk", pseudonym="Sorrel")
    make_interview(project, "two", title="Second visit", pseudonym="Willow")
    make_interview(project, "three", title="Willowbrook centre", pseudonym="Ash")
    client.force_login(peer)
    assert set(rows(client.get("/my-work/?q=sorrel"))) == {"Kitchen table talk"}
    assert set(rows(client.get("/my-work/?q=WILLOW"))) == {"Second visit", "Willowbrook centre"}
    assert set(rows(client.get("/my-work/?q=nobody"))) == set()


def test_it_sorts_by_the_chosen_order(client: Client, project: Any, peer: Any) -> None:
    make_interview(project, "one", title="B", pseudonym="Zed", date=date(2020, 1, 1))
    make_interview(project, "two", title="C", pseudonym="Amy", date=date(2022, 1, 1))
    make_interview(project, "three", title="A", pseudonym="Max", date=date(2021, 1, 1))
    client.force_login(peer)

    def order(sort: str) -> list[str]:
        return [i.title for i in client.get(f"/my-work/?sort={sort}").context["interviews"]]

    assert order("title") == ["A", "B", "C"]
    assert order("participant") == ["C", "A", "B"]
    assert order("newest") == ["C", "A", "B"]
    assert order("oldest") == ["B", "A", "C"]
    # An unknown order falls back to the default (project, then date).
    assert order("nonsense") == ["B", "A", "C"]


def test_it_sorts_by_status(client: Client, project: Any, peer: Any) -> None:
    fresh = make_interview(project, "one", title="Fresh")
    started = make_interview(project, "two", title="Started")
    finished = make_interview(project, "three", title="Finished")
    make_excerpt(started, peer, 0, 3)
    CodingProgress.objects.create(interview=finished, coder=peer, done_at=timezone.now())
    client.force_login(peer)
    titles = [i.title for i in client.get("/my-work/?sort=status").context["interviews"]]
    assert titles == [fresh.title, started.title, finished.title]


def test_it_pages_long_lists_and_keeps_the_filter(client: Client, project: Any, peer: Any) -> None:
    for i in range(PAGE_SIZE + 5):
        make_interview(project, f"text {i}", title=f"Interview {i:03d}", pseudonym=f"P{i:03d}")
    client.force_login(peer)
    first = client.get("/my-work/?sort=title")
    assert len(first.context["interviews"]) == PAGE_SIZE
    html = first.content.decode()
    assert 'href="?sort=title&amp;page=2"' in html
    second = client.get("/my-work/?sort=title&page=2")
    assert [i.title for i in second.context["interviews"]] == [
        f"Interview {i:03d}" for i in range(PAGE_SIZE, PAGE_SIZE + 5)
    ]
    # A page past the end shows the last page rather than an error.
    assert client.get("/my-work/?sort=title&page=99").context["interviews"][0].title == (
        f"Interview {PAGE_SIZE:03d}"
    )


def test_it_links_each_interview_with_the_current_filter(
    client: Client, project: Any, peer: Any
) -> None:
    interview = make_interview(project, "one", title="Kitchen", pseudonym="Sorrel")
    client.force_login(peer)
    html = client.get("/my-work/?q=sorrel&sort=title&status=not_started").content.decode()
    assert f'href="/interviews/{interview.pk}/?status=not_started&amp;q=sorrel&amp;sort=title"' in (
        html
    )


def test_it_summarises_my_progress_per_project(
    client: Client, project: Any, other_project: Any, peer: Any
) -> None:
    Membership.objects.create(user=peer, project=other_project, role="peer_researcher")
    make_interview(project, "one")
    started = make_interview(project, "two")
    finished = make_interview(project, "three")
    make_interview(other_project, "four")
    make_excerpt(started, peer, 0, 3)
    CodingProgress.objects.create(interview=finished, coder=peer, done_at=timezone.now())
    client.force_login(peer)
    # The summary counts every interview of each project, whatever the list shows.
    response = client.get("/my-work/?status=done")
    summary = {
        s.name: (s.not_started, s.in_progress, s.done, s.total) for s in response.context["summary"]
    }
    assert summary == {project.name: (1, 1, 1, 3), other_project.name: (1, 0, 0, 1)}
    assert "1 of 3 done" in response.content.decode()


def test_it_keeps_my_work_queries_constant_with_search_sort_and_pages(
    client: Client, peer: Any, django_assert_max_num_queries: Any
) -> None:
    for i in range(3):
        project = make_project(f"p{i}")
        Membership.objects.create(user=peer, project=project, role="peer_researcher")
        for j in range(25):
            make_excerpt(make_interview(project, f"text {i} {j}", pseudonym=f"P{i}{j}"), peer, 0, 4)
    client.force_login(peer)
    client.get("/my-work/")
    # Session, user, roles, projects, summary, count, page (and the session's refresh).
    with django_assert_max_num_queries(10):
        response = client.get("/my-work/?q=p&sort=participant&status=in_progress&page=2")
    assert len(response.context["interviews"]) == 75 - PAGE_SIZE
