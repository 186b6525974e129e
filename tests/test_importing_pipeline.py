"""The import service: planning, atomic saving, duplicates, redaction, rollback, audit."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coding.importing import RollbackRefused, batch_import, batch_rollback
from coding.importing import problems as msg
from coding.importing.report import CREATED, DUPLICATE, FAILED, READY
from coding.models import AuditEvent, ImportBatch, Interview, Participant, normalise_text

from .conftest import make_excerpt

DATA = Path(__file__).parent / "data" / "import"
HEADER = "file,project,participant,participant_role,interview_date,interviewer,mode,redact"


def manifest(*rows: str, header: str = HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


def write_files(folder: Path, files: dict[str, str | bytes]) -> Path:
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        else:
            path.write_bytes(content)
    return folder


def make_zip(path: Path, files: dict[str, str | bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return path


def two_rows() -> dict[str, str | bytes]:
    return {
        "manifest.csv": manifest(
            "a.txt,side-by-side,Willow,participant,2024-03-31,Amira,in person,",
            "b.txt,side-by-side,Rowan,staff,01/04/2024,Ben,phone,",
        ),
        "a.txt": "Interviewer: Hello\nParticipant: It felt safe.",
        "b.txt": "Interviewer: Hi\nParticipant: I chose when to come.",
    }


def test_it_imports_the_sample_batch_with_every_format(project: Any, admin_user: Any) -> None:
    report = batch_import(path=DATA / "good", user=admin_user)
    assert not report.has_errors, report.all_problems()
    assert report.count(CREATED) == 7
    batch = report.batch
    assert batch is not None and batch.interview_count == 7 and batch.created_by == admin_user
    interviews = {i.title: i for i in Interview.objects.filter(import_batch=batch)}
    assert set(interviews) == {f"interview-0{n}" for n in range(1, 8)}
    first = interviews["interview-01"]
    assert "Sarah" not in first.text and "My support worker, Rose, told me" in first.text
    assert "[name] said I could just listen" in first.text
    assert (first.date.isoformat(), first.interviewer, first.mode) == (
        "2024-03-31",
        "Amira",
        "in_person",
    )
    assert first.participant.attributes == {"Age band": "25-34", "Gender": "Woman"}
    # Willow has two interviews in the batch and is created once.
    assert Participant.objects.filter(project=project, pseudonym="Willow").count() == 1
    assert interviews["interview-02"].participant.role == "facilitator"
    assert interviews["interview-07"].mode == "in_person"
    assert "[name] was lovely" in interviews["interview-07"].text
    row = next(r for r in batch.report["rows"] if r["file"] == "interview-01.docx")
    assert row["redactions"] == 2
    assert all(i.content_hash and i.word_count for i in interviews.values())


def test_it_writes_nothing_when_any_row_has_an_error(project: Any, tmp_path: Path) -> None:
    files = two_rows()
    files["manifest.csv"] += "c.txt,side-by-side,Hazel,participant,31/02/2024,Ben,phone,\n"
    files["c.txt"] = "Participant: text"
    report = batch_import(path=write_files(tmp_path, files))
    assert report.batch is None and report.has_errors
    assert [r.status for r in report.rows] == [READY, READY, FAILED]
    assert report.rows[2].errors == [msg.INVALID_DATE.format(value="31/02/2024")]
    assert not Interview.objects.exists() and not Participant.objects.exists()
    assert not ImportBatch.objects.exists()


def test_it_imports_the_valid_rows_when_asked_to_skip_invalid(project: Any, tmp_path: Path) -> None:
    files = two_rows()
    files["manifest.csv"] += "missing.txt,side-by-side,Hazel,participant,,Ben,phone,\n"
    report = batch_import(path=write_files(tmp_path, files), skip_invalid=True)
    assert [r.status for r in report.rows] == [CREATED, CREATED, FAILED]
    assert report.rows[2].errors == [msg.FILE_NOT_FOUND.format(file="missing.txt")]
    assert report.batch.error_count == 1
    assert Interview.objects.count() == 2
    assert not Participant.objects.filter(pseudonym="Hazel").exists()


def test_it_skips_transcripts_already_in_the_project(project: Any, tmp_path: Path) -> None:
    path = write_files(tmp_path, two_rows())
    first = batch_import(path=path)
    again = batch_import(path=path)
    assert first.count(CREATED) == 2
    assert [r.status for r in again.rows] == [DUPLICATE, DUPLICATE]
    assert again.rows[0].warnings == [msg.DUPLICATE_IN_PROJECT.format(title="a")]
    assert again.batch is None and not again.has_errors
    assert Interview.objects.count() == 2


def test_it_skips_a_repeated_text_within_a_batch(project: Any, tmp_path: Path) -> None:
    files = two_rows()
    files["b.txt"] = files["a.txt"] + "\n\n"  # the same once normalised
    report = batch_import(path=write_files(tmp_path, files))
    assert [r.status for r in report.rows] == [CREATED, DUPLICATE]
    assert report.rows[1].warnings == [msg.DUPLICATE_IN_BATCH.format(row=2)]


def test_it_reports_every_problem_of_a_row_at_once(project: Any, tmp_path: Path) -> None:
    files = {
        "manifest.csv": manifest("e.txt,nowhere,,boss,2024-13-01,Ben,by pigeon,"),
        "e.txt": "   \n\t\n",
    }
    report = batch_import(path=write_files(tmp_path, files), dry_run=True)
    assert report.rows[0].errors == [
        msg.UNKNOWN_PROJECT.format(project="nowhere", known="side-by-side"),
        msg.INVALID_ROLE.format(
            value="boss", choices="participant, facilitator, staff, stakeholder, other"
        ),
        msg.INVALID_DATE.format(value="2024-13-01"),
        msg.INVALID_MODE.format(value="by pigeon"),
        msg.MISSING_VALUE.format(column="participant"),
        msg.EMPTY_TEXT.format(file="e.txt"),
    ]


def test_it_shows_no_mode_for_a_row_whose_mode_cannot_be_read(project: Any, tmp_path: Path) -> None:
    # The preview's Mode column must not show a made-up "In person" beside the error.
    files = {
        "manifest.csv": manifest(
            "a.txt,side-by-side,Willow,,2024-03-31,Ben,by pigeon,",
            "b.txt,side-by-side,Rowan,,2024-03-31,Ben,,",
        ),
        "a.txt": "Interviewer: Hello\nParticipant: It felt safe.",
        "b.txt": "Interviewer: Hi\nParticipant: I chose when to come.",
    }
    report = batch_import(path=write_files(tmp_path, files), dry_run=True)
    assert [row.as_dict()["mode_label"] for row in report.rows] == ["", ""]
    assert all(row.errors for row in report.rows)


def test_it_refuses_a_file_without_a_row(project: Any, tmp_path: Path) -> None:
    files = two_rows()
    files["extra.docx"] = b"whatever"
    files[".DS_Store"] = b"junk the operating system adds"
    report = batch_import(path=write_files(tmp_path, files))
    assert [p.message for p in report.problems] == [msg.ORPHAN_FILE.format(file="extra.docx")]
    assert report.batch is None and not Interview.objects.exists()


def test_it_suggests_a_close_file_name(project: Any, tmp_path: Path) -> None:
    files = two_rows()
    files["manifest.csv"] = files["manifest.csv"].replace("b.txt", "b.text")
    report = batch_import(path=write_files(tmp_path, files), dry_run=True)
    assert report.rows[1].errors == [
        msg.FILE_NOT_FOUND_SUGGEST.format(file="b.text", close="b.txt")
    ]


def test_it_matches_file_names_whatever_their_case(project: Any, tmp_path: Path) -> None:
    files = two_rows()
    files["manifest.csv"] = files["manifest.csv"].replace("a.txt", "A.TXT")
    report = batch_import(path=write_files(tmp_path, files), dry_run=True)
    assert report.count(READY) == 2 and not report.has_errors


def test_it_dry_runs_without_writing(project: Any, tmp_path: Path) -> None:
    report = batch_import(path=make_zip(tmp_path / "b.zip", two_rows()), dry_run=True)
    assert report.count(READY) == 2 and report.can_import
    assert not Interview.objects.exists() and not ImportBatch.objects.exists()


def test_it_finds_projects_by_name_and_reuses_participants(project: Any, tmp_path: Path) -> None:
    Participant.objects.create(project=project, pseudonym="Willow", role="staff")
    files = two_rows()
    files["manifest.csv"] = files["manifest.csv"].replace(
        "a.txt,side-by-side", "a.txt,SIDE BY SIDE"
    )
    report = batch_import(path=write_files(tmp_path, files))
    assert report.rows[0].warnings == [msg.PARTICIPANT_DIFFERS.format(pseudonym="Willow")]
    assert Participant.objects.get(pseudonym="Willow").role == "staff"
    assert report.rows[0].participant_new is False and report.rows[1].participant_new is True


def test_it_redacts_names_case_insensitively_as_whole_words(project: Any, tmp_path: Path) -> None:
    files = {
        "manifest.csv": manifest(
            "sarah jones.txt,side-by-side,Willow,participant,2024-03-31,Amira,online,"
            "Sarah Jones=Rose;O'Brien"
        ),
        "sarah jones.txt": "SARAH JONES met o’brien and Sarahs friend. sarah jones's turn.",
    }
    names = "Sarahs\n# a comment\n"
    report = batch_import(path=write_files(tmp_path, files), names=names)
    interview = Interview.objects.get()
    assert interview.text == "Rose met [name] and [name] friend. Rose's turn."
    assert report.rows[0].redactions == 4
    # The file name is stored as the title and in the report: it is redacted too.
    assert interview.title == "Rose"
    assert "sarah" not in str(report.batch.report).lower()


def test_it_refuses_a_pseudonym_that_is_a_real_name(project: Any, tmp_path: Path) -> None:
    files = two_rows()
    report = batch_import(path=write_files(tmp_path, files), names="willow")
    assert report.rows[0].errors == [msg.PSEUDONYM_IS_A_NAME]
    assert not Interview.objects.exists()


def test_it_refuses_single_letter_names(project: Any, tmp_path: Path) -> None:
    report = batch_import(path=write_files(tmp_path, two_rows()), names="J")
    assert report.refused
    assert [p.message for p in report.problems] == [msg.NAME_TOO_SHORT.format(name="J")]


def test_it_imports_a_table_with_a_text_column(project: Any, tmp_path: Path) -> None:
    header = "text,project,participant,participant_role,interview_date,interviewer,mode,title,Area"
    table = manifest(
        '"Interviewer: Hi\r\nParticipant: Hello, Sam",side-by-side,Willow,,2024-03-31,Amira,'
        "phone,First chat,North",
        header=header,
    )
    path = tmp_path / "batch.csv"
    path.write_text(table, encoding="utf-8")
    report = batch_import(path=path)
    interview = Interview.objects.get()
    assert interview.text == "Interviewer: Hi\nParticipant: Hello, Sam"
    assert interview.title == "First chat" and interview.participant.attributes == {"Area": "North"}
    assert report.count(CREATED) == 1


def test_it_records_an_audit_event_per_project(
    project: Any, other_project: Any, tmp_path: Path, admin_user: Any
) -> None:
    files = two_rows()
    files["manifest.csv"] = files["manifest.csv"].replace(
        "b.txt,side-by-side", f"b.txt,{other_project.slug}"
    )
    report = batch_import(path=write_files(tmp_path, files), user=admin_user)
    events = AuditEvent.objects.filter(action=AuditEvent.Action.IMPORT).order_by("project_id")
    assert [e.project_id for e in events] == sorted([project.pk, other_project.pk])
    assert all(e.actor == admin_user and e.object_id == str(report.batch.pk) for e in events)


def test_it_imports_a_large_batch_in_a_constant_number_of_queries(
    project: Any, tmp_path: Path, django_assert_max_num_queries: Any
) -> None:
    rows = [f"t{n}.txt,side-by-side,P{n},participant,2024-03-31,Amira,online," for n in range(300)]
    files: dict[str, str | bytes] = {"manifest.csv": manifest(*rows)}
    files.update({f"t{n}.txt": f"Participant: interview number {n}" for n in range(300)})
    path = write_files(tmp_path, files)
    with django_assert_max_num_queries(20):
        report = batch_import(path=path)
    assert report.count(CREATED) == 300


def test_it_prepares_each_text_before_the_write_transaction(
    project: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On SQLite the write transaction locks the whole database, and coders' saves wait for it:
    normalising, hashing and counting words happen before it opens, so it only writes."""
    from django.db import connection

    outer = len(connection.atomic_blocks)  # the test's own transaction
    depths: list[int] = []
    refresh = Interview.refresh_derived_fields

    def recording(self: Interview) -> None:
        depths.append(len(connection.atomic_blocks))
        refresh(self)

    monkeypatch.setattr(Interview, "refresh_derived_fields", recording)
    report = batch_import(path=write_files(tmp_path, two_rows()))
    assert report.count(CREATED) == 2
    assert depths == [outer, outer]


def test_it_rolls_back_an_uncoded_batch(project: Any, tmp_path: Path, admin_user: Any) -> None:
    Participant.objects.create(project=project, pseudonym="Willow")
    report = batch_import(path=write_files(tmp_path, two_rows()), user=admin_user)
    assert batch_rollback(batch=report.batch, user=admin_user) == 2
    assert not Interview.objects.exists()
    # Rowan came with the batch and goes with it; Willow was there before.
    assert list(Participant.objects.values_list("pseudonym", flat=True)) == ["Willow"]
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.ROLLED_BACK
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.ROLLBACK, project_id=project.pk
    ).exists()
    with pytest.raises(RollbackRefused, match=msg.ALREADY_ROLLED_BACK):
        batch_rollback(batch=batch, user=admin_user)
    # Rolled back, the same batch can be imported again.
    assert batch_import(path=tmp_path).count(CREATED) == 2


def test_it_refuses_to_roll_back_a_coded_batch(project: Any, tmp_path: Path, peer: Any) -> None:
    report = batch_import(path=write_files(tmp_path, two_rows()))
    make_excerpt(Interview.objects.first(), peer, 0, 5)
    with pytest.raises(RollbackRefused) as info:
        batch_rollback(batch=report.batch, user=None)
    assert str(info.value) == msg.BATCH_HAS_CODING.format(count=1)
    assert Interview.objects.count() == 2


def test_it_refuses_a_batch_that_another_import_beat_to_it(
    project: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    from coding.importing import plan

    path = write_files(tmp_path, two_rows())
    original = plan.mark_duplicates

    def racing(rows: Any) -> None:
        original(rows)
        monkeypatch.setattr(plan, "mark_duplicates", original)
        batch_import(path=path)  # lands between the plan and the save

    monkeypatch.setattr(plan, "mark_duplicates", racing)
    report = batch_import(path=path)
    assert report.refused and report.problems[-1].message == msg.CONCURRENT_IMPORT
    assert Interview.objects.count() == 2 and ImportBatch.objects.count() == 1


text_strategy = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cs", "Cc"),
        blacklist_characters="\ufeff",
        whitelist_characters="\n\t",
    ),
    min_size=1,
    max_size=300,
).filter(lambda t: normalise_text(t).strip())


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much],
)
@given(text=text_strategy, as_table=st.booleans())
def test_it_stores_any_text_identically(
    project: Any, tmp_path_factory: Any, text: str, as_table: bool
) -> None:
    folder = tmp_path_factory.mktemp("prop")
    if as_table:
        header = "text,project,participant,participant_role,interview_date,interviewer,mode"
        import csv
        import io

        out = io.StringIO()
        csv.writer(out).writerows(
            [header.split(","), [text, "side-by-side", "Willow", "", "", "", "online"]]
        )
        path = folder / "table.csv"
        path.write_text(out.getvalue(), encoding="utf-8")
    else:
        path = write_files(
            folder,
            {
                "manifest.csv": manifest("t.txt,side-by-side,Willow,,,,online,"),
                "t.txt": text.encode("utf-8"),
            },
        )
    report = batch_import(path=path)
    assert report.count(CREATED) == 1, report.all_problems()
    interview = Interview.objects.get(pk=report.rows[0].interview_id)
    assert interview.text == normalise_text(text)
    Interview.objects.all().delete()


def test_it_warns_about_a_row_name_missing_from_its_text(project: Any, tmp_path: Path) -> None:
    files = two_rows()
    files["manifest.csv"] = files["manifest.csv"].replace(
        "in person,", "in person,Hello;Sarha Jnoes"
    )
    report = batch_import(
        path=write_files(tmp_path, files), names="Absent Everywhere", dry_run=True
    )
    assert report.rows[0].warnings == [msg.NAMES_NOT_FOUND.format(missing=1, total=2)]
    assert report.rows[1].warnings == []


def test_it_refuses_a_word_document_that_is_a_zip_bomb(project: Any, tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.docx"
    make_zip(bomb, {"word/document.xml": b" " * (5 * 1024 * 1024)})  # packs to ~5 KB
    files = two_rows()
    files["manifest.csv"] = files["manifest.csv"].replace("b.txt", "bomb.docx")
    del files["b.txt"]
    files["bomb.docx"] = bomb.read_bytes()
    report = batch_import(path=write_files(tmp_path / "batch", files))
    assert report.rows[1].errors == [msg.CORRUPT_DOCX.format(file="bomb.docx")]
    assert not Interview.objects.exists()
