"""The coding page for screen reader, keyboard and zoom users: named values, a closed focus
order around the picker, what is at the caret, no sideways scrolling at 320 px or 200% zoom."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from coding.models import Interview

from ..conftest import make_excerpt, make_interview
from .conftest import open_coding_page, run_axe
from .test_coding_page import TEXT, drag_select

pytestmark = pytest.mark.browser

PAGE_WIDER_JS = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
FOCUS_IN_PICKER_JS = "() => document.getElementById('picker').contains(document.activeElement)"


@pytest.fixture
def interview(project: Any) -> Interview:
    return make_interview(project, TEXT)


def test_it_moves_focus_into_the_picker_and_keeps_it_there(
    signed_in: Any, peer: Any, interview: Interview
) -> None:
    page = signed_in(peer)
    open_coding_page(page, interview)
    start = interview.text.index("café")
    drag_select(page, start, start + 4)
    picker = page.get_by_role("dialog", name="Tag the selection with values")
    expect(picker).to_be_visible()
    assert page.evaluate(FOCUS_IN_PICKER_JS)
    # Key numbers are part of the buttons' names.
    expect(picker.get_by_role("button", name="Safety (key 2)")).to_have_count(1)
    for key in ["Tab"] * 12 + ["Shift+Tab"] * 12:
        page.keyboard.press(key)
        assert page.evaluate(FOCUS_IN_PICKER_JS), key
    page.keyboard.press("Escape")
    assert page.evaluate("document.activeElement.id") == "transcript"


def test_it_says_which_values_are_at_the_caret(
    signed_in: Any, peer: Any, interview: Interview
) -> None:
    start = interview.text.index("felt safe")
    make_excerpt(interview, peer, start, start + 9, "safety")
    page = signed_in(peer)
    open_coding_page(page, interview)
    page.locator("#transcript").focus()
    page.keyboard.press("Control+Home")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Home")
    summary = page.locator("#caret-summary")
    expect(summary).to_have_text("Not in an excerpt.")
    for _ in range(len("Participant: I f")):
        page.keyboard.press("ArrowRight")
    expect(summary).to_have_text("In an excerpt: Safety (pat-peer).")


@pytest.mark.parametrize("width", [320, 640])  # 640 CSS px: a 1280 px window at 200% zoom
def test_it_needs_no_sideways_scrolling_and_passes_axe_on_small_screens(
    phone: Any, peer: Any, peer2: Any, interview: Interview, width: int
) -> None:
    make_excerpt(interview, peer, 20, 60, "safety")
    make_excerpt(interview, peer2, 30, 90, "choice-and-control")
    page = phone(peer, width)
    open_coding_page(page, interview)
    assert page.evaluate(PAGE_WIDER_JS) == 0
    page.locator(".stripe-head").first.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#details")).to_be_in_viewport()
    assert page.evaluate(PAGE_WIDER_JS) == 0
    page.keyboard.press("Escape")
    page.get_by_label("All coders").check()
    violations = run_axe(page)
    assert violations == [], [(v["id"], [n["html"] for n in v["nodes"]]) for v in violations]
    page.get_by_role("button", name="Coding panel").click()
    violations = run_axe(page)
    assert violations == [], [(v["id"], [n["html"] for n in v["nodes"]]) for v in violations]
