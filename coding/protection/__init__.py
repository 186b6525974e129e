"""Participant data protection: withdrawing a participant (`withdrawal`) and masking words in a
transcript (`redaction`); `scrub` blanks what the audit trail and the admin log kept of them.

The backup command (`management/commands/backup_data.py`) lives with the other commands.
"""

from __future__ import annotations

from .redaction import (
    HASH_CLASH,
    MASK,
    MASK_CHANGED_TEXT,
    NAME_EMPTY,
    NAME_NOT_FOUND,
    NAME_TOO_SHORT,
    REDACTED,
    SPAN_INVALID,
    ProtectionError,
    RedactionResult,
    clean_name,
    find_occurrences,
    interview_redact,
    interview_redact_name,
    interview_redact_spans,
    mask,
)
from .withdrawal import (
    WITHDRAWN,
    WithdrawalCounts,
    WithdrawalResult,
    participant_withdraw,
    participant_withdrawal_counts,
)

__all__ = [
    "HASH_CLASH",
    "MASK",
    "MASK_CHANGED_TEXT",
    "NAME_EMPTY",
    "NAME_NOT_FOUND",
    "NAME_TOO_SHORT",
    "REDACTED",
    "SPAN_INVALID",
    "WITHDRAWN",
    "ProtectionError",
    "RedactionResult",
    "WithdrawalCounts",
    "WithdrawalResult",
    "clean_name",
    "find_occurrences",
    "interview_redact",
    "interview_redact_name",
    "interview_redact_spans",
    "mask",
    "participant_withdraw",
    "participant_withdrawal_counts",
]
