"""Selecting on the coding page: nested excerpts, speaker labels, details kept up to date."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from coding.models import Excerpt, Interview

from ..conftest import make_excerpt, make_interview
from .conftest import open_coding_page
from .test_coding_page import TEXT, click_at, drag_select, wait_for_excerpts

pytestmark = pytest.mark.browser


@pytest.fixture
def interview(project: Any) -> Interview:
    return make_interview(project, TEXT)


def test_it_opens_the_picker_for_a_drag_inside_a_sentence_just_tagged(
    signed_in: Any, peer: Any, interview: Interview
) -> None:
    page = signed_in(peer)
    open_coding_page(page, interview)
    sentence = "I felt safe there with café friends, and nobody judged me."
    start = interview.text.index(sentence)
    drag_select(page, start, start + len(sentence))
    page.wait_for_selector("#picker:not([hidden])")
    page.keyboard.press("1")
    wait_for_excerpts(page, 1)
    page.keyboard.press("Escape")
    expect(page.locator("#picker")).to_be_hidden()
    # Now a drag over part of it: a new, nested excerpt, not the old one's details.
    inner = interview.text.index("café friends")
    drag_select(page, inner, inner + len("café friends"))
    expect(page.locator("#picker")).to_be_visible()
    expect(page.locator("#details")).to_be_hidden()
    page.keyboard.press("2")
    wait_for_excerpts(page, 2)
    assert sorted(e.text for e in Excerpt.objects.all()) == sorted(["café friends", sentence])
    # A click without a drag still opens what is there.
    page.keyboard.press("Escape")
    click_at(page, start + 2)
    expect(page.locator("#details-body")).to_be_visible()
    expect(page.locator("#details-quote")).to_have_text(sentence)
    assert not page.js_errors


def test_it_snaps_selections_away_from_speaker_labels(
    signed_in: Any, peer: Any, interview: Interview
) -> None:
    page = signed_in(peer)
    open_coding_page(page, interview)
    page.get_by_label("Snap selections to whole words").uncheck()
    # From inside "Interviewer:" at the start of a line to the end of the question.
    line = interview.text.index("Interviewer: Anything else?")
    drag_select(page, line + 3, line + len("Interviewer: Anything else?"))
    page.wait_for_selector("#picker:not([hidden])")
    page.keyboard.press("1")
    wait_for_excerpts(page, 1)
    assert Excerpt.objects.get().text == "Anything else?"
    page.keyboard.press("Escape")
    # From the end of an answer into the next speaker's label: the label is left out.
    end = interview.text.index("judged me.") + len("judged me.")
    drag_select(page, end - len("judged me."), end + len("\nInterv"))
    page.wait_for_selector("#picker:not([hidden])")
    page.keyboard.press("2")
    wait_for_excerpts(page, 2)
    assert Excerpt.objects.order_by("pk").last().text == "judged me."


def test_it_updates_the_details_in_place_when_a_value_is_added(
    signed_in: Any, peer: Any, interview: Interview
) -> None:
    start = interview.text.index("nobody judged me")
    make_excerpt(interview, peer, start, start + 16, "human-connection")
    page = signed_in(peer)
    open_coding_page(page, interview)
    click_at(page, start + 3)
    meta = page.locator("#details-meta")
    expect(meta).to_contain_text("Values: Human connection.")
    page.locator("#details").get_by_role("button", name="Safety").click()
    # The server lists values in codebook order.
    expect(meta).to_contain_text(
        re.compile(r"Values: (Safety, Human connection|Human connection, Safety)\.")
    )
    expect(page.locator("#details").get_by_role("button", name="Safety")).to_have_attribute(
        "aria-pressed", "true"
    )


def test_it_leaves_the_full_stop_before_a_drag_out_of_the_excerpt(
    signed_in: Any, peer: Any, project: Any
) -> None:
    interview = make_interview(
        project, "Participant: It was hard. I chose what I wanted, in the end. Then we left."
    )
    page = signed_in(peer)
    open_coding_page(page, interview)
    expect(page.get_by_label("Snap selections to whole words")).to_be_checked()
    # A real drag from the full stop after "hard" to the comma after "wanted".
    start = interview.text.index(". I chose")
    end = interview.text.index(", in the end") + 1
    drag_select(page, start, end)
    page.wait_for_selector("#picker:not([hidden])")
    page.keyboard.press("1")
    wait_for_excerpts(page, 1)
    assert Excerpt.objects.get().text == "I chose what I wanted"
    page.keyboard.press("Escape")
    # A sentence dragged whole keeps its own full stop.
    start = interview.text.index("Then we left.")
    drag_select(page, start, start + len("Then we left."))
    page.wait_for_selector("#picker:not([hidden])")
    page.keyboard.press("2")
    wait_for_excerpts(page, 2)
    assert Excerpt.objects.order_by("pk").last().text == "Then we left."
    assert not page.js_errors
