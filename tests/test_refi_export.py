"""Exporting REFI-QDA projects and codebooks, and the round trip back into an empty database."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from typing import Any

from django.contrib.auth import get_user_model
from lxml import etree

from coding.interop.qde import user_guid
from coding.interop.refi_export import refi_export, refi_export_codebook
from coding.interop.refi_import import refi_import
from coding.models import (
    AuditEvent,
    CodebookValue,
    CodingProgress,
    Excerpt,
    ExcerptValue,
    Interview,
    Membership,
    Participant,
    ResearchProject,
)

from .conftest import make_excerpt, make_interview, make_project, make_user
from .refi_factories import CPROCTOR, codebook_schema, project_schema, read_qde

Q = "{urn:QDA-XML:project:1.0}"
TEXT_ONE = (
    "Interviewer: How was the group? 😊\n"
    "Participant: Café mornings felt safe, and I could choose when to speak.\n"
    "Participant: People listened — really listened."
)
TEXT_TWO = "Interviewer: What changed?\nParticipant: I met others who had been there too."


def export(projects: list[Any] | None, **kwargs: Any) -> io.BytesIO:
    out = io.BytesIO()
    refi_export(projects=projects, out=out, **kwargs)
    out.seek(0)
    return out


def coded_project() -> tuple[ResearchProject, Any, Any]:
    """A project with a sub-value, two coders, cases with attributes, notes and a memo."""
    project = make_project("exchange", "Exchange project")
    safety = CodebookValue.objects.get(slug="safety", project=None)
    CodebookValue.objects.create(
        project=project,
        slug="safe-venues",
        name="Safe venues",
        definition="Places that feel safe.",
        colour="#f5d0a9",
        parent=safety,
    )
    amira, ben = make_user("amira"), make_user("ben")
    one = make_interview(
        project,
        TEXT_ONE,
        pseudonym="Willow",
        title="Willow, first interview",
        interviewer="Sam",
        date=dt.date(2024, 3, 31),
        mode=Interview.Mode.ONLINE,
    )
    Participant.objects.filter(pk=one.participant_id).update(
        role=Participant.Role.FACILITATOR,
        attributes={"age band": "25-34", "gender": "woman"},
        quote_consent=Participant.QuoteConsent.YES,
    )
    two = make_interview(project, TEXT_TWO, pseudonym="Rowan", title="Rowan")
    Participant.objects.create(
        project=project, pseudonym="Ash", attributes={"age band": "65+"}, quote_consent="no"
    )
    smile = TEXT_ONE.index("😊")
    cafe = TEXT_ONE.index("Café")
    make_excerpt(one, amira, smile, smile + 1, "human-connection")
    excerpt = make_excerpt(one, amira, cafe, cafe + 27, "safety", "safe-venues")
    Excerpt.objects.filter(pk=excerpt.pk).update(note="Venue matters.")
    make_excerpt(one, ben, cafe, cafe + 27, "choice-and-control")
    make_excerpt(two, ben, 27, 76, "experience-in-common")
    CodingProgress.objects.create(interview=one, coder=amira, memo="Strong on safety.")
    return project, amira, ben


def snapshot(project: ResearchProject) -> dict[str, Any]:
    interviews = sorted(
        (i.title, i.text, i.interviewer, i.date, i.mode, i.participant.pseudonym, str(i.guid))
        for i in project.interviews.select_related("participant")
    )
    excerpts = sorted(
        (
            e.interview.title,
            e.start,
            e.end,
            e.text,
            e.coder.username,
            e.note,
            str(e.guid),
            tuple(sorted(v.name for v in e.values.all())),
        )
        for e in Excerpt.objects.filter(interview__project=project).select_related(
            "interview", "coder"
        )
    )
    codebook = sorted(
        (
            v.name,
            v.definition,
            v.colour,
            v.parent.name if v.parent else None,
            v.project_id is None,
            str(v.guid),
        )
        for v in CodebookValue.objects.for_project(project).select_related("parent")
    )
    cases = sorted(
        (p.pseudonym, p.role, p.quote_consent, sorted(p.attributes.items()), str(p.guid))
        for p in project.participants.all()
    )
    memos = sorted(
        (m.interview.title, m.coder.username, m.memo)
        for m in CodingProgress.objects.filter(interview__project=project)
    )
    return {
        "interviews": interviews,
        "excerpts": excerpts,
        "codebook": codebook,
        "cases": cases,
        "memos": memos,
    }


def empty_the_database() -> None:
    """Remove everything but the shared framework values, as in a fresh installation."""
    ExcerptValue.objects.all().delete()
    Excerpt.objects.all().delete()
    CodingProgress.objects.all().delete()
    Interview.objects.all().delete()
    Participant.objects.all().delete()
    CodebookValue.objects.filter(project__isnull=False).delete()
    Membership.objects.all().delete()
    ResearchProject.objects.all().delete()
    get_user_model().objects.all().delete()


def test_it_round_trips_a_project_through_an_empty_database(db: Any) -> None:
    project, _, _ = coded_project()
    before = snapshot(project)
    file = export([project])

    empty_the_database()
    project = ResearchProject.objects.create(slug="exchange", name="Exchange project")
    with file:
        report = refi_import(file=file, filename="exchange.qdpx", project=project)

    assert snapshot(project) == before
    assert report.counts["codings_imported"] == report.counts["codings"] == 5
    assert report.codings_skipped == {}
    # Coders come back as inactive accounts of the same names.
    coders = get_user_model().objects.filter(username__in=["amira", "ben"])
    assert sorted(coders.values_list("username", "is_active")) == [
        ("amira", False),
        ("ben", False),
    ]


def test_it_exports_a_project_that_validates_against_the_schema(db: Any) -> None:
    project, _, _ = coded_project()
    xml = etree.fromstring(read_qde(export([project])))
    schema = project_schema()
    assert schema.validate(xml), schema.error_log
    assert [u.get("name") for u in xml.iter(f"{Q}User")] == ["amira", "ben"]
    assert len(xml.findall(f"{Q}Sources/{Q}TextSource")) == 2
    assert len(xml.findall(f".//{Q}PlainTextSelection")) == 4
    assert len(xml.findall(f".//{Q}Coding")) == 5
    assert sorted(c.get("name") for c in xml.iter(f"{Q}Case")) == ["Ash", "Rowan", "Willow"]
    sub = xml.find(f".//{Q}Code[@name='Safety']/{Q}Code")
    assert (sub.get("name"), sub.get("color")) == ("Safe venues", "#f5d0a9")
    assert sub.find(f"{Q}Description").text == "Places that feel safe."
    assert [s.get("name") for s in xml.iter(f"{Q}Set")] == ["Exchange project"]
    notes = sorted(n.find(f"{Q}PlainTextContent").text for n in xml.iter(f"{Q}Note"))
    assert notes == ["Strong on safety.", "Venue matters."]


def test_it_writes_texts_so_that_positions_are_exact(db: Any) -> None:
    project, amira, _ = coded_project()
    file = export([project])
    xml = etree.fromstring(read_qde(file))
    with zipfile.ZipFile(file) as archive:
        for source in xml.iter(f"{Q}TextSource"):
            path = source.get("plainTextPath").removeprefix("internal://")
            text = archive.read(f"sources/{path}").decode("utf-8")
            interview = Interview.objects.get(guid=source.get("guid"))
            assert text == interview.text
            for selection in source.iter(f"{Q}PlainTextSelection"):
                excerpt = Excerpt.objects.get(guid=selection.get("guid"))
                start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
                assert text[start:end] == excerpt.text
    emoji = xml.find(f".//{Q}PlainTextSelection[@startPosition='{TEXT_ONE.index('😊')}']")
    assert emoji.get("endPosition") == str(TEXT_ONE.index("😊") + 1)  # one code point
    assert emoji.get("creatingUser") == user_guid("amira") == user_guid(amira.username)


def test_it_exports_all_projects_as_sets(db: Any) -> None:
    coded_project()
    other = make_project("women-side-by-side", "Women Side by Side")
    make_interview(other, "Participant: Trust came first.", pseudonym="Hazel")
    xml = etree.fromstring(read_qde(export(None)))
    assert project_schema().validate(xml)
    sets = {s.get("name"): len(s.findall(f"{Q}MemberSource")) for s in xml.iter(f"{Q}Set")}
    assert sets == {"Exchange project": 2, "Women Side by Side": 1}
    assert "Trust" in [c.get("name") for c in xml.iter(f"{Q}Code")]


def test_it_exports_the_codebook_as_a_valid_qdc(db: Any) -> None:
    project, _, _ = coded_project()
    data = refi_export_codebook(project=project)
    xml = etree.fromstring(data)
    schema = codebook_schema()
    assert schema.validate(xml), schema.error_log
    names = [c.get("name") for c in xml.iter("{urn:QDA-XML:codebook:1.0}Code")]
    assert "Safe venues" in names
    assert "Trust" not in names  # another project's own value
    assert len(names) == CodebookValue.objects.for_project(project).count()


def test_it_re_exports_another_tools_project_in_a_valid_form(project: Any) -> None:
    with CPROCTOR.open("rb") as handle:
        refi_import(file=handle, filename=CPROCTOR.name, project=project)
    xml = etree.fromstring(read_qde(export([project])))
    assert project_schema().validate(xml)
    assert len(xml.findall(f".//{Q}Coding")) == 205


def test_it_records_exports_in_the_audit_trail(db: Any) -> None:
    project, amira, _ = coded_project()
    export([project], actor=amira)
    refi_export_codebook(project=project, actor=amira)
    events = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT)
    assert events.count() == 2
    event = events.get(object_repr__endswith=".qdpx")
    assert (event.actor, event.project_id, event.after["codings"]) == (amira, project.pk, 5)


def test_it_never_puts_codings_on_an_interview_whose_text_changed_since(db: Any) -> None:
    project, _, _ = coded_project()
    file = export([project])
    changed = Interview.objects.get(title="Rowan")
    changed.text = changed.text.replace("others", "[name]")
    changed.save()
    report = refi_import(file=file, filename="old.qdpx", project=project)
    assert report.counts["interviews_created"] == 1
    assert report.counts["interviews_matched"] == 1
    assert any("its text differs" in w for w in report.warnings)
    fresh = Interview.objects.get(project=project, title="Rowan", text__contains="others")
    assert fresh.guid != changed.guid
    assert fresh.excerpts.get().text == fresh.text[27:76]
    assert changed.excerpts.count() == 1  # the changed interview keeps only its own excerpt


def test_it_leaves_out_characters_xml_cannot_carry(db: Any) -> None:
    project, _, _ = coded_project()
    Excerpt.objects.filter(note="Venue matters.").update(note="Venue\x0b matters.\x01")
    xml = etree.fromstring(read_qde(export([project])))
    assert project_schema().validate(xml)
    notes = [n.find(f"{Q}PlainTextContent").text for n in xml.iter(f"{Q}Note")]
    assert "Venue matters." in notes
