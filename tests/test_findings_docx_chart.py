"""The findings pack's .docx bar chart, read back with python-docx."""

from __future__ import annotations

import copy
import io
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from docx import Document
from docx.oxml.ns import qn

from coding.colours import contrast_ratio
from coding.findings.docx import pack_docx
from coding.findings.docx_chart import BAR_FILL, CAPTION, EASY_CAPTION, HIDDEN_BAR
from coding.findings.pack import pack_build, pack_with_quotes

from .pack_data import PackWorld, pack_world


@pytest.fixture
def world(db: Any) -> PackWorld:
    return pack_world()


@dataclass
class ChartRow:
    texts: list[str]  # each cell's text, merged cells once
    drawn: int  # width of the shaded cell, in twentieths of a point (0: no bar)
    fills: list[str]
    area: int  # width of the whole bar area


def chart_table(document: Any) -> Any:
    """The table whose Word alt text says it is the bar chart."""
    for table in document.tables:
        caption = table._tbl.tblPr.find(qn("w:tblCaption"))
        if caption is not None and caption.get(qn("w:val")) == "Bar chart":
            return table
    raise AssertionError("no bar chart table in the .docx")


def chart_rows(table: Any) -> list[ChartRow]:
    """Each row below the header, with widths taken from the table's grid."""
    grid = [int(col.get(qn("w:w"))) for col in table._tbl.tblGrid.findall(qn("w:gridCol"))]
    area = sum(grid[1:-1])
    rows = []
    for tr in table._tbl.tr_lst[1:]:
        texts, fills, drawn, start = [], [], 0, 0
        for tc in tr.tc_lst:
            span = tc.grid_span
            width = sum(grid[start : start + span])
            # Each cell's own width agrees with the grid, so Word and LibreOffice draw alike.
            assert tc.width is not None and abs(tc.width.twips - width) <= span
            texts.append("".join(t.text or "" for t in tc.iter(qn("w:t"))))
            shading = tc.tcPr.find(qn("w:shd")) if tc.tcPr is not None else None
            if shading is not None:
                fills.append(shading.get(qn("w:fill")))
                drawn += width
            start += span
        rows.append(ChartRow(texts, drawn, fills, area))
    return rows


def _docx(pack: dict[str, Any], *, easy: bool = False) -> Any:
    return Document(io.BytesIO(pack_docx(pack_with_quotes(pack), easy=easy)))


def _set_share(share: dict[str, Any], percent: int) -> None:
    share.update(
        hidden=False, applies=True, percent=percent, words=f"in {percent} of every 100 interviews"
    )


def test_it_draws_one_bar_per_value_in_proportion_to_its_share(world: PackWorld) -> None:
    pack = copy.deepcopy(pack_build([world.side], viewer=world.peer, scope="side-by-side"))
    percents = [74, 30, 5, 51]
    for value, percent in zip(pack["values"], percents, strict=False):
        _set_share(value["shares"][0], percent)
    rows = chart_rows(chart_table(_docx(pack)))
    assert [r.texts[0] for r in rows] == [v["name"] for v in pack["values"]]
    drawn = {r.texts[0]: r for r in rows}
    for value, percent in zip(pack["values"], percents, strict=False):
        row = drawn[value["name"]]
        # Proportional within the rounding of widths to whole twips (one per grid column).
        assert abs(row.drawn - row.area * percent / 100) <= 2
        assert row.texts[-1] == f"{percent} of every 100 interviews ({percent}%)"
    widths = [drawn[v["name"]].drawn for v in pack["values"][:4]]
    assert sorted(widths, reverse=True) == [widths[i] for i in (0, 3, 1, 2)]


def test_it_draws_no_bar_for_a_hidden_figure_and_says_why(world: PackWorld) -> None:
    pack = copy.deepcopy(pack_build([world.side], viewer=world.peer, scope="side-by-side"))
    first, second = pack["values"][0]["shares"][0], pack["values"][1]["shares"][0]
    _set_share(first, 40)
    _set_share(second, 60)
    # A hidden share never reaches the chart, even with a figure left on it.
    second["hidden"] = True
    rows = {r.texts[0]: r for r in chart_rows(chart_table(_docx(pack)))}
    hidden = rows[pack["values"][1]["name"]]
    assert hidden.drawn == 0 and hidden.fills == []
    assert HIDDEN_BAR in hidden.texts and "60" not in " ".join(hidden.texts)
    assert rows[pack["values"][0]["name"]].drawn > 0


def test_it_groups_bars_by_value_with_one_per_project_as_the_page_does(
    client: Client, world: PackWorld
) -> None:
    client.force_login(world.evaluator)
    response = client.get(reverse("findings_download", args=["all"]))
    document = Document(io.BytesIO(response.content))
    pack = pack_build(world.projects, viewer=world.evaluator)
    rows = chart_rows(chart_table(document))
    expected: list[list[str]] = []
    for value in pack["values"]:
        expected.append([value["name"]])
        expected.extend([share["project"]] for share in value["shares"])
    assert [r.texts[:1] for r in rows] == expected
    shares = iter(share for value in pack["values"] for share in value["shares"])
    for row in rows:
        if len(row.texts) == 1:  # a value's heading row
            continue
        share = next(shares)
        if share["project"] == "Maternal":  # under the threshold for an evaluator
            assert row.drawn == 0 and (HIDDEN_BAR in row.texts or not share["applies"])
        elif share["applies"]:
            assert abs(row.drawn - row.area * share["percent"] / 100) <= 2
            assert f"({share['percent']}%)" in row.texts[-1]
    side_safety = next(
        s
        for v in pack["values"]
        if v["name"] == "Safety"
        for s in v["shares"]
        if s["project"] == "Side by Side"
    )
    assert side_safety["percent"] == 100
    assert any(r.drawn == r.area and r.fills == [BAR_FILL] for r in rows)


def test_it_puts_the_caption_before_the_chart_and_the_figures_table_after(
    world: PackWorld,
) -> None:
    document = _docx(pack_build([world.side], viewer=world.peer, scope="side-by-side"))
    body = list(document.element.body.iterchildren())
    chart = body.index(chart_table(document)._tbl)
    caption = body[chart - 1]
    assert "".join(t.text for t in caption.iter(qn("w:t"))) == CAPTION
    description = chart_table(document)._tbl.tblPr.find(qn("w:tblDescription"))
    assert description.get(qn("w:val")) == CAPTION
    figures = document.tables[1]._tbl
    assert body.index(figures) > chart and figures.tr_lst[0].tc_lst[0].xpath("string(.)") == (
        "Value"
    )


def test_it_shades_bars_dark_enough_to_see_against_white() -> None:
    assert contrast_ratio(f"#{BAR_FILL}", "#ffffff") >= 3


def test_it_draws_the_chart_in_easy_read_with_words_and_no_percentages(
    world: PackWorld,
) -> None:
    pack = pack_build(world.projects, viewer=world.evaluator)
    document = _docx(pack, easy=True)
    assert any(p.text == EASY_CAPTION for p in document.paragraphs)
    rows = chart_rows(chart_table(document))
    drawn = [r for r in rows if r.drawn]
    assert drawn and all("%" not in "".join(r.texts) for r in rows)
    assert all(r.texts[-1].startswith(("About", "Every", "Very", "Nearly")) for r in drawn)
    assert any(HIDDEN_BAR in r.texts for r in rows)
    # Larger type: the chart's text is in the Normal style, which Easy Read sets to 16 pt.
    assert document.styles["Normal"].font.size.pt == 16
