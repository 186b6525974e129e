"""Codes of an import planned as codebook values.

Each code is matched, created (with a readable colour and a free name) or ignored, as the admin
chose.
"""

from __future__ import annotations

import uuid
from collections import Counter

from django.utils.text import slugify

from ...colours import parse_colour, readable_colour
from ...models import (
    CodebookValue,
)
from ..qde import QdeCode, RefiError
from ..report import (
    BAD_CHOICE,
    CREATE,
    IGNORE,
    VALUE_NOT_VISIBLE,
    CodeRow,
    RefiReport,
)
from .common import (
    name_key,
    unique_name,
    unused_guids,
)


class CodesPlan:
    """Part of `ImportPlan`: the state it uses is set up in `ImportPlan.__init__`."""

    report: RefiReport

    def _plan_codes(self) -> None:
        # The framework first, so that a project's own value of the same name wins.
        visible = sorted(
            CodebookValue.objects.for_project(self.project), key=lambda v: v.project_id is not None
        )
        self.visible = {value.pk: value for value in visible}
        by_guid = {str(value.guid): value for value in visible}
        by_name = {name_key(value.name): value for value in visible}
        names = {name_key(value.name) for value in visible}
        slugs = {value.slug for value in visible}
        free_guids = unused_guids(CodebookValue, (code.guid for code in self.doc.codes))
        order = max((value.order for value in visible), default=0)
        usage = self._code_usage()
        self.code_target: dict[str, CodebookValue | None] = {}
        codes_by_guid = {code.guid: code for code in self.doc.codes}
        for index, code in enumerate(self.doc.codes):
            match = by_guid.get(code.guid) or by_name.get(name_key(code.name))
            default = f"value:{match.pk}" if match else self.unmatched
            choice = self.mapping.get(code.guid, default)
            target: CodebookValue | None
            if choice == IGNORE:
                target = None
                self.counts["codes_ignored"] += 1
            elif choice == CREATE:
                order += 1
                target = self._new_value(code, codes_by_guid, names, slugs, order, index)
                target.guid = uuid.UUID(code.guid) if code.guid in free_guids else uuid.uuid4()
                self.counts["codes_created"] += 1
            elif choice.startswith("value:") and choice[6:].isdigit():
                target = self.visible.get(int(choice[6:]))
                if target is None:
                    raise RefiError(VALUE_NOT_VISIBLE.format(code=code.name))
                self.counts["codes_matched"] += 1
            else:
                raise RefiError(BAD_CHOICE.format(code=code.name, choice=choice))
            self.code_target[code.guid] = target
            self.report.codes.append(
                CodeRow(
                    guid=code.guid,
                    name=code.name,
                    path=" › ".join(code.path),
                    description=code.description,
                    color=parse_colour(code.color, index),
                    codings=usage[code.guid],
                    matched_id=match.pk if match else None,
                    matched_name=match.name if match else "",
                    choice=choice,
                )
            )
        # Parents once every code has its target: the nearest ancestor that is not ignored.
        for code in self.doc.codes:
            target = self.code_target[code.guid]
            if target is None or target.pk is not None:
                continue
            parent = code.parent
            while parent and self.code_target.get(parent) is None:
                parent = codes_by_guid[parent].parent
            if parent:
                target.parent = self.code_target[parent]

    def _new_value(
        self,
        code: QdeCode,
        codes_by_guid: dict[str, QdeCode],
        names: set[str],
        slugs: set[str],
        order: int,
        index: int,
    ) -> CodebookValue:
        colour = readable_colour(parse_colour(code.color, index))
        self.counts["colours_lightened"] += colour != parse_colour(code.color, index)
        base = code.name.strip() or "Unnamed code"
        if name_key(base) in names and code.parent:
            base = f"{base} ({codes_by_guid[code.parent].name.strip()})"
        name = unique_name(base, names, 100)
        slug = unique_name(slugify(name)[:60].strip("-") or "value", slugs, 60, key=str, sep="-")
        value = CodebookValue(
            project=self.project,
            name=name,
            slug=slug,
            definition=code.description.strip(),
            colour=colour,
            order=order,
        )
        self.new_values.append(value)
        return value

    def _code_usage(self) -> Counter[str]:
        usage: Counter[str] = Counter()
        for source in self.doc.sources:
            if source.guid in self.package.texts:
                for selection in source.selections:
                    usage.update(coding.code for coding in selection.codings)
        return usage

    def _write_values(self) -> None:
        # Parents before children: a value can only point at a saved parent.
        pending = list(self.new_values)
        while pending:
            ready = [v for v in pending if v.parent is None or v.parent.pk is not None]
            if not ready:  # pragma: no cover - parents always come before their children
                raise RefiError("The codebook's hierarchy has a cycle.")
            CodebookValue.objects.bulk_create(ready)
            pending = [v for v in pending if v.pk is None]
