"""The Easy Read version of a findings pack: short sentences, one idea per line.

Built from the same pack content as the full version (so it can never show more), for the page
and the `.docx` alike. No percentages and no intervals: a number always comes with its words
("about 3 out of every 4 interviews").
"""

from __future__ import annotations

import re
from typing import Any

from ..codebook import codebook_fixture
from .pack_wording import fraction

INTRO = [
    "This is the Easy Read version of what we found.",
    "We talked to people about peer support.",
    "Peer support is when people with the same experiences help each other.",
    "We read what people told us.",
    "We looked for the things that matter in peer support.",
    "We call these things values.",
]
HIDDEN_LINE = "{project}: we do not show this, so that no one can be recognised."
NOT_IN_CODEBOOK_LINE = "{project}: this project did not look for this value."
SHARE_LINE = "{project}: it came up in {share}."
SAID_LINE = "Someone said:"
NO_DIFFERENCE_LINE = "We did not find a clear difference between the projects."
ONE_CODEBOOK_LINE = "Only {project} looked for this value, so we cannot compare projects."
TOO_FEW_LINE = "We cannot compare the projects: too few of them have a figure we can show."
FEEDBACK_INTRO = [
    "We showed an earlier version to people.",
    "This is what they told us, and what we did.",
]


def easy_read(pack: dict[str, Any]) -> list[dict[str, Any]]:
    """Sections of the Easy Read version: a heading, lines, and quotes."""
    sections: list[dict[str, Any]] = [{"heading": "About this", "lines": INTRO, "quotes": []}]
    for value in pack.get("values", []):
        lines: list[str] = []
        lines.extend(easy_definition(value))
        dots: list[dict[str, Any]] = []
        for share in value["shares"]:
            if not share["applies"]:
                if not pack.get("single"):
                    lines.append(NOT_IN_CODEBOOK_LINE.format(project=share["project"]))
            elif share["hidden"] or share.get("easy") is None:
                lines.append(HIDDEN_LINE.format(project=share["project"]))
            else:
                lines.append(SHARE_LINE.format(project=share["project"], share=share["easy"]))
                dots.append(_dots(share["project"], share["share"]))
        # Under the value's heading "It" says the name again in fewer words.
        lines.extend(_it(line, value["name"]) for line in value.get("differences", []))
        if value.get("difference_note"):
            lines.append(_no_comparison_line(value))
        sections.append(
            {"heading": value["name"], "lines": lines, "quotes": value["quotes"], "dots": dots}
        )
    if pack.get("feedback"):
        lines = list(FEEDBACK_INTRO)
        for item in pack["feedback"]:
            lines.append(f"{item['who']} said: {item['said']}")
            if item.get("changed"):
                lines.append(f"We did: {item['changed']}")
        sections.append({"heading": "You said, we did", "lines": lines, "quotes": []})
    return sections


def _it(line: str, name: str) -> str:
    return "It" + line[len(name) :] if line.startswith(name + " ") else line


def _no_comparison_line(value: dict[str, Any]) -> str:
    """Why no difference is named, by the same rules as the full pack's note (pack._differences)."""
    applies = [s for s in value["shares"] if s["applies"]]
    if len(applies) < 2:
        # A value of one project's own: "no clear difference" would suggest a test that never ran.
        project = value.get("own_project") or (applies[0]["project"] if applies else "one project")
        return ONE_CODEBOOK_LINE.format(project=project)
    if sum(1 for s in applies if not s["hidden"] and s.get("easy") is not None) < 2:
        return TOO_FEW_LINE
    return NO_DIFFERENCE_LINE


def easy_definition(value: dict[str, Any]) -> list[str]:
    """The value's Easy Read sentences (fixtures/codebook.json, "easy_read"), written for the
    starting codebook; a value the team added or redefined since has its short definition cut
    into one idea per line instead, as plain words for a new definition cannot be made up."""
    definition = value.get("definition", "")
    easy = {row["definition"]: row.get("easy_read") for row in codebook_fixture()["values"]}
    return list(easy.get(definition) or one_idea_per_line(value.get("short_definition", "")))


def one_idea_per_line(text: str) -> list[str]:
    """A definition cut at its semicolons, colons and full stops: one short sentence a line."""
    parts = re.split(r"(?<=[;:.])\s+", text.strip())
    lines = []
    for part in parts:
        part = part.strip().rstrip(";:.").strip()
        if part:
            lines.append(part[0].upper() + part[1:] + ".")
    return lines


def _dots(project: str, share: float) -> dict[str, Any]:
    """A simple picture of "N out of every M": M circles, N of them filled."""
    if share <= 0:
        n, m = 0, 4
    elif share >= 1:
        n, m = 4, 4
    else:
        n, m = fraction(share)
    return {"project": project, "filled": list(range(n)), "empty": list(range(m - n))}
