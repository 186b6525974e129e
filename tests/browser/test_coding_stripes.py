"""Coding stripes in the transcript's margin: one per excerpt, named, outlined on hover/focus."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from coding.models import CodebookValue, Interview

from ..conftest import make_excerpt, make_interview
from .conftest import open_coding_page
from .test_coding_page import TEXT

pytestmark = pytest.mark.browser

OUTLINED_JS = """() => {
  const h = CSS.highlights.get('outline');
  if (!h) return null;
  const [r] = [...h];
  return [window.peerValues.domToCp(r.startContainer, r.startOffset),
          window.peerValues.domToCp(r.endContainer, r.endOffset)];
}"""

HIGHLIGHTS_AT_JS = """(cp) => [...CSS.highlights].filter(([name, h]) => [...h].some(
  (r) => window.peerValues.domToCp(r.startContainer, r.startOffset) === cp)).map(([n]) => n)"""


@pytest.fixture
def interview(project: Any) -> Interview:
    return make_interview(project, TEXT)


def rgb(hex_colour: str) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


def test_it_draws_one_named_stripe_per_excerpt_in_its_values_colour(
    signed_in: Any, peer: Any, project: Any, interview: Interview
) -> None:
    base = interview.text.index("I felt safe")
    outer = make_excerpt(interview, peer, base, base + 40, "safety")
    inner = make_excerpt(interview, peer, base + 7, base + 11, "human-connection", "safety")
    across = interview.text.index("nobody judged")
    long = make_excerpt(
        interview, peer, across, interview.text.index("Anything else?") + 8, "choice-and-control"
    )
    page = signed_in(peer)
    open_coding_page(page, interview)
    heads = page.locator(".stripe-head")
    expect(heads).to_have_count(3)
    # Named for assistive technology: values, coder, paragraph and words.
    both = re.compile(r"^Excerpt: (Human connection, Safety|Safety, Human connection) \(pat-peer\)")
    expect(page.get_by_role("button", name=both)).to_have_count(1)
    expect(
        page.get_by_role("button", name="Excerpt: Safety (pat-peer), paragraph 2")
    ).to_have_count(1)
    # The nested excerpt sits in its own lane with its own pattern.
    outer_head = page.locator(f".stripe-head[data-id='{outer.pk}']")
    inner_head = page.locator(f".stripe-head[data-id='{inner.pk}']")
    assert outer_head.bounding_box()["x"] != inner_head.bounding_box()["x"]
    assert outer_head.get_attribute("class") != inner_head.get_attribute("class")
    assert inner_head.locator(".stripe-label").get_attribute("data-label") in ("HC+S", "S+HC")
    safety = CodebookValue.objects.for_project(project).get(slug="safety")
    expect(outer_head).to_have_css("background-color", rgb(safety.colour))
    # A stripe spans the paragraphs its excerpt covers (one piece in each).
    expect(page.locator(f".stripe[data-id='{long.pk}']")).to_have_count(2)
    # An excerpt with two values is not plain grey: its text shows a value's colour.
    names = page.evaluate(HIGHLIGHTS_AT_JS, inner.start)
    assert [n for n in names if n.startswith("v-")] in (["v-safety"], ["v-human-connection"])
    assert not page.evaluate("CSS.highlights.has('v-multi')")


def test_it_outlines_an_excerpt_while_its_stripe_is_hovered_or_focused(
    signed_in: Any, peer: Any, interview: Interview
) -> None:
    start = interview.text.index("café friends")
    excerpt = make_excerpt(interview, peer, start, start + 12, "human-connection")
    page = signed_in(peer)
    open_coding_page(page, interview)
    head = page.locator(".stripe-head")
    head.hover()
    page.wait_for_function(f"() => ({OUTLINED_JS})() !== null")
    assert page.evaluate(OUTLINED_JS) == [excerpt.start, excerpt.end]
    page.mouse.move(0, 0)
    page.wait_for_function(f"() => ({OUTLINED_JS})() === null")
    head.focus()
    assert page.evaluate(OUTLINED_JS) == [excerpt.start, excerpt.end]
    page.keyboard.press("Enter")
    expect(page.locator("#details-quote")).to_have_text("café friends")


def test_it_names_each_coders_underline_in_the_all_coders_view(
    signed_in: Any, peer: Any, peer2: Any, interview: Interview
) -> None:
    start = interview.text.index("less alone")
    make_excerpt(interview, peer, start, start + 10, "human-connection")
    make_excerpt(interview, peer2, start - 5, start + 4, "safety")
    page = signed_in(peer)
    open_coding_page(page, interview)
    legend = page.locator("#coder-legend")
    expect(legend).to_be_hidden()
    page.get_by_label("All coders").check()
    expect(legend).to_be_visible()
    expect(legend).to_contain_text("pat-peer (solid)")
    expect(legend).to_contain_text("quinn-peer (dashed)")
    expect(page.locator(".stripe-head")).to_have_count(2)
