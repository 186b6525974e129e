"""`manage.py import_interviews`: one line per problem, non-zero exit when anything failed."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from coding.importing import problems as msg
from coding.models import ImportBatch, Interview

from .test_importing_pipeline import DATA, two_rows, write_files


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
    assert out.splitlines()[-1].startswith(f"Batch {batch.pk}: 7 interview(s) created")
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
    assert "1 interview(s) created" in out


def test_it_dry_runs(project: Any, tmp_path: Path) -> None:
    out, _, code = run(str(write_files(tmp_path, two_rows())), "--dry-run")
    assert code == 0
    assert "Dry run: 2 interview(s) would be created" in out
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
