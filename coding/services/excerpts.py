"""Excerpt writes: code a span (create, add values, replay a retried save), change and delete."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from ..audit import audit_record, snapshot
from ..models import AuditEvent, CodebookValue, Excerpt, ExcerptValue, IdempotencyKey, Interview
from ..versions import current_version
from .checks import (
    EXCERPT_AUDIT_FIELDS,
    EXCERPT_NOT_FOUND,
    KEY_NOT_UUID,
    KEY_REUSED,
    NOT_YOUR_EXCERPT,
    CodingError,
    check_note,
    check_offsets,
    resolve_values,
)


def _excerpt_state(excerpt: Excerpt, slugs: list[str] | None = None) -> dict[str, Any]:
    """What the audit keeps of an excerpt; pass the value slugs when known to save a query."""
    if slugs is None:
        return snapshot(excerpt, EXCERPT_AUDIT_FIELDS)
    state = snapshot(excerpt, [f for f in EXCERPT_AUDIT_FIELDS if f != "values"])
    state["values"] = sorted(slugs)
    return state


def _audit_excerpt(
    actor: Any, action: str, excerpt: Excerpt, interview: Interview, before: Any, after: Any
) -> None:
    audit_record(
        actor=actor,
        action=action,
        instance=excerpt,
        object_id=excerpt.pk,
        project_id=interview.project_id,
        participant_id=interview.participant_id,
        before=before,
        after=after,
    )
    # Every write of the coding services ends here: a decided interview's consensus layer
    # follows the change in the same transaction. Imported here: the review package uses
    # these services.
    from ..review.consensus import consensus_follow_coding

    consensus_follow_coding(interview)


def idempotency_key(raw: Any) -> uuid.UUID | None:
    """The Idempotency-Key header as a UUID; None when absent."""
    if raw is None or raw == "":
        return None
    try:
        return uuid.UUID(str(raw)[:64])
    except ValueError as exc:
        raise CodingError(KEY_NOT_UUID) from exc


def _claim_key(coder: Any, key: uuid.UUID) -> IdempotencyKey | None:
    """Record the key; return None, or the earlier request's record when the key was used."""
    try:
        # A savepoint: on PostgreSQL the insert waits for a simultaneous request with the same
        # key to finish, then fails here if that one committed.
        with transaction.atomic():
            IdempotencyKey.objects.create(coder=coder, key=key)
    except IntegrityError:
        return IdempotencyKey.objects.select_related("excerpt").get(coder=coder, key=key)
    return None


def idempotency_keys_purge(*, now: dt.datetime | None = None) -> int:
    """Forget the keys older than IDEMPOTENCY_KEYS_KEEP_HOURS; return how many went.

    A page retries a save within minutes, and replays one kept over a sign-in within the
    session's life: a key that old will not come back, and the table would otherwise grow
    by one row per tag for ever.
    """
    cutoff = (now or timezone.now()) - dt.timedelta(hours=settings.IDEMPOTENCY_KEYS_KEEP_HOURS)
    deleted, _ = IdempotencyKey.objects.filter(created__lt=cutoff).delete()
    return deleted


def _replayed(earlier: IdempotencyKey, interview: Interview, start: int, end: int) -> Excerpt:
    excerpt = earlier.excerpt
    if excerpt is None:  # made, then deleted by its coder: the retry must not bring it back
        raise CodingError(EXCERPT_NOT_FOUND, status=404)
    if (excerpt.interview_id, excerpt.start, excerpt.end) != (interview.pk, start, end):
        raise CodingError(KEY_REUSED, status=409)
    return excerpt


@transaction.atomic
def excerpt_code(
    *,
    interview: Interview,
    coder: Any,
    start: Any,
    end: Any,
    values: Sequence[str],
    note: Any = "",
    key: uuid.UUID | None = None,
) -> tuple[Excerpt, bool]:
    """Tag a span for one coder; return the excerpt and whether it is new.

    The same coder coding the same span again adds the values to the excerpt already there,
    and a request repeating an earlier request's key gets that request's excerpt back unchanged.
    """
    start, end = check_offsets(start, end, len(interview.text))
    chosen = resolve_values(interview, values, user=coder)
    note = check_note(note)
    # One coder's writes queue here (FOR NO KEY UPDATE leaves foreign-key checks unblocked), so
    # two simultaneous saves of one span find each other instead of both inserting.
    get_user_model().objects.select_for_update(no_key=True).filter(pk=coder.pk).exists()
    if key is not None:
        earlier = _claim_key(coder, key)
        if earlier is not None:
            return _replayed(earlier, interview, start, end), False
    same = Excerpt.objects.filter(interview=interview, coder=coder, start=start, end=end).first()
    if same is not None:
        excerpt = _excerpt_add_values(same, interview, coder, chosen, note)
        created = False
    else:
        excerpt = _excerpt_insert(interview, coder, start, end, chosen, note)
        created = True
    if key is not None:
        IdempotencyKey.objects.filter(coder=coder, key=key).update(excerpt=excerpt)
    return excerpt, created


def excerpt_create(
    *,
    interview: Interview,
    coder: Any,
    start: Any,
    end: Any,
    values: Sequence[str],
    note: Any = "",
) -> Excerpt:
    """Tag a span of an interview with one or more values for one coder (see `excerpt_code`)."""
    excerpt, _ = excerpt_code(
        interview=interview, coder=coder, start=start, end=end, values=values, note=note
    )
    return excerpt


def _excerpt_insert(
    interview: Interview, coder: Any, start: int, end: int, chosen: list[CodebookValue], note: str
) -> Excerpt:
    excerpt = Excerpt(
        interview=interview,
        coder=coder,
        start=start,
        end=end,
        text=interview.text[start:end],
        note=note,
    )
    # clean() rather than full_clean(): the offsets are checked above and the unique and check
    # constraints by the database; full_clean() would spend three more queries on them on the
    # hottest write of the app.
    excerpt.clean()
    excerpt.save()
    version = current_version(interview.project_id)
    ExcerptValue.objects.bulk_create(
        [ExcerptValue(excerpt=excerpt, value=v, version=version) for v in chosen]
    )
    excerpt.value_slugs = [v.slug for v in sorted(chosen, key=lambda v: (v.order, v.name))]
    _audit_excerpt(
        coder,
        AuditEvent.Action.CREATE,
        excerpt,
        interview,
        None,
        _excerpt_state(excerpt, excerpt.value_slugs),
    )
    return excerpt


def _excerpt_add_values(
    excerpt: Excerpt, interview: Interview, coder: Any, chosen: list[CodebookValue], note: str
) -> Excerpt:
    """Add values (and a note, if it had none) to the coder's excerpt on the same span."""
    excerpt.interview = interview
    excerpt = _locked(excerpt)
    before = _excerpt_state(excerpt)
    current = set(excerpt.tags.values_list("value_id", flat=True))
    new = [v for v in chosen if v.pk not in current]
    if new:
        version = current_version(interview.project_id)
        ExcerptValue.objects.bulk_create(
            [ExcerptValue(excerpt=excerpt, value=v, version=version) for v in new]
        )
    if note and not excerpt.note:
        excerpt.note = note
    after = _excerpt_state(excerpt)
    if after != before:
        excerpt.save(force_update=True)
        _audit_excerpt(coder, AuditEvent.Action.UPDATE, excerpt, interview, before, after)
    return excerpt


def _own(excerpt: Excerpt, user: Any) -> None:
    if excerpt.coder_id != user.pk:
        raise CodingError(NOT_YOUR_EXCERPT, status=403)


def _locked(excerpt: Excerpt) -> Excerpt:
    """The excerpt's row, locked until the transaction ends; 404 when it has gone meanwhile.

    Writes to one excerpt then happen one after the other: a change that waited for a delete
    finds nothing (and cannot save the row back), and of simultaneous deletes only one counts.
    """
    locked = Excerpt.objects.select_for_update().filter(pk=excerpt.pk).first()
    if locked is None:
        raise CodingError(EXCERPT_NOT_FOUND, status=404)
    locked.interview = excerpt.interview
    return locked


@transaction.atomic
def excerpt_update(*, excerpt: Excerpt, user: Any, changes: dict[str, Any]) -> Excerpt:
    """Change an excerpt's values, note or span; only its coder may."""
    excerpt = _locked(excerpt)
    _own(excerpt, user)
    interview = excerpt.interview
    before = _excerpt_state(excerpt)
    if "start" in changes or "end" in changes:
        excerpt.start, excerpt.end = check_offsets(
            changes.get("start", excerpt.start),
            changes.get("end", excerpt.end),
            len(interview.text),
        )
        excerpt.text = interview.text[excerpt.start : excerpt.end]
    if "note" in changes:
        excerpt.note = check_note(changes["note"])
    if "values" in changes:
        current = set(excerpt.tags.values_list("value_id", flat=True))
        chosen = resolve_values(interview, changes["values"], already=current, user=user)
        chosen_ids = {v.pk for v in chosen}
        excerpt.tags.exclude(value_id__in=chosen_ids).delete()
        added = [v for v in chosen if v.pk not in current]
        if added:
            version = current_version(interview.project_id)
            ExcerptValue.objects.bulk_create(
                [ExcerptValue(excerpt=excerpt, value=v, version=version) for v in added]
            )
    excerpt.full_clean(exclude=["interview", "coder"])
    excerpt.save(force_update=True)  # an UPDATE or an error, never a re-insert
    _audit_excerpt(
        user, AuditEvent.Action.UPDATE, excerpt, interview, before, _excerpt_state(excerpt)
    )
    return excerpt


@transaction.atomic
def excerpt_delete(*, excerpt: Excerpt, user: Any) -> None:
    """Delete an excerpt; only its coder may."""
    excerpt = _locked(excerpt)
    _own(excerpt, user)
    before = _excerpt_state(excerpt)
    interview = excerpt.interview
    pk = excerpt.pk
    excerpt.delete()
    excerpt.pk = pk
    _audit_excerpt(user, AuditEvent.Action.DELETE, excerpt, interview, before, None)
