"""Text typed or sent by people, made safe to store: no control characters, valid Unicode.

PostgreSQL cannot store NUL, no database can store a lone surrogate, and XML (XLSX, REFI-QDA)
cannot hold most control characters: none of them mean anything in a note, so free text loses
them quietly, while a name holding one is refused (it would look like another name).
"""

from __future__ import annotations

import re

# C0 controls other than tab and newline, DEL, and the C1 controls.
CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
SLUG_RE = re.compile(r"^[-a-zA-Z0-9_]{1,60}$")


def free_text(text: str) -> str:
    """Free text (notes, memos, definitions) without control characters; keep tabs, lines."""
    return CONTROL_RE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def has_control(text: str) -> bool:
    return bool(CONTROL_RE.search(text.replace("\t", " ").replace("\n", " ")))


def is_valid_unicode(text: str) -> bool:
    """False for text holding a lone surrogate, which JSON allows but UTF-8 cannot encode."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def looks_like_slug(text: str) -> bool:
    return bool(SLUG_RE.match(text))
