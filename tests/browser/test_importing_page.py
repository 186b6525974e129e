"""An admin imports a batch in the browser: upload, preview, confirm, see it ready for coding."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import pytest

from coding.models import ImportBatch, Interview, Participant

from ..conftest import make_interview
from ..test_importing_pipeline import DATA, make_zip, manifest
from .conftest import run_axe

pytestmark = pytest.mark.browser


def sample_zip(tmp_path: Path) -> Path:
    path = tmp_path / "spring batch.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted((DATA / "good").rglob("*")):
            if file.is_file():
                archive.write(file, f"spring/{file.relative_to(DATA / 'good').as_posix()}")
    return path


def test_it_imports_a_batch_through_preview_and_confirm(
    signed_in: Any, admin_user: Any, project: Any, tmp_path: Path, settings: Any
) -> None:
    settings.UPLOADS_DIR = str(tmp_path / "staging")
    page = signed_in(admin_user)
    page.goto("/")
    page.get_by_role("link", name="Import interviews").click()
    page.get_by_role("link", name="Import a batch").click()
    page.get_by_label("Batch file").set_input_files(str(sample_zip(tmp_path)))
    page.get_by_label("Names to remove from every transcript (optional)").fill("Dr Patel")
    page.get_by_role("button", name="Check and preview").click()

    page.get_by_text("7 interviews will be created.").wait_for()
    rows = page.locator("table.import-report tbody tr")
    assert rows.count() == 7
    assert "Windows-1252" in rows.nth(2).inner_text()
    assert run_axe(page) == []
    assert not Interview.objects.exists()

    page.get_by_role("button", name="Import 7 interviews").click()
    page.get_by_text("7 interviews imported and ready for coding.").wait_for()
    batch = ImportBatch.objects.get()
    assert batch.interview_count == 7
    assert run_axe(page) == []

    page.get_by_role("link", name="interview-04.txt").click()
    page.locator(".transcript").wait_for()
    assert page.locator(".turn-start").count() == 2
    assert page.js_errors == []


def test_it_explains_a_harmful_zip_and_offers_no_import(
    signed_in: Any, admin_user: Any, project: Any, tmp_path: Path, settings: Any
) -> None:
    settings.UPLOADS_DIR = str(tmp_path / "staging")
    page = signed_in(admin_user)
    page.goto("/manage/imports/new/")
    page.get_by_label("Batch file").set_input_files(str(DATA / "bad" / "traversal.zip"))
    page.get_by_role("button", name="Check and preview").click()
    page.get_by_text("This batch cannot be imported.").wait_for()
    assert "points outside the batch folder" in page.content()
    assert page.get_by_role("button", name="Import").count() == 0
    assert not Interview.objects.exists()


def test_it_asks_whether_a_known_pseudonym_is_the_same_person(
    signed_in: Any, admin_user: Any, project: Any, tmp_path: Path, settings: Any
) -> None:
    settings.UPLOADS_DIR = str(tmp_path / "uploads")
    sorrel = make_interview(project, pseudonym="Sorrel").participant
    batch = make_zip(
        tmp_path / "sorrel.zip",
        {
            "manifest.csv": manifest("a.txt,side-by-side,Sorrel,participant,,Amira,in person,"),
            "a.txt": "Interviewer: Hello\nParticipant: It felt safe.",
        },
    )
    page = signed_in(admin_user)
    page.goto("/manage/imports/new/")
    page.get_by_label("Batch file").set_input_files(str(batch))
    page.get_by_role("button", name="Check and preview").click()
    marked = "Adds an interview to Sorrel, who already has 1 interview in this project."
    page.get_by_text(marked).wait_for()
    assert run_axe(page) == []

    page.get_by_role("button", name="Import 1 interview").click()  # no choice yet: refused
    assert Interview.objects.count() == 1

    page.get_by_label("No: a new participant, with the pseudonym below").check()
    page.get_by_label("Pseudonym of the new participant (row 2)").fill("Sage")
    page.get_by_role("button", name="Import 1 interview").click()
    page.get_by_text("1 interview imported and ready for coding.").wait_for()
    assert sorrel.interviews.count() == 1
    assert Participant.objects.get(project=project, pseudonym="Sage").interviews.count() == 1
    assert page.js_errors == []
