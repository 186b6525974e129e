"""A REFI-QDA import that brings new codes opens them as a new version of the codebook."""

from __future__ import annotations

from typing import Any

from coding.models import CodebookValue, CodebookVersion, ExcerptValue

from .refi_factories import CPROCTOR
from .test_refi_import import run


def test_it_opens_imported_codes_as_a_new_version(project: Any) -> None:
    before = set(CodebookValue.objects.for_project(project).values_list("pk", flat=True))
    report = run(CPROCTOR, project)
    version = CodebookVersion.objects.filter(project=project).order_by("-number").first()
    assert version.number == 2
    assert f"Imported {report.counts['codes_created']} new code(s)" in version.summary
    new = CodebookValue.objects.for_project(project).exclude(pk__in=before)
    assert {str(v.guid) for v in new} <= version.value_guids
    assert (
        not {str(v.guid) for v in new}
        & CodebookVersion.objects.get(project=project, number=1).value_guids
    )
    tags = ExcerptValue.objects.filter(excerpt__interview__project=project)
    assert tags.exists() and not tags.exclude(version=version).exists()
