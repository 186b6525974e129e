"""Exporting research projects as a REFI-QDA project (.qdpx) and the codebook as a .qdc.

Each interview's text goes into the package exactly as stored (already normalised, UTF-8), so
the positions of its selections are exact. GUIDs are the models' own; users, variables and
notes, which have none, get stable ones derived from what they are (`qde.stable_guid`).
"""

from __future__ import annotations

import datetime as dt
import zipfile
from collections import defaultdict
from dataclasses import dataclass
from typing import IO, Any
from xml.etree.ElementTree import Element

from django.db import transaction
from django.utils import timezone

from ..audit import audit_record
from ..models import (
    AuditEvent,
    CodebookValue,
    CodingProgress,
    Excerpt,
    ExcerptValue,
    Interview,
    Participant,
    ResearchProject,
)
from ..review.exports import link_review_notes, review_notes, review_usernames
from .qde import CODEBOOK_NS, ORIGIN, PROJECT_NS, element, stable_guid, to_bytes, user_guid

ROLE_VARIABLE = "role"
# Read back by our import (and by a person in another tool) as the consent to quote.
QUOTE_CONSENT_VARIABLE = "quote_consent"
SELECTION_NAME_LENGTH = 100


@dataclass
class ExportSummary:
    filename: str
    interviews: int
    excerpts: int
    codings: int
    values: int


def export_filename(project: ResearchProject | None, extension: str) -> str:
    stem = project.slug if project else "all-projects"
    prefix = "codebook" if extension == "qdc" else "peer-values"
    return f"{prefix}-{stem}-{timezone.localdate():%Y-%m-%d}.{extension}"


def _when(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(dt.UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def _codes(parent: Element, values: list[CodebookValue]) -> None:
    """Write the values as <Code> elements, each sub-value nested inside its parent."""
    ids = {value.pk for value in values}
    children: dict[int | None, list[CodebookValue]] = defaultdict(list)
    for value in values:
        children[value.parent_id if value.parent_id in ids else None].append(value)

    def write(into: Element, value: CodebookValue) -> None:
        code = element(
            into,
            "Code",
            guid=str(value.guid),
            name=value.name,
            isCodable="true",
            color=value.colour.lower(),
        )
        if value.definition:
            element(code, "Description", value.definition)
        for child in children[value.pk]:
            write(code, child)

    codes = element(parent, "Codes")
    for value in children[None]:
        write(codes, value)


def _values(projects: list[ResearchProject] | None) -> list[CodebookValue]:
    values = CodebookValue.objects.all()
    if projects is not None:
        values = values.filter(project__isnull=True) | values.filter(project__in=projects)
    return list(values.order_by("project_id", "order", "name"))


def refi_export_codebook(*, project: ResearchProject | None, actor: Any = None) -> bytes:
    """The codebook a project codes with (or every value) as a .qdc document."""
    values = _values([project] if project else None)
    root = element(None, "CodeBook", xmlns=CODEBOOK_NS, origin=ORIGIN)
    _codes(root, values)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.EXPORT,
        model="refi-qda",
        object_repr=export_filename(project, "qdc"),
        project_id=project.pk if project else None,
        after={"values": len(values)},
    )
    return to_bytes(root)


@transaction.atomic
def refi_export(
    *, projects: list[ResearchProject] | None, out: IO[bytes], actor: Any = None
) -> ExportSummary:
    """Write one project, several, or all (None) as a .qdpx zip into `out`."""
    chosen = list(projects) if projects is not None else list(ResearchProject.objects.all())
    single = chosen[0] if len(chosen) == 1 else None
    values = _values(projects)
    interviews = list(
        Interview.objects.filter(project__in=chosen)
        .select_related("participant")
        .order_by("project_id", "pk")
    )
    participants = list(
        Participant.objects.filter(project__in=chosen).order_by("project_id", "pseudonym")
    )
    excerpts = list(
        Excerpt.objects.filter(interview__project__in=chosen)
        .select_related("coder")
        .only(
            *("pk", "guid", "interview_id", "start", "end", "text", "note", "created", "updated"),
            "coder__username",
        )
        .order_by("interview_id", "start", "end", "pk")
    )
    value_guids = {value.pk: str(value.guid) for value in values}
    tags: dict[int, list[str]] = defaultdict(list)
    for excerpt_id, value_id in (
        ExcerptValue.objects.filter(excerpt__interview__project__in=chosen)
        .order_by("excerpt_id", "value__order", "value_id")
        .values_list("excerpt_id", "value_id")
    ):
        tags[excerpt_id].append(value_guids[value_id])
    memos = list(
        CodingProgress.objects.filter(interview__project__in=chosen)
        .exclude(memo="")
        .select_related("coder")
        .order_by("interview_id", "coder__username")
    )
    coders = {e.coder.username for e in excerpts} | {m.coder.username for m in memos}
    # Decisions and discussions travel as notes linked to the selections they are about.
    review = review_notes(chosen)
    coders |= review_usernames(review)

    now = _when(timezone.now())
    root = element(
        None,
        "Project",
        xmlns=PROJECT_NS,
        name=single.name if single else "Peer Values: all projects",
        origin=ORIGIN,
        creationDateTime=now,
        modifiedDateTime=now,
    )
    if actor is not None and getattr(actor, "is_authenticated", False):
        root.set("creatingUserGUID", user_guid(actor.get_username()))
    if coders:
        users = element(root, "Users")
        for username in sorted(coders):
            element(users, "User", guid=user_guid(username), name=username)
    if values:
        _codes(element(root, "CodeBook"), values)

    variables = _variables(root, participants, interviews)
    _cases(root, participants, interviews, variables)
    notes: list[tuple[str, str, str, str | None]] = []  # guid, name, text, creating user
    memo_notes: dict[int, list[str]] = defaultdict(list)
    for memo in memos:
        guid = stable_guid("memo", str(memo.interview_id), memo.coder.username)
        notes.append((guid, f"Memo of {memo.coder.username}", memo.memo, memo.coder.username))
        memo_notes[memo.interview_id].append(guid)

    by_interview: dict[int, list[Excerpt]] = defaultdict(list)
    for excerpt in excerpts:
        by_interview[excerpt.interview_id].append(excerpt)
    codings = 0
    # The fastest deflate level: a transcript shrinks nearly as much, in a third of the time.
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        sources = element(root, "Sources") if interviews else None
        for interview in interviews:
            path = f"{interview.guid}.txt"
            archive.writestr(f"sources/{path}", interview.text.encode("utf-8"))
            source = element(
                sources,
                "TextSource",
                guid=str(interview.guid),
                name=str(interview),
                plainTextPath=f"internal://{path}",
                creationDateTime=_when(interview.created),
            )
            for excerpt in by_interview[interview.pk]:
                codings += _selection(source, excerpt, tags[excerpt.pk], notes)
            for guid in memo_notes[interview.pk]:
                element(source, "NoteRef", targetGUID=guid)
            link_review_notes(source, review[interview.pk], by_interview[interview.pk], notes)
            _source_variables(source, interview, variables)
        if notes:
            notes_element = element(root, "Notes")
            for guid, name, text, username in notes:
                note = element(
                    notes_element,
                    "Note",
                    guid=guid,
                    name=name,
                    creatingUser=user_guid(username) if username else None,
                )
                element(note, "PlainTextContent", text)
        _sets(root, chosen, interviews, values)
        archive.writestr("project.qde", to_bytes(root))

    summary = ExportSummary(
        filename=export_filename(single if projects is not None else None, "qdpx"),
        interviews=len(interviews),
        excerpts=len(excerpts),
        codings=codings,
        values=len(values),
    )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.EXPORT,
        model="refi-qda",
        object_repr=summary.filename,
        project_id=single.pk if single else None,
        after={
            "projects": [p.slug for p in chosen],
            "interviews": summary.interviews,
            "excerpts": summary.excerpts,
            "codings": summary.codings,
        },
    )
    return summary


def _selection(
    source: Element, excerpt: Excerpt, codes: list[str], notes: list[tuple[str, str, str, Any]]
) -> int:
    username = excerpt.coder.username
    creator = user_guid(username)
    name = excerpt.text if len(excerpt.text) <= SELECTION_NAME_LENGTH else excerpt.text[:99] + "…"
    selection = element(
        source,
        "PlainTextSelection",
        guid=str(excerpt.guid),
        name=" ".join(name.split()),
        startPosition=str(excerpt.start),
        endPosition=str(excerpt.end),
        creatingUser=creator,
        creationDateTime=_when(excerpt.created),
        modifyingUser=creator,
        modifiedDateTime=_when(excerpt.updated),
    )
    for code in codes:
        coding = element(
            selection,
            "Coding",
            guid=stable_guid("coding", str(excerpt.guid), code),
            creatingUser=creator,
            creationDateTime=_when(excerpt.created),
        )
        element(coding, "CodeRef", targetGUID=code)
    if excerpt.note:
        guid = stable_guid("excerpt-note", str(excerpt.guid))
        notes.append((guid, f"Note on excerpt {excerpt.guid}", excerpt.note, username))
        element(selection, "NoteRef", targetGUID=guid)
    return len(codes)


def _variables(
    root: Element, participants: list[Participant], interviews: list[Interview]
) -> dict[tuple[str, str], str]:
    """Declare the variables of cases (attributes, role) and of sources; return their GUIDs."""
    names: dict[tuple[str, str], str] = {
        ("case", ROLE_VARIABLE): "Text",
        ("case", QUOTE_CONSENT_VARIABLE): "Text",
    }
    for participant in participants:
        for name in participant.attributes:
            if name.casefold() != QUOTE_CONSENT_VARIABLE:
                names[("case", name)] = "Text"
    if any(i.interviewer for i in interviews):
        names[("source", "interviewer")] = "Text"
    if any(i.date for i in interviews):
        names[("source", "date")] = "Date"
    if interviews:
        names[("source", "mode")] = "Text"
    guids: dict[tuple[str, str], str] = {}
    if participants or interviews:
        declared = element(root, "Variables")
        for (scope, name), kind in names.items():
            guid = stable_guid("variable", scope, name)
            guids[(scope, name)] = guid
            element(declared, "Variable", guid=guid, name=name, typeOfVariable=kind)
    return guids


def _value(parent: Element, guid: str, kind: str, value: str) -> None:
    holder = element(parent, "VariableValue")
    element(holder, "VariableRef", targetGUID=guid)
    element(holder, kind, value)


def _cases(
    root: Element,
    participants: list[Participant],
    interviews: list[Interview],
    variables: dict[tuple[str, str], str],
) -> None:
    if not participants:
        return
    sources: dict[int, list[str]] = defaultdict(list)
    for interview in interviews:
        sources[interview.participant_id].append(str(interview.guid))
    cases = element(root, "Cases")
    for participant in participants:
        case = element(cases, "Case", guid=str(participant.guid), name=participant.pseudonym)
        _value(case, variables[("case", ROLE_VARIABLE)], "TextValue", participant.role)
        consent = Participant.QuoteConsent(participant.quote_consent).label.lower()
        _value(case, variables[("case", QUOTE_CONSENT_VARIABLE)], "TextValue", consent)
        for name, value in participant.attributes.items():
            if name.casefold() != QUOTE_CONSENT_VARIABLE:
                _value(case, variables[("case", name)], "TextValue", str(value))
        for guid in sources[participant.pk]:
            element(case, "SourceRef", targetGUID=guid)


def _source_variables(
    source: Element, interview: Interview, variables: dict[tuple[str, str], str]
) -> None:
    if interview.interviewer:
        _value(source, variables[("source", "interviewer")], "TextValue", interview.interviewer)
    if interview.date:
        _value(source, variables[("source", "date")], "DateValue", interview.date.isoformat())
    _value(source, variables[("source", "mode")], "TextValue", interview.mode)


def _sets(
    root: Element,
    projects: list[ResearchProject],
    interviews: list[Interview],
    values: list[CodebookValue],
) -> None:
    """One set per project: its interviews and the values of its own."""
    if not projects:
        return
    sets = element(root, "Sets")
    for project in projects:
        member = element(sets, "Set", guid=stable_guid("project", project.slug), name=project.name)
        if project.description:
            element(member, "Description", project.description)
        for value in values:
            if value.project_id == project.pk:
                element(member, "MemberCode", targetGUID=str(value.guid))
        for interview in interviews:
            if interview.project_id == project.pk:
                element(member, "MemberSource", targetGUID=str(interview.guid))
