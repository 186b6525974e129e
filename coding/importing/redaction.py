"""Removing real names from transcripts before anything is stored.

Each name is replaced, case-insensitively and as a whole word, by a placeholder or by the
pseudonym given for it (`Sarah Jones=Rose`). Longer names go first, so "Sarah Jones" becomes one
pseudonym rather than "[name] Jones". The names themselves are never stored, not even in the
report, which only counts replacements.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

PLACEHOLDER = "[name]"
APOSTROPHES = "'’"


@dataclass(frozen=True, slots=True)
class Replacement:
    name: str
    replacement: str = PLACEHOLDER


def name_key(name: str) -> str:
    folded = unicodedata.normalize("NFC", name).casefold()
    for mark in APOSTROPHES:
        folded = folded.replace(mark, "'")
    return " ".join(folded.split())


def parse_names(text: str, separator: str = "\n") -> list[Replacement]:
    """Read `Name` or `Name=Pseudonym` entries; blank entries and `#` comment lines are skipped."""
    entries: list[Replacement] = []
    for raw in text.split(separator):
        entry = raw.strip()
        if not entry or entry.startswith("#"):
            continue
        name, _, pseudonym = entry.partition("=")
        name = " ".join(unicodedata.normalize("NFC", name).split())
        if name:
            entries.append(Replacement(name, pseudonym.strip() or PLACEHOLDER))
    return entries


def name_pattern(name: str) -> str:
    # O'Brien and O’Brien are the same name, whichever apostrophe the transcriber typed.
    words = [
        re.sub(f"[{APOSTROPHES}]", lambda _: f"[{APOSTROPHES}]", re.escape(word))
        for word in name.split()
    ]
    # Words of a name may be split by spaces or tabs, not by a line break.
    return r"[^\S\n]+".join(words)


class Redactor:
    def __init__(self, replacements: tuple[Replacement, ...]) -> None:
        by_key: dict[str, Replacement] = {}
        for item in replacements:
            by_key.setdefault(name_key(item.name), item)  # the first pseudonym given wins
        self.by_key = by_key
        ordered = sorted(by_key.values(), key=lambda r: len(r.name), reverse=True)
        self.regex = (
            re.compile(
                r"(?<!\w)(?:" + "|".join(name_pattern(r.name) for r in ordered) + r")(?!\w)",
                re.IGNORECASE,
            )
            if ordered
            else None
        )

    def redact(self, text: str) -> tuple[str, int, set[str]]:
        """Return the text with names replaced, the number of replacements, the names found.

        Names found are given by `name_key`.
        """
        if self.regex is None:
            return text, 0, set()
        found: set[str] = set()

        def substitute(match: re.Match[str]) -> str:
            key = name_key(match.group(0))
            item = self.by_key.get(key)
            if item is None:  # case folding that `re` and casefold() disagree on
                item = next(
                    r
                    for r in self.by_key.values()
                    if re.fullmatch(name_pattern(r.name), match.group(0), re.IGNORECASE)
                )
            found.add(name_key(item.name))
            return item.replacement

        redacted, count = self.regex.subn(substitute, text)
        return redacted, count, found


@lru_cache(maxsize=256)
def redactor_for(replacements: tuple[Replacement, ...]) -> Redactor:
    return Redactor(replacements)
