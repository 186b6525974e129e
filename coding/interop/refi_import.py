"""Importing a REFI-QDA project (.qdpx) or codebook (.qdc) into one research project.

The pipeline reads the whole file (`qde.read_package`), validates it (every fatal problem is
collected before anything is refused), plans every row it will write against the database, and
only then writes, in one transaction with bulk inserts. A dry run stops after the plan, so the
preview that an admin sees is the import that will happen.

Codes become codebook values through a mapping: each code's GUID -> "value:<id>" (code with an
existing value), "create" (a new value of this project) or "ignore". Codes whose GUID or name
matches a value the project can see are mapped to it unless the mapping says otherwise.
"""

from __future__ import annotations

from collections import defaultdict
from typing import IO, Any

from django.db import IntegrityError

from ..models import ResearchProject
from .plan import ImportPlan
from .qde import Package, RefiError, read_package
from .report import (
    CHANGED_MEANWHILE,
    CREATE,
    DUPLICATE_GUID,
    NOTHING_TO_IMPORT,
    OUTSIDE_TEXT,
    UNKNOWN_CODE,
    RefiReport,
)


def refi_import(
    *,
    file: IO[bytes],
    filename: str,
    project: ResearchProject,
    actor: Any = None,
    mapping: dict[str, str] | None = None,
    unmatched: str = CREATE,
    dry_run: bool = False,
) -> RefiReport:
    """Import a .qdpx or .qdc into `project`; raise RefiError, having written nothing, if bad."""
    package = read_package(file, filename)
    validate(package, filename)
    plan = ImportPlan(package, filename, project, actor, mapping or {}, unmatched, dry_run)
    plan.build()
    if not dry_run:
        try:
            plan.write()
        except IntegrityError as exc:  # another import or edit got there between plan and write
            raise RefiError(CHANGED_MEANWHILE.format(error=exc)) from exc
    return plan.report


def validate(package: Package, filename: str) -> None:
    """Collect every reason the file cannot be imported, and raise them together."""
    doc = package.document
    errors: list[str] = []
    kinds: dict[str, list[str]] = defaultdict(list)
    for guid, kind in doc.guid_kinds:
        kinds[guid].append(kind)
    for guid, found in kinds.items():
        if len(found) > 1:
            errors.append(DUPLICATE_GUID.format(guid=guid, kinds=", ".join(found)))
    codes = {code.guid for code in doc.codes}
    for source in doc.sources:
        text = package.texts.get(source.guid)
        for selection in source.selections:
            label = selection.guid or "of the whole source"
            for coding in selection.codings:
                if coding.code not in codes:
                    errors.append(
                        UNKNOWN_CODE.format(
                            source=source.name, selection=label, code=coding.code or "(none)"
                        )
                    )
            if text is None or selection.start is None or selection.end is None:
                continue
            if not 0 <= selection.start <= selection.end <= len(text):
                errors.append(
                    OUTSIDE_TEXT.format(
                        selection=label,
                        source=source.name,
                        start=selection.start,
                        end=selection.end,
                        length=len(text),
                    )
                )
    if not doc.codes and not doc.sources:
        errors.append(NOTHING_TO_IMPORT.format(name=filename))
    if errors:
        raise RefiError(errors)
