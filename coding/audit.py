"""Recording changes in the append-only audit trail.

Every service that creates, changes or deletes something calls `audit_record` inside its
transaction, so the record and the change land together or not at all.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import QuerySet

from .models import AuditEvent, Participant, ResearchProject


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    return value


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """Return the named fields of an instance as JSON-ready values ("values" for a M2M)."""
    data: dict[str, Any] = {}
    for name in fields:
        field = instance._meta.get_field(name)
        if field.many_to_many:
            data[name] = sorted(
                getattr(obj, "slug", obj.pk) for obj in getattr(instance, name).all()
            )
        elif field.is_relation:
            data[name] = getattr(instance, field.attname)
        else:
            data[name] = _jsonable(getattr(instance, name))
    return data


def audit_record(
    *,
    actor: Any,
    action: str,
    instance: models.Model | None = None,
    model: str = "",
    object_id: Any = "",
    object_repr: str = "",
    project_id: int | None = None,
    participant_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the audit trail."""
    if instance is not None:
        model = model or instance._meta.model_name
        object_id = object_id or instance.pk
        object_repr = object_repr or str(instance)[:255]
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEvent.objects.create(
        actor=actor if authenticated else None,
        actor_name=actor.get_username() if authenticated else "system",
        action=action,
        model=model,
        object_id=str(object_id or ""),
        object_repr=object_repr[:255],
        project_id=project_id,
        participant_id=participant_id,
        before=before,
        after=after,
    )


# What stands in for a withdrawn participant wherever their words were kept.
WITHDRAWN = "[withdrawn participant]"


def audit_scrub(events: QuerySet[AuditEvent], *, note: str = WITHDRAWN) -> int:
    """Blank what earlier events recorded of someone's words (withdrawal, redaction).

    The one sanctioned change to the audit trail: who acted and when stay; the snapshots go.
    """
    return events.scrub(note)


AUDITED_ADMIN_EXCLUDE = {"text"}  # transcripts are tracked by their hash, never copied here


def admin_snapshot(instance: models.Model) -> dict[str, Any]:
    fields = [
        f.name
        for f in instance._meta.concrete_fields
        if f.name not in AUDITED_ADMIN_EXCLUDE and not f.primary_key
    ]
    return snapshot(instance, fields)


def audit_scope(instance: models.Model) -> dict[str, int | None]:
    """The project and participant an instance belongs to, for filtering and withdrawal."""
    if getattr(instance, "interview_id", None):
        interview = instance.interview
        return {"project_id": interview.project_id, "participant_id": interview.participant_id}
    if getattr(instance, "excerpt_id", None):  # a value tag, a candidate quote
        interview = instance.excerpt.interview
        return {"project_id": interview.project_id, "participant_id": interview.participant_id}
    if isinstance(instance, ResearchProject):
        return {"project_id": instance.pk, "participant_id": None}
    participant_id = (
        instance.pk
        if isinstance(instance, Participant)
        else getattr(instance, "participant_id", None)
    )
    return {"project_id": getattr(instance, "project_id", None), "participant_id": participant_id}
