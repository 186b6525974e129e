"""Highlight colours: the contrast rule, the palettes, and reading colours from other tools.

A value's colour fills the background of highlighted transcript text, so it must keep the page's
text readable (WCAG AA, 4.5:1). Every place that checks, picks or repairs a colour asks here.
"""

from __future__ import annotations

import re

COLOUR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
SHORT_COLOUR_RE = re.compile(r"^#[0-9a-fA-F]{3}$")
TEXT_COLOUR = "#212529"  # the page's body text, drawn on top of highlights
READABLE_CONTRAST = 4.5  # WCAG AA for normal text

# Light colours given to values added while coding: each keeps highlighted text readable.
NEW_VALUE_COLOURS = (
    "#cfe2ff",
    "#d1e7dd",
    "#fff3cd",
    "#f8d7da",
    "#e2d9f3",
    "#ffe5d0",
    "#d2f4ea",
    "#fde2f3",
    "#e9ecef",
    "#dbeafe",
)
# Codes imported without a colour take these in turn (then lightened until readable).
IMPORT_PALETTE = (
    "#8dd3c7",
    "#bebada",
    "#fb8072",
    "#80b1d3",
    "#fdb462",
    "#b3de69",
    "#fccde5",
    "#bc80bd",
)


def relative_luminance(hex_colour: str) -> float:
    """WCAG relative luminance of a #rrggbb colour."""
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(a: str, b: str) -> float:
    high, low = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def is_readable(colour: str) -> bool:
    """Whether the page's text stays readable on this #rrggbb highlight."""
    return contrast_ratio(colour, TEXT_COLOUR) >= READABLE_CONTRAST


def parse_colour(value: str, index: int) -> str:
    """A colour written as #rrggbb or #rgb, as #rrggbb (a palette colour when there is none)."""
    value = value.strip()
    if COLOUR_RE.match(value):
        return value.lower()
    if SHORT_COLOUR_RE.match(value):
        return "#" + "".join(ch * 2 for ch in value[1:]).lower()
    return IMPORT_PALETTE[index % len(IMPORT_PALETTE)]


def readable_colour(colour: str) -> str:
    """The colour, lightened towards white until highlighted text on it stays readable."""
    channels = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    for step in range(21):
        mix = step / 20
        candidate = "#" + "".join(f"{round(c + (255 - c) * mix):02x}" for c in channels)
        if is_readable(candidate):
            return candidate
    return "#ffffff"


def free_colour(used: set[str]) -> str:
    """The first light colour no value uses yet (cycling when all are taken)."""
    return next(
        (c for c in NEW_VALUE_COLOURS if c not in used),
        NEW_VALUE_COLOURS[len(used) % len(NEW_VALUE_COLOURS)],
    )
