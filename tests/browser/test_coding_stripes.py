"""Coding stripes in the transcript's margin: one per excerpt, named, outlined on hover/focus."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from coding.models import CodebookValue, Excerpt, Interview, Membership

from ..conftest import make_excerpt, make_interview, make_user
from .conftest import open_coding_page
from .test_coding_page import TEXT, drag_select, wait_for_excerpts

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
    expect(legend).to_contain_text("pat-peer (PP): plain stripes, solid underline")
    expect(legend).to_contain_text("quinn-peer (QP): stripes with diagonal lines, dashed underline")
    expect(page.locator(".stripe-head")).to_have_count(2)


LONG = (
    "Interviewer: Tell me about the group.\n"
    "Participant: "
    + " ".join(f"We met on Tuesday number {n} and talked for a long while." for n in range(12))
    + "\nInterviewer: Thanks."
)

# The top and bottom of a stripe's pieces, and of the lines its excerpt's text is on.
STRIPE_AND_LINES_JS = """(id) => {
  const pieces = [...document.querySelectorAll(`.stripe[data-id='${id}']`)]
    .map((p) => p.getBoundingClientRect());
  const e = window.peerValues.excerpts().find((x) => x.id === id);
  const [sn, so] = window.peerValues.cpToDom(e.start, false);
  const [en, eo] = window.peerValues.cpToDom(e.end, true);
  const range = document.createRange();
  range.setStart(sn, so);
  range.setEnd(en, eo);
  const lines = [...range.getClientRects()].filter((r) => r.width > 0.5);
  return {
    stripe: [Math.min(...pieces.map((r) => r.top)), Math.max(...pieces.map((r) => r.bottom))],
    lines: [Math.min(...lines.map((r) => r.top)), Math.max(...lines.map((r) => r.bottom))],
    lineCount: new Set(lines.map((r) => Math.round(r.top))).size,
    paraTop: document.querySelector('.stripe[data-id="' + id + '"]').parentElement
      .getBoundingClientRect().top,
  };
}"""


def assert_stripe_on_its_lines(page: Any, excerpt_id: int) -> dict:
    page.wait_for_selector(f".stripe.placed[data-id='{excerpt_id}']")
    found = page.evaluate(STRIPE_AND_LINES_JS, excerpt_id)
    assert abs(found["stripe"][0] - found["lines"][0]) <= 2, found
    assert abs(found["stripe"][1] - found["lines"][1]) <= 2, found
    return found


def test_it_spans_a_stripe_over_exactly_the_lines_of_its_excerpt(
    signed_in: Any, peer: Any, project: Any
) -> None:
    interview = make_interview(project, LONG)
    page = signed_in(peer)
    page.set_viewport_size({"width": 1400, "height": 900})
    open_coding_page(page, interview)
    # From the middle of the long paragraph, over a few of its lines, with a real mouse drag.
    start = interview.text.index("Tuesday number 4")
    end = interview.text.index("Tuesday number 7") + len("Tuesday number 7")
    drag_select(page, start, end)
    page.wait_for_selector("#picker:not([hidden])")
    page.keyboard.press("1")
    wait_for_excerpts(page, 1)
    excerpt = Excerpt.objects.get()
    assert excerpt.start == start
    found = assert_stripe_on_its_lines(page, excerpt.pk)
    assert found["lineCount"] >= 2
    # Not from the paragraph's first line: the stripe starts where the excerpt does.
    assert found["stripe"][0] - found["paraTop"] > 20
    # A narrower window rewraps the lines: the stripe follows them.
    page.set_viewport_size({"width": 480, "height": 900})
    page.wait_for_timeout(300)
    again = assert_stripe_on_its_lines(page, excerpt.pk)
    assert again["lineCount"] > found["lineCount"]
    assert not page.js_errors


def test_it_tells_six_coders_apart_without_colour(signed_in: Any, peer: Any, project: Any) -> None:
    interview = make_interview(project, LONG)
    coders = [peer]
    for name in ("amira-hassan", "ben", "cleo-dunn", "dev-patel", "eli-ross"):
        user = make_user(name)
        Membership.objects.create(user=user, project=project, role=Membership.Role.PEER_RESEARCHER)
        coders.append(user)
    base = interview.text.index("Tuesday number 2")
    for n, coder in enumerate(coders):
        make_excerpt(interview, coder, base + n, base + 30 + n, "safety")
    page = signed_in(peer)
    open_coding_page(page, interview)
    page.get_by_label("All coders").check()
    heads = page.locator(".stripe-head")
    expect(heads).to_have_count(6)
    styles = heads.evaluate_all(
        "hs => hs.map(h => [...h.classList].find(c => c.startsWith('coder-style-')))"
    )
    assert len(set(styles)) == 6
    # Each coder's pattern is drawn, and named in the legend with their initials.
    patterns = heads.evaluate_all("hs => hs.map(h => getComputedStyle(h).backgroundImage)")
    assert len(set(patterns)) == 6
    legend = page.locator("#coder-legend")
    for text in (
        "amira-hassan (AH): plain stripes",
        "ben (BE): stripes with diagonal lines",
        "cleo-dunn (CD): stripes with dots",
        "dev-patel (DP): stripes with horizontal lines",
        "eli-ross (ER): stripes with vertical lines, thick solid underline",
        "pat-peer (PP): stripes with crosshatch, thick dashed underline",
    ):
        expect(legend).to_contain_text(text)
    # The stripe's name says whose it is, in the same words.
    eli = re.compile(r"\(eli-ross\).*ER, stripes with vertical lines")
    expect(page.get_by_role("button", name=eli)).to_have_count(1)


def test_it_moves_every_stripe_when_a_new_lane_narrows_the_text(
    signed_in: Any, peer: Any, project: Any
) -> None:
    # The margin holds two lanes at least; a third widens it, so the text's lines rewrap in
    # every paragraph, and a stripe in another paragraph follows its lines.
    text = (
        LONG + "\nParticipant: " + " ".join(f"On Friday {n} we went for a walk." for n in range(20))
    )
    interview = make_interview(project, text)
    first = interview.text.index("Tuesday number 1")
    make_excerpt(interview, peer, first, first + 60, "safety")
    make_excerpt(interview, peer, first + 20, first + 50, "safety")
    walk = interview.text.index("On Friday 12")
    far = make_excerpt(interview, peer, walk, walk + 140, "human-connection")
    page = signed_in(peer)
    page.set_viewport_size({"width": 520, "height": 900})  # narrow: a lane moves line breaks
    open_coding_page(page, interview)
    before = assert_stripe_on_its_lines(page, far.pk)
    drag_select(page, first + 25, first + 40)
    page.wait_for_selector("#picker:not([hidden])")
    page.keyboard.press("2")
    wait_for_excerpts(page, 4)
    page.wait_for_function(
        "() => document.getElementById('transcript').style.getPropertyValue('--lanes') === '3'"
    )
    page.wait_for_timeout(300)
    after = assert_stripe_on_its_lines(page, far.pk)
    # The lines themselves moved within their paragraph (not only the page around them).
    relative = [
        (f["lines"][0] - f["paraTop"], f["lines"][1] - f["paraTop"]) for f in (before, after)
    ]
    assert relative[0] != relative[1]
