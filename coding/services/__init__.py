"""Writes of the coding workspace: excerpts, memos and progress.

Each service validates everything first, raises `CodingError` with a sentence a peer researcher
can act on, and writes inside one transaction together with its audit record.
"""

from __future__ import annotations

from .checks import (
    DONE_NOT_BOOLEAN,
    EXCERPT_AUDIT_FIELDS,
    EXCERPT_NOT_FOUND,
    INACTIVE_VALUE,
    KEY_NOT_UUID,
    KEY_REUSED,
    MEMO_LIMIT,
    MEMO_NOT_TEXT,
    MEMO_TOO_LONG,
    NO_VALUES,
    NOT_YOUR_EXCERPT,
    NOTE_LIMIT,
    NOTE_NOT_TEXT,
    NOTE_TOO_LONG,
    OFFSETS_NOT_WHOLE_NUMBERS,
    PROVISIONAL_REASON,
    SPAN_EMPTY_OR_REVERSED,
    SPAN_OUT_OF_RANGE,
    UNKNOWN_VALUE,
    VALUE_DEFINITION_NOT_TEXT,
    VALUE_EXISTS,
    VALUE_NAME_CONTROL,
    VALUE_NAME_LIMIT,
    VALUE_NAME_MISSING,
    VALUE_NAME_TOO_LONG,
    VALUES_NOT_A_LIST,
    CodingError,
    check_note,
    check_offsets,
    resolve_values,
)
from .excerpts import excerpt_code, excerpt_create, excerpt_delete, excerpt_update
from .progress import progress_update
from .values import value_create

__all__ = [
    "DONE_NOT_BOOLEAN",
    "EXCERPT_AUDIT_FIELDS",
    "EXCERPT_NOT_FOUND",
    "INACTIVE_VALUE",
    "KEY_NOT_UUID",
    "KEY_REUSED",
    "MEMO_LIMIT",
    "MEMO_NOT_TEXT",
    "MEMO_TOO_LONG",
    "NOTE_LIMIT",
    "NOTE_NOT_TEXT",
    "NOTE_TOO_LONG",
    "NOT_YOUR_EXCERPT",
    "NO_VALUES",
    "OFFSETS_NOT_WHOLE_NUMBERS",
    "PROVISIONAL_REASON",
    "SPAN_EMPTY_OR_REVERSED",
    "SPAN_OUT_OF_RANGE",
    "UNKNOWN_VALUE",
    "VALUES_NOT_A_LIST",
    "VALUE_DEFINITION_NOT_TEXT",
    "VALUE_EXISTS",
    "VALUE_NAME_CONTROL",
    "VALUE_NAME_LIMIT",
    "VALUE_NAME_MISSING",
    "VALUE_NAME_TOO_LONG",
    "CodingError",
    "check_note",
    "check_offsets",
    "excerpt_code",
    "excerpt_create",
    "excerpt_delete",
    "excerpt_update",
    "progress_update",
    "resolve_values",
    "value_create",
]
