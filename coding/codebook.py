"""The starting codebook kept in fixtures/codebook.json: the six shared values and trust."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings

FIXTURE_PATH = Path(settings.BASE_DIR) / "fixtures" / "codebook.json"


@cache
def codebook_fixture() -> dict[str, Any]:
    with FIXTURE_PATH.open(encoding="utf-8") as fh:
        return json.load(fh)


def framework_values_load(value_model: Any) -> int:
    """Create the shared framework values that are missing; return how many were created.

    Takes the model class so the data migration can pass its historical model.
    """
    created = 0
    for row in codebook_fixture()["values"]:
        if row["project"] is not None:
            continue
        _, was_created = value_model.objects.get_or_create(
            project=None, slug=row["slug"], defaults=_value_fields(value_model, row)
        )
        created += was_created
    return created


def project_values_load(value_model: Any, project: Any) -> int:
    """Create the fixture's values of one project (such as trust) that are missing."""
    created = 0
    for row in codebook_fixture()["values"]:
        if row["project"] != project.slug:
            continue
        _, was_created = value_model.objects.get_or_create(
            project=project, slug=row["slug"], defaults=_value_fields(value_model, row)
        )
        created += was_created
    return created


def _value_fields(value_model: Any, row: dict[str, Any]) -> dict[str, Any]:
    fields = {key: row[key] for key in ("name", "definition", "colour", "shortcut", "order")}
    # The fixture's definitions are short summaries: they open the codebook page's entries.
    # (Early migrations pass a historical model without the field.)
    if any(f.name == "short_definition" for f in value_model._meta.get_fields()):
        fields["short_definition"] = row.get("short_definition", row["definition"])[:300]
    return fields
