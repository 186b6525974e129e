"""`manage.py export_findings`: both formats, the pack across projects, an unknown slug."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from docx import Document

from coding.models import AuditEvent

from .pack_data import NOT_SHOWN, SHOWN, PackWorld, pack_world
from .test_findings_pages import docx_text


@pytest.fixture
def world(db: Any) -> PackWorld:
    return pack_world()


@pytest.mark.parametrize("scope", ["side-by-side", "all"])
@pytest.mark.parametrize("easy", [False, True])
def test_it_writes_the_pack_as_docx_and_html_with_only_consented_quotes(
    world: PackWorld, tmp_path: Path, scope: str, easy: bool
) -> None:
    flags = ["--easy"] if easy else []
    docx_file, html_file = tmp_path / "pack.docx", tmp_path / "pack.html"
    call_command(
        "export_findings", str(docx_file), "--project", scope, *flags, stdout=io.StringIO()
    )
    call_command(
        "export_findings",
        str(html_file),
        "--project",
        scope,
        "--format",
        "html",
        *flags,
        stdout=io.StringIO(),
    )
    texts = {"docx": docx_text(docx_file.read_bytes()), "html": html_file.read_text("utf-8")}
    for name, text in texts.items():
        assert SHOWN in text, name
        for reason, quote in NOT_SHOWN.items():
            assert quote not in text, (name, reason)
    assert texts["html"].startswith("<!doctype html>")
    assert "http://" not in texts["html"].replace("http://www.w3.org/2000/svg", "")
    assert AuditEvent.objects.filter(action="export", model="findings pack").count() == 2


def test_it_names_the_known_projects_for_an_unknown_slug(world: PackWorld, tmp_path: Path) -> None:
    with pytest.raises(CommandError) as caught:
        call_command("export_findings", str(tmp_path / "x.docx"), "--project", "nope")
    message = str(caught.value)
    assert "There is no project with the slug 'nope'" in message
    assert "side-by-side" in message and "--project all" in message
    assert not (tmp_path / "x.docx").exists()


def test_it_hides_the_small_project_in_the_file_and_keeps_easy_read_free_of_percentages(
    world: PackWorld, tmp_path: Path
) -> None:
    full, easy = tmp_path / "full.docx", tmp_path / "easy.docx"
    call_command("export_findings", str(full), "--project", "all", stdout=io.StringIO())
    call_command("export_findings", str(easy), "--project", "all", "--easy", stdout=io.StringIO())
    table = Document(io.BytesIO(full.read_bytes())).tables[1]  # after the bar chart
    column = next(c for c in table.columns if c.cells[0].text.startswith("Maternal"))
    maternal = [c.text for c in column.cells]
    assert maternal[0] == "Maternal (too few interviews to show)"
    assert set(maternal[1:]) <= {"Hidden (too few interviews)", "Not in this project's codebook"}
    text = docx_text(easy.read_bytes())
    assert "%" not in text and "Easy Read" in text
