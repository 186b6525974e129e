"""Decisions and discussions in CSV files and in the REFI-QDA export."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from lxml import etree

from coding.interop.refi_export import refi_export
from coding.models import AuditEvent, CodingProgress
from coding.review.discussions import comment_add, discussion_start
from coding.review.queue import QUEUE_FOR_CODERS

from .conftest import decide_first_passage, make_excerpt, make_interview
from .refi_factories import project_schema, read_qde

pytestmark = pytest.mark.django_db

Q = "{urn:QDA-XML:project:1.0}"
TEXT = "Participant: I felt safe there. We laughed together. Nobody judged me at all."


@pytest.fixture
def reviewed(project: Any, peer: Any, peer2: Any) -> dict[str, Any]:
    interview = make_interview(project, TEXT, pseudonym="P400")
    mine = make_excerpt(interview, peer, 13, 31, "safety")
    theirs = make_excerpt(interview, peer2, 13, 52, "safety")
    for coder in (peer, peer2):
        CodingProgress.objects.create(interview=interview, coder=coder, done_at=timezone.now())
    decision = decide_first_passage(project, peer, "=Laughing is not safety")
    thread = discussion_start(interview=interview, user=peer, body="Safe, or brave?", excerpt=mine)
    comment_add(discussion=thread, author=peer2, body="Brave, I think.")
    loose = discussion_start(interview=interview, user=peer2, body="Who is this?", start=0, end=11)
    return {
        "interview": interview,
        "mine": mine,
        "theirs": theirs,
        "decision": decision,
        "thread": thread,
        "loose": loose,
    }


def download(client: Client, project: Any, what: str) -> list[dict[str, str]]:
    response = client.get(reverse("review_export", args=[project.slug, what]))
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_it_exports_decisions_as_csv(
    client: Client, reviewed: dict, project: Any, peer: Any
) -> None:
    client.force_login(peer)
    rows = download(client, project, "decisions")
    assert len(rows) == 1
    row = rows[0]
    assert (row["outcome"], row["value"], row["decided_by"]) == ("No value", "Safety", "pat-peer")
    assert row["text"] == TEXT[31:52]
    assert row["reason"] == "'=Laughing is not safety"  # a spreadsheet will not run it
    assert AuditEvent.objects.filter(action="export", model="consensusdecision").exists()


def test_it_refuses_evaluators_the_decisions_file(
    client: Client, reviewed: dict, project: Any, evaluator: Any
) -> None:
    """Like the queue, it shows each coder's values passage by passage (disclosure control)."""
    client.force_login(evaluator)
    response = client.get(reverse("review_export", args=[project.slug, "decisions"]))
    assert response.status_code == 403
    assert escape(QUEUE_FOR_CODERS) in response.content.decode()


def test_it_names_the_participant_in_coders_files(
    client: Client, reviewed: dict, project: Any, peer: Any
) -> None:
    client.force_login(peer)
    assert download(client, project, "decisions")[0]["participant"] == "P400"


def test_it_exports_discussions_as_csv_one_row_per_comment(
    client: Client, reviewed: dict, project: Any, peer: Any
) -> None:
    client.force_login(peer)
    rows = download(client, project, "discussions")
    assert [(r["author"], r["comment"]) for r in rows] == [
        ("quinn-peer", "Who is this?"),
        ("pat-peer", "Safe, or brave?"),
        ("quinn-peer", "Brave, I think."),
    ]
    assert rows[1]["text"] == "I felt safe there."


def test_it_keeps_the_files_from_outsiders(
    client: Client, reviewed: dict, project: Any, outsider: Any
) -> None:
    client.force_login(outsider)
    for what in ("decisions", "discussions"):
        assert client.get(reverse("review_export", args=[project.slug, what])).status_code == 404


def test_it_puts_decisions_and_threads_in_the_refi_export_as_linked_notes(
    reviewed: dict, project: Any
) -> None:
    out = io.BytesIO()
    refi_export(projects=[project], out=out)
    out.seek(0)
    xml = etree.fromstring(read_qde(out))
    schema = project_schema()
    assert schema.validate(xml), schema.error_log
    notes = {n.get("name"): n for n in xml.iter(f"{Q}Note")}
    decision = notes["Decision on Safety"]
    assert "Reason: =Laughing is not safety" in decision.find(f"{Q}PlainTextContent").text

    def refs(guid: str) -> list[str]:
        selection = xml.find(f".//{Q}PlainTextSelection[@guid='{guid}']")
        return [r.get("targetGUID") for r in selection.findall(f"{Q}NoteRef")]

    # The decided passage (31-52) lies inside the second coder's excerpt and the first's
    # discussion is about the first coder's excerpt.
    assert decision.get("guid") in refs(str(reviewed["theirs"].guid))
    assert decision.get("guid") not in refs(str(reviewed["mine"].guid))
    thread = next(
        n
        for name, n in notes.items()
        if name == "Discussion" and "brave" in n.find(f"{Q}PlainTextContent").text
    )
    assert thread.get("guid") in refs(str(reviewed["mine"].guid))
    # A thread on text nobody coded hangs on the source.
    source = xml.find(f".//{Q}TextSource")
    loose = [
        n for n in xml.iter(f"{Q}Note") if "Who is this?" in n.find(f"{Q}PlainTextContent").text
    ]
    assert loose[0].get("guid") in [r.get("targetGUID") for r in source.findall(f"{Q}NoteRef")]
