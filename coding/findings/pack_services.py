"""Writes of the findings pack: publishing a draft as a version, recording feedback on one."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.timezone import localdate, now

from ..audit import audit_record
from ..models import AuditEvent, ResearchProject
from ..text_input import free_text
from .pack import pack_build, pack_feedback
from .pack_models import ALL_PROJECTS, PackFeedback, PackVersion

NO_PROJECTS = "There are no projects in this pack to publish."
WHO_MISSING = "Say who gave the feedback (for example “two participants from Side by Side”)."
SAID_MISSING = "Write down what they said."
PUBLISH_ATTEMPTS = 5
DATE_IN_FUTURE = "The date they told us cannot be in the future."


class PackError(Exception):
    """A write that cannot be done, with a sentence for the person who tried."""


def pack_publish(
    *,
    project: ResearchProject | None,
    projects: list[ResearchProject],
    actor: Any,
    note: str = "",
) -> PackVersion:
    """Save the pack as it now stands as the scope's next version.

    The snapshot is built as it may be shared (disclosure control for every project), so a
    version shows the same to everyone allowed to open it. Its appendix holds the feedback on
    every earlier version.
    """
    if not projects:
        raise PackError(NO_PROJECTS)
    scope = project.slug if project else ALL_PROJECTS
    content = pack_build(projects, viewer=None, scope=scope)
    for attempt in range(PUBLISH_ATTEMPTS):
        try:
            return _version_save(project, projects, actor, note, content)
        except (IntegrityError, ValidationError):
            # Two first versions of the pack across projects (no row to lock yet) took the
            # same number: the database refused the second, which takes the next one.
            if attempt == PUBLISH_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def _version_save(
    project: ResearchProject | None,
    projects: list[ResearchProject],
    actor: Any,
    note: str,
    content: dict[str, Any],
) -> PackVersion:
    """Number, save and audit one version (one transaction)."""
    with transaction.atomic():
        # Lock a row of the scope so two publishers do not take the same number.
        if project is not None:
            ResearchProject.objects.select_for_update().get(pk=project.pk)
        latest = (
            PackVersion.objects.select_for_update()
            .filter(project=project)
            .order_by("-number")
            .first()
        )
        number = latest.number + 1 if latest else 1
        content["version"] = number
        content["feedback"] = pack_feedback(project, before=number)
        content["published"] = now().isoformat()
        version = PackVersion(
            project=project,
            number=number,
            created_by=actor,
            note=free_text(note or "")[:300],
            content=content,
        )
        version.full_clean()
        version.save()
        audit_record(
            actor=actor,
            action=AuditEvent.Action.CREATE,
            instance=version,
            project_id=project.pk if project else None,
            after={"number": number, "note": version.note, "projects": [p.pk for p in projects]},
        )
    return version


def pack_feedback_record(
    *,
    version: PackVersion,
    actor: Any,
    who: str,
    received: dt.date,
    said: str,
    changed: str = "",
) -> PackFeedback:
    """Record what someone said about a version and what the team changed."""
    who, said, changed = (free_text(x or "").strip() for x in (who, said, changed))
    if not who:
        raise PackError(WHO_MISSING)
    if not said:
        raise PackError(SAID_MISSING)
    if received > localdate():
        raise PackError(DATE_IN_FUTURE)
    with transaction.atomic():
        feedback = PackFeedback(
            version=version,
            who=who,
            received=received,
            said=said,
            changed=changed,
            recorded_by=actor,
        )
        try:
            feedback.full_clean()
        except ValidationError as exc:
            raise PackError(" ".join(exc.messages)) from exc
        feedback.save()
        audit_record(
            actor=actor,
            action=AuditEvent.Action.CREATE,
            instance=feedback,
            project_id=version.project_id,
            after={"version": version.number, "who": who, "received": received.isoformat()},
        )
    return feedback


CHANGED_MISSING = "Write down what the team changed."


def pack_feedback_answer(*, feedback: PackFeedback, actor: Any, changed: str) -> PackFeedback:
    """Say what the team changed after feedback was recorded ("we did", added later)."""
    changed = free_text(changed or "").strip()
    if not changed:
        raise PackError(CHANGED_MISSING)
    with transaction.atomic():
        feedback = PackFeedback.objects.select_for_update().get(pk=feedback.pk)
        before = feedback.changed
        feedback.changed = changed
        feedback.full_clean()
        feedback.save(update_fields=["changed"])
        audit_record(
            actor=actor,
            action=AuditEvent.Action.UPDATE,
            instance=feedback,
            project_id=feedback.version.project_id,
            before={"changed": before},
            after={"changed": changed},
        )
    return feedback
