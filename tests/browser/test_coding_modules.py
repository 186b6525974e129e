"""The coding page's pure modules (static/coding/*.js) run in Chromium as ES modules.

Each test imports a module into a blank page of the live server's origin and checks its answers
against the same sums done independently in Python.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from typing import Any

import pytest

pytestmark = pytest.mark.browser

BLANK_PAGE = "<!doctype html><title>Module test</title>"
TEXT = "Interviewer: Hola 🙂 café\nP: Man\u0303ana, 👩\u200d👩\u200d👧 q\u0303 felt warm 𝄞."


@pytest.fixture
def module_page(browser: Any, live_server: Any) -> Iterator[Any]:
    """A blank page on the live server's origin, from which static modules can be imported."""
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    page.route(
        f"{live_server.url}/module-test",
        lambda route: route.fulfill(content_type="text/html", body=BLANK_PAGE),
    )
    page.goto("/module-test")
    yield page
    context.close()


def run_module(page: Any, module: str, body: str, arg: Any = None) -> Any:
    """Import /static/coding/<module>.js as `m` and evaluate `body` (a function of m and arg)."""
    script = f"async (arg) => {{ const m = await import('/static/coding/{module}.js'); {body} }}"
    return page.evaluate(script, arg)


def utf16_offset(text: str, cp: int) -> int:
    return len(text[:cp].encode("utf-16-le")) // 2


def test_it_maps_code_points_to_utf16_and_back(module_page: Any) -> None:
    tables = run_module(
        module_page,
        "offsets",
        "const t = m.codePointTables(arg);"
        "return {cpToU16: t.cpToU16, u16ToCp: [...t.u16ToCp], cpLength: t.cpLength};",
        TEXT,
    )
    assert tables["cpLength"] == len(TEXT)
    assert tables["cpToU16"] == [utf16_offset(TEXT, cp) for cp in range(len(TEXT) + 1)]
    for cp in range(len(TEXT) + 1):
        assert tables["u16ToCp"][utf16_offset(TEXT, cp)] == cp
    # The offset between the two halves of an emoji maps to the character's end.
    emoji = TEXT.index("🙂")
    assert tables["u16ToCp"][utf16_offset(TEXT, emoji) + 1] == emoji + 1


def test_it_slices_by_code_points(module_page: Any) -> None:
    start, end = TEXT.index("🙂"), TEXT.index("café") + 4
    sliced = run_module(
        module_page,
        "offsets",
        "const t = m.codePointTables(arg.text); return m.sliceCp(arg.text, t, arg.start, arg.end);",
        {"text": TEXT, "start": start, "end": end},
    )
    assert sliced == TEXT[start:end]


def covering(excerpts: list[dict[str, Any]], cp: int) -> set[int]:
    return {e["id"] for e in excerpts if e["start"] <= cp < e["end"]}


def test_it_cuts_overlapping_excerpts_into_segments(module_page: Any) -> None:
    rng = random.Random(7)
    excerpts = []
    for i in range(40):
        start = rng.randrange(0, 200)
        end = start + rng.randrange(1, 60)
        excerpts.append(
            {"id": i + 1, "start": start, "end": end, "values": [f"v{i % 3}"], "coder": f"c{i % 2}"}
        )
    segments = run_module(
        module_page,
        "segments",
        "return m.segmentsOf(arg).map((s) => ({start: s.start, end: s.end,"
        " ids: s.excerpts.map((e) => e.id), summary: m.segmentSummary(s)}));",
        excerpts,
    )
    # Every covered character is in exactly one segment, with exactly the excerpts covering it.
    covered = [cp for cp in range(300) if covering(excerpts, cp)]
    in_segments = [cp for s in segments for cp in range(s["start"], s["end"])]
    assert in_segments == covered
    for s in segments:
        for cp in range(s["start"], s["end"]):
            assert set(s["ids"]) == covering(excerpts, cp)
        shown = [e for e in excerpts if e["id"] in s["ids"]]
        assert sorted(s["summary"]["values"]) == sorted({v for e in shown for v in e["values"]})
        assert sorted(s["summary"]["coders"]) == sorted({e["coder"] for e in shown})
    # Cuts fall only at excerpt boundaries: neighbours that touch differ in their excerpts.
    for a, b in itertools.pairwise(segments):
        assert a["end"] < b["start"] or set(a["ids"]) != set(b["ids"])


def test_it_finds_excerpts_at_a_caret_and_paragraphs_by_offset(module_page: Any) -> None:
    excerpts = [
        {"id": 1, "start": 0, "end": 10},
        {"id": 2, "start": 5, "end": 8},
        {"id": 3, "start": 12, "end": 20},
    ]
    answers = run_module(
        module_page,
        "segments",
        "const at = (cp) => m.excerptsAt(arg, cp).map((e) => e.id);"
        "const paras = [{start: 0}, {start: 10}, {start: 30}];"
        "return {at6: at(6), at10: at(10), at11: at(11), at20: at(20),"
        " paras: [0, 9, 10, 29, 30, 99].map((cp) => m.indexAtOrBefore(paras, cp))};",
        excerpts,
    )
    assert answers["at6"] == [1, 2]
    assert answers["at10"] == [1]  # just after the end still finds it
    assert answers["at11"] == []
    assert answers["at20"] == [3]
    assert answers["paras"] == [0, 0, 1, 1, 2, 2]


@pytest.mark.parametrize(
    ("inner", "snap", "expected"),
    [
        ("af", True, "café"),
        ("af", False, "af"),
        ("ana, 👩", True, "Man\u0303ana, 👩"),
        (" felt ", True, "felt"),
    ],
)
def test_it_snaps_selections_to_whole_words_and_trims_spaces(
    module_page: Any, inner: str, snap: bool, expected: str
) -> None:
    start = TEXT.index(inner)
    span = run_module(
        module_page,
        "spans",
        "const chars = [...arg.text]; const at = (cp) => chars[cp] ?? '';"
        "return m.snapAndTrim(at, chars.length, arg.start, arg.end, arg.snap);",
        {"text": TEXT, "start": start, "end": start + len(inner), "snap": snap},
    )
    assert TEXT[span[0] : span[1]] == expected


@pytest.mark.parametrize(
    ("selected", "snap", "expected"),
    [
        (". I chose what I wanted", True, "I chose what I wanted"),  # the sentence before's stop
        ("d. I chose", True, "hard. I chose"),  # a word begun is taken whole
        ("I chose what I wanted, in", True, "I chose what I wanted, in"),
        ("what I wanted, ", True, "what I wanted"),  # a trailing comma is left out
        ("in the end.", True, "in the end."),  # a sentence keeps its full stop
        (" “Be yourself,” she said", True, "“Be yourself,” she said"),  # opening quote kept
        ("yourself,” she", True, "yourself,” she"),
        ("said: ", True, "said"),
        ("? 😊", True, "😊"),  # an emoji is not punctuation
        ("... ", True, "..."),  # nothing but punctuation: left as it is
        (". I chose", False, ". I chose"),  # snapping off: exactly as selected
    ],
)
def test_it_moves_snapped_edges_off_punctuation(
    module_page: Any, selected: str, snap: bool, expected: str
) -> None:
    text = "It was hard. I chose what I wanted, in the end. “Be yourself,” she said: ? 😊 ... "
    start = text.index(selected)
    span = run_module(
        module_page,
        "spans",
        "const chars = [...arg.text]; const at = (cp) => chars[cp] ?? '';"
        "return m.snapAndTrim(at, chars.length, arg.start, arg.end, arg.snap);",
        {"text": text, "start": start, "end": start + len(selected), "snap": snap},
    )
    assert text[span[0] : span[1]] == expected


@pytest.mark.parametrize(
    ("selected", "expected"),
    [
        ("viewer: Anything else?", "Anything else?"),  # starts inside a label
        ("me.\nInterv", "me."),  # ends inside the next label
        ("me.\nInterviewer: Anything", "me.\nInterviewer: Anything"),  # crosses a turn whole
        ("Interv", ""),  # only part of a label
    ],
)
def test_it_keeps_speaker_labels_out_of_the_edges_of_a_selection(
    module_page: Any, selected: str, expected: str
) -> None:
    text = "Participant: nobody judged me.\nInterviewer: Anything else?"
    labels = [
        {"start": 0, "end": len("Participant:")},
        {"start": text.index("Interviewer"), "end": text.index("Interviewer") + 12},
    ]
    start = text.index(selected)
    span = run_module(
        module_page,
        "spans",
        "const chars = [...arg.text]; const at = (cp) => chars[cp] ?? '';"
        "return m.snapAndTrim(at, chars.length, arg.start, arg.end, false, arg.labels);",
        {"text": text, "start": start, "end": start + len(selected), "labels": labels},
    )
    assert text[span[0] : span[1]] == expected


def test_it_gives_overlapping_stripes_different_lanes(module_page: Any) -> None:
    rng = random.Random(11)
    items = []
    for i in range(60):
        first = rng.randrange(0, 40)
        items.append({"id": i, "first": first, "last": first + rng.randrange(0, 6)})
    items.sort(key=lambda x: (x["first"], -x["last"], x["id"]))
    lanes = run_module(module_page, "segments", "return [...m.assignLanes(arg)];", items)
    lane_of = dict(lanes)
    assert set(lane_of) == {x["id"] for x in items}
    for a, b in itertools.combinations(items, 2):
        if a["first"] <= b["last"] and b["first"] <= a["last"]:
            assert lane_of[a["id"]] != lane_of[b["id"]]
    # Lowest free lane: every lane above 0 is used because the lanes below were taken.
    for item in items:
        for lower in range(lane_of[item["id"]]):
            assert any(
                lane_of[o["id"]] == lower
                and o["first"] <= item["last"]
                and item["first"] <= o["last"]
                for o in items
            )


def test_it_colours_a_segment_by_its_innermost_excerpt(module_page: Any) -> None:
    segment = {
        "excerpts": [
            {"id": 1, "start": 0, "end": 50, "values": ["a"]},
            {"id": 2, "start": 5, "end": 9, "values": ["b", "c"]},
            {"id": 3, "start": 2, "end": 20, "values": ["d"]},
        ]
    }
    assert run_module(module_page, "segments", "return m.innermost(arg).id;", segment) == 2
