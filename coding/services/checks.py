"""What the coding workspace accepts: messages, limits, checks of offsets, notes and values."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..models import CodebookValue, Interview
from ..text_input import free_text, looks_like_slug

OFFSETS_NOT_WHOLE_NUMBERS = "The start and end of a selection must be whole numbers."
SPAN_EMPTY_OR_REVERSED = "The selection is empty or reversed: its end must come after its start."
SPAN_OUT_OF_RANGE = "The selection runs outside the transcript, which has {length} characters."
NO_VALUES = "Choose at least one value for the excerpt."
VALUES_NOT_A_LIST = "Values must be a list of value names (slugs)."
# Said alike of unknown values and other projects' values: other codebooks stay private.
UNKNOWN_VALUE = "There is no value “{slug}” in this project’s codebook."
INACTIVE_VALUE = "The value “{name}” has been retired from the codebook and cannot be added."
NOTE_NOT_TEXT = "A note must be text."
NOTE_TOO_LONG = "A note can be at most {limit} characters long."
MEMO_NOT_TEXT = "A memo must be text."
MEMO_TOO_LONG = "A memo can be at most {limit} characters long."
NOT_YOUR_EXCERPT = "You can only change your own excerpts."
EXCERPT_NOT_FOUND = "There is no such excerpt, or you cannot see it."
KEY_NOT_UUID = (
    "The Idempotency-Key header must be a UUID such as 1b4e28ba-2fa1-41d2-883f-0016d3cca427."
)
KEY_REUSED = (
    "This Idempotency-Key was already used for another selection. Send a new key with each new "
    "excerpt."
)
VALUE_NAME_MISSING = "Give the new value a name."
VALUE_NAME_TOO_LONG = "A value’s name can be at most {limit} characters long."
VALUE_NAME_CONTROL = (
    "A value’s name cannot contain invisible control characters. Type the name again by hand."
)
DONE_NOT_BOOLEAN = "“done” must be true or false."
VALUE_DEFINITION_NOT_TEXT = "A value’s definition must be text."
VALUE_EXISTS = "There is already a value “{name}” in this project’s codebook."
PROVISIONAL_REASON = "Made while coding: a value the codebook did not have yet."

VALUE_NAME_LIMIT = 100
NOTE_LIMIT = 10_000
MEMO_LIMIT = 100_000
EXCERPT_AUDIT_FIELDS = ("start", "end", "text", "note", "values")


class CodingError(Exception):
    """A request the coding workspace refuses, with a message for the person who made it."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def check_offsets(start: Any, end: Any, length: int) -> tuple[int, int]:
    if any(isinstance(x, bool) or not isinstance(x, int) for x in (start, end)):
        raise CodingError(OFFSETS_NOT_WHOLE_NUMBERS)
    if start < 0 or end > length:
        raise CodingError(SPAN_OUT_OF_RANGE.format(length=length))
    if end <= start:
        raise CodingError(SPAN_EMPTY_OR_REVERSED)
    return start, end


def check_note(note: Any) -> str:
    if note is None:
        return ""
    if not isinstance(note, str):
        raise CodingError(NOTE_NOT_TEXT)
    if len(note) > NOTE_LIMIT:
        raise CodingError(NOTE_TOO_LONG.format(limit=NOTE_LIMIT))
    return free_text(note)


def resolve_values(
    interview: Interview, slugs: Any, *, already: Iterable[int] = (), user: Any = None
) -> list[CodebookValue]:
    """Turn slugs into values of the interview's codebook; new ones must be active.

    With a user, someone else's provisional values are unknown (they see only their own).
    """
    if not isinstance(slugs, list | tuple) or not all(isinstance(s, str) for s in slugs):
        raise CodingError(VALUES_NOT_A_LIST)
    wanted = list(dict.fromkeys(slugs))
    if not wanted:
        raise CodingError(NO_VALUES)
    # Several projects may each have a value of the same slug: prefer this project's codebook,
    # and look elsewhere only to explain a refusal.
    # Only slug-shaped text reaches the query (no NUL, no 5,000-character "slugs").
    candidates = CodebookValue.objects.filter(slug__in=[s for s in wanted if looks_like_slug(s)])
    if user is not None:
        candidates = candidates.visible_to(user)
    found: dict[str, CodebookValue] = {}
    for value in sorted(candidates, key=lambda v: v.project_id not in (None, interview.project_id)):
        found.setdefault(value.slug, value)
    kept = set(already)
    values = []
    for slug in wanted:
        value = found.get(slug)
        if value is None or value.project_id not in (None, interview.project_id):
            raise CodingError(UNKNOWN_VALUE.format(slug=slug))
        if not value.is_active and value.pk not in kept:
            raise CodingError(INACTIVE_VALUE.format(name=value.name))
        values.append(value)
    return values
