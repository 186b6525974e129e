"""Reading and writing REFI-QDA XML: `project.qde` inside a `.qdpx`, and `.qdc` codebooks.

Reading turns the XML into plain dataclasses and never touches the database. Untrusted XML is
parsed with defusedxml, with DTDs refused outright: REFI-QDA files never need one, and entity
expansion ("billion laughs") and external entities both hide in a DTD. Writing uses the
standard library's ElementTree, which only ever serialises what we built.
"""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from typing import IO

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from .. import archives
from ..archives import QDE_MAX_BYTES, ArchiveDamaged, ArchiveTooLarge, MiB

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
ORIGIN = "Peer Values"

# Stable GUIDs for things that have no guid field of their own (users, variables, notes).
GUID_NAMESPACE = uuid.UUID("9b1f0c4e-3b7c-5b1e-9f3e-506565725661")

MAX_ERRORS_SHOWN = 30

NOT_A_ZIP = "{name} is not a REFI-QDA project (.qdpx): it is not a zip archive."
NO_PROJECT_QDE = "{name} has no project.qde: it is not a REFI-QDA project."
TOO_BIG = "{name} unpacks to more than {limit} MB; refused to protect the server."
TOO_PACKED = (
    "{name} unpacks to {ratio}× its packed size (the limit is {limit}×). A file like this can be "
    "harmful, so nothing was imported."
)
DAMAGED = "{name} is damaged: part of it cannot be unpacked. Export the project again."
NOT_XML = "{name} is not well-formed XML: {error}."
UNSAFE_XML = (
    "{name} declares a DTD or entities. REFI-QDA files never need them, and they can hide "
    "entity-expansion or external-entity attacks, so the file is refused."
)
WRONG_NAMESPACE = (
    "{name} is XML of another kind: its root is <{tag}> in namespace {namespace}, "
    "not <{expected_tag}> in {expected}."
)
BAD_NUMBER = "Selection {guid} in source '{source}' has a position that is not a whole number."
MISSING_GUID = "A <{tag}> element has no guid."
BAD_GUID = "A <{tag}> element has a guid that is not a GUID: {guid!r}."

_INVALID_XML_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class RefiError(Exception):
    """A file that cannot be imported; `messages` says every reason found."""

    def __init__(self, messages: list[str] | str) -> None:
        self.messages = [messages] if isinstance(messages, str) else list(messages)
        shown = self.messages[:MAX_ERRORS_SHOWN]
        if len(self.messages) > MAX_ERRORS_SHOWN:
            shown.append(f"… and {len(self.messages) - MAX_ERRORS_SHOWN} more problems.")
        self.messages = shown
        super().__init__(" ".join(shown))


# --- what a file holds -------------------------------------------------------------------------


@dataclass
class QdeCode:
    guid: str
    name: str
    color: str = ""
    description: str = ""
    parent: str | None = None  # guid of the enclosing code
    path: tuple[str, ...] = ()  # names from the top of the codebook down to this code
    is_codable: bool = True


@dataclass
class QdeCoding:
    guid: str
    code: str  # guid of the code
    user: str | None  # guid of the creating user


@dataclass
class QdeSelection:
    guid: str | None  # None for a coding of a whole source
    name: str
    start: int | None  # None means the whole text
    end: int | None
    user: str | None
    description: str = ""
    codings: list[QdeCoding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class QdeSource:
    guid: str
    name: str
    kind: str  # "TextSource" or "Representation" (the plain text of a PDF)
    plain_text: str | None = None  # given inline as PlainTextContent
    plain_text_path: str = ""
    user: str | None = None
    selections: list[QdeSelection] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    variables: dict[str, str] = field(default_factory=dict)  # variable guid -> value


@dataclass
class QdeCase:
    guid: str
    name: str
    description: str = ""
    variables: dict[str, str] = field(default_factory=dict)  # variable guid -> value
    sources: list[str] = field(default_factory=list)


@dataclass
class QdeNote:
    guid: str
    name: str
    text: str
    user: str | None = None
    plain_text_path: str = ""


@dataclass
class QdeDocument:
    kind: str  # "project" or "codebook"
    name: str = ""
    origin: str = ""
    users: dict[str, str] = field(default_factory=dict)  # guid -> name
    codes: list[QdeCode] = field(default_factory=list)
    variables: dict[str, str] = field(default_factory=dict)  # guid -> name
    cases: list[QdeCase] = field(default_factory=list)
    sources: list[QdeSource] = field(default_factory=list)
    notes: dict[str, QdeNote] = field(default_factory=dict)
    # Counts of what has no counterpart here (picture, PDF, audio and video selections).
    skipped_sources: Counter[str] = field(default_factory=Counter)
    skipped_selections: Counter[str] = field(default_factory=Counter)
    skipped_codings: Counter[str] = field(default_factory=Counter)
    coding_count: int = 0  # every <Coding> in the file
    sets: int = 0
    guid_kinds: list[tuple[str, str]] = field(default_factory=list)  # (guid, what) to check


@dataclass
class Package:
    """A `.qdpx` or `.qdc` opened: the document, and the text of each source that has one."""

    document: QdeDocument
    texts: dict[str, str] = field(default_factory=dict)  # source guid -> raw plain text
    missing: list[str] = field(default_factory=list)  # names of sources without their text
    unreadable: list[str] = field(default_factory=list)  # names of sources not in UTF-8


# --- reading ------------------------------------------------------------------------------------


def read_package(file: IO[bytes], filename: str) -> Package:
    """Open an uploaded `.qdpx` (or `.qdc` when the name says so) and read everything in it."""
    if filename.lower().endswith(".qdc"):
        return Package(parse_xml(_read(file, filename, declared=0, limit=QDE_MAX_BYTES), filename))
    return _read_archive(file, filename, archives.qdpx_limits())


def _read_archive(file: IO[bytes], filename: str, limits: archives.Limits) -> Package:
    if not zipfile.is_zipfile(file):
        raise RefiError(NOT_A_ZIP.format(name=filename))
    packed_size = file.seek(0, 2)
    file.seek(0)
    try:
        archive = zipfile.ZipFile(file)
    except (zipfile.BadZipFile, OSError) as exc:
        raise RefiError(NOT_A_ZIP.format(name=filename)) from exc
    with archive:
        members = archive.infolist()
        if len(members) > limits.max_files:
            raise RefiError(TOO_BIG.format(name=filename, limit=limits.max_total_size // MiB))
        budget = archives.total_budget(limits, packed_size=packed_size)
        try:
            archives.check_declared(members, limits, budget)
        except ArchiveTooLarge as exc:
            raise RefiError(_too_large(exc, filename)) from None
        by_name = {_member_key(m.filename): m for m in members if not m.is_dir()}
        # project.qde at the top, or in the one folder that a zipped folder adds.
        found = [k for k in by_name if k.rpartition("/")[2] == "project.qde"]
        if "project.qde" in found:
            found = ["project.qde"]
        if len(found) != 1:
            raise RefiError(NO_PROJECT_QDE.format(name=filename))
        folder = found[0].removesuffix("project.qde")
        contents = {k.removeprefix(folder): m for k, m in by_name.items() if k.startswith(folder)}
        qde = contents["project.qde"]
        document = parse_xml(_read_member(archive, qde, QDE_MAX_BYTES, filename, budget), filename)
        package = Package(document)
        for source in document.sources:
            if source.plain_text is not None:
                package.texts[source.guid] = source.plain_text
                continue
            member = _find_source_member(contents, source.plain_text_path)
            if member is None:
                package.missing.append(source.name)
                continue
            raw = _read_member(archive, member, limits.max_file_size, filename, budget)
            try:
                package.texts[source.guid] = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                package.unreadable.append(source.name)
        for note in document.notes.values():  # notes are text sources too: inline or a file
            member = None if note.text else _find_source_member(contents, note.plain_text_path)
            if member is not None:
                raw = _read_member(archive, member, limits.max_file_size, filename, budget)
                note.text = raw.decode("utf-8-sig", errors="replace")
        return package


def _member_key(name: str) -> str:
    """Zip member names compared as paths: forward slashes, no leading ./ or /, any case."""
    return name.replace("\\", "/").lstrip("/").removeprefix("./").lower()


def _find_source_member(by_name: dict[str, zipfile.ZipInfo], path: str) -> zipfile.ZipInfo | None:
    if not path:
        return None
    if path.startswith("internal://"):
        candidates = [f"sources/{path.removeprefix('internal://')}"]
    elif "://" in path:
        return None  # relative:// and absolute:// name files outside the package
    else:
        candidates = [f"sources/{path}", path]
    for candidate in candidates:
        member = by_name.get(_member_key(candidate))
        if member is not None:
            return member
    return None


def _read_member(
    archive: zipfile.ZipFile,
    member: zipfile.ZipInfo,
    limit: int,
    name: str,
    budget: archives.Budget,
) -> bytes:
    if member.file_size > limit:  # refused before it is opened
        raise RefiError(TOO_BIG.format(name=name, limit=limit // MiB))
    with archive.open(member) as handle:
        return _read(handle, name, declared=member.file_size, limit=limit, budget=budget)


def _read(
    handle: IO[bytes],
    name: str,
    *,
    declared: int,
    limit: int,
    budget: archives.Budget | None = None,
) -> bytes:
    try:
        return archives.read_capped(
            handle, member=name, declared=declared, limit=limit, budget=budget
        )
    except ArchiveTooLarge as exc:
        raise RefiError(_too_large(exc, name)) from None
    except ArchiveDamaged:
        raise RefiError(DAMAGED.format(name=name)) from None


def _too_large(exc: ArchiveTooLarge, name: str) -> str:
    if exc.kind == archives.RATIO:
        return TOO_PACKED.format(name=name, ratio=exc.size, limit=exc.limit)
    return TOO_BIG.format(name=name, limit=exc.limit // MiB)


def parse_xml(data: bytes, filename: str) -> QdeDocument:
    """Parse a project.qde or a .qdc codebook into a QdeDocument."""
    try:
        root = SafeET.fromstring(data, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise RefiError(UNSAFE_XML.format(name=filename)) from exc
    except ET.ParseError as exc:
        raise RefiError(NOT_XML.format(name=filename, error=exc)) from exc
    namespace, tag = root.tag[1:].split("}", 1) if root.tag.startswith("{") else ("", root.tag)
    # A .qdc holds a codebook and a project.qde a project: anything else is another kind of file.
    expected, expected_tag = (
        (CODEBOOK_NS, "CodeBook") if filename.lower().endswith(".qdc") else (PROJECT_NS, "Project")
    )
    if (namespace, tag) != (expected, expected_tag):
        raise RefiError(
            WRONG_NAMESPACE.format(
                name=filename,
                tag=tag,
                namespace=namespace or "(none)",
                expected_tag=expected_tag,
                expected=expected,
            )
        )
    reader = _Reader(expected)
    return reader.codebook(root) if expected == CODEBOOK_NS else reader.project(root)


_GUID = re.compile(r"^\{?[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}\}?$")


def normalise_guid(value: str) -> str:
    """GUIDs compared in one form: lower case, without braces."""
    return value.strip().strip("{}").lower()


class _Reader:
    def __init__(self, namespace: str) -> None:
        self.ns = "{" + namespace + "}"
        self.doc = QdeDocument(kind="project" if namespace == PROJECT_NS else "codebook")
        self.errors: list[str] = []

    def q(self, tag: str) -> str:
        return self.ns + tag

    def children(self, element: ET.Element, tag: str) -> list[ET.Element]:
        return element.findall(self.q(tag))

    def text_of(self, element: ET.Element, tag: str) -> str:
        child = element.find(self.q(tag))
        return (child.text or "") if child is not None else ""

    def guid(self, element: ET.Element, what: str, attribute: str = "guid") -> str:
        value = element.get(attribute)
        tag = element.tag.removeprefix(self.ns)
        if value is None:
            self.errors.append(MISSING_GUID.format(tag=tag))
            return ""
        if not _GUID.match(value.strip()):
            self.errors.append(BAD_GUID.format(tag=tag, guid=value))
        guid = normalise_guid(value)
        if attribute == "guid" and what:
            self.doc.guid_kinds.append((guid, what))
        return guid

    def ref(self, element: ET.Element, attribute: str) -> str | None:
        value = element.get(attribute)
        return normalise_guid(value) if value else None

    def finish(self) -> QdeDocument:
        if self.errors:
            raise RefiError(self.errors)
        return self.doc

    # -- the two kinds of file --

    def codebook(self, root: ET.Element) -> QdeDocument:
        self.doc.origin = root.get("origin", "")
        self.doc.coding_count = sum(1 for _ in root.iter(self.q("Coding")))
        self.codes(root.find(self.q("Codes")))
        self.doc.sets = len(root.findall(f"{self.q('Sets')}/{self.q('Set')}"))
        return self.finish()

    def project(self, root: ET.Element) -> QdeDocument:
        doc = self.doc
        doc.name = root.get("name", "")
        doc.origin = root.get("origin", "")
        doc.coding_count = sum(1 for _ in root.iter(self.q("Coding")))
        for user in root.iterfind(f"{self.q('Users')}/{self.q('User')}"):
            doc.users[self.guid(user, "user")] = user.get("name") or user.get("id") or ""
        codebook = root.find(self.q("CodeBook"))
        if codebook is not None:
            self.codes(codebook.find(self.q("Codes")))
        for variable in root.iterfind(f"{self.q('Variables')}/{self.q('Variable')}"):
            doc.variables[self.guid(variable, "variable")] = variable.get("name", "")
        for case in root.iterfind(f"{self.q('Cases')}/{self.q('Case')}"):
            doc.cases.append(
                QdeCase(
                    guid=self.guid(case, "case"),
                    name=case.get("name", ""),
                    description=self.text_of(case, "Description"),
                    variables=self.variable_values(case),
                    sources=[
                        g
                        for ref in self.children(case, "SourceRef")
                        if (g := self.ref(ref, "targetGUID"))
                    ],
                )
            )
        sources = root.find(self.q("Sources"))
        if sources is not None:
            for source in sources:
                self.source(source)
        for note in root.iterfind(f"{self.q('Notes')}/{self.q('Note')}"):
            guid = self.guid(note, "note")
            doc.notes[guid] = QdeNote(
                guid=guid,
                name=note.get("name", ""),
                text=self.text_of(note, "PlainTextContent"),
                user=self.ref(note, "creatingUser"),
                plain_text_path=note.get("plainTextPath", ""),
            )
        doc.sets = len(root.findall(f"{self.q('Sets')}/{self.q('Set')}"))
        return self.finish()

    def codes(self, codes: ET.Element | None, parent: QdeCode | None = None) -> None:
        if codes is None:
            return
        for element in self.children(codes, "Code"):
            name = element.get("name", "")
            code = QdeCode(
                guid=self.guid(element, "code"),
                name=name,
                color=element.get("color", ""),
                description=self.text_of(element, "Description"),
                parent=parent.guid if parent else None,
                path=(*parent.path, name) if parent else (name,),
                is_codable=element.get("isCodable", "true").strip().lower() in ("true", "1"),
            )
            self.doc.codes.append(code)
            self.codes(element, code)  # sub-codes nest directly inside their code

    def variable_values(self, element: ET.Element) -> dict[str, str]:
        values: dict[str, str] = {}
        for value in self.children(element, "VariableValue"):
            ref = value.find(self.q("VariableRef"))
            target = self.ref(ref, "targetGUID") if ref is not None else None
            if not target:
                continue
            for child in value:
                if child is not ref:
                    values[target] = (child.text or "").strip()
        return values

    def source(self, element: ET.Element) -> None:
        kind = element.tag.removeprefix(self.ns)
        if kind == "TextSource":
            self.text_source(element, kind, element.get("name", ""))
            return
        self.guid(element, "")
        self.doc.skipped_sources[kind] += 1
        # Selections of pictures, PDF pages, audio and video have no place here; a PDF's plain
        # text representation is a text like any other.
        coding_tag = self.q("Coding")
        skipped = sum(1 for _ in element.iter(coding_tag))
        representation = element.find(self.q("Representation"))
        if representation is not None:
            self.text_source(representation, "Representation", element.get("name", ""))
            skipped -= sum(1 for _ in representation.iter(coding_tag))
        self.doc.skipped_codings[kind] += skipped
        for child in element.iter():
            tag = child.tag.removeprefix(self.ns)
            if tag.endswith("Selection") and tag != "PlainTextSelection":
                self.doc.skipped_selections[kind] += 1

    def text_source(self, element: ET.Element, kind: str, name: str) -> None:
        inline = element.find(self.q("PlainTextContent"))
        source = QdeSource(
            guid=self.guid(element, "source"),
            name=name or element.get("name", ""),
            kind=kind,
            plain_text=(inline.text or "") if inline is not None else None,
            plain_text_path=element.get("plainTextPath", ""),
            user=self.ref(element, "creatingUser"),
            notes=[
                g for ref in self.children(element, "NoteRef") if (g := self.ref(ref, "targetGUID"))
            ],
            variables=self.variable_values(element),
        )
        source.name = source.name or source.plain_text_path or source.guid
        for selection in self.children(element, "PlainTextSelection"):
            guid = self.guid(selection, "selection")
            try:
                start = int(selection.get("startPosition", ""))
                end = int(selection.get("endPosition", ""))
            except ValueError:
                self.errors.append(BAD_NUMBER.format(guid=guid, source=source.name))
                continue
            source.selections.append(
                QdeSelection(
                    guid=guid,
                    name=selection.get("name", ""),
                    start=start,
                    end=end,
                    user=self.ref(selection, "creatingUser"),
                    description=self.text_of(selection, "Description"),
                    codings=self.codings(selection),
                    notes=[
                        g
                        for ref in self.children(selection, "NoteRef")
                        if (g := self.ref(ref, "targetGUID"))
                    ],
                )
            )
        whole = self.codings(element)
        if whole:  # codings of the source itself cover its whole text
            source.selections.append(
                QdeSelection(guid=None, name="", start=None, end=None, user=None, codings=whole)
            )
        self.doc.sources.append(source)

    def codings(self, element: ET.Element) -> list[QdeCoding]:
        codings = []
        for coding in self.children(element, "Coding"):
            ref = coding.find(self.q("CodeRef"))
            codings.append(
                QdeCoding(
                    guid=self.guid(coding, ""),
                    code=(self.ref(ref, "targetGUID") or "") if ref is not None else "",
                    user=self.ref(coding, "creatingUser"),
                )
            )
        return codings


# --- writing -------------------------------------------------------------------------------------


def clean_xml_text(value: str) -> str:
    """Drop the few characters XML 1.0 cannot carry (control characters other than tab/LF/CR)."""
    return _INVALID_XML_CHARS.sub("", value)


def element(
    parent: ET.Element | None, tag: str, text: str | None = None, **attrs: str | None
) -> ET.Element:
    """Append an element (attributes with a None value are left out)."""
    attributes = {k: clean_xml_text(str(v)) for k, v in attrs.items() if v is not None}
    node = ET.Element(tag, attributes) if parent is None else ET.SubElement(parent, tag, attributes)
    if text is not None:
        node.text = clean_xml_text(text)
    return node


def to_bytes(root: ET.Element) -> bytes:
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def stable_guid(*parts: str) -> str:
    return str(uuid.uuid5(GUID_NAMESPACE, "\x1f".join(parts)))


def user_guid(username: str) -> str:
    """The GUID a user has in exports: the same for the same username in every export."""
    return stable_guid("user", username)
