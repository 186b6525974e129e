"""Importing REFI-QDA projects and codebooks: real files of other tools, mapping, bad input."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from lxml import etree

from coding.interop.qde import RefiError
from coding.interop.refi_import import refi_import
from coding.interop.report import (
    DUPLICATE_GUID,
    OUTSIDE_TEXT,
    SKIP_IGNORED,
    SKIP_MISSING,
    UNKNOWN_CODE,
)
from coding.models import (
    AuditEvent,
    CodebookValue,
    CodingProgress,
    Excerpt,
    ExcerptValue,
    Interview,
    Membership,
    Participant,
)

from .conftest import make_user
from .refi_factories import (
    ATLAS,
    CODE_CHILD,
    CODE_NEW,
    CODE_SAFE,
    CPROCTOR,
    SOURCE,
    USER,
    code,
    codebook,
    codebook_qdc,
    coding,
    guid,
    note,
    qde,
    qdpx,
    selection,
    simple_project,
    users,
    variable_value,
)

QDA = "{urn:QDA-XML:project:1.0}"


def run(file: Any, project: Any, name: str = "test.qdpx", **kwargs: Any) -> Any:
    if hasattr(file, "open"):
        with file.open("rb") as handle:
            return refi_import(file=handle, filename=file.name, project=project, **kwargs)
    return refi_import(file=file, filename=name, project=project, **kwargs)


def xml_of(path: Any) -> Any:
    with zipfile.ZipFile(path) as archive:
        name = next(n for n in archive.namelist() if n.lower() == "project.qde")
        return etree.fromstring(archive.read(name))


def inline_source(text: str, selections: str = "", name: str = "Interview A") -> str:
    return (
        f'<TextSource guid="{SOURCE}" name="{name}"><PlainTextContent>{text}</PlainTextContent>'
        f"{selections}</TextSource>"
    )


def row_counts() -> tuple[int, ...]:
    return (
        Interview.objects.count(),
        Excerpt.objects.count(),
        ExcerptValue.objects.count(),
        CodebookValue.objects.count(),
        Participant.objects.count(),
        get_user_model().objects.count(),
        AuditEvent.objects.count(),
    )


# --- the real files of other tools ---------------------------------------------------------------


def test_it_imports_every_coding_of_the_cproctor_sample(project: Any) -> None:
    root = xml_of(CPROCTOR)
    codings_in_xml = len(root.findall(f".//{QDA}Coding"))
    selections_in_xml = len(root.findall(f".//{QDA}PlainTextSelection"))

    report = run(CPROCTOR, project)

    assert report.counts["codings"] == codings_in_xml == 205
    assert report.counts["codings_imported"] == codings_in_xml
    assert report.codings_skipped == {}
    assert report.counts["selections"] == report.counts["excerpts_created"] == selections_in_xml
    assert ExcerptValue.objects.filter(excerpt__interview__project=project).count() == 205
    assert report.counts["codes_created"] == len(root.findall(f".//{QDA}Code")) == 262
    assert report.missing_sources == []


def test_it_keeps_cproctor_codings_on_the_same_words(project: Any) -> None:
    run(CPROCTOR, project)
    with zipfile.ZipFile(CPROCTOR) as archive:
        original = archive.read("sources/board_2017.txt").decode("utf-8")
    interview = Interview.objects.get(project=project, title="board_2017.txt")
    selections = {
        s.get("guid"): (int(s.get("startPosition")), int(s.get("endPosition")))
        for s in xml_of(CPROCTOR).iter(f"{QDA}PlainTextSelection")
    }
    excerpts = list(interview.excerpts.all())
    assert len(excerpts) == 158
    for excerpt in excerpts:
        start, end = selections[str(excerpt.guid)]
        # The source had trailing spaces that normalising removed: the words stay the same.
        assert excerpt.text.split() == original[start:end].split()
        assert excerpt.text == interview.text[excerpt.start : excerpt.end]
    first = interview.excerpts.order_by("start").first()
    assert (
        first.text
        == "This district goal is engage every student in joyful, purposeful learning that\n"
    )
    assert first.start < 320  # shifted left by the trailing spaces removed before it


def test_it_creates_the_unknown_coder_as_an_inactive_account(project: Any) -> None:
    run(CPROCTOR, project)
    coder = get_user_model().objects.get(username="cp")
    assert not coder.is_active
    assert not coder.has_usable_password()
    assert set(Excerpt.objects.values_list("coder__username", flat=True)) == {"cp"}
    assert Membership.objects.filter(user=coder, project=project).exists()


def test_it_nests_imported_codes_like_the_file(project: Any) -> None:
    run(CPROCTOR, project)
    programming = CodebookValue.objects.filter(project=project, name__startswith="programming")
    parents = dict(programming.values_list("name", "parent__name"))
    # Two codes named "programming" under different parents stay apart.
    assert parents["programming"] == "competencies"
    assert parents["programming (cs_as_programming)"] == "cs_as_programming"


def test_it_reports_the_missing_sources_of_the_atlas_sample_by_name(project: Any) -> None:
    root = xml_of(ATLAS)
    names = [s.get("name") for s in root.iter(f"{QDA}TextSource")]
    names += [
        s.get("name")
        for s in root.iter(f"{QDA}PDFSource")
        if s.find(f"{QDA}Representation") is not None
    ]

    report = run(ATLAS, project)

    assert report.missing_sources == names
    assert "Simon.docx" in report.missing_sources
    assert report.counts["codings"] == len(root.findall(f".//{QDA}Coding")) == 16
    assert report.counts["codings_imported"] == 0
    assert sum(report.codings_skipped.values()) == 16
    assert Interview.objects.count() == 0
    assert CodebookValue.objects.filter(project=project, name="cornflakes").exists()


def atlas_with_simon_text() -> io.BytesIO:
    """The ATLAS.ti sample with the plain text of one of its sources (Simon.docx) put back."""
    text = "".join(f"Sentence {i:03d} about breakfast and feelings. " for i in range(25))
    buffer = io.BytesIO()
    with zipfile.ZipFile(ATLAS) as source, zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            target.writestr(item, source.read(item))
        target.writestr("Sources/C1C745F7-8E4D-48B2-9710-655AFE7E54FA.txt", text)
    buffer.seek(0)
    return buffer


def test_it_imports_the_codings_of_atlas_sources_whose_text_is_present(project: Any) -> None:
    root = xml_of(ATLAS)
    simon = next(s for s in root.iter(f"{QDA}TextSource") if s.get("name") == "Simon.docx")
    expected = len(simon.findall(f".//{QDA}Coding"))

    report = run(atlas_with_simon_text(), project, "atlas.qdpx")

    assert "Simon.docx" not in report.missing_sources
    assert report.counts["codings_imported"] == expected == 3
    assert report.counts["codings_imported"] + sum(report.codings_skipped.values()) == 16
    interview = Interview.objects.get(title="Simon.docx")
    starts = sorted(interview.excerpts.values_list("start", "end"))
    assert starts == [(215, 275), (513, 907), (688, 907)]
    # The quotation's comment in ATLAS.ti becomes the excerpt's note.
    assert interview.excerpts.get(start=688).note == "why does Simon feel the need to do this?"
    coder = interview.excerpts.first().coder
    assert (coder.username, coder.is_active) == ("Friedrich-Markgraf", False)


# --- texts and offsets ----------------------------------------------------------------------------


def test_it_reads_sources_given_inline_and_as_files(project: Any) -> None:
    inline = inline_source("Inline text is safe.", selection(guid(1), 15, 19, CODE_SAFE))
    from_file = (
        f'<TextSource guid="{guid(2)}" name="From file" plainTextPath="internal://{guid(2)}.txt">'
        f"{selection(guid(3), 5, 9, CODE_SAFE)}</TextSource>"
    )
    plain = (
        f'<TextSource guid="{guid(4)}" name="Plain path" plainTextPath="plain.txt">'
        f"{selection(guid(5), 0, 5, CODE_SAFE)}</TextSource>"
    )
    file = qdpx(
        simple_project(inline + from_file + plain),
        {f"sources/{guid(2)}.txt": "File text is here.", "sources/plain.txt": "Plain words."},
    )
    run(file, project)
    texts = dict(Excerpt.objects.values_list("interview__title", "text"))
    assert texts == {"Interview A": "safe", "From file": "text", "Plain path": "Plain"}


def test_it_maps_crlf_offsets_so_codings_stay_on_their_characters(project: Any) -> None:
    text = "Interviewer: Hello  \r\nParticipant: I feel safe here.\r\n"
    start = text.index("safe")
    file = qdpx(
        simple_project(
            f'<TextSource guid="{SOURCE}" name="Windows" plainTextPath="internal://w.txt">'
            f"{selection(guid(1), start, start + 4, CODE_SAFE)}</TextSource>"
        ),
        {"sources/w.txt": text.encode("utf-8")},
    )
    run(file, project)
    excerpt = Excerpt.objects.get()
    assert excerpt.text == "safe"
    assert excerpt.start == start - 3  # two trailing spaces and one CR came before it
    assert excerpt.interview.text == "Interviewer: Hello\nParticipant: I feel safe here."


def test_it_accepts_project_qde_in_either_case(project: Any) -> None:
    xml = simple_project(inline_source("Some safe text.", selection(guid(1), 5, 9, CODE_SAFE)))
    report = run(qdpx(xml, qde_name="Project.qde"), project)
    assert report.counts["codings_imported"] == 1


def test_it_reads_a_package_zipped_with_its_folder(project: Any) -> None:
    source = (
        f'<TextSource guid="{SOURCE}" name="In a folder" plainTextPath="internal://t.txt">'
        f'{selection(guid(1), 0, 4, CODE_SAFE)}<NoteRef targetGUID="{guid(30)}"/></TextSource>'
    )
    xml = simple_project(source).replace(
        "</Sources>",
        f'</Sources><Notes><Note guid="{guid(30)}" name="Memo" creatingUser="{USER}" '
        'plainTextPath="internal://memo.txt"/></Notes>',
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("Export 2024/project.qde", xml)
        archive.writestr("Export 2024/sources/t.txt", "Safe words.")
        archive.writestr("Export 2024/sources/memo.txt", "A memo kept in a file.")
    buffer.seek(0)
    run(buffer, project)
    assert Excerpt.objects.get().text == "Safe"
    assert CodingProgress.objects.get().memo == "A memo kept in a file."


def test_it_codes_a_whole_source_coded_without_a_selection(project: Any) -> None:
    whole = coding(guid(9), CODE_SAFE)
    run(qdpx(simple_project(inline_source("All of it.", whole))), project)
    assert Excerpt.objects.get().text == "All of it."


# --- codes, mapping and coders --------------------------------------------------------------------


def test_it_matches_codes_to_values_by_name_and_creates_the_rest(project: Any) -> None:
    child = code(CODE_CHILD, "Being heard", "<Description>Listened to.</Description>", "#ABC")
    xml = qde(
        users((USER, "Robin"))
        + codebook(code(CODE_SAFE, "safety"), code(CODE_NEW, "Belonging", child, "#0000AA"))
    )
    report = run(qdpx(xml), project)
    assert report.counts["codes_matched"] == 1
    assert report.counts["codes_created"] == 2
    belonging = CodebookValue.objects.get(project=project, name="Belonging")
    heard = CodebookValue.objects.get(project=project, name="Being heard")
    assert (belonging.colour, belonging.slug, str(belonging.guid)) == (
        "#8c8cd9",
        "belonging",
        CODE_NEW,
    )
    assert (heard.parent, heard.definition, heard.colour) == (belonging, "Listened to.", "#aabbcc")
    # #0000AA is too dark under text: it was lightened, keeping its hue, and the report says so.
    assert "1 code colour was lightened" in " ".join(report.warnings)
    assert not CodebookValue.objects.filter(project=project, name__iexact="safety").exists()


def test_it_follows_the_mapping_map_create_ignore(project: Any) -> None:
    text = "We felt we belonged and were safe."
    at, safe = text.index("we belonged"), text.index("safe")
    sels = selection(guid(1), at, at + 11, CODE_NEW) + selection(guid(2), safe, safe + 4, CODE_SAFE)
    xml = simple_project(inline_source(text, sels))
    connection = CodebookValue.objects.get(slug="human-connection")

    report = run(
        qdpx(xml), project, mapping={CODE_NEW: f"value:{connection.pk}", CODE_SAFE: "ignore"}
    )

    excerpt = Excerpt.objects.get()
    assert excerpt.text == "we belonged"
    assert list(excerpt.values.all()) == [connection]
    assert report.codings_skipped == {SKIP_IGNORED: 1}
    assert not CodebookValue.objects.filter(name="Belonging").exists()


def test_it_ignores_unmatched_codes_when_asked(project: Any) -> None:
    sels = selection(guid(1), 0, 2, CODE_NEW, CODE_SAFE)
    report = run(
        qdpx(simple_project(inline_source("We are safe.", sels))), project, unmatched="ignore"
    )
    assert report.counts["codes_ignored"] == 1
    assert [v.slug for v in Excerpt.objects.get().values.all()] == ["safety"]


def test_it_refuses_a_mapping_to_a_value_of_another_project(
    project: Any, other_project: Any
) -> None:
    trust = CodebookValue.objects.get(project=other_project, slug="trust")
    xml = simple_project(inline_source("Text.", selection(guid(1), 0, 4, CODE_NEW)))
    with pytest.raises(RefiError, match="cannot use"):
        run(qdpx(xml), project, mapping={CODE_NEW: f"value:{trust.pk}"})


def test_it_matches_coders_to_existing_users_by_name(project: Any) -> None:
    robin = make_user("robin")
    xml = qde(
        users((USER, "Robin"))
        + codebook(code(CODE_SAFE, "Safety"))
        + f"<Sources>{inline_source('Safe.', selection(guid(1), 0, 4, CODE_SAFE))}</Sources>"
    )
    report = run(qdpx(xml), project)
    assert Excerpt.objects.get().coder == robin
    assert report.counts["coders_created"] == 0


def test_it_splits_a_selection_coded_by_two_users(project: Any) -> None:
    other = "66666666-6666-4666-8666-666666666666"
    codings = coding(guid(7), CODE_SAFE, USER) + coding(guid(8), CODE_NEW, other)
    sel = (
        f'<PlainTextSelection guid="{guid(1)}" startPosition="0" endPosition="4">'
        f"{codings}</PlainTextSelection>"
    )
    xml = qde(
        users((USER, "robin"), (other, "sam"))
        + codebook(code(CODE_SAFE, "Safety"), code(CODE_NEW, "Belonging"))
        + f"<Sources>{inline_source('Safe place.', sel)}</Sources>"
    )
    run(qdpx(xml), project)
    coders = sorted(Excerpt.objects.values_list("coder__username", "text"))
    assert coders == [("robin", "Safe"), ("sam", "Safe")]


def test_it_imports_cases_memos_and_excerpt_notes(project: Any) -> None:
    var_age, var_role = guid(20), guid(21)
    note_memo, note_excerpt = guid(30), guid(31)
    sel = selection(guid(1), 0, 4, CODE_SAFE, inner="<Description>Strong.</Description>")
    sel = sel.replace(
        "</PlainTextSelection>", f'<NoteRef targetGUID="{note_excerpt}"/></PlainTextSelection>'
    )
    source = (
        f'<TextSource guid="{SOURCE}" name="Talk"><PlainTextContent>Safe here.</PlainTextContent>'
        f'{sel}<NoteRef targetGUID="{note_memo}"/></TextSource>'
    )
    xml = qde(
        users((USER, "robin"))
        + codebook(code(CODE_SAFE, "Safety"))
        + f'<Variables><Variable guid="{var_age}" name="age band" typeOfVariable="Text"/>'
        f'<Variable guid="{var_role}" name="role" typeOfVariable="Text"/></Variables>'
        f'<Cases><Case guid="{guid(40)}" name="Willow">'
        + variable_value(var_role, "facilitator")
        + variable_value(var_age, "25-34")
        + f'<SourceRef targetGUID="{SOURCE}"/></Case></Cases>'
        f"<Sources>{source}</Sources>"
        + f"<Notes>{note(note_memo, 'My memo.', USER)}{note(note_excerpt, 'Linked note.')}</Notes>"
    )
    run(qdpx(xml), project)
    interview = Interview.objects.get()
    assert (interview.participant.pseudonym, interview.participant.role) == (
        "Willow",
        "facilitator",
    )
    assert interview.participant.attributes == {"age band": "25-34"}
    assert str(interview.participant.guid) == guid(40)
    assert Excerpt.objects.get().note == "Strong.\n\nLinked note."
    assert CodingProgress.objects.get().memo == "My memo."


# --- repeated imports, dry runs, audit ------------------------------------------------------------


def test_it_writes_nothing_in_a_dry_run(project: Any) -> None:
    before = row_counts()
    report = run(CPROCTOR, project, dry_run=True)
    assert report.counts["codings_imported"] == 205
    assert row_counts() == before


def test_it_adds_nothing_when_the_same_file_comes_again(project: Any) -> None:
    run(CPROCTOR, project)
    before = row_counts()
    report = run(CPROCTOR, project)
    assert report.counts["interviews_matched"] == 2
    assert report.counts["codings_imported"] == 0
    assert row_counts()[:6] == before[:6]


def test_it_gives_new_guids_when_the_file_goes_to_a_second_project(
    project: Any, other_project: Any
) -> None:
    run(CPROCTOR, project)
    run(CPROCTOR, other_project)
    assert Excerpt.objects.filter(interview__project=other_project).count() == 158
    assert Excerpt.objects.values("guid").distinct().count() == 316


def test_it_records_the_import_in_the_audit_trail(project: Any, admin_user: Any) -> None:
    run(CPROCTOR, project, actor=admin_user)
    event = AuditEvent.objects.get(action=AuditEvent.Action.IMPORT)
    assert (event.actor, event.project_id, event.object_repr) == (
        admin_user,
        project.pk,
        "cproctor_demo.qdpx",
    )
    assert event.after["counts"]["codings_imported"] == 205


def test_it_imports_a_qdc_codebook(project: Any) -> None:
    belonging = code(CODE_NEW, "Belonging", code(CODE_CHILD, "Being heard"))
    xml = codebook_qdc(belonging + code(CODE_SAFE, "Safety"))
    report = run(io.BytesIO(xml.encode()), project, "book.qdc")
    assert (report.kind, report.counts["codes_created"], report.counts["codes_matched"]) == (
        "codebook",
        2,
        1,
    )
    assert CodebookValue.objects.get(name="Being heard").parent.name == "Belonging"


# --- bad input: a clear message, nothing written -------------------------------------------------

BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    '<Project xmlns="urn:QDA-XML:project:1.0" name="&lol2;"/>'
)
EXTERNAL_ENTITY = (
    '<?xml version="1.0"?><!DOCTYPE p [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    '<Project xmlns="urn:QDA-XML:project:1.0" name="&xxe;"/>'
)


def bad_files() -> list[tuple[str, Any, str, str]]:
    text = "Short text."
    return [
        ("not a zip", io.BytesIO(b"just some bytes"), "x.qdpx", "it is not a zip archive"),
        ("no project.qde", qdpx("<x/>", qde_name="other.xml"), "x.qdpx", "has no project.qde"),
        (
            "another namespace",
            qdpx(qde("", namespace="urn:example:other")),
            "x.qdpx",
            "XML of another kind",
        ),
        ("not XML", qdpx("<Project"), "x.qdpx", "not well-formed XML"),
        ("entity expansion", qdpx(BILLION_LAUGHS), "x.qdpx", "declares a DTD or entities"),
        ("external entity", qdpx(EXTERNAL_ENTITY), "x.qdpx", "declares a DTD or entities"),
        (
            "selection outside the text",
            qdpx(simple_project(inline_source(text, selection(guid(1), 5, 50, CODE_SAFE)))),
            "x.qdpx",
            OUTSIDE_TEXT.format(
                selection=guid(1), source="Interview A", start=5, end=50, length=11
            ),
        ),
        (
            "unknown code",
            qdpx(simple_project(inline_source(text, selection(guid(1), 0, 5, guid(99))))),
            "x.qdpx",
            UNKNOWN_CODE.format(source="Interview A", selection=guid(1), code=guid(99)),
        ),
        (
            "duplicate GUIDs",
            qdpx(simple_project(inline_source(text, selection(CODE_SAFE, 0, 5, CODE_SAFE)))),
            "x.qdpx",
            DUPLICATE_GUID.format(guid=CODE_SAFE, kinds="code, selection"),
        ),
        ("codebook of another kind", io.BytesIO(qde("").encode()), "x.qdc", "not <CodeBook>"),
    ]


@pytest.mark.parametrize(
    ("case", "file", "name", "message"), bad_files(), ids=[b[0] for b in bad_files()]
)
def test_it_refuses_bad_input_with_a_clear_message(
    project: Any, case: str, file: Any, name: str, message: str
) -> None:
    before = row_counts()
    with pytest.raises(RefiError) as caught:
        run(file, project, name)
    assert any(message in m for m in caught.value.messages), caught.value.messages
    assert row_counts() == before


def test_it_refuses_an_archive_that_unpacks_too_large(project: Any, settings: Any) -> None:
    settings.IMPORT_MAX_TOTAL_SIZE = 1000
    file = qdpx(simple_project(""), {"sources/big.txt": "x" * 5000})
    with pytest.raises(RefiError, match="unpacks to more than"):
        run(file, project)


def test_it_reports_sources_whose_file_is_missing(project: Any) -> None:
    source = (
        f'<TextSource guid="{SOURCE}" name="Lost interview.docx" plainTextPath="internal://lost.txt">'
        f"{selection(guid(1), 0, 5, CODE_SAFE)}</TextSource>"
    )
    report = run(qdpx(simple_project(source)), project)
    assert report.missing_sources == ["Lost interview.docx"]
    assert report.codings_skipped == {SKIP_MISSING: 1}
    assert "Lost interview.docx" in "\n".join(report.lines())


@pytest.mark.parametrize(
    ("sets", "said"), [(1, "1 set was not imported."), (2, "2 sets were not imported.")]
)
def test_it_counts_what_it_leaves_out_in_plain_plurals(project: Any, sets: int, said: str) -> None:
    set_xml = "".join(f'<Set guid="{guid(90 + n)}" name="Set {n}"/>' for n in range(sets))
    xml = simple_project("").replace("</Project>", f"<Sets>{set_xml}</Sets></Project>")
    report = run(qdpx(xml), project, dry_run=True)
    assert said in report.warnings
