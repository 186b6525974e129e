"""Small helpers the parts of an import plan share: keys, unique names, free GUIDs."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from typing import Any

from ...chunks import chunked

ROLE_VARIABLE = "role"
# A case attribute of this name is the participant's consent to quote, not an attribute.
QUOTE_CONSENT_VARIABLE = "quote_consent"


def existing_values(model: Any, field_name: str, values: Iterable[Any]) -> set[Any]:
    values = list(values)
    found: set[Any] = set()
    for chunk in chunked(values):
        found.update(
            model.objects.filter(**{f"{field_name}__in": chunk}).values_list(field_name, flat=True)
        )
    return found


def as_uuid(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


def name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def unique_name(base: str, taken: set[str], limit: int, key: Any = name_key, sep: str = " ") -> str:
    """`base` cut to `limit`, or with " 2", " 3"... when it is taken; mark it taken."""
    base = base[:limit]
    candidate, n = base, 1
    while key(candidate) in taken:
        n += 1
        suffix = f"{sep}{n}"
        candidate = base[: limit - len(suffix)] + suffix
    taken.add(key(candidate))
    return candidate


def username_of(name: str) -> str:
    """A username made of a display name: Django allows letters, digits and @.+-_ only."""
    return re.sub(r"[^\w.@+-]", "", "-".join(name.split()))[:150]


def unused_guids(model: Any, guids: Iterable[str | None]) -> set[str]:
    """The well-formed GUIDs of `guids` that no row of `model` has yet."""
    wanted = {g for g in guids if g and as_uuid(g)}
    taken = {str(g) for g in existing_values(model, "guid", [uuid.UUID(g) for g in wanted])}
    return wanted - taken
