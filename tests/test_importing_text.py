"""Turning transcript files into text: encodings, document formats, bad files."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coding.importing import problems as msg
from coding.importing.problems import UnreadableFile
from coding.importing.text import extract_text
from coding.models import normalise_text

DATA = Path(__file__).parent / "data" / "import"
LIMIT = 10 * 1024 * 1024


def extract(data: bytes, name: str) -> tuple[str, list[str]]:
    result = extract_text(data, name, max_unpacked=LIMIT)
    return result.text, result.warnings


@pytest.mark.parametrize(
    "encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32"]
)
def test_it_reads_unicode_text_in_every_encoding(encoding: str) -> None:
    text = "Interviewer: Café, naïve, “quoted” – 😊\nParticipant: Zoë’s tea."
    decoded, warnings = extract(text.encode(encoding), "a.txt")
    assert decoded == text
    # Only UTF-16 without a byte-order mark is a guess worth a warning.
    assert bool(warnings) == (encoding in ("utf-16-le", "utf-16-be"))


def test_it_reads_a_windows_1252_file_with_a_warning() -> None:
    decoded, warnings = extract((DATA / "good" / "interview-03.txt").read_bytes(), "i.txt")
    assert "café" in decoded and "Zoë" in decoded and "£2" in decoded and "– it’s" in decoded
    assert warnings == [
        msg.GUESSED_ENCODING.format(file="i.txt", encoding="Windows-1252 (Western European)")
    ]


def test_it_normalises_text() -> None:
    decomposed = "Cafe\u0301  \r\nline two\t \rthree\n\n"
    decoded, _ = extract(decomposed.encode("utf-8"), "n.md")
    assert decoded == "Caf\u00e9\nline two\nthree"


def test_it_reads_a_real_docx_with_its_table() -> None:
    decoded, warnings = extract((DATA / "good" / "interview-01.docx").read_bytes(), "x.docx")
    lines = decoded.split("\n")
    assert lines[0] == "Interview 01"
    assert lines[1].startswith("Interviewer: Thank you for meeting me.")
    assert lines[-1] == "Participant: It felt like people got it – they’d been there too."
    assert warnings == []


def test_it_reads_docx_breaks_and_tabs_but_not_deleted_text() -> None:
    from docx import Document
    from docx.oxml import parse_xml

    document = Document()
    paragraph = document.add_paragraph("P:\tfirst")
    paragraph.add_run().add_break()
    paragraph.add_run("second")
    ns = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    paragraph._p.append(
        parse_xml(
            f'<w:del {ns} w:id="1" w:author="x"><w:r><w:delText>gone</w:delText></w:r></w:del>'
        )
    )
    paragraph._p.append(
        parse_xml(f'<w:ins {ns} w:id="2" w:author="x"><w:r><w:t> kept</w:t></w:r></w:ins>')
    )
    buffer = io.BytesIO()
    document.save(buffer)
    decoded, _ = extract(buffer.getvalue(), "t.docx")
    assert decoded == "P:\tfirst\nsecond kept"


def test_it_reads_odt_and_rtf() -> None:
    odt, _ = extract((DATA / "good" / "interview-05.odt").read_bytes(), "i.odt")
    assert odt.split("\n") == [
        "I: How do you take part now?",
        "P: Mostly online since the pandemic. I choose when I join.",
    ]
    rtf, _ = extract((DATA / "good" / "interview-06.rtf").read_bytes(), "i.rtf")
    assert rtf.endswith("Participant: Friendly. People say “café talk” – nothing heavy.")


@pytest.mark.parametrize(
    ("sample", "message"),
    [
        (
            "binary.txt",
            msg.BINARY_NAMED_TEXT.format(file="f.txt", suffix=".txt", kind="binary data"),
        ),
        ("undecodable.txt", msg.UNDECODABLE.format(file="f.txt")),
    ],
)
def test_it_refuses_binary_and_undecodable_text(sample: str, message: str) -> None:
    with pytest.raises(UnreadableFile) as info:
        extract((DATA / "bad" / sample).read_bytes(), "f.txt")
    assert str(info.value) == message


def test_it_names_what_a_binary_file_looks_like() -> None:
    docx = (DATA / "good" / "interview-01.docx").read_bytes()
    with pytest.raises(UnreadableFile, match="a Word document or a zip file"):
        extract(docx, "renamed.txt")


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("c.docx", (DATA / "bad" / "corrupt.docx").read_bytes(), msg.CORRUPT_DOCX),
        ("c.odt", b"PK\x03\x04 nothing", msg.CORRUPT_ODT),
        ("c.rtf", b"plain text pretending", msg.CORRUPT_RTF),
        ("c.doc", b"\xd0\xcf\x11\xe0", msg.OLD_WORD),
        ("c.pdf", b"%PDF-1.4", msg.PDF_FILE),
        ("c.exe", b"MZ", msg.UNSUPPORTED_TYPE),
    ],
)
def test_it_refuses_damaged_and_unsupported_documents(name: str, data: bytes, message: str) -> None:
    with pytest.raises(UnreadableFile) as info:
        extract(data, name)
    assert str(info.value) == message.format(file=name)


def test_it_refuses_a_docx_that_unpacks_beyond_the_limit() -> None:
    docx = (DATA / "good" / "interview-01.docx").read_bytes()
    with pytest.raises(UnreadableFile) as info:
        extract_text(docx, "big.docx", max_unpacked=1000)
    assert str(info.value) == msg.CORRUPT_DOCX.format(file="big.docx")


def test_it_removes_stray_control_characters_with_a_warning() -> None:
    decoded, warnings = extract(b"Participant: yes\x0c\x1a", "c.txt")
    assert decoded == "Participant: yes"
    assert warnings == ["Removed from c.txt: 2 invisible control characters."]


# Any text a transcriber can type: no surrogates, no control characters but tab and newline,
# no byte-order mark (which at the start of a file is taken for one).
transcript_text = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cs", "Cc"),
        blacklist_characters="\ufeff",
        whitelist_characters="\n\t",
    ),
    min_size=1,
    max_size=400,
).filter(lambda t: normalise_text(t).strip())


@settings(max_examples=150, deadline=None)
@given(text=transcript_text, encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]))
def test_it_keeps_any_text_identical(text: str, encoding: str) -> None:
    decoded, _ = extract(text.encode(encoding), "any.txt")
    assert decoded == normalise_text(text)
