"""The findings pack's bar chart for Word, drawn as a table (python-docx cannot embed SVG).

One row per bar: its label, a shaded cell whose width is the share of interviews (the rest of
the row's bar area left blank), and the figure in words and numbers. The bars are the same as
the page's chart: one group per value with one bar per project (a one-project pack has one bar
per value and no groups), and a figure hidden by disclosure control is not drawn: its row says
so instead. Widths are exact: the table's grid has a column boundary at every bar's end.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Length

# Dark blue: 8.9:1 against white, well over the 3:1 WCAG asks of graphics.
BAR_FILL = "1F4E79"
LABEL_WIDTH = Cm(4)
BAR_AREA = Cm(7)
FIGURE_WIDTH = Cm(5.5)
CAPTION = (
    "Bar chart: how many interviews each value came up in, per project; the same figures are "
    "in the table below. The longer the dark bar, the more interviews."
)
EASY_CAPTION = (
    "A bar chart. It shows how often each value came up. A longer bar means more interviews. "
    "The words next to each bar say the same."
)
HIDDEN_BAR = "hidden to protect participants"
NOT_IN_CODEBOOK_BAR = "not in this project’s codebook"
NO_FIGURE = "No figure"
BAR_HEADER = "How often (the longer the bar, the more interviews)"
FIGURE_HEADER = "In words and figures"
EASY_FIGURE_HEADER = "In words"


@dataclass(frozen=True)
class Bar:
    label: str
    percent: int | None  # None: nothing is drawn, `note` says why
    figure: str
    note: str = ""


@dataclass(frozen=True)
class BarGroup:
    heading: str | None
    bars: list[Bar]


def chart_groups(pack: dict[str, Any], *, easy: bool = False) -> list[BarGroup]:
    """The chart's bars, grouped as on the page: by value, one bar per project."""
    if pack.get("single"):
        bars = [_bar(v["name"], v["shares"][0], easy) for v in pack["values"] if v["shares"]]
        return [BarGroup(None, bars)] if bars else []
    return [
        BarGroup(value["name"], [_bar(s["project"], s, easy) for s in value["shares"]])
        for value in pack["values"]
    ]


def _bar(label: str, share: dict[str, Any], easy: bool) -> Bar:
    if not share["applies"]:
        return Bar(label, None, "", NOT_IN_CODEBOOK_BAR)
    if share["hidden"] or share.get("percent") is None:
        return Bar(label, None, NO_FIGURE, HIDDEN_BAR)
    if easy and share.get("easy"):
        figure = share["easy"][0].upper() + share["easy"][1:]
    else:
        words = share["words"].removeprefix("in ")
        figure = f"{words[0].upper()}{words[1:]} ({share['percent']}%)"
    return Bar(label, int(share["percent"]), figure)


def add_bar_chart(document: Any, pack: dict[str, Any], *, easy: bool = False) -> None:
    """The caption paragraph, then the chart table (nothing when there is nothing to draw)."""
    groups = chart_groups(pack, easy=easy)
    if not groups:
        return
    caption = EASY_CAPTION if easy else CAPTION
    document.add_paragraph(caption, style="Caption")
    bounds = sorted({0, 100} | {b.percent for g in groups for b in g.bars if b.percent is not None})
    segments = [Length(round(BAR_AREA * (high - low) / 100)) for low, high in pairwise(bounds)]
    widths = [LABEL_WIDTH, *segments, FIGURE_WIDTH]
    table = document.add_table(rows=1, cols=len(widths))
    table.style = "Table Grid"
    table.autofit = False
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    header = table.rows[0].cells
    label_header = "Value" if pack.get("single") else "Project"
    _fill(header, widths, label_header, BAR_HEADER, EASY_FIGURE_HEADER if easy else FIGURE_HEADER)
    _repeat_header(table.rows[0])
    for group in groups:
        if group.heading:
            cells = table.add_row().cells
            for cell, width in zip(cells, widths, strict=True):
                cell.width = width
            merged = cells[0].merge(cells[-1])
            merged.width = sum(widths)
            merged.paragraphs[0].add_run(group.heading).bold = True
        for bar in group.bars:
            _bar_row(table.add_row().cells, widths, bounds, bar)
    _alt_text(table, caption)


def _fill(cells: list[Any], widths: list[Length], label: str, middle: str, figure: str) -> None:
    for cell, width in zip(cells, widths, strict=True):
        cell.width = width
    cells[0].text = label
    cells[-1].text = figure
    area = cells[1].merge(cells[-2]) if len(cells) > 3 else cells[1]
    area.width = sum(widths[1:-1])
    area.text = middle


def _bar_row(cells: list[Any], widths: list[Length], bounds: list[int], bar: Bar) -> None:
    for cell, width in zip(cells, widths, strict=True):
        cell.width = width
    cells[0].text = bar.label
    cells[-1].text = bar.figure
    last = len(cells) - 2  # the bar area is cells[1..last]
    if bar.percent is None:
        area = cells[1].merge(cells[last]) if last > 1 else cells[1]
        area.width = sum(widths[1:-1])
        area.text = bar.note
        return
    end = bounds.index(bar.percent)  # the bar covers segments 1..end
    if end > 0:
        drawn = cells[1].merge(cells[end]) if end > 1 else cells[1]
        drawn.width = sum(widths[1 : end + 1])
        _shade(drawn, BAR_FILL)
    if end < last:
        rest = cells[end + 1].merge(cells[last]) if last > end + 1 else cells[end + 1]
        rest.width = sum(widths[end + 1 : last + 1])


def _shade(cell: Any, fill: str) -> None:
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shading)


def _repeat_header(row: Any) -> None:
    # A long chart that runs onto a second page keeps its column headings.
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(header)


def _alt_text(table: Any, caption: str) -> None:
    """Word's own alt text for the table (Table Properties → Alt Text), read by screen readers."""
    properties = table._tbl.tblPr
    for tag, text in (("w:tblCaption", "Bar chart"), ("w:tblDescription", caption)):
        element = OxmlElement(tag)
        element.set(qn("w:val"), text)
        properties.append(element)
