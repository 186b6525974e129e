"""Next and previous interview on the coding page, in the order of My work's filter."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.utils import timezone

from coding.models import CodingProgress, Membership

from .conftest import make_excerpt, make_interview, make_project


def neighbours(response: Any) -> tuple[Any, Any]:
    nav = response.context["work_nav"]
    return (
        str(nav.previous) if nav.previous else None,
        str(nav.next) if nav.next else None,
    )


def test_it_links_the_next_and_previous_interview_in_my_work_order(
    client: Client, project: Any, peer: Any
) -> None:
    a = make_interview(project, "one", title="A", pseudonym="Zed")
    b = make_interview(project, "two", title="B", pseudonym="Amy")
    c = make_interview(project, "three", title="C", pseudonym="Max")
    client.force_login(peer)
    assert neighbours(client.get(f"/interviews/{b.pk}/")) == ("A", "C")
    assert neighbours(client.get(f"/interviews/{a.pk}/")) == (None, "B")
    assert neighbours(client.get(f"/interviews/{c.pk}/")) == ("B", None)
    # Sorted by participant: Amy (B), Max (C), Zed (A).
    response = client.get(f"/interviews/{c.pk}/?sort=participant")
    assert neighbours(response) == ("B", "A")
    html = response.content.decode()
    assert f'href="/interviews/{a.pk}/?sort=participant"' in html
    assert f'href="/interviews/{b.pk}/?sort=participant"' in html
    assert 'href="/my-work/?sort=participant"' in html
    assert "2 of 3" in html


def test_it_follows_the_status_and_search_filter(client: Client, project: Any, peer: Any) -> None:
    a = make_interview(project, "one", title="A", pseudonym="Willow")
    b = make_interview(project, "two", title="B", pseudonym="Willow B")
    c = make_interview(project, "three", title="C", pseudonym="Willow C")
    make_interview(project, "four", title="D", pseudonym="Ash")
    CodingProgress.objects.create(interview=b, coder=peer, done_at=timezone.now())
    client.force_login(peer)
    response = client.get(f"/interviews/{a.pk}/?status=not_started&q=willow")
    assert neighbours(response) == (None, "C")
    assert neighbours(client.get(f"/interviews/{c.pk}/?status=not_started&q=willow")) == (
        "A",
        None,
    )


def test_it_offers_the_first_of_the_list_when_this_interview_left_the_filter(
    client: Client, project: Any, peer: Any
) -> None:
    done = make_interview(project, "one", title="A")
    make_interview(project, "two", title="B")
    CodingProgress.objects.create(interview=done, coder=peer, done_at=timezone.now())
    client.force_login(peer)
    response = client.get(f"/interviews/{done.pk}/?status=not_started")
    assert neighbours(response) == (None, "B")
    assert response.context["work_nav"].position is None


def test_it_never_links_interviews_of_other_projects(
    client: Client, project: Any, other_project: Any, peer: Any
) -> None:
    mine = make_interview(project, "one", title="Mine")
    make_interview(other_project, "two", title="Not mine")
    client.force_login(peer)
    assert neighbours(client.get(f"/interviews/{mine.pk}/")) == (None, None)


def test_it_keeps_the_coding_page_queries_constant_with_navigation(
    client: Client, peer: Any, django_assert_max_num_queries: Any
) -> None:
    interviews = []
    for i in range(3):
        project = make_project(f"p{i}")
        Membership.objects.create(user=peer, project=project, role="peer_researcher")
        for j in range(15):
            interview = make_interview(project, f"text {i} {j}", pseudonym=f"P{i}{j}")
            make_excerpt(interview, peer, 0, 4)
            interviews.append(interview)
    client.force_login(peer)
    middle = interviews[20]
    client.get(f"/interviews/{middle.pk}/")
    with django_assert_max_num_queries(12):
        response = client.get(f"/interviews/{middle.pk}/?sort=title&q=p&status=in_progress")
    assert response.context["work_nav"].next is not None
