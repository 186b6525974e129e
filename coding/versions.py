"""Codebook versions: the current one, making the next one, and the difference between two.

Every accepted change to a project's codebook makes a new version holding a snapshot of the
shared values (never anyone's provisional ones). A project that has no version yet gets
version 1 when it is first needed, so projects made after versions began work the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from .audit import audit_record
from .models import AuditEvent, CodebookValue, CodebookVersion, ResearchProject

FIRST_VERSION_SUMMARY = "The codebook as it stood when versions began."
SNAPSHOT_FIELDS = (
    "slug",
    "name",
    "short_definition",
    "definition",
    "when_to_use",
    "when_not_to_use",
    "colour",
    "shortcut",
)
# What a change to each field is called on the difference page.
FIELD_LABELS = {
    "name": "name",
    "short_definition": "short definition",
    "definition": "full definition",
    "when_to_use": "when to use",
    "when_not_to_use": "when not to use",
    "colour": "colour",
    "shortcut": "key",
    "parent": "grouped under",
}


def snapshot_row(value: CodebookValue) -> dict[str, Any]:
    row: dict[str, Any] = {"guid": str(value.guid)}
    row.update({name: getattr(value, name) for name in SNAPSHOT_FIELDS})
    row["framework"] = value.project_id is None
    row["parent"] = str(value.parent.guid) if value.parent_id else None
    return row


def codebook_snapshot(project: ResearchProject) -> list[dict[str, Any]]:
    """The project's shared, active values as a version keeps them."""
    values = (
        CodebookValue.objects.for_project(project)
        .active()
        .shared()
        .select_related("parent")
        .order_by("order", "name")
    )
    return [snapshot_row(v) for v in values]


def current_version(project: ResearchProject | int) -> CodebookVersion:
    """The project's latest codebook version (version 1 is made when there is none)."""
    project_id = project if isinstance(project, int) else project.pk
    version = CodebookVersion.objects.filter(project_id=project_id).order_by("-number").first()
    if version is not None:
        return version
    with transaction.atomic():
        # Lock the project so two first requests do not both make version 1.
        locked = ResearchProject.objects.select_for_update().get(pk=project_id)
        version = CodebookVersion.objects.filter(project=locked).order_by("-number").first()
        if version is None:
            version = CodebookVersion.objects.create(
                project=locked,
                number=1,
                summary=FIRST_VERSION_SUMMARY,
                snapshot=codebook_snapshot(locked),
            )
        return version


def version_create(
    *,
    project: ResearchProject,
    actor: Any,
    summary: str,
    reason: str = "",
    proposal: Any = None,
) -> CodebookVersion:
    """Record the project's codebook as it now stands as the next version (in the caller's
    transaction, after the change)."""
    current_version(project)  # so that the first change makes version 2, not 1
    locked = ResearchProject.objects.select_for_update().get(pk=project.pk)
    latest = CodebookVersion.objects.filter(project=locked).order_by("-number").first()
    version = CodebookVersion(
        project=locked,
        number=latest.number + 1,
        created_by=actor,
        summary=summary[:300],
        reason=reason,
        proposal=proposal,
        snapshot=codebook_snapshot(locked),
    )
    version.full_clean()
    version.save()
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        instance=version,
        project_id=project.pk,
        after={"number": version.number, "summary": version.summary, "reason": reason},
    )
    return version


@dataclass
class VersionDiff:
    """What changed between two versions of a codebook, by value."""

    added: list[dict[str, Any]] = field(default_factory=list)
    removed: list[dict[str, Any]] = field(default_factory=list)
    # (value as it is in the later version, [(field label, before, after), ...])
    changed: list[tuple[dict[str, Any], list[tuple[str, str, str]]]] = field(default_factory=list)
    unchanged: int = 0

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


def version_diff(old: CodebookVersion, new: CodebookVersion) -> VersionDiff:
    """Compare two versions' snapshots value by value (a value keeps its id when renamed)."""
    before = {row["guid"]: row for row in old.snapshot}
    after = {row["guid"]: row for row in new.snapshot}
    names = {g: r["name"] for g, r in {**before, **after}.items()}
    diff = VersionDiff()
    for guid, row in after.items():
        if guid not in before:
            diff.added.append(row)
            continue
        changes = []
        for name, label in FIELD_LABELS.items():
            a, b = before[guid].get(name), row.get(name)
            if a != b:
                if name == "parent":
                    a, b = names.get(a, "") if a else "", names.get(b, "") if b else ""
                changes.append((label, a or "", b or ""))
        if changes:
            diff.changed.append((row, changes))
        else:
            diff.unchanged += 1
    diff.removed = [row for guid, row in before.items() if guid not in after]
    return diff
