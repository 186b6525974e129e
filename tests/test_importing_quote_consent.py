"""Consent to quote set at import: the manifest's quote_consent column, page and command."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from coding.importing import batch_import
from coding.importing import problems as msg
from coding.importing.report import CREATED, FAILED
from coding.models import Participant

from .test_importing_command import run
from .test_importing_pipeline import HEADER, manifest, write_files
from .test_importing_views import token_of, upload, zip_upload

CONSENT_HEADER = HEADER + ",quote_consent,age_band"


def batch(*rows: str) -> dict[str, str | bytes]:
    files: dict[str, str | bytes] = {"manifest.csv": manifest(*rows, header=CONSENT_HEADER)}
    for n, _ in enumerate(rows):
        files[f"t{n}.txt"] = f"Interviewer: Hello\nParticipant: Story number {n}."
    return files


def row(n: int, pseudonym: str, consent: str) -> str:
    return f"t{n}.txt,side-by-side,{pseudonym},participant,2024-03-31,Amira,in person,,{consent},"


def consents() -> dict[str, str]:
    return dict(Participant.objects.values_list("pseudonym", "quote_consent"))


def test_it_reads_yes_no_and_not_asked_whatever_the_case(
    project: Any, admin_user: Any, tmp_path: Path
) -> None:
    files = batch(
        row(0, "Ash", "yes"),
        row(1, "Birch", "No"),
        row(2, "Cedar", "Not asked"),
        row(3, "Damson", "not_asked"),
        row(4, "Elder", ""),
        row(5, "Fir", " YES "),
    )
    report = batch_import(path=write_files(tmp_path, files), user=admin_user)

    assert report.count(CREATED) == 6, report.all_problems()
    assert consents() == {
        "Ash": "yes",
        "Birch": "no",
        "Cedar": "not_asked",
        "Damson": "not_asked",
        "Elder": "not_asked",
        "Fir": "yes",
    }


def test_it_keeps_the_column_out_of_the_attributes(
    project: Any, admin_user: Any, tmp_path: Path
) -> None:
    files = batch(row(0, "Ash", "yes").removesuffix(",") + ",25-34")
    batch_import(path=write_files(tmp_path, files), user=admin_user)

    assert Participant.objects.get().attributes == {"age_band": "25-34"}


def test_it_leaves_consent_not_asked_without_the_column(
    project: Any, admin_user: Any, tmp_path: Path
) -> None:
    files = {
        "manifest.csv": manifest("a.txt,side-by-side,Ash,participant,2024-03-31,Amira,phone,"),
        "a.txt": "Participant: hello",
    }
    batch_import(path=write_files(tmp_path, files), user=admin_user)

    assert consents() == {"Ash": "not_asked"}


@pytest.mark.parametrize("word", ["maybe", "y", "agreed"])
def test_it_refuses_other_words_naming_the_row_and_column(
    project: Any, admin_user: Any, tmp_path: Path, word: str
) -> None:
    files = batch(row(0, "Ash", "yes"), row(1, "Birch", word))
    report = batch_import(path=write_files(tmp_path, files), user=admin_user)

    failed = report.rows[1]
    assert failed.status == FAILED
    assert failed.errors == [msg.INVALID_QUOTE_CONSENT.format(row=3, value=word)]
    assert "Row 3, column quote_consent" in failed.errors[0]
    assert not Participant.objects.exists()  # all or nothing


def test_it_says_the_bad_word_on_the_command_line(project: Any, tmp_path: Path) -> None:
    files = batch(row(0, "Ash", "perhaps"))
    out, err, code = run(str(write_files(tmp_path, files)))

    assert code != 0
    assert "row 2 (t0.txt): error: Row 2, column quote_consent: 'perhaps'" in out + err
    assert not Participant.objects.exists()


def test_it_sets_consent_from_the_command(project: Any, admin_user: Any, tmp_path: Path) -> None:
    files = batch(row(0, "Ash", "yes"), row(1, "Birch", "no"))
    out, err, code = run(str(write_files(tmp_path, files)), "--user", admin_user.username)

    assert code == 0, out + err
    assert consents() == {"Ash": "yes", "Birch": "no"}


def test_it_shows_and_saves_consent_through_the_admin_preview(
    client: Client, admin_user: Any, project: Any, tmp_path: Path
) -> None:
    files = batch(row(0, "Ash", "yes"), row(1, "Birch", "no"))
    client.force_login(admin_user)
    response = upload(client, tmp_path, batch=zip_upload(tmp_path, files))
    page = client.get(response["Location"]).content.decode()

    assert "Consent to quote: yes" in page and "Consent to quote: no" in page
    client.post(reverse("import_confirm", args=[token_of(response)]))
    assert consents() == {"Ash": "yes", "Birch": "no"}


def test_it_shows_a_refused_word_in_the_admin_preview(
    client: Client, admin_user: Any, project: Any, tmp_path: Path
) -> None:
    files = batch(row(0, "Ash", "dunno"))
    client.force_login(admin_user)
    response = upload(client, tmp_path, batch=zip_upload(tmp_path, files))
    page = html.unescape(client.get(response["Location"]).content.decode())

    assert msg.INVALID_QUOTE_CONSENT.format(row=2, value="dunno") in page


def test_it_keeps_an_existing_participants_consent_and_warns(
    project: Any, admin_user: Any, tmp_path: Path
) -> None:
    Participant.objects.create(project=project, pseudonym="Ash", quote_consent="no")
    files = batch(row(0, "Ash", "yes"))
    report = batch_import(path=write_files(tmp_path, files), user=admin_user)

    assert consents() == {"Ash": "no"}
    assert report.rows[0].warnings[-1] == msg.QUOTE_CONSENT_DIFFERS.format(
        pseudonym="Ash", stored="no", given="yes"
    )


def test_it_does_not_warn_when_an_existing_participants_cell_is_blank(
    project: Any, admin_user: Any, tmp_path: Path
) -> None:
    Participant.objects.create(project=project, pseudonym="Ash", quote_consent="yes")
    report = batch_import(path=write_files(tmp_path, batch(row(0, "Ash", ""))), user=admin_user)

    assert not any("consent to quote" in w for w in report.rows[0].warnings)
    assert consents() == {"Ash": "yes"}


def test_it_names_the_column_on_the_import_page(client: Client, admin_user: Any) -> None:
    client.force_login(admin_user)
    page = client.get(reverse("import_new")).content.decode()
    assert "<code>quote_consent</code> (did the participant agree to be quoted" in page
