"""Writing any version of a project's codebook as a REFI-QDA codebook (.qdc).

The version's snapshot is turned back into (unsaved) values and handed to the interop
package's writer, so a version exports exactly like the live codebook does.
"""

from __future__ import annotations

import uuid
from typing import Any

from .audit import audit_record
from .interop.qde import CODEBOOK_NS, ORIGIN, element, to_bytes
from .interop.refi_export import _codes
from .models import AuditEvent, CodebookValue, CodebookVersion, ResearchProject
from .versions import current_version

NO_SUCH_VERSION = "The project “{project}” has no codebook version {number} (it has 1 to {last})."


class CodebookExportError(Exception):
    pass


def snapshot_values(version: CodebookVersion) -> list[CodebookValue]:
    """The version's values as unsaved model instances the writer understands."""
    rows = version.snapshot
    ids = {row["guid"]: n for n, row in enumerate(rows, start=1)}
    values = []
    for n, row in enumerate(rows, start=1):
        value = CodebookValue(
            pk=n,
            guid=uuid.UUID(row["guid"]),
            name=row["name"],
            colour=row["colour"],
            definition=row.get("definition") or row.get("short_definition") or "",
        )
        value.parent_id = ids.get(row.get("parent") or "")
        values.append(value)
    return values


def version_for(project: ResearchProject, number: int | None) -> CodebookVersion:
    latest = current_version(project)
    if number is None:
        return latest
    version = CodebookVersion.objects.filter(project=project, number=number).first()
    if version is None:
        raise CodebookExportError(
            NO_SUCH_VERSION.format(project=project.slug, number=number, last=latest.number)
        )
    return version


def codebook_version_qdc(*, version: CodebookVersion, actor: Any = None) -> bytes:
    """One version of a project's codebook as a .qdc document (its number in `origin`)."""
    root = element(
        None,
        "CodeBook",
        xmlns=CODEBOOK_NS,
        origin=f"{ORIGIN}: {version.project.name}, codebook version {version.number}",
    )
    values = snapshot_values(version)
    _codes(root, values)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.EXPORT,
        model="codebookversion",
        object_id=version.pk,
        object_repr=f"{version} as REFI-QDA",
        project_id=version.project_id,
        after={"version": version.number, "values": len(values)},
    )
    return to_bytes(root)
