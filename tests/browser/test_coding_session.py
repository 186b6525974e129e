"""An expired session on the coding page: said plainly, with a way back, and nothing lost."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.sessions.models import Session
from playwright.sync_api import expect

from coding.models import Excerpt, Interview

from ..conftest import PASSWORD, make_interview
from .test_coding_page import TEXT, drag_select, wait_for_excerpts

pytestmark = pytest.mark.browser


@pytest.fixture
def interview(project: Any) -> Interview:
    return make_interview(project, TEXT)


def test_it_keeps_a_tag_made_after_the_session_ended_and_saves_it_after_sign_in(
    signed_in: Any, peer: Any, interview: Interview
) -> None:
    page = signed_in(peer)
    page.goto(f"/interviews/{interview.pk}/")
    page.wait_for_selector("#transcript[data-ready=true]")
    Session.objects.all().delete()  # the session ends (idle timeout) while the page is open

    start = interview.text.index("nobody judged me")
    drag_select(page, start, start + len("nobody judged me"))
    page.wait_for_selector("#picker:not([hidden])")
    page.keyboard.press("1")
    alert = page.locator("#signed-out")
    expect(alert).to_contain_text("Your session has ended")
    link = alert.get_by_role("link", name="Sign in again")
    assert link.get_attribute("href") == f"/login/?next=/interviews/{interview.pk}/"
    assert not Excerpt.objects.exists()

    link.click()
    page.get_by_label("Username").fill(peer.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"**/interviews/{interview.pk}/")
    page.wait_for_selector("#transcript[data-ready=true]")
    wait_for_excerpts(page, 1)
    excerpt = Excerpt.objects.get()
    assert excerpt.text == "nobody judged me"
    assert excerpt.coder == peer
    expect(page.locator("#live")).to_contain_text("saved now")
    assert page.evaluate("() => sessionStorage.length") == 0
