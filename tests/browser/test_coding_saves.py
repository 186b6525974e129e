"""Saving on the coding page: quick keys make one excerpt, failed saves are retried safely."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from coding.models import Excerpt, Interview

from ..conftest import make_interview
from .conftest import open_coding_page
from .test_coding_page import TEXT, drag_select, wait_for_excerpts

pytestmark = pytest.mark.browser

UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


@pytest.fixture
def interview(project: Any) -> Interview:
    return make_interview(project, TEXT)


def excerpt_posts(page: Any) -> list[dict[str, str]]:
    """Collect the headers of every excerpt POST the page sends."""
    posts: list[dict[str, str]] = []

    def record(request: Any) -> None:
        if request.method == "POST" and request.url.endswith("/excerpts/"):
            posts.append(request.headers)

    page.on("request", record)
    return posts


def test_it_makes_one_excerpt_from_three_quick_keys(
    signed_in: Any, peer: Any, interview: Interview
) -> None:
    page = signed_in(peer)
    open_coding_page(page, interview)
    posts = excerpt_posts(page)
    start = interview.text.index("nobody judged me")
    drag_select(page, start, start + len("nobody judged me"))
    page.wait_for_selector("#picker:not([hidden])")
    for key in "123":
        page.keyboard.press(key)
    page.wait_for_function("() => window.peerValues.excerpts()[0]?.values.length === 3")
    page.wait_for_function("() => !window.peerValues.saving()")
    excerpt = Excerpt.objects.get()
    assert excerpt.values.count() == 3
    assert len(posts) == 1
    assert UUID4.match(posts[0]["idempotency-key"])
    assert not page.js_errors


def test_it_retries_a_failed_save_with_the_same_key(
    signed_in: Any, peer: Any, interview: Interview
) -> None:
    page = signed_in(peer)
    posts = excerpt_posts(page)
    failures = ["network", "503"]

    def flaky(route: Any) -> None:
        if route.request.method != "POST" or not failures:
            route.continue_()
        elif failures.pop(0) == "network":
            route.abort("connectionreset")
        else:
            route.fulfill(
                status=503,
                content_type="application/json",
                body='{"error": "The database is not available just now."}',
            )

    page.route("**/excerpts/", flaky)
    open_coding_page(page, interview)
    start = interview.text.index("café")
    drag_select(page, start, start + 4)
    page.wait_for_selector("#picker:not([hidden])")
    page.keyboard.press("1")
    status = page.locator("#save-status")
    expect(status).to_contain_text(re.compile("trying again", re.IGNORECASE))
    wait_for_excerpts(page, 1)
    expect(status).to_contain_text("Saved")
    assert Excerpt.objects.count() == 1
    assert len(posts) == 3
    assert len({p["idempotency-key"] for p in posts}) == 1
    assert page.locator("#toast").count() == 0
    assert not [e for e in page.js_errors if "Failed to load resource" not in e]


def test_it_says_so_when_a_save_fails_after_its_retries(
    signed_in: Any, peer: Any, interview: Interview
) -> None:
    page = signed_in(peer)
    posts = excerpt_posts(page)
    page.route(
        "**/excerpts/",
        lambda route: route.fulfill(
            status=503, content_type="application/json", body='{"error": "Down."}'
        ),
    )
    open_coding_page(page, interview)
    start = interview.text.index("café")
    drag_select(page, start, start + 4)
    page.wait_for_selector("#picker:not([hidden])")
    page.keyboard.press("1")
    expect(page.locator("#toast")).to_contain_text("not saved", timeout=15_000)
    assert len(posts) >= 3
    assert len({p["idempotency-key"] for p in posts}) == 1
    assert not Excerpt.objects.exists()
