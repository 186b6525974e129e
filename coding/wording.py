"""Counted words for messages: "1 interview", "2 interviews", never "interview(s)"."""

from __future__ import annotations


def counted(number: int, singular: str, plural: str | None = None) -> str:
    """The number and the noun that agrees with it ("1 excerpt was", not "1 excerpt(s)")."""
    word = singular if number == 1 else (plural or f"{singular}s")
    return f"{number:,} {word}"
