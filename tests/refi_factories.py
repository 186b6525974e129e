"""Small REFI-QDA files made in tests, and the paths of the real ones in tests/data/refi/."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any

from lxml import etree

DATA = Path(__file__).resolve().parent / "data" / "refi"
PROJECT_XSD = DATA / "Project.xsd"
ATLAS = DATA / "atlas_TestProject.qdpx"
CPROCTOR = DATA / "cproctor_demo.qdpx"

USER = "11111111-1111-4111-8111-111111111111"
CODE_SAFE = "22222222-2222-4222-8222-222222222222"
CODE_NEW = "33333333-3333-4333-8333-333333333333"
CODE_CHILD = "44444444-4444-4444-8444-444444444444"
SOURCE = "55555555-5555-4555-8555-555555555555"


def guid(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012d}"


def qde(body: str, *, name: str = "Test", namespace: str = "urn:QDA-XML:project:1.0") -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<Project xmlns="{namespace}" name="{name}" origin="tests">{body}</Project>'
    )


def codebook(*codes: str) -> str:
    return f"<CodeBook><Codes>{''.join(codes)}</Codes></CodeBook>"


def code(guid: str, name: str, inner: str = "", color: str = "#AA0000") -> str:
    return f'<Code guid="{guid}" name="{name}" isCodable="true" color="{color}">{inner}</Code>'


def selection(
    guid: str, start: int, end: int, *codes: str, user: str = USER, inner: str = ""
) -> str:
    codings = "".join(coding(f"{guid[:-4]}{i:04d}", c, user) for i, c in enumerate(codes))
    return (
        f'<PlainTextSelection guid="{guid}" startPosition="{start}" endPosition="{end}" '
        f'creatingUser="{user}">{inner}{codings}</PlainTextSelection>'
    )


def coding(guid: str, code: str, user: str = USER) -> str:
    return f'<Coding guid="{guid}" creatingUser="{user}"><CodeRef targetGUID="{code}"/></Coding>'


def variable_value(variable: str, value: str) -> str:
    return (
        f'<VariableValue><VariableRef targetGUID="{variable}"/>'
        f"<TextValue>{value}</TextValue></VariableValue>"
    )


def note(guid: str, text: str, user: str | None = None) -> str:
    creator = f' creatingUser="{user}"' if user else ""
    content = f"<PlainTextContent>{text}</PlainTextContent>"
    return f'<Note guid="{guid}" name="Note"{creator}>{content}</Note>'


def codebook_qdc(codes: str) -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="tests">'
        f"<Codes>{codes}</Codes></CodeBook>"
    )


def users(*pairs: tuple[str, str]) -> str:
    return "<Users>" + "".join(f'<User guid="{g}" name="{n}"/>' for g, n in pairs) + "</Users>"


def simple_project(text_source: str, *, extra_codes: str = "") -> str:
    """A project with one coder, the codes Safety and Belonging, and the given sources."""
    return qde(
        users((USER, "Robin Coder"))
        + codebook(code(CODE_SAFE, "Safety"), code(CODE_NEW, "Belonging"), extra_codes)
        + f"<Sources>{text_source}</Sources>"
    )


def qdpx(
    xml: str | bytes, files: dict[str, str | bytes] | None = None, *, qde_name: str = "project.qde"
) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(qde_name, xml)
        for name, content in (files or {}).items():
            archive.writestr(name, content)
    buffer.seek(0)
    return buffer


def project_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(PROJECT_XSD)))


def codebook_schema() -> etree.XMLSchema:
    """The codebook schema: Project.xsd's types in the codebook namespace, rooted at CodeBook.

    REFI-QDA's Codebook.xsd declares the same Code type; deriving it keeps one schema file here.
    """
    text = PROJECT_XSD.read_text(encoding="utf-8").replace(
        "urn:QDA-XML:project:1.0", "urn:QDA-XML:codebook:1.0"
    )
    root_element = (
        '<xsd:element name="CodeBook" type="QdcCodeBookType"/>'
        '<xsd:complexType name="QdcCodeBookType"><xsd:sequence>'
        '<xsd:element name="Codes" type="CodesType"/>'
        '<xsd:element name="Sets" type="SetsType" minOccurs="0"/>'
        '</xsd:sequence><xsd:attribute name="origin" type="xsd:string"/></xsd:complexType>'
    )
    text = re.sub(r"(<xsd:element name=\"Project\")", root_element + r"\1", text, count=1)
    return etree.XMLSchema(etree.fromstring(text.encode("utf-8")))


def read_qde(archive: Any) -> bytes:
    with zipfile.ZipFile(archive) as opened:
        return opened.read("project.qde")
