"""Reading batches safely: zip entries, zip bombs, limits and manifests in their many forms."""

from __future__ import annotations

import unicodedata
import zipfile
from pathlib import Path
from typing import Any

import pytest

from coding.importing import batch_import
from coding.importing import problems as msg
from coding.importing.manifest import manifest_template
from coding.importing.report import CREATED, READY
from coding.importing.sources import Limits
from coding.models import ImportBatch, Interview

from .test_importing_pipeline import DATA, HEADER, make_zip, manifest, two_rows, write_files

SMALL = Limits(max_files=3, max_file_size=2000, max_total_size=50_000, max_ratio=100)


def refusal(report: Any) -> list[str]:
    assert report.refused
    assert not Interview.objects.exists() and not ImportBatch.objects.exists()
    return [p.message for p in report.problems]


@pytest.mark.parametrize(
    ("sample", "entry"),
    [("traversal.zip", "../../etc/evil.txt"), ("absolute.zip", "/tmp/evil.txt")],
)
def test_it_refuses_zip_entries_outside_the_batch(project: Any, sample: str, entry: str) -> None:
    report = batch_import(path=DATA / "bad" / sample)
    assert refusal(report) == [msg.UNSAFE_PATH.format(file=entry)]


def test_it_refuses_a_zip_bomb(project: Any, tmp_path: Path) -> None:
    files = two_rows()
    files["a.txt"] = b"0" * (20 * 1024 * 1024)  # packs to about 20 KB
    report = batch_import(path=make_zip(tmp_path / "bomb.zip", files))
    [message] = refusal(report)
    assert message.startswith("a.txt unpacks to ") and "(the limit is 100×)" in message


def test_it_refuses_a_zip_that_unpacks_beyond_the_total_limit(project: Any, tmp_path: Path) -> None:
    files = two_rows()
    files["a.txt"] = ("Participant: words " * 4000).encode()  # 76 KB, well compressed but < 100×
    report = batch_import(path=make_zip(tmp_path / "big.zip", files), limits=SMALL)
    assert refusal(report) == [msg.TOO_LARGE_UNPACKED.format(size="74.5 KB", limit="48.8 KB")]


def test_it_refuses_too_many_files(project: Any, tmp_path: Path) -> None:
    files = two_rows()
    files.update({f"x{n}.txt": f"Participant: {n}" for n in range(4)})
    report = batch_import(path=make_zip(tmp_path / "many.zip", files), limits=SMALL)
    assert refusal(report) == [msg.TOO_MANY_FILES.format(count=7, limit=3)]


def test_it_refuses_a_file_over_the_size_limit(project: Any, tmp_path: Path) -> None:
    files = two_rows()
    files["b.txt"] = "Participant: " + "talk " * 500
    report = batch_import(path=write_files(tmp_path, files), limits=SMALL)
    assert report.rows[1].errors == [
        msg.FILE_TOO_LARGE.format(file="b.txt", size="2.5 KB", limit="2.0 KB")
    ]
    assert report.batch is None and not Interview.objects.exists()


def test_it_refuses_a_damaged_zip(project: Any, tmp_path: Path) -> None:
    path = tmp_path / "broken.zip"
    path.write_bytes(b"PK\x03\x04 not a zip at all")
    assert refusal(batch_import(path=path)) == [msg.BAD_ZIP]


def test_it_refuses_a_zip_without_a_manifest(project: Any, tmp_path: Path) -> None:
    files = two_rows()
    del files["manifest.csv"]
    assert refusal(batch_import(path=make_zip(tmp_path / "b.zip", files))) == [msg.NO_MANIFEST]


def test_it_reads_a_zip_of_a_folder_with_decomposed_names(project: Any, tmp_path: Path) -> None:
    """macOS zips a folder with its name inside, and writes names decomposed (NFD)."""
    name = unicodedata.normalize("NFD", "Zoë.txt")
    files = {
        "batch/manifest.csv": manifest("Zoë.txt,side-by-side,Willow,,2024-03-31,A,online,"),
        f"batch/{name}": "Participant: hello",
        "__MACOSX/batch/._Zoë.txt": b"resource fork",
    }
    report = batch_import(path=make_zip(tmp_path / "mac.zip", files))
    assert report.count(CREATED) == 1, report.all_problems()


def test_it_reads_a_manifest_with_a_bom_and_semicolons(project: Any, tmp_path: Path) -> None:
    files = two_rows()
    text = files["manifest.csv"].replace(",", ";").replace(";in person;", ";in person;Sam")
    files["manifest.csv"] = "\ufeff".encode() + text.encode("utf-8")
    report = batch_import(path=write_files(tmp_path, files), dry_run=True)
    assert [p.message for p in report.problems] == [
        msg.SEMICOLON_MANIFEST.format(file="manifest.csv")
    ]
    assert report.count(READY) == 2 and not report.has_errors


def test_it_reads_a_windows_1252_manifest(project: Any, tmp_path: Path) -> None:
    files = two_rows()
    files["manifest.csv"] = files["manifest.csv"].replace("Amira", "Zoë").encode("cp1252")
    report = batch_import(path=write_files(tmp_path, files))
    assert Interview.objects.get(title="a").interviewer == "Zoë"
    assert report.problems[0].message.startswith("manifest.csv was not saved as UTF-8")


def test_it_refuses_a_manifest_with_missing_columns(project: Any, tmp_path: Path) -> None:
    files = two_rows()
    files["manifest.csv"] = "file,project,participant\na.txt,side-by-side,Willow\n"
    report = batch_import(path=write_files(tmp_path, files))
    assert refusal(report) == [
        msg.missing_columns(
            "manifest.csv", ["participant_role", "interview_date", "interviewer", "mode"]
        ),
        # Every problem of the batch is said at once, not only the first one found.
        msg.ORPHAN_FILE.format(file="b.txt"),
    ]


def test_it_accepts_headers_as_people_write_them(project: Any, tmp_path: Path) -> None:
    files = two_rows()
    header = "File,Project,Participant,Participant role,Interview date,Interviewer,Mode,Redact"
    files["manifest.csv"] = files["manifest.csv"].replace(HEADER, header)
    assert batch_import(path=write_files(tmp_path, files), dry_run=True).count(READY) == 2


def test_it_refuses_an_empty_manifest(project: Any, tmp_path: Path) -> None:
    files = {"manifest.csv": HEADER + "\n,,,,,,,\n"}
    report = batch_import(path=write_files(tmp_path, files))
    assert refusal(report) == [msg.EMPTY_MANIFEST.format(file="manifest.csv")]


def test_it_reads_an_xlsx_table(project: Any, tmp_path: Path) -> None:
    from datetime import datetime

    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["text", "project", "participant", "participant_role", "interview_date",
                  "interviewer", "mode", "Age"])  # fmt: skip
    sheet.append(["Participant: it was fine", "side-by-side", "Willow", "participant",
                  datetime(2024, 3, 31), "Amira", "phone", 42])  # fmt: skip
    workbook.save(tmp_path / "batch.xlsx")
    report = batch_import(path=tmp_path / "batch.xlsx")
    interview = Interview.objects.get()
    assert report.count(CREATED) == 1
    assert interview.date.isoformat() == "2024-03-31"
    assert interview.participant.attributes == {"Age": "42"}


def test_it_refuses_a_damaged_xlsx(project: Any, tmp_path: Path) -> None:
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"not a workbook")
    assert refusal(batch_import(path=path)) == [msg.BAD_SPREADSHEET.format(file="broken.xlsx")]


def test_it_says_a_table_cannot_reach_files(project: Any, tmp_path: Path) -> None:
    path = tmp_path / "rows.csv"
    path.write_text(two_rows()["manifest.csv"], encoding="utf-8")
    report = batch_import(path=path, dry_run=True)
    assert report.rows[0].errors == [msg.FILE_NOT_UPLOADED.format(file="a.txt")]


def test_it_reads_a_folder_through_its_manifest(project: Any, tmp_path: Path) -> None:
    write_files(tmp_path, two_rows())
    assert batch_import(path=tmp_path / "manifest.csv").count(CREATED) == 2


def test_it_refuses_links_in_a_folder(project: Any, tmp_path: Path) -> None:
    write_files(tmp_path, two_rows())
    (tmp_path / "b.txt").unlink()
    (tmp_path / "b.txt").symlink_to("/etc/passwd")
    assert refusal(batch_import(path=tmp_path)) == [msg.UNSAFE_LINK.format(file="b.txt")]


def test_it_refuses_a_manifest_path_outside_the_folder(project: Any, tmp_path: Path) -> None:
    folder = write_files(tmp_path / "batch", two_rows())
    (tmp_path / "secret.txt").write_text("Participant: not part of the batch")
    manifest_path = folder / "manifest.csv"
    manifest_path.write_text(manifest_path.read_text().replace("b.txt", "../secret.txt"))
    (folder / "b.txt").unlink()
    report = batch_import(path=folder, dry_run=True)
    assert report.rows[1].errors == [msg.BAD_PATH_IN_ROW.format(file="../secret.txt")]


def test_it_refuses_a_password_protected_zip(project: Any, tmp_path: Path) -> None:
    path = make_zip(tmp_path / "locked.zip", two_rows())
    data = bytearray(path.read_bytes())
    # Set the "encrypted" flag of every entry, in local and central headers.
    with zipfile.ZipFile(path) as archive:
        offsets = [info.header_offset for info in archive.infolist()]
    for offset in offsets:
        data[offset + 6] |= 0x1
    central = data.find(b"PK\x01\x02")
    while central != -1:
        data[central + 8] |= 0x1
        central = data.find(b"PK\x01\x02", central + 4)
    path.write_bytes(bytes(data))
    [message] = refusal(batch_import(path=path))
    assert message == msg.ENCRYPTED_ZIP.format(file="manifest.csv")


def test_it_offers_a_template_that_imports(project: Any, tmp_path: Path) -> None:
    template = manifest_template()
    assert template.splitlines()[0].split(",") == [
        "file",
        "project",
        "participant",
        "participant_role",
        "interview_date",
        "interviewer",
        "mode",
        "redact",
        "quote_consent",
        "age_band",
    ]
    files: dict[str, str | bytes] = {
        "manifest.csv": template,
        "interview-01.docx": (DATA / "good" / "interview-01.docx").read_bytes(),
        "interview-02.txt": "Participant: hello",
    }
    report = batch_import(path=write_files(tmp_path, files), dry_run=True)
    assert report.count(READY) == 2 and not report.has_errors, report.all_problems()
    consent = {row.pseudonym: row.quote_consent for row in report.rows}
    assert consent == {"Willow": "yes", "Rowan": "not_asked"}
