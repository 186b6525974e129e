"""`manage.py import_interviews`: one line per problem, non-zero exit when anything failed."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from coding.importing import problems as msg
from coding.management.commands.import_interviews import (
    BAD_NEW_PARTICIPANT,
    BOTH_CHOICES,
    CHOICE_NEEDED,
    NOT_NEEDED,
    UNDECIDED,
)
from coding.models import ImportBatch, Interview, Participant

from .conftest import make_interview, make_project
from .test_importing_pipeline import DATA, two_rows, write_files
from .test_importing_preview import manifest, sorrel_batch


def run(*args: str) -> tuple[str, str, int]:
    out, err = StringIO(), StringIO()
    try:
        call_command("import_interviews", *args, stdout=out, stderr=err)
    except CommandError as exc:
        return out.getvalue(), err.getvalue() + str(exc), exc.returncode
    return out.getvalue(), err.getvalue(), 0


def test_it_imports_a_folder(project: Any, admin_user: Any) -> None:
    out, err, code = run(str(DATA / "good"), "--user", admin_user.username)
    assert code == 0, err
    batch = ImportBatch.objects.get()
    assert out.splitlines()[-1].startswith(f"Batch {batch.pk}: 7 interviews created")
    assert "good, row 4 (interview-03.txt): warning: interview-03.txt was not saved" in out
    assert batch.created_by == admin_user


def test_it_names_file_and_row_of_each_problem_and_fails(project: Any, tmp_path: Path) -> None:
    files = two_rows()
    files["manifest.csv"] = files["manifest.csv"].replace("01/04/2024", "2024-04-31")
    files["stray.txt"] = "Participant: nobody listed me"
    out, err, code = run(str(write_files(tmp_path, files)))
    assert code == 1
    name = tmp_path.name
    assert f"{name} (stray.txt): error: {msg.ORPHAN_FILE.format(file='stray.txt')}" in err
    assert f"{name}, row 3 (b.txt): error: {msg.INVALID_DATE.format(value='2024-04-31')}" in err
    assert "Nothing was imported" in out
    assert not Interview.objects.exists()


def test_it_skips_invalid_rows_when_asked_and_still_fails(project: Any, tmp_path: Path) -> None:
    files = two_rows()
    files["manifest.csv"] = files["manifest.csv"].replace("01/04/2024", "2024-04-31")
    out, _, code = run(str(write_files(tmp_path, files)), "--skip-invalid")
    assert code == 1
    assert Interview.objects.count() == 1
    assert "Batch" in out and "1 interview created," in out


def test_it_dry_runs(project: Any, tmp_path: Path) -> None:
    out, _, code = run(str(write_files(tmp_path, two_rows())), "--dry-run")
    assert code == 0
    assert "Dry run: 2 interviews would be created" in out
    assert not Interview.objects.exists()


def test_it_reads_a_names_file(project: Any, tmp_path: Path) -> None:
    folder = write_files(tmp_path / "batch", two_rows())
    names = tmp_path / "names.txt"
    names.write_text("Hello=Greeting\n", encoding="utf-8")
    _, _, code = run(str(folder), "--names", str(names))
    assert code == 0
    assert Interview.objects.get(title="a").text.startswith("Interviewer: Greeting")


def test_it_refuses_an_unknown_user(project: Any, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="no user called"):
        call_command("import_interviews", str(tmp_path), "--user", "nobody")


def test_it_refuses_a_missing_path(db: Any, tmp_path: Path) -> None:
    _, err, code = run(str(tmp_path / "nowhere.zip"))
    assert code == 1 and "There is no file or folder at" in err


def sorrel_needs_a_choice(row: int = 2, interviews: str = "1 interview") -> str:
    return CHOICE_NEEDED.format(
        row=row, pseudonym="Sorrel", project="Side By Side", interviews=interviews
    )


def test_it_refuses_a_row_naming_an_existing_participant_until_told(
    project: Any, tmp_path: Path
) -> None:
    sorrel = make_interview(project, pseudonym="Sorrel").participant
    out, err, code = run(str(write_files(tmp_path, sorrel_batch())))
    assert code == 1
    assert sorrel_needs_a_choice() in err
    assert UNDECIDED.format(rows="1 row") in out
    # Nothing half-written: not even the row for a new participant.
    assert Interview.objects.count() == 1
    assert sorrel.interviews.count() == 1
    assert not Participant.objects.filter(pseudonym="Rowan").exists()
    # A dry run says the same, and writes nothing.
    out, err, code = run(str(write_files(tmp_path, sorrel_batch())), "--dry-run")
    assert code == 1 and sorrel_needs_a_choice() in err


def test_it_adds_to_the_same_person_when_told(project: Any, tmp_path: Path) -> None:
    sorrel = make_interview(project, pseudonym="Sorrel").participant
    out, err, code = run(str(write_files(tmp_path, sorrel_batch())), "--same-person", "Sorrel")
    assert code == 0, err
    assert sorrel.interviews.count() == 2
    # The preview's own warning, in the command's report too.
    warning = msg.ADDS_TO_PARTICIPANT.format(pseudonym="Sorrel", interviews="1 interview")
    assert warning in out
    assert "2 interviews created" in out


def test_it_makes_a_new_participant_when_told(project: Any, tmp_path: Path) -> None:
    sorrel = make_interview(project, pseudonym="Sorrel").participant
    _, err, code = run(
        str(write_files(tmp_path, sorrel_batch())), "--new-participant", "Sorrel=Sorrel B"
    )
    assert code == 0, err
    assert sorrel.interviews.count() == 1
    assert Participant.objects.get(pseudonym="Sorrel B").interviews.count() == 1


def test_it_renames_only_where_the_pseudonym_is_taken(project: Any, tmp_path: Path) -> None:
    make_interview(project, pseudonym="Sorrel")
    other = make_project("women-side-by-side")
    files = sorrel_batch()
    files["manifest.csv"] = manifest(
        "a.txt,side-by-side,Sorrel,participant,2024-03-31,Amira,in person,",
        "b.txt,women-side-by-side,Sorrel,participant,2024-04-01,Ben,phone,",
    )
    _, err, code = run(str(write_files(tmp_path, files)), "--new-participant", "Sorrel=Sorrel B")
    assert code == 0, err
    assert Participant.objects.get(project=project, pseudonym="Sorrel B")
    assert Participant.objects.get(project=other, pseudonym="Sorrel")


def test_it_treats_every_match_as_the_same_person_when_told(project: Any, tmp_path: Path) -> None:
    sorrel = make_interview(project, pseudonym="Sorrel").participant
    rowan = make_interview(project, "Participant: Rowan's first.", pseudonym="Rowan").participant
    _, err, code = run(str(write_files(tmp_path, sorrel_batch())), "--same-person-all")
    assert code == 0, err
    assert sorrel.interviews.count() == 2 and rowan.interviews.count() == 2


def test_it_names_every_undecided_row_and_what_to_type(project: Any, tmp_path: Path) -> None:
    make_interview(project, pseudonym="Sorrel")
    make_interview(project, "Participant: Rowan's first.", pseudonym="Rowan")
    make_interview(project, "Participant: Rowan's second.", pseudonym="Rowan")
    out, err, code = run(str(write_files(tmp_path, sorrel_batch())), "--same-person", "Sorrel")
    assert code == 1
    assert sorrel_needs_a_choice() not in err
    rowan = CHOICE_NEEDED.format(
        row=3, pseudonym="Rowan", project="Side By Side", interviews="2 interviews"
    )
    assert rowan in err
    assert "--new-participant Rowan=NEW-PSEUDONYM" in rowan
    assert UNDECIDED.format(rows="1 row") in out
    assert Interview.objects.count() == 3


def test_it_refuses_unclear_choices(project: Any, tmp_path: Path) -> None:
    path = str(write_files(tmp_path, sorrel_batch()))
    _, err, code = run(path, "--new-participant", "Sorrel")
    assert code == 1 and BAD_NEW_PARTICIPANT.format(value="Sorrel") in err
    _, err, code = run(path, "--same-person", "Sorrel", "--new-participant", "Sorrel=Sorrel B")
    assert code == 1 and BOTH_CHOICES.format(pseudonym="Sorrel") in err
    assert not Interview.objects.exists()


def test_it_says_when_a_choice_was_not_needed(project: Any, tmp_path: Path) -> None:
    out, _, code = run(str(write_files(tmp_path, sorrel_batch())), "--same-person", "Sorel")
    assert code == 0
    assert NOT_NEEDED.format(pseudonym="Sorel") in out
