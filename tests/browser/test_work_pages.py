"""My work, team progress, error pages and an ended session, in a real Chromium with axe-core."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from coding.models import CodingProgress
from coding.views.auth import SESSION_ENDED_PAGE
from coding.views.coding import READING_HELP
from coding.views.errors import PAGE_FORBIDDEN, PAGE_NOT_FOUND

from ..conftest import PASSWORD, make_excerpt, make_interview
from .conftest import run_axe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SLOW = 30_000  # the machine running the suite may be busy: pages get more time than usual


def patient(page: Any) -> Any:
    page.set_default_timeout(SLOW)
    page.set_default_navigation_timeout(SLOW)
    return page


def test_it_searches_my_work_and_moves_to_the_next_interview(
    signed_in: Any, project: Any, peer: Any
) -> None:
    first = make_interview(project, "Participant: one", title="Alpha", pseudonym="Willow")
    second = make_interview(project, "Participant: two", title="Beta", pseudonym="Willow B")
    make_interview(project, "Participant: three", title="Gamma", pseudonym="Ash")
    CodingProgress.objects.create(interview=second, coder=peer, memo="started")
    page = patient(signed_in(peer))
    page.goto("/my-work/")
    assert "0 of 3 done" in page.locator("#summary-h + div").inner_text()
    assert run_axe(page) == []
    page.get_by_label("Search").fill("willow")
    page.get_by_label("Sort by").select_option("title")
    page.get_by_label("Search").press("Enter")
    page.wait_for_url("**/my-work/?*q=willow*")
    titles = page.locator("#work-list tbody th a").all_inner_texts()
    assert titles == ["Alpha", "Beta"]
    assert run_axe(page) == []

    page.get_by_role("link", name="Alpha").click()
    page.wait_for_url(f"**/interviews/{first.pk}/?q=willow&sort=title")
    nav = page.get_by_role("navigation", name="Interviews in my list")
    assert "Interview 1 of 2 in your list" in nav.inner_text()
    nav.get_by_role("link", name="Next: Beta").click()
    page.wait_for_url(f"**/interviews/{second.pk}/?q=willow&sort=title")
    nav = page.get_by_role("navigation", name="Interviews in my list")
    assert nav.get_by_role("link", name="Next").count() == 0
    nav.get_by_role("link", name="Back to My work").click()
    page.wait_for_url("**/my-work/?q=willow&sort=title")
    assert page.get_by_label("Search").input_value() == "willow"
    assert page.js_errors == []


def test_it_lands_an_evaluator_on_team_progress_and_a_reading_view(
    browser: Any,
    live_server: Any,
    project: Any,
    peer: Any,
    peer2: Any,
    evaluator: Any,
    settings: Any,
) -> None:
    settings.DISCLOSURE_THRESHOLD = 1  # one interview: not too small to open at this threshold
    interview = make_interview(project, "Participant: I felt safe there. We laughed.")
    make_excerpt(interview, peer, 13, 31, "safety")
    make_excerpt(interview, peer2, 13, 31, "safety")
    CodingProgress.objects.create(interview=interview, coder=peer, done_at=timezone.now())
    context = browser.new_context(base_url=live_server.url)
    page = patient(context.new_page())
    page.goto("/login/")
    page.get_by_label("Username").fill(evaluator.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/team/")
    assert page.get_by_role("link", name="My work").count() == 0
    row = page.get_by_role("row", name=peer.username)
    assert row.locator("td").all_inner_texts() == ["0", "0", "1", "1", "1"]
    assert run_axe(page) == []

    page.goto(interview.get_absolute_url())
    assert READING_HELP in page.locator("#transcript-help").inner_text()
    assert interview.participant.pseudonym not in page.locator("main").inner_text()
    assert page.locator("#picker").count() == 0
    assert page.locator("#memo").count() == 0
    page.get_by_label("Coder to show").select_option(peer2.username)
    assert page.locator("#view-one").is_checked()
    assert run_axe(page) == []
    context.close()


def test_it_shows_error_pages_inside_the_layout(signed_in: Any, peer: Any) -> None:
    page = patient(signed_in(peer))
    response = page.goto("/manage/imports/")
    assert response.status == 403
    assert PAGE_FORBIDDEN in page.locator("main").inner_text()
    assert page.get_by_role("navigation", name="Main").is_visible()
    assert run_axe(page) == []
    page.get_by_role("link", name="Go to your projects").click()
    page.wait_for_url(lambda url: urlsplit(url).path == "/")

    response = page.goto("/interviews/987654/")
    assert response.status == 404
    assert PAGE_NOT_FOUND in page.locator("main").inner_text()
    assert run_axe(page) == []


def test_it_signs_in_again_after_a_session_ended_and_returns_to_the_interview(
    signed_in: Any, live_server: Any, project: Any, peer: Any
) -> None:
    interview = make_interview(project, "Participant: I felt safe there.")
    page = patient(signed_in(peer))
    # The server forgets the session; the browser still sends its cookie.
    page.context.add_cookies(
        [{"name": "sessionid", "value": "a-session-that-ended", "url": live_server.url}]
    )
    page.goto(interview.get_absolute_url())
    assert urlsplit(page.url).path == "/login/"
    assert "ended=1" in urlsplit(page.url).query
    assert SESSION_ENDED_PAGE in page.get_by_role("status").inner_text()
    assert run_axe(page) == []
    page.get_by_label("Username").fill(peer.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"**{interview.get_absolute_url()}")
    assert page.locator("#transcript").is_visible()
