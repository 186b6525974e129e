"""A coder's memo and done mark on an interview."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from ..audit import audit_record, snapshot
from ..models import AuditEvent, CodingProgress, Interview
from ..text_input import free_text
from .checks import DONE_NOT_BOOLEAN, MEMO_LIMIT, MEMO_NOT_TEXT, MEMO_TOO_LONG, CodingError


@transaction.atomic
def progress_update(
    *, interview: Interview, coder: Any, memo: Any = None, done: Any = None
) -> CodingProgress:
    """Save a coder's memo and/or done mark on an interview."""
    progress, _ = CodingProgress.objects.select_for_update().get_or_create(
        interview=interview, coder=coder
    )
    before = snapshot(progress, ("memo", "done_at"))
    if memo is not None:
        if not isinstance(memo, str):
            raise CodingError(MEMO_NOT_TEXT)
        if len(memo) > MEMO_LIMIT:
            raise CodingError(MEMO_TOO_LONG.format(limit=MEMO_LIMIT))
        progress.memo = free_text(memo)
    if done is not None and not isinstance(done, bool):
        raise CodingError(DONE_NOT_BOOLEAN)
    if done is not None and done != progress.is_done:
        progress.done_at = timezone.now() if done else None
    progress.save()
    after = snapshot(progress, ("memo", "done_at"))
    if after != before:
        audit_record(
            actor=coder,
            action=AuditEvent.Action.UPDATE,
            instance=progress,
            project_id=interview.project_id,
            participant_id=interview.participant_id,
            before=before,
            after=after,
        )
    return progress
