"""The commands import_refi and export_refi."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from coding.models import CodebookValue, Excerpt, Interview

from .conftest import make_excerpt, make_interview
from .refi_factories import CPROCTOR


def command(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_it_checks_without_writing_in_a_dry_run(project: Any) -> None:
    output = command("import_refi", str(CPROCTOR), "--project", project.slug, "--dry-run")
    assert "dry run: nothing written" in output
    assert "Codings: 205 in the file; 205 imported." in output
    assert Interview.objects.count() == 0


def test_it_imports_into_the_named_project(project: Any) -> None:
    output = command("import_refi", str(CPROCTOR), "--project", project.slug)
    assert "158 excerpts created" in output
    assert Excerpt.objects.filter(interview__project=project).count() == 158


def test_it_maps_codes_named_on_the_command_line(project: Any) -> None:
    command(
        "import_refi",
        str(CPROCTOR),
        "--project",
        project.slug,
        "--unmatched",
        "ignore",
        "--map",
        "fun=human-connection",
    )
    values = set(Excerpt.objects.values_list("values__slug", flat=True))
    assert values == {"human-connection"}
    assert not CodebookValue.objects.filter(project=project).exists()


def test_it_says_why_nothing_was_imported(project: Any, tmp_path: Any) -> None:
    bad = tmp_path / "broken.qdpx"
    bad.write_bytes(b"not a zip")
    with pytest.raises(CommandError, match="it is not a zip archive"):
        command("import_refi", str(bad), "--project", project.slug)
    with pytest.raises(CommandError, match="no project with the slug"):
        command("import_refi", str(CPROCTOR), "--project", "nope")


def test_it_exports_a_project_and_a_codebook(project: Any, peer: Any, tmp_path: Any) -> None:
    make_excerpt(make_interview(project), peer, 0, 11)
    out = tmp_path / "out.qdpx"
    assert "1 interviews, 1 excerpts, 1 codings" in command(
        "export_refi", str(out), "--project", project.slug
    )
    with zipfile.ZipFile(out) as archive:
        assert "project.qde" in archive.namelist()
    assert not (tmp_path / "out.qdpx.part").exists()
    book = tmp_path / "book.qdc"
    command("export_refi", str(book))
    assert b"urn:QDA-XML:codebook:1.0" in book.read_bytes()


def test_it_refuses_an_unknown_extension(db: Any, tmp_path: Any) -> None:
    with pytest.raises(CommandError, match=r"must end in \.qdpx"):
        command("export_refi", str(tmp_path / "out.zip"))
