"""The import preview: every problem in one pass, existing participants marked and decided row
by row, wording true to the page."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from coding.importing import batch_import
from coding.importing import problems as msg
from coding.models import Interview, Participant

from .conftest import make_interview
from .test_importing_pipeline import make_zip, manifest, write_files


@pytest.fixture(autouse=True)
def _uploads(settings: Any, tmp_path: Path) -> None:
    settings.UPLOADS_DIR = str(tmp_path / "uploads")


def preview(client: Client, tmp_path: Path, files: dict[str, str | bytes]) -> tuple[str, Any]:
    batch = SimpleUploadedFile("b.zip", make_zip(tmp_path / "b.zip", files).read_bytes())
    response = client.post(reverse("import_new"), {"batch": batch})
    token = re.search(r"/preview/([^/]+)/", response["Location"]).group(1)
    return token, client.get(response["Location"])


def sorrel_batch() -> dict[str, str | bytes]:
    return {
        "manifest.csv": manifest(
            "a.txt,side-by-side,Sorrel,participant,2024-03-31,Amira,in person,",
            "b.txt,side-by-side,Rowan,participant,2024-04-01,Ben,phone,",
        ),
        "a.txt": "Interviewer: Hello\nParticipant: It felt safe.",
        "b.txt": "Interviewer: Hi\nParticipant: I chose when to come.",
    }


def test_it_reports_missing_columns_and_row_errors_in_one_pass(
    project: Any, tmp_path: Path
) -> None:
    files = {
        "manifest.csv": (
            "file,project,participant\na.txt,side-by-side,Willow\nb.txt,nowhere,Rowan\n"
        ),
        "a.txt": "Participant: fine",
        "b.txt": "Participant: fine too",
    }
    report = batch_import(path=write_files(tmp_path, files), dry_run=True)
    assert report.refused
    assert [p.message for p in report.problems] == [
        "The manifest manifest.csv is missing the columns participant_role, interview_date, "
        "interviewer, mode. See the template."
    ]
    assert len(report.rows) == 2
    assert any("There is no project called 'nowhere'" in e for e in report.rows[1].errors)


def test_it_shows_every_row_of_a_batch_missing_a_column(
    client: Client, admin_user: Any, project: Any, tmp_path: Path
) -> None:
    client.force_login(admin_user)
    files = sorrel_batch()
    files["manifest.csv"] = (
        files["manifest.csv"]
        .replace(",mode,", ",")
        .replace(",in person,", ",")
        .replace(",phone,", ",")
    )
    _, page = preview(client, tmp_path, files)
    html = page.content.decode()
    assert "Rows: <strong>2</strong>" in html
    assert "is missing the column mode." in html
    assert page.context["report"]["counts"]["rows"] == 2


def test_it_never_mentions_a_box_it_does_not_show(
    client: Client, admin_user: Any, project: Any, tmp_path: Path
) -> None:
    client.force_login(admin_user)
    files = sorrel_batch()
    files["manifest.csv"] = manifest("a.txt,nowhere,Sorrel,participant,,Amira,in person,")
    del files["b.txt"]
    _, page = preview(client, tmp_path, files)
    html = page.content.decode()
    assert 'name="skip_invalid"' not in html
    assert "tick the box" not in html and "Nothing can be imported" in html


def test_it_marks_a_row_whose_pseudonym_is_already_a_participant(
    project: Any, tmp_path: Path
) -> None:
    make_interview(project, pseudonym="Sorrel")
    path = write_files(tmp_path, sorrel_batch())
    report = batch_import(path=path, dry_run=True, participant_choices={})
    sorrel, rowan = report.as_dict()["rows"]
    assert sorrel["participant_interviews"] == 1 and rowan["participant_interviews"] == 0
    assert (
        msg.ADDS_TO_PARTICIPANT.format(pseudonym="Sorrel", interviews="1 interview")
        in (sorrel["warnings"])
    )


def test_it_imports_nothing_until_each_marked_row_is_decided(
    client: Client, admin_user: Any, project: Any, tmp_path: Path
) -> None:
    make_interview(project, pseudonym="Sorrel")
    client.force_login(admin_user)
    token, page = preview(client, tmp_path, sorrel_batch())
    html = page.content.decode()
    assert "Adds an interview to Sorrel, who already has 1 interview in this project." in html
    assert 'name="participant-2"' in html
    refused = client.post(reverse("import_confirm", args=[token]))
    assert refused.status_code == 400
    assert msg.CHOICE_NEEDED.format(row=2, pseudonym="Sorrel") in refused.content.decode()
    assert Interview.objects.count() == 1


def test_it_adds_the_interview_to_the_same_person_when_chosen(
    client: Client, admin_user: Any, project: Any, tmp_path: Path
) -> None:
    sorrel = make_interview(project, pseudonym="Sorrel").participant
    client.force_login(admin_user)
    token, _ = preview(client, tmp_path, sorrel_batch())
    client.post(reverse("import_confirm", args=[token]), {"participant-2": "same"})
    assert sorrel.interviews.count() == 2


def test_it_makes_a_new_participant_when_chosen(
    client: Client, admin_user: Any, project: Any, tmp_path: Path
) -> None:
    sorrel = make_interview(project, pseudonym="Sorrel").participant
    client.force_login(admin_user)
    token, _ = preview(client, tmp_path, sorrel_batch())
    taken = client.post(
        reverse("import_confirm", args=[token]), {"participant-2": "new", "pseudonym-2": "Sorrel"}
    )
    assert taken.status_code == 400
    assert msg.PSEUDONYM_TAKEN.format(pseudonym="Sorrel") in taken.content.decode()
    client.post(
        reverse("import_confirm", args=[token]), {"participant-2": "new", "pseudonym-2": "Sage"}
    )
    assert sorrel.interviews.count() == 1
    sage = Participant.objects.get(project=project, pseudonym="Sage")
    assert sage.interviews.get().title == "a"


def test_it_leaves_the_command_line_import_as_it_was(project: Any, tmp_path: Path) -> None:
    sorrel = make_interview(project, pseudonym="Sorrel").participant
    batch_import(path=write_files(tmp_path, sorrel_batch()))
    assert sorrel.interviews.count() == 2  # no choices given: the same person, as before


@pytest.mark.parametrize(("count", "phrase"), [(1, "1 interview"), (3, "3 interviews")])
def test_it_counts_interviews_in_words(count: int, phrase: str) -> None:
    assert msg.plural(count, "interview") == phrase
