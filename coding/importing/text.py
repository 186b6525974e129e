"""Turning one transcript file (bytes) into normalised text.

Plain text arrives in whatever encoding the transcriber's computer used: a byte-order mark is
trusted, then UTF-16 without a mark, then strict UTF-8; anything else is guessed among the
Western encodings (Windows-1252 first) with charset-normalizer and reported as a warning.
Word, OpenDocument and RTF documents are read with python-docx, odfpy and striprtf.
"""

from __future__ import annotations

import codecs
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from ..archives import declared_total
from ..models import normalise_text
from . import problems as msg
from .problems import UnreadableFile

TEXT_SUFFIXES = {".txt", ".md", ".text"}
DOCUMENT_SUFFIXES = {".docx", ".odt", ".rtf"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | DOCUMENT_SUFFIXES

# Only encodings a UK transcriber's computer is likely to use: guessing among all of them turns
# "Café" into Urdu or Cyrillic on short files.
LEGACY_ENCODINGS = ["cp1252", "iso8859_15", "mac_roman"]
ENCODING_NAMES = {
    "cp1252": "Windows-1252 (Western European)",
    "iso8859_15": "ISO-8859-15 (Western European)",
    "mac_roman": "Mac OS Roman",
    "utf_16_le": "UTF-16",
    "utf_16_be": "UTF-16",
}
BOMS = [
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
]
SIGNATURES = [
    (b"PK\x03\x04", "a Word document or a zip file"),
    (b"%PDF", "a PDF"),
    (b"\xd0\xcf\x11\xe0", "an old Word or Excel document"),
    (b"\x89PNG", "a picture"),
    (b"\xff\xd8\xff", "a picture"),
    (b"GIF8", "a picture"),
    (b"{\\rtf", "an RTF document"),
]
# Control characters other than tab and line breaks: never part of a transcript.
CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f-\x9f]")
BINARY_CONTROL_SHARE = 0.01

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"


@dataclass
class Extracted:
    text: str
    warnings: list[str] = field(default_factory=list)


def extract_text(data: bytes, filename: str, *, max_unpacked: int) -> Extracted:
    """Return the normalised text of one transcript file, or raise UnreadableFile."""
    suffix = PurePosixPath(filename).suffix.lower()
    name = PurePosixPath(filename).name
    if suffix in TEXT_SUFFIXES:
        result = decode_text(data, name)
    elif suffix == ".docx":
        result = Extracted(docx_text(data, name, max_unpacked=max_unpacked))
    elif suffix == ".odt":
        result = Extracted(odt_text(data, name, max_unpacked=max_unpacked))
    elif suffix == ".rtf":
        result = Extracted(rtf_text(data, name))
    elif suffix == ".doc":
        raise UnreadableFile(msg.OLD_WORD.format(file=name))
    elif suffix == ".pdf":
        raise UnreadableFile(msg.PDF_FILE.format(file=name))
    else:
        raise UnreadableFile(msg.UNSUPPORTED_TYPE.format(file=name))
    text, removed = strip_control_characters(result.text)
    if removed:
        result.warnings.append(msg.control_characters(name, removed))
    result.text = normalise_text(text)
    return result


def strip_control_characters(text: str) -> tuple[str, int]:
    cleaned, count = CONTROL_RE.subn("", text)
    return cleaned, count


def decode_text(data: bytes, filename: str) -> Extracted:
    """Decode plain text: BOM, then UTF-16 by its zero bytes, UTF-8, then a Western guess."""
    for bom, encoding in BOMS:
        if data.startswith(bom):
            try:
                return Extracted(data[len(bom) :].decode(encoding))
            except UnicodeDecodeError:
                raise UnreadableFile(msg.UNDECODABLE.format(file=filename)) from None
    for signature, kind in SIGNATURES:
        if data.startswith(signature):
            suffix = PurePosixPath(filename).suffix or "(none)"
            raise UnreadableFile(
                msg.BINARY_NAMED_TEXT.format(file=filename, suffix=suffix, kind=kind)
            )
    if b"\x00" in data:
        encoding = utf16_without_bom(data)
        if encoding is None:
            raise UnreadableFile(binary_message(filename))
        text = data.decode(encoding)
        warning = msg.GUESSED_ENCODING.format(file=filename, encoding="UTF-16")
        return Extracted(text, [warning])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        guess = guess_legacy_encoding(data)
        if guess is None:
            raise UnreadableFile(msg.UNDECODABLE.format(file=filename)) from None
        text, encoding = guess
        warning = msg.GUESSED_ENCODING.format(
            file=filename, encoding=ENCODING_NAMES.get(encoding, encoding)
        )
        check_not_binary(text, filename)
        return Extracted(text, [warning])
    check_not_binary(text, filename)
    return Extracted(text)


def utf16_without_bom(data: bytes) -> str | None:
    """Return "utf-16-le"/"utf-16-be" when zero bytes fall where UTF-16 puts them, else None."""
    if len(data) % 2:
        return None
    half = len(data) // 2
    even_zeros = data[0::2].count(0)
    odd_zeros = data[1::2].count(0)
    for encoding, zeros, other in (
        ("utf-16-le", odd_zeros, even_zeros),
        ("utf-16-be", even_zeros, odd_zeros),
    ):
        if zeros >= half * 0.3 and other <= half * 0.05:
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                return None
            return encoding if not too_many_controls(text) else None
    return None


# Readers of legacy encodings, .docx, .odt and .rtf are imported where they are used: together
# they take seconds to load and most requests never read a transcript file.
def guess_legacy_encoding(data: bytes) -> tuple[str, str] | None:
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=LEGACY_ENCODINGS).best()
    if best is None:
        return None
    return str(best), best.encoding


def too_many_controls(text: str) -> bool:
    if not text:
        return False
    return len(CONTROL_RE.findall(text)) > max(8, len(text) * BINARY_CONTROL_SHARE)


def check_not_binary(text: str, filename: str) -> None:
    if too_many_controls(text):
        raise UnreadableFile(binary_message(filename))


def binary_message(filename: str) -> str:
    suffix = PurePosixPath(filename).suffix or "(none)"
    return msg.BINARY_NAMED_TEXT.format(file=filename, suffix=suffix, kind="binary data")


def check_inner_zip(data: bytes, max_unpacked: int) -> None:
    """Refuse a document whose inner zip would unpack to more than the limit (a zip bomb)."""
    if declared_total(data) > max_unpacked:
        raise zipfile.BadZipFile("document unpacks to more than the limit")


def docx_text(data: bytes, filename: str, *, max_unpacked: int) -> str:
    """Return the body text of a .docx, paragraphs and table rows in document order."""
    from docx import Document

    try:
        check_inner_zip(data, max_unpacked)
        body = Document(io.BytesIO(data)).element.body
        lines = list(docx_blocks(body))
    except Exception as exc:  # python-docx raises many kinds on a damaged file
        raise UnreadableFile(msg.CORRUPT_DOCX.format(file=filename)) from exc
    return "\n".join(lines)


def docx_blocks(body: object) -> Iterator[str]:
    for child in body:  # type: ignore[attr-defined]
        if child.tag == W + "p":
            yield docx_paragraph(child)
        elif child.tag == W + "tbl":
            for row in child.iter(W + "tr"):
                cells = ["\n".join(docx_paragraph(p) for p in tc.iter(W + "p")) for tc in row]
                yield table_row_line(cells)
        elif child.tag == W + "sdt":  # content controls wrap ordinary paragraphs
            content = child.find(W + "sdtContent")
            if content is not None:
                yield from docx_blocks(content)


def docx_paragraph(element: object) -> str:
    """Return a paragraph's visible text: runs, tabs and breaks; not deleted text or fields."""
    parts: list[str] = []

    def walk(node: object) -> None:
        for child in node:  # type: ignore[attr-defined]
            tag = child.tag
            if not isinstance(tag, str) or tag in (W + "del", W + "instrText", MC_FALLBACK):
                continue
            if tag == W + "t":
                parts.append(child.text or "")
            elif tag == W + "tab":
                parts.append("\t")
            elif tag in (W + "br", W + "cr"):
                parts.append("\n")
            elif tag == W + "noBreakHyphen":
                parts.append("-")
            else:
                walk(child)

    walk(element)
    return "".join(parts)


def table_row_line(cells: Iterable[str]) -> str:
    """One line per table row; a short first cell is the speaker of the second ("Name: text")."""
    texts = [cell.strip() for cell in cells]
    # Merged cells repeat their text in each grid column they span.
    texts = [t for i, t in enumerate(texts) if t and (i == 0 or t != texts[i - 1])]
    if len(texts) == 2 and len(texts[0]) <= 40 and "\n" not in texts[0]:
        label = texts[0] if texts[0].endswith(":") else texts[0] + ":"
        return f"{label} {texts[1]}"
    return "\t".join(texts)


def odt_text(data: bytes, filename: str, *, max_unpacked: int) -> str:
    from odf.opendocument import load

    try:
        check_inner_zip(data, max_unpacked)
        document = load(io.BytesIO(data))
        lines = list(odt_blocks(document.text))
    except Exception as exc:  # odfpy raises many kinds on a damaged file
        raise UnreadableFile(msg.CORRUPT_ODT.format(file=filename)) from exc
    return "\n".join(lines)


ODF_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
ODF_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
ODF_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
ODF_SKIPPED = {
    (ODF_OFFICE, "annotation"),
    (ODF_OFFICE, "annotation-end"),
    (ODF_TEXT, "note"),
    (ODF_TEXT, "tracked-changes"),
    (ODF_TEXT, "sequence-decls"),
}


def odt_blocks(element: object) -> Iterator[str]:
    for child in element.childNodes:  # type: ignore[attr-defined]
        qname = getattr(child, "qname", None)
        if qname in ((ODF_TEXT, "p"), (ODF_TEXT, "h")):
            yield odt_inline(child)
        elif qname == (ODF_TABLE, "table-row"):
            cells = [
                "\n".join(odt_blocks(cell))
                for cell in child.childNodes
                if getattr(cell, "qname", None) == (ODF_TABLE, "table-cell")
            ]
            yield table_row_line(cells)
        elif qname is not None and qname not in ODF_SKIPPED:
            yield from odt_blocks(child)


def odt_inline(element: object) -> str:
    parts: list[str] = []
    for child in element.childNodes:  # type: ignore[attr-defined]
        if child.nodeType == child.TEXT_NODE:
            parts.append(child.data)
            continue
        qname = getattr(child, "qname", None)
        if qname in ODF_SKIPPED:
            continue
        if qname == (ODF_TEXT, "line-break"):
            parts.append("\n")
        elif qname == (ODF_TEXT, "tab"):
            parts.append("\t")
        elif qname == (ODF_TEXT, "s"):
            parts.append(" " * int(child.getAttribute("c") or 1))
        else:
            parts.append(odt_inline(child))
    return "".join(parts)


ANSI_CODEPAGE_RE = re.compile(rb"\\ansicpg(\d+)")


def rtf_text(data: bytes, filename: str) -> str:
    from striprtf.striprtf import rtf_to_text

    if not data.lstrip(codecs.BOM_UTF8 + b" \r\n\t").startswith(b"{\\rtf"):
        raise UnreadableFile(msg.CORRUPT_RTF.format(file=filename))
    match = ANSI_CODEPAGE_RE.search(data[:2048])
    encoding = f"cp{int(match.group(1))}" if match else "cp1252"
    try:
        codecs.lookup(encoding)
    except LookupError:
        encoding = "cp1252"
    try:
        return rtf_to_text(data.decode(encoding, errors="replace"), encoding=encoding)
    except Exception as exc:  # striprtf raises on broken escapes
        raise UnreadableFile(msg.CORRUPT_RTF.format(file=filename)) from exc
