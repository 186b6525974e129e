"""What both protection services blank besides the data itself: audit snapshots, admin log.

Research ethics require that a withdrawn participant's data goes everywhere, and that a name
masked in a transcript does not survive in an old snapshot.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType

from ..audit import audit_scrub
from ..chunks import chunked
from ..models import AuditEvent


def chunks(ids: Sequence[Any]) -> Iterable[list[str]]:
    """Ids as strings (audit object ids are text), in slices small enough for one query."""
    for chunk in chunked(ids):
        yield [str(i) for i in chunk]


def scrub_objects(model: str, ids: Sequence[Any], note: str) -> int:
    """Blank the audit snapshots of the given objects of one model."""
    return sum(
        audit_scrub(AuditEvent.objects.filter(model=model, object_id__in=chunk), note=note)
        for chunk in chunks(ids)
    )


def scrub_admin_log(model: type, ids: Sequence[Any], note: str) -> int:
    """Blank the names Django's admin log kept of changed objects (its `object_repr`)."""
    content_type = ContentType.objects.get_for_model(model)
    return sum(
        LogEntry.objects.filter(content_type=content_type, object_id__in=chunk).update(
            object_repr=note, change_message=""
        )
        for chunk in chunks(ids)
    )


def contains_any(value: Any, needles: set[str]) -> bool:
    """Whether any string inside value (nested dicts and lists too) contains a needle."""
    if isinstance(value, str):
        folded = value.casefold()
        return any(needle in folded for needle in needles)
    if isinstance(value, dict):
        return any(contains_any(v, needles) for v in value.values())
    if isinstance(value, list | tuple):
        return any(contains_any(v, needles) for v in value)
    return False
