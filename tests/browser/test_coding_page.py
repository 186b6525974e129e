"""The coding page in a real Chromium: selecting, tagging, overlaps, undo, keyboard, memo."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from coding.models import CodebookValue, CodingProgress, Excerpt, Interview, Proposal

from ..conftest import make_excerpt, make_interview
from .conftest import open_coding_page, run_axe

pytestmark = pytest.mark.browser

TEXT = (
    "Interviewer: How did the group feel? 😊🌱 Tell me.\n"
    "Participant: I felt safe there with café friends, and nobody judged me.\n"
    "Interviewer: Anything else?\n"
    "Participant: We shared the same struggles and it made me feel less alone."
)

POINT_JS = """([cp, side]) => {
  const [node, offset] = window.peerValues.cpToDom(cp, side === 'end');
  const range = document.createRange();
  if (side === 'end') { range.setStart(node, offset - 1); range.setEnd(node, offset); }
  else { range.setStart(node, offset); range.setEnd(node, offset + 1); }
  const box = range.getClientRects()[0];
  return side === 'end' ? {x: box.right - 1, y: box.top + box.height / 2}
                        : {x: box.left + 1, y: box.top + box.height / 2};
}"""


def drag_select(page: Any, start: int, end: int) -> None:
    """Select the code points [start, end) with the mouse."""
    a = page.evaluate(POINT_JS, [start, "start"])
    b = page.evaluate(POINT_JS, [end, "end"])
    page.mouse.move(a["x"], a["y"])
    page.mouse.down()
    page.mouse.move(b["x"], b["y"], steps=8)
    page.mouse.up()


def click_at(page: Any, cp: int) -> None:
    point = page.evaluate(POINT_JS, [cp, "start"])
    page.mouse.click(point["x"] + 2, point["y"])


def wait_for_excerpts(page: Any, count: int) -> None:
    # Functions, not strings: the page's CSP forbids eval, which string predicates use.
    page.wait_for_function("(n) => window.peerValues.excerpts().length === n", arg=count)


@pytest.fixture
def interview(project: Any) -> Interview:
    return make_interview(project, TEXT)


def test_it_tags_a_mouse_selection_and_finds_it_after_reload(
    signed_in: Any, peer: Any, interview: Interview
) -> None:
    page = signed_in(peer)
    open_coding_page(page, interview)
    start = interview.text.index("safe there")
    # Drag from inside "safe" to inside "there": the selection snaps to whole words.
    drag_select(page, start + 1, start + len("safe there") - 1)
    picker = page.get_by_role("dialog", name="Tag the selection with values")
    expect(picker).to_be_visible()
    assert page.evaluate("() => window.getSelection().toString()") == "safe there"
    picker.get_by_role("button", name="Safety").click()
    wait_for_excerpts(page, 1)
    excerpt = Excerpt.objects.get()
    # Two astral emoji come before the span: code points, not UTF-16 units.
    assert (excerpt.start, excerpt.end) == (start, start + len("safe there"))
    assert excerpt.text == "safe there"
    assert list(excerpt.values.values_list("slug", flat=True)) == ["safety"]
    page.wait_for_function("() => document.getElementById('live').textContent.startsWith('Saved')")

    page.reload()
    page.wait_for_selector("#transcript[data-ready=true]")
    saved = page.evaluate("window.peerValues.excerpts()")
    assert [(e["start"], e["end"], e["values"]) for e in saved] == [
        (start, start + len("safe there"), ["safety"])
    ]
    assert page.evaluate("CSS.highlights.has('v-safety')")
    assert "safe there" in page.locator("#excerpt-list").inner_text()
    assert not page.js_errors


def test_it_keeps_the_exact_selection_when_snapping_is_off(
    signed_in: Any, peer: Any, interview: Interview
) -> None:
    page = signed_in(peer)
    open_coding_page(page, interview)
    page.get_by_label("Snap selections to whole words").uncheck()
    start = interview.text.index("café")
    drag_select(page, start + 1, start + 3)
    page.get_by_role("button", name="Human connection").click()
    wait_for_excerpts(page, 1)
    assert Excerpt.objects.get().text == "af"


def test_it_tags_with_the_keyboard_alone(signed_in: Any, peer: Any, interview: Interview) -> None:
    page = signed_in(peer)
    open_coding_page(page, interview)
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "transcript":
            break
    assert page.evaluate("document.activeElement.id") == "transcript"
    page.keyboard.press("Control+Home")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Home")
    # "Participant: I felt" -> move past "Participant: I", then select "felt safe".
    for _ in range(3):
        page.keyboard.press("Control+ArrowRight")
    page.keyboard.down("Shift")
    page.keyboard.press("Control+ArrowRight")
    page.keyboard.press("Control+ArrowRight")
    page.keyboard.up("Shift")
    page.wait_for_selector("#picker:not([hidden])")
    page.keyboard.press("2")
    wait_for_excerpts(page, 1)
    page.keyboard.press("5")
    page.wait_for_function("() => window.peerValues.excerpts()[0].values.length === 2")
    excerpt = Excerpt.objects.get()
    assert excerpt.text.strip() == "felt safe"
    assert sorted(excerpt.values.values_list("slug", flat=True)) == ["human-connection", "safety"]
    page.keyboard.press("Escape")
    assert page.evaluate("document.activeElement.id") == "transcript"
    # Undo removes the value added last, then the excerpt itself.
    page.keyboard.press("Control+z")
    page.wait_for_function("() => window.peerValues.excerpts()[0].values.length === 1")
    assert list(Excerpt.objects.get().values.values_list("slug", flat=True)) == ["safety"]
    page.keyboard.press("Control+z")
    wait_for_excerpts(page, 0)
    assert not Excerpt.objects.exists()
    assert not page.js_errors


def test_it_opens_each_of_overlapping_excerpts(
    signed_in: Any, peer: Any, interview: Interview
) -> None:
    base = interview.text.index("I felt safe")
    outer = make_excerpt(interview, peer, base, base + 40, "safety")
    inner = make_excerpt(interview, peer, base + 7, base + 11, "freedom-to-be-oneself")
    crossing = make_excerpt(interview, peer, base + 9, base + 60, "human-connection")
    page = signed_in(peer)
    open_coding_page(page, interview)
    assert page.evaluate("CSS.highlights.has('overlap')")
    click_at(page, base + 9)  # inside all three
    choice = page.locator("#details-choice-list button")
    expect(choice).to_have_count(3)
    choice.filter(has_text="Freedom to be oneself").click()
    expect(page.locator("#details-title")).to_contain_text("by pat-peer")
    expect(page.locator("#details-quote")).to_have_text(inner.text)
    page.keyboard.press("Escape")
    click_at(page, base + 2)  # only the outer one
    expect(page.locator("#details-body")).to_be_visible()
    expect(page.locator("#details-quote")).to_have_text(outer.text)
    page.keyboard.press("Escape")

    # A new selection that starts inside a highlight and ends inside another lands exactly.
    page.get_by_label("Snap selections to whole words").uncheck()
    drag_select(page, base + 20, base + 50)
    page.get_by_role("button", name="Choice and control").click()
    wait_for_excerpts(page, 4)
    new = Excerpt.objects.exclude(pk__in=[outer.pk, inner.pk, crossing.pk]).get()
    assert (new.start, new.end) == (base + 20, base + 50)
    assert new.text == interview.text[base + 20 : base + 50]


def test_it_changes_deletes_and_undoes(signed_in: Any, peer: Any, interview: Interview) -> None:
    start = interview.text.index("nobody judged me")
    excerpt = make_excerpt(interview, peer, start, start + 16, "freedom-to-be-oneself")
    page = signed_in(peer)
    open_coding_page(page, interview)
    click_at(page, start + 3)
    details = page.locator("#details")
    expect(details).to_be_visible()
    # Times are fetched when the details open (the page's embedded rows leave them out).
    expect(page.locator("#details-meta")).to_contain_text("Coder: pat-peer. Created ")
    expect(page.locator("#details-meta")).not_to_contain_text("…")
    details.get_by_role("button", name="Safety").click()
    page.wait_for_function("() => window.peerValues.excerpts()[0].values.length === 2")
    assert sorted(excerpt.values.values_list("slug", flat=True)) == [
        "freedom-to-be-oneself",
        "safety",
    ]
    page.locator("#details-note").fill("Acceptance, in her words")
    page.get_by_role("button", name="Save note").click()
    page.wait_for_function("() => window.peerValues.excerpts()[0].note !== ''")
    excerpt.refresh_from_db()
    assert excerpt.note == "Acceptance, in her words"

    page.get_by_role("button", name="Delete excerpt").click()
    wait_for_excerpts(page, 0)
    assert not Excerpt.objects.exists()

    page.get_by_role("button", name="Undo").click()
    wait_for_excerpts(page, 1)
    restored = Excerpt.objects.get()
    assert (restored.start, restored.end, restored.note) == (start, start + 16, excerpt.note)
    assert sorted(restored.values.values_list("slug", flat=True)) == [
        "freedom-to-be-oneself",
        "safety",
    ]
    page.get_by_role("button", name="Undo").click()  # the note change
    page.wait_for_function("() => window.peerValues.excerpts()[0].note === ''")
    page.get_by_role("button", name="Undo").click()  # the added value
    page.wait_for_function("() => window.peerValues.excerpts()[0].values.length === 1")
    assert list(Excerpt.objects.get().values.values_list("slug", flat=True)) == [
        "freedom-to-be-oneself"
    ]
    assert not page.js_errors


def test_it_autosaves_the_memo_and_marks_done(
    signed_in: Any, peer: Any, interview: Interview
) -> None:
    page = signed_in(peer)
    open_coding_page(page, interview)
    page.get_by_role("textbox", name="My memo").fill("I noticed how often safety comes up ✨")
    page.wait_for_selector("#memo-status:has-text('Memo saved')")
    assert CodingProgress.objects.get().memo == "I noticed how often safety comes up ✨"
    page.get_by_role("button", name="Mark as done").click()
    page.wait_for_selector("#mark-done[aria-pressed=true]")
    assert CodingProgress.objects.get().is_done
    page.reload()
    assert (
        page.get_by_role("textbox", name="My memo").input_value()
        == "I noticed how often safety comes up ✨"
    )


def test_it_keeps_offsets_for_crlf_combining_accents_and_double_click(
    signed_in: Any, peer: Any, project: Any
) -> None:
    interview = make_interview(
        project,
        "Interviewer: Hola 🙂\r\nParticipant: Man\u0303ana, q\u0303 the group felt warm.\r\n",
    )
    page = signed_in(peer)
    open_coding_page(page, interview)
    start = interview.text.index("warm")
    point = page.evaluate(POINT_JS, [start + 1, "start"])
    page.mouse.dblclick(point["x"], point["y"])
    page.wait_for_selector("#picker:not([hidden])")
    page.keyboard.press("5")
    wait_for_excerpts(page, 1)
    excerpt = Excerpt.objects.get()
    assert (excerpt.start, excerpt.end, excerpt.text) == (start, start + 4, "warm")


def test_it_tags_a_selection_across_speaker_turns(
    signed_in: Any, peer: Any, interview: Interview
) -> None:
    page = signed_in(peer)
    open_coding_page(page, interview)
    start = interview.text.index("Anything else")
    end = interview.text.index("shared") + len("shared")
    drag_select(page, start, end)
    page.get_by_role("button", name="Two-way interactions").click()
    wait_for_excerpts(page, 1)
    excerpt = Excerpt.objects.get()
    assert (excerpt.start, excerpt.end) == (start, end)
    assert excerpt.text == "Anything else?\nParticipant: We shared"


def test_it_tells_coders_apart_and_switches_views(
    signed_in: Any, peer: Any, peer2: Any, interview: Interview
) -> None:
    start = interview.text.index("less alone")
    make_excerpt(interview, peer, start, start + 10, "human-connection")
    make_excerpt(interview, peer2, start, start + 10, "human-connection")
    page = signed_in(peer)
    open_coding_page(page, interview)
    assert page.locator("#excerpt-list li").count() == 1
    page.get_by_label("All coders").check()
    items = page.locator("#excerpt-list li")
    expect(items).to_have_count(2)
    assert "pat-peer" in items.nth(0).inner_text() + items.nth(1).inner_text()
    assert "quinn-peer" in items.nth(0).inner_text() + items.nth(1).inner_text()
    assert page.evaluate("CSS.highlights.has('c-multi')")
    page.get_by_label("Coder to show").select_option("quinn-peer")
    assert page.locator("#excerpt-list li").count() == 1
    assert "quinn-peer" in page.locator("#excerpt-list li").inner_text()
    # A link with ?coder= opens that coder's view, as the comparison's drill-down does.
    open_coding_page(page, interview, "?coder=quinn-peer")
    assert page.locator("#view-one").is_checked()


def test_it_lets_evaluators_read_without_changing(
    signed_in: Any, peer: Any, evaluator: Any, interview: Interview, settings: Any
) -> None:
    settings.DISCLOSURE_THRESHOLD = 1  # one interview: a project too small to show otherwise
    start = interview.text.index("café")
    make_excerpt(interview, peer, start, start + 4, "human-connection")
    page = signed_in(evaluator)
    open_coding_page(page, interview)
    assert page.locator("#picker").count() == 0
    click_at(page, start + 1)
    expect(page.locator("#details-quote")).to_have_text("café")
    assert page.get_by_role("button", name="Delete excerpt").is_hidden()


def test_it_passes_axe_and_runs_under_the_content_security_policy(
    signed_in: Any, peer: Any, peer2: Any, interview: Interview
) -> None:
    make_excerpt(interview, peer, 20, 60, "safety")
    make_excerpt(interview, peer2, 30, 90, "choice-and-control")
    page = signed_in(peer)
    open_coding_page(page, interview)
    drag_select(page, 70, 80)
    page.wait_for_selector("#picker:not([hidden])")
    violations = run_axe(page)
    assert violations == [], [(v["id"], [n["html"] for n in v["nodes"]]) for v in violations]
    assert not [e for e in page.js_errors if "Content Security Policy" in e]
    assert not page.js_errors


def test_it_points_to_other_coders_when_mine_is_empty(
    signed_in: Any, peer: Any, peer2: Any, interview: Interview
) -> None:
    make_excerpt(interview, peer2, 0, 11, "safety")
    page = signed_in(peer)
    open_coding_page(page, interview)
    expect(page.locator("#excerpt-list-empty")).to_have_text(
        "No excerpts in this view yet; 1 by other coders under “All coders”."
    )
    page.get_by_label("All coders").check()
    expect(page.locator("#excerpt-list-empty")).to_be_hidden()


def test_it_adds_a_new_value_while_coding_and_tags_with_it(
    signed_in: Any, peer: Any, interview: Interview
) -> None:
    page = signed_in(peer)
    open_coding_page(page, interview)
    start = interview.text.index("nobody judged me")
    drag_select(page, start, start + len("nobody judged me"))
    page.get_by_text("New value…").click()
    # Typed key by key: the digit must go into the name, not tag with value 2.
    page.get_by_label(
        "Name of the new value (only you see it until the team decides)"
    ).press_sequentially("Acceptance 2")
    page.keyboard.press("Enter")
    wait_for_excerpts(page, 1)
    excerpt = Excerpt.objects.get()
    assert excerpt.text == "nobody judged me"
    assert list(excerpt.values.values_list("name", flat=True)) == ["Acceptance 2"]
    assert page.evaluate("() => CSS.highlights.has('v-acceptance-2')")
    # The new value is at hand for the next selection; being provisional (its proposer's alone
    # until the team decides), it takes no shortcut key from everyone.
    button = page.locator("#picker").get_by_role("button", name="Acceptance 2")
    expect(button).to_have_count(1)
    expect(button).not_to_have_attribute("aria-keyshortcuts", re.compile(".+"))
    expect(page.locator(".codebook")).to_contain_text("Acceptance 2")
    expect(page.locator(".codebook")).to_contain_text("only you: proposed")
    assert not page.js_errors


def test_it_focuses_the_name_and_asks_for_a_definition_of_a_new_value(
    signed_in: Any, peer: Any, interview: Interview
) -> None:
    page = signed_in(peer)
    open_coding_page(page, interview)
    start = interview.text.index("nobody judged me")
    drag_select(page, start, start + len("nobody judged me"))
    page.get_by_text("New value…").click()
    name = page.get_by_label("Name of the new value (only you see it until the team decides)")
    expect(name).to_be_focused()
    page.keyboard.type("Acceptance")
    definition = page.get_by_label(re.compile("^What it means, in a sentence"))
    # Digits typed in the definition are words, not value shortcuts.
    definition.press_sequentially("Being taken as you are, 2 or 3 times over.")
    page.locator("#new-value-form").get_by_role("button", name="Add and tag").click()
    wait_for_excerpts(page, 1)
    value = CodebookValue.objects.get(name="Acceptance")
    assert value.short_definition == "Being taken as you are, 2 or 3 times over."
    assert Proposal.objects.get(value=value).short_definition == value.short_definition
    assert list(Excerpt.objects.get().values.values_list("name", flat=True)) == ["Acceptance"]
    assert not page.js_errors
