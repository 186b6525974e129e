"""Writes of the coding workspace: excerpts, memos and progress.

Each service validates everything first, raises `CodingError` with a sentence a peer researcher
can act on, and writes inside one transaction together with its audit record.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify

from .audit import audit_record, snapshot
from .colours import free_colour
from .models import (
    AuditEvent,
    CodebookValue,
    CodingProgress,
    Excerpt,
    ExcerptValue,
    IdempotencyKey,
    Interview,
    ResearchProject,
)
from .text_input import free_text, has_control, looks_like_slug

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


def _offsets(start: Any, end: Any, length: int) -> tuple[int, int]:
    if any(isinstance(x, bool) or not isinstance(x, int) for x in (start, end)):
        raise CodingError(OFFSETS_NOT_WHOLE_NUMBERS)
    if start < 0 or end > length:
        raise CodingError(SPAN_OUT_OF_RANGE.format(length=length))
    if end <= start:
        raise CodingError(SPAN_EMPTY_OR_REVERSED)
    return start, end


def _note(note: Any) -> str:
    if note is None:
        return ""
    if not isinstance(note, str):
        raise CodingError(NOTE_NOT_TEXT)
    if len(note) > NOTE_LIMIT:
        raise CodingError(NOTE_TOO_LONG.format(limit=NOTE_LIMIT))
    return free_text(note)


def resolve_values(
    interview: Interview, slugs: Any, *, already: Iterable[int] = ()
) -> list[CodebookValue]:
    """Turn slugs into values of the interview's codebook; new ones must be active."""
    if not isinstance(slugs, list | tuple) or not all(isinstance(s, str) for s in slugs):
        raise CodingError(VALUES_NOT_A_LIST)
    wanted = list(dict.fromkeys(slugs))
    if not wanted:
        raise CodingError(NO_VALUES)
    # Several projects may each have a value of the same slug: prefer this project's codebook,
    # and look elsewhere only to explain a refusal.
    # Only slug-shaped text reaches the query (no NUL, no 5,000-character "slugs").
    candidates = CodebookValue.objects.filter(slug__in=[s for s in wanted if looks_like_slug(s)])
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
    start, end = _offsets(start, end, len(interview.text))
    chosen = resolve_values(interview, values)
    note = _note(note)
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
    ExcerptValue.objects.bulk_create([ExcerptValue(excerpt=excerpt, value=v) for v in chosen])
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
    ExcerptValue.objects.bulk_create([ExcerptValue(excerpt=excerpt, value=v) for v in new])
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
        excerpt.start, excerpt.end = _offsets(
            changes.get("start", excerpt.start),
            changes.get("end", excerpt.end),
            len(interview.text),
        )
        excerpt.text = interview.text[excerpt.start : excerpt.end]
    if "note" in changes:
        excerpt.note = _note(changes["note"])
    if "values" in changes:
        current = set(excerpt.tags.values_list("value_id", flat=True))
        chosen = resolve_values(interview, changes["values"], already=current)
        chosen_ids = {v.pk for v in chosen}
        excerpt.tags.exclude(value_id__in=chosen_ids).delete()
        ExcerptValue.objects.bulk_create(
            [ExcerptValue(excerpt=excerpt, value=v) for v in chosen if v.pk not in current]
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


@transaction.atomic
def value_create(
    *, project: ResearchProject, actor: Any, name: Any, definition: Any = ""
) -> CodebookValue:
    """Add a value of the project's own while coding: an emergent (inductive) code.

    It gets a free light colour and, while one is free, a shortcut key; admins can refine it
    in the codebook later.
    """
    if not isinstance(name, str) or not name.strip():
        raise CodingError(VALUE_NAME_MISSING)
    if has_control(name):
        raise CodingError(VALUE_NAME_CONTROL)
    name = " ".join(name.split())
    if len(name) > VALUE_NAME_LIMIT:
        raise CodingError(VALUE_NAME_TOO_LONG.format(limit=VALUE_NAME_LIMIT))
    if definition is None:
        definition = ""
    if not isinstance(definition, str):
        raise CodingError(VALUE_DEFINITION_NOT_TEXT)
    codebook = CodebookValue.objects.for_project(project)
    if codebook.filter(name__iexact=name).exists():
        raise CodingError(VALUE_EXISTS.format(name=name))
    base = slugify(name)[:50] or "value"
    taken = set(codebook.values_list("slug", flat=True))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    used_colours = set(codebook.values_list("colour", flat=True))
    colour = free_colour(used_colours)
    used_keys = set(codebook.active().values_list("shortcut", flat=True))
    shortcut = next((k for k in "123456789" if k not in used_keys), "")
    order = (codebook.aggregate(top=Max("order"))["top"] or 0) + 1
    value = CodebookValue(
        project=project,
        slug=slug,
        name=name,
        definition=free_text(definition).strip(),
        colour=colour,
        shortcut=shortcut,
        order=order,
    )
    value.full_clean()
    value.save()
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        instance=value,
        project_id=project.pk,
        after=snapshot(value, ("slug", "name", "definition", "colour", "shortcut", "project")),
    )
    return value
