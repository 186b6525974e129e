"""Masking a name missed at import, after coding has started: offsets stay, the name goes."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from coding.models import AuditEvent, Excerpt, Interview
from coding.protection import (
    MASK,
    NAME_EMPTY,
    NAME_NOT_FOUND,
    NAME_TOO_SHORT,
    REDACTED,
    SPAN_INVALID,
    ProtectionError,
    find_occurrences,
    interview_redact,
    interview_redact_name,
)
from coding.services import excerpt_create, excerpt_delete

from .conftest import make_interview

TEXT = (
    "Interviewer: Did Mary help you?\n"
    "Participant: Yes, mary Jones and MARY did. Rosemary too.\n"
    "Participant: Ask Mary Jones, she knows O’Brien."
)


@pytest.fixture
def coded(project: Any, peer: Any) -> dict[str, Any]:
    interview = make_interview(project, TEXT, pseudonym="Linden")

    def tag(start: int, end: int, note: str = "") -> Excerpt:
        return excerpt_create(
            interview=interview, coder=peer, start=start, end=end, values=["safety"], note=note
        )

    first = TEXT.index("Did Mary")
    rose = TEXT.index("Rosemary")
    excerpts = {
        "mary": tag(first, first + len("Did Mary help")),
        "label": tag(0, len("Interviewer")),
        "rose": tag(rose, rose + len("Rosemary too")),
        "both": tag(TEXT.index("Ask"), len(TEXT)),
    }
    gone = tag(TEXT.index("Yes"), TEXT.index(" did"))
    excerpt_delete(excerpt=gone, user=peer)
    return {"interview": interview, "excerpts": excerpts, "gone_pk": gone.pk}


def test_it_finds_whole_words_in_any_case(db: Any) -> None:
    spans = find_occurrences(TEXT, "mary")
    assert [TEXT[s:e] for s, e in spans] == ["Mary", "mary", "MARY", "Mary"]  # not Rosemary
    assert [TEXT[s:e] for s, e in find_occurrences(TEXT, "mary  jones")] == [
        "mary Jones",
        "Mary Jones",
    ]
    assert [TEXT[s:e] for s, e in find_occurrences(TEXT, "O'Brien")] == ["O’Brien"]
    assert find_occurrences(TEXT, "Ros") == []


@pytest.mark.parametrize(("name", "message"), [("  ", NAME_EMPTY), ("M", NAME_TOO_SHORT)])
def test_it_refuses_names_that_would_mask_too_much(db: Any, name: str, message: str) -> None:
    with pytest.raises(ProtectionError, match=re.escape(message)):
        find_occurrences(TEXT, name)


def test_it_masks_every_occurrence_and_keeps_offsets(coded: dict, admin_user: Any) -> None:
    interview = coded["interview"]
    old_hash, old_words = interview.content_hash, interview.word_count
    offsets = {key: (e.start, e.end) for key, e in coded["excerpts"].items()}
    untouched = {key: coded["excerpts"][key].text for key in ("label", "rose")}

    result = interview_redact_name(interview=interview, name="Mary", actor=admin_user)

    interview.refresh_from_db()
    assert len(result.spans) == 4 and result.characters == 16
    assert "mary" not in interview.text.casefold().replace("rosemary", "")
    assert len(interview.text) == len(TEXT)
    assert interview.text.count(MASK) == 16
    assert "Did ████ help" in interview.text and "Rosemary too" in interview.text
    assert interview.content_hash != old_hash
    assert interview.word_count == old_words
    # The stored form is stable: saving again (which normalises) changes nothing.
    text = interview.text
    interview.save()
    assert interview.text == text
    for key, excerpt in coded["excerpts"].items():
        excerpt.refresh_from_db()
        assert (excerpt.start, excerpt.end) == offsets[key]
        assert excerpt.text == interview.text[excerpt.start : excerpt.end]
        excerpt.full_clean()
    for key, text in untouched.items():
        assert coded["excerpts"][key].text == text
    assert coded["excerpts"]["mary"].text == "Did ████ help"
    assert coded["excerpts"]["both"].text.startswith("Ask ████ Jones")
    assert result.excerpts_masked == 2


def test_it_masks_a_single_span_keeping_line_breaks(coded: dict, admin_user: Any) -> None:
    interview = coded["interview"]
    start = TEXT.index("you?")
    end = TEXT.index("Yes")
    interview_redact(interview=interview, start=start, end=end, actor=admin_user)
    interview.refresh_from_db()
    assert interview.text[start:end] == "████\n████████████ "
    assert interview.text.split("\n")[1].startswith("████████████ Yes")
    with pytest.raises(ProtectionError, match=SPAN_INVALID):
        interview_redact(interview=interview, start=5, end=5, actor=admin_user)
    with pytest.raises(ProtectionError, match=SPAN_INVALID):
        interview_redact(interview=interview, start=0, end=len(TEXT) + 1, actor=admin_user)


def test_it_records_offsets_and_counts_but_never_the_name(coded: dict, admin_user: Any) -> None:
    interview = coded["interview"]
    mary, label = coded["excerpts"]["mary"], coded["excerpts"]["label"]
    assert "Mary" in AuditEvent.objects.get(model="excerpt", object_id=str(mary.pk)).after["text"]

    interview_redact_name(interview=interview, name="mary", actor=admin_user)

    event = AuditEvent.objects.get(action=AuditEvent.Action.REDACT)
    assert event.model == "interview" and event.object_id == str(interview.pk)
    assert event.after["spans"] == [[s, e] for s, e in find_occurrences(TEXT, "Mary")]
    assert event.after["characters"] == 16 and event.after["excerpts_masked"] == 2
    everything = json.dumps(list(AuditEvent.objects.values()), default=str).casefold()
    assert "mary" not in everything.replace("rosemary", "")
    # The overlapping excerpt's snapshots and the deleted one's went; the others stayed.
    scrubbed = AuditEvent.objects.get(model="excerpt", object_id=str(mary.pk))
    assert (scrubbed.before, scrubbed.after, scrubbed.object_repr) == (None, None, REDACTED)
    deleted = AuditEvent.objects.get(
        model="excerpt", object_id=str(coded["gone_pk"]), action="delete"
    )
    assert deleted.before is None
    kept = AuditEvent.objects.get(model="excerpt", object_id=str(label.pk))
    assert kept.after["text"] == "Interviewer"


def test_it_refuses_a_name_that_is_not_there(coded: dict, admin_user: Any) -> None:
    interview = coded["interview"]
    with pytest.raises(ProtectionError, match=re.escape(NAME_NOT_FOUND.format(name="Hawthorn"))):
        interview_redact_name(interview=interview, name="Hawthorn", actor=admin_user)
    assert Interview.objects.get(pk=interview.pk).text == TEXT
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.REDACT).exists()


def test_it_previews_then_masks_on_confirmation(
    coded: dict, client: Client, admin_user: Any
) -> None:
    client.force_login(admin_user)
    url = reverse("interview_redact", args=[coded["interview"].pk])
    assert client.get(url).status_code == 200
    preview = client.post(url, {"name": "MARY", "preview": ""})
    html = preview.content.decode()
    assert "Found 4 times" in html and "Yes, mask 4 occurrences" in html
    assert html.count("<mark>") == 4
    assert Interview.objects.get(pk=coded["interview"].pk).text == TEXT  # preview changes nothing

    response = client.post(url, {"name": "MARY", "confirm": ""}, follow=True)
    assert "Masked 4 occurrences (16 characters)" in response.content.decode()
    assert "Mary" not in Interview.objects.get(pk=coded["interview"].pk).text


def test_it_explains_a_name_it_cannot_use(coded: dict, client: Client, admin_user: Any) -> None:
    client.force_login(admin_user)
    url = reverse("interview_redact", args=[coded["interview"].pk])
    html = client.post(url, {"name": "M", "preview": ""}).content.decode()
    assert "Type at least two letters" in html
    html = client.post(url, {"name": "Hawthorn", "preview": ""}).content.decode()
    assert "Found 0 times" in html and "Nothing to mask" in html
    html = client.post(url, {"name": "Hawthorn", "confirm": ""}).content.decode()
    assert "does not appear in this transcript" in html


def test_it_is_for_admins_only(coded: dict, client: Client, peer: Any) -> None:
    url = reverse("interview_redact", args=[coded["interview"].pk])
    response = client.get(url)
    assert response.status_code == 302 and "/login/" in response["Location"]
    client.force_login(peer)
    assert client.get(url).status_code == 403
    assert client.post(url, {"name": "Mary", "confirm": ""}).status_code == 403
    assert Interview.objects.get(pk=coded["interview"].pk).text == TEXT


def test_it_offers_the_admin_action(coded: dict, client: Client, admin_user: Any) -> None:
    client.force_login(admin_user)
    pk = coded["interview"].pk
    response = client.post(
        "/admin/coding/interview/", {"action": "mask_name", "_selected_action": [pk]}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("interview_redact", args=[pk])
