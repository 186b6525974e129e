"""Write the binary sample files of this folder again: `python tests/data/import/make_samples.py`.

The text samples are kept as they are; this makes the .docx (with python-docx), the .odt (with
odfpy), the Windows-1252 and UTF-16 files and the harmful zips, so each can be checked by eye.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
GOOD = HERE / "good"
BAD = HERE / "bad"

DOCX_LINES = [
    "Interviewer: Thank you for meeting me. How did you first hear about the group?",
    "Participant: My support worker, Sarah Jones, told me about it. I was nervous.",
    "Interviewer: What made it feel safe?",
    "Participant: Nobody pushed me to talk. Sarah said I could just listen the first time.",
]


def write_docx(path: Path) -> None:
    from docx import Document

    document = Document()
    document.add_heading("Interview 01", level=1)
    for line in DOCX_LINES:
        document.add_paragraph(line)
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "Participant"
    table.rows[0].cells[1].text = "It felt like people got it – they’d been there too."
    document.save(path)


def write_odt(path: Path) -> None:
    from odf.opendocument import OpenDocumentText
    from odf.text import P

    document = OpenDocumentText()
    for line in [
        "I: How do you take part now?",
        "P: Mostly online since the pandemic. I choose when I join.",
    ]:
        document.text.addElement(P(text=line))
    document.save(str(path))


def write_zip(path: Path, entries: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(zipfile.ZipInfo(name), data)


def main() -> None:
    GOOD.mkdir(exist_ok=True)
    BAD.mkdir(exist_ok=True)
    write_docx(GOOD / "interview-01.docx")
    write_odt(GOOD / "interview-05.odt")
    cafe = (
        "Interviewer: Was the café a good place to meet?\r\n"
        "Participant: Yes – it’s quiet, and Zoë the owner knows us. It costs £2 for tea.\r\n"
    )
    (GOOD / "interview-03.txt").write_bytes(cafe.encode("cp1252"))
    (GOOD / "interview-04.txt").write_text(
        "[00:00:05] Interviewer: Did you feel you could say no?\n"
        "[00:00:09] Participant: Always. That’s what made me come back.\n",
        encoding="utf-16",
    )
    (BAD / "binary.txt").write_bytes(bytes(range(256)) * 8)
    (BAD / "undecodable.txt").write_bytes(b"Hello \x81\x8d\x8f\x90\x9d world \xc3\x28 \xff" * 10)
    (BAD / "corrupt.docx").write_bytes(b"PK\x03\x04" + b"this is not really a word file" * 20)
    write_zip(
        BAD / "traversal.zip",
        {
            "manifest.csv": (GOOD / "manifest.csv").read_bytes(),
            "../../etc/evil.txt": b"Participant: escaped",
        },
    )
    write_zip(
        BAD / "absolute.zip",
        {
            "manifest.csv": (GOOD / "manifest.csv").read_bytes(),
            "/tmp/evil.txt": b"Participant: escaped",
        },
    )


if __name__ == "__main__":
    main()
