"""Phones and small screens: a folding menu, the coding panel one tap away, no sideways page."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from coding.models import Interview

from ..conftest import make_excerpt, make_interview, mark_done
from .test_coding_page import TEXT

pytestmark = pytest.mark.browser

PAGE_WIDER_JS = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.fixture
def interview(project: Any) -> Interview:
    return make_interview(project, TEXT)


def test_it_folds_the_menu_behind_a_button(phone: Any, peer: Any, interview: Interview) -> None:
    page = phone(peer)
    page.goto("/")
    compare = page.get_by_role("link", name="Compare")
    expect(compare).to_be_hidden()
    menu = page.get_by_role("button", name="Menu")
    expect(menu).to_have_attribute("aria-expanded", "false")
    menu.tap()
    expect(compare).to_be_visible()
    expect(menu).to_have_attribute("aria-expanded", "true")


def test_it_opens_the_coding_panel_in_one_tap(phone: Any, peer: Any, interview: Interview) -> None:
    start = interview.text.index("café")
    make_excerpt(interview, peer, start, start + 4, "human-connection")
    page = phone(peer)
    page.goto(f"/interviews/{interview.pk}/")
    page.wait_for_selector("#transcript[data-ready=true]")
    done = page.get_by_role("button", name="Mark as done")
    expect(done).to_be_hidden()
    page.get_by_role("button", name="Coding panel").tap()
    expect(done).to_be_visible()
    expect(done).to_be_in_viewport()
    expect(page.get_by_role("textbox", name="My memo")).to_be_visible()
    # The excerpt list is there too, and opens an excerpt in view.
    page.locator(".excerpt-item").first.tap()
    expect(page.locator("#details")).to_be_in_viewport()
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Close panel").tap()
    expect(done).to_be_hidden()


def test_it_keeps_every_page_within_a_390_px_screen(
    phone: Any, peer: Any, admin_user: Any, interview: Interview
) -> None:
    start = interview.text.index("café")
    make_excerpt(interview, peer, start, start + 4, "human-connection")
    page = phone(peer)
    urls = [
        "/",
        reverse("my_work"),
        reverse("team_progress"),
        interview.project.get_absolute_url(),
        f"/interviews/{interview.pk}/",
        reverse("compare"),
    ]
    wider = {}
    for url in urls:
        page.goto(url)
        wider[url] = page.evaluate(PAGE_WIDER_JS)
    admin_page = phone(admin_user)
    for url in [reverse("import_list"), reverse("refi_home")]:
        admin_page.goto(url)
        wider[url] = admin_page.evaluate(PAGE_WIDER_JS)
    assert {url: px for url, px in wider.items() if px > 0} == {}


def test_it_keeps_the_agreement_pages_passages_within_a_390_px_screen(
    phone: Any, peer: Any, peer2: Any, project: Any
) -> None:
    # Links in a scrolling table carry hidden words ("of Interview …, from character …") that
    # must stay inside the table's own scroll box rather than widen the page.
    words = "Participant: I felt safe there with everyone in the group, week after week. " * 4
    interview = make_interview(project, words, title="An interview with a long enough title")
    make_excerpt(interview, peer, 13, 60, "safety", "choice-and-control", "two-way-interactions")
    make_excerpt(interview, peer2, 13, 60, "human-connection", "freedom-to-be-oneself")
    mark_done(interview, peer, peer2)
    page = phone(peer)
    page.goto(reverse("compare_agreement"))
    assert page.locator("table.sides").count() >= 1
    assert page.evaluate(PAGE_WIDER_JS) == 0
