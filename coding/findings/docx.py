"""A findings pack as a Word document (python-docx): headings, the table, quotes, the appendix.

Written from the pack content with its quotes already looked up (`pack_with_quotes`), so the
file holds exactly what the page shows. Word cannot show the page's SVG chart through
python-docx, so the chart is drawn as a table of shaded bars (`docx_chart`), with the same
figures again in the table after it.
"""

from __future__ import annotations

import io
from typing import Any

from django.utils.timezone import now
from docx import Document
from docx.shared import Pt

from .docx_chart import add_bar_chart
from .easy_read import SAID_LINE, easy_read
from .pack import NO_QUOTES

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
EASY_CHART_HEADING = "How often each value came up"
EASY_FONT = Pt(16)


def pack_docx(pack: dict[str, Any], *, easy: bool = False) -> bytes:
    """The pack (or its Easy Read version) as the bytes of a .docx file."""
    document = Document()
    _properties(document, pack, easy)
    if easy:
        _easy(document, pack)
    else:
        _full(document, pack)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _properties(document: Any, pack: dict[str, Any], easy: bool) -> None:
    """The file's own title and language (Word's accessibility check and PDF export read them),
    in place of the library template's ("python-docx", 2013)."""
    properties = document.core_properties
    properties.title = f"{pack['title']}: Easy Read" if easy else pack["title"]
    properties.language = "en-GB"
    properties.author = properties.last_modified_by = "Peer Values"
    properties.comments = ""
    properties.created = properties.modified = now()


def _intro(document: Any, pack: dict[str, Any]) -> None:
    document.add_heading(pack["title"], level=0)
    if pack.get("version"):
        document.add_paragraph(f"Version {pack['version']}, published {_date(pack)}.")
    else:
        document.add_paragraph(f"Draft made on {pack['built'][:10]}.")
    names = ", ".join(p["name"] for p in pack["projects"])
    document.add_paragraph(f"Projects: {names}.")
    for note in (pack.get("public_note"), pack.get("hidden_note")):
        if note:
            document.add_paragraph(note)


def _date(pack: dict[str, Any]) -> str:
    return str(pack.get("published") or pack["built"])[:10]


def _full(document: Any, pack: dict[str, Any]) -> None:
    _intro(document, pack)
    document.add_heading("How often each value came up", level=1)
    add_bar_chart(document, pack)
    document.add_paragraph("The same figures, with the range we are fairly sure of:")
    _table(document, pack)
    document.add_paragraph(pack["differences_rule"])
    for value in pack["values"]:
        document.add_page_break()
        document.add_heading(value["name"], level=1)
        if value["short_definition"]:
            document.add_paragraph(value["short_definition"])
        if value["definition"] and value["definition"] != value["short_definition"]:
            document.add_paragraph(value["definition"])
        document.add_heading("How often it came up", level=2)
        for share in value["shares"]:
            if share.get("sentence"):
                document.add_paragraph(share["sentence"], style="List Bullet")
        for sentence in value["differences"]:
            document.add_paragraph(sentence)
        if value["difference_note"]:
            document.add_paragraph(value["difference_note"])
        document.add_heading("In their words", level=2)
        if not value["quotes"]:
            document.add_paragraph(NO_QUOTES)
        for quote in value["quotes"]:
            document.add_paragraph(f"“{quote['text']}”", style="Intense Quote")
            document.add_paragraph(_source(quote))
    document.add_page_break()
    document.add_heading("How the values changed", level=1)
    for project in pack["codebook"]:
        document.add_heading(f"{project['short']}: codebook version {project['current']}", 2)
        if not project["changes"]:
            document.add_paragraph("No changes since the first version.")
        for change in project["changes"]:
            text = f"Version {change['number']} ({change['date']}): {change['summary']}"
            if change["reason"]:
                text += f" Why: {change['reason']}"
            document.add_paragraph(text, style="List Bullet")
    document.add_heading("How we counted", level=1)
    for sentence in pack["method"]:
        document.add_paragraph(sentence)
    _appendix(document, pack)


def _source(quote: dict[str, Any]) -> str:
    who = quote["attribution"] or "A participant"
    return f"{who}, {quote['project']}. {quote['caption']}".strip()


def _table(document: Any, pack: dict[str, Any]) -> None:
    projects = pack["projects"]
    table = document.add_table(rows=1, cols=len(projects) + 1)
    table.style = "Table Grid"
    header = table.rows[0].cells
    header[0].text = "Value"
    for cell, project in zip(header[1:], projects, strict=True):
        # Versions published before the wording existed keep the figure alone.
        words = project.get("interviews_words") or f"{project['interviews_text']} interviews"
        cell.text = f"{project['short']} ({words})"
    for value in pack["values"]:
        cells = table.add_row().cells
        cells[0].text = value["name"]
        for cell, share in zip(cells[1:], value["shares"], strict=True):
            cell.text = share_cell_text(share)


def share_cell_text(share: dict[str, Any]) -> str:
    """A table cell: the share in words and figures, or why there is none."""
    if not share["applies"]:
        return "Not in this project's codebook"
    if share["hidden"] or share.get("percent") is None:
        return "Hidden (too few interviews)"
    return f"{share['words']} ({share['percent']}%); {share['interval']}"


def _appendix(document: Any, pack: dict[str, Any]) -> None:
    if not pack.get("feedback"):
        return
    document.add_page_break()
    document.add_heading("Appendix: You said, we did", level=1)
    table = document.add_table(rows=1, cols=5)
    table.style = "Table Grid"
    for cell, label in zip(
        table.rows[0].cells,
        ("Version", "Who", "When", "What they said", "What we changed"),
        strict=True,
    ):
        cell.text = label
    for item in pack["feedback"]:
        cells = table.add_row().cells
        cells[0].text = str(item["version"])
        cells[1].text = item["who"]
        cells[2].text = item["received"]
        cells[3].text = item["said"]
        cells[4].text = item["changed"] or "Not yet answered."


def _easy(document: Any, pack: dict[str, Any]) -> None:
    document.styles["Normal"].font.size = EASY_FONT
    document.add_heading(f"{pack['title']}: Easy Read", level=0)
    for number, section in enumerate(easy_read(pack)):
        if number == 1 and not pack.get("empty"):
            # After "About this", before the values: the same bars as the full version's chart.
            document.add_heading(EASY_CHART_HEADING, level=1)
            add_bar_chart(document, pack, easy=True)
        document.add_heading(section["heading"], level=1)
        for line in section["lines"]:
            document.add_paragraph(line)
        for quote in section["quotes"]:
            document.add_paragraph(SAID_LINE)
            document.add_paragraph(f"“{quote['text']}”", style="Intense Quote")
