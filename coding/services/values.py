"""A value added while coding: provisional, for its proposer, with a proposal to the team."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from ..models import CodebookValue, ResearchProject
from ..text_input import free_text, has_control
from .checks import (
    PROVISIONAL_REASON,
    VALUE_DEFINITION_NOT_TEXT,
    VALUE_EXISTS,
    VALUE_NAME_CONTROL,
    VALUE_NAME_LIMIT,
    VALUE_NAME_MISSING,
    VALUE_NAME_TOO_LONG,
    CodingError,
)


@transaction.atomic
def value_create(
    *, project: ResearchProject, actor: Any, name: Any, definition: Any = ""
) -> CodebookValue:
    """Add a provisional value while coding: an emergent (inductive) code.

    Only its proposer sees and uses it until the team decides the proposal this opens; it gets
    a free light colour now and a shortcut key when accepted, so a typo never takes a key
    from everyone.
    """
    from .. import changes, proposals  # they build on this module

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
    if CodebookValue.objects.for_project(project).filter(name__iexact=name).exists():
        raise CodingError(VALUE_EXISTS.format(name=name))
    definition = free_text(definition).strip()
    value = changes.value_new(
        project,
        actor,
        name,
        proposed=True,
        short_definition=definition[:300],
        definition=definition,
    )
    proposals.proposal_create(
        project=project,
        actor=actor,
        kind="add",
        value=value,
        reason=PROVISIONAL_REASON,
        short_definition=definition[:300],
        definition=definition,
    )
    return value
