"""Withdrawing a participant: everything of theirs goes, from every table, in one step."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.contrib.admin.models import LogEntry
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from coding.analysis.comparison import comparison_build
from coding.analysis.filters import Filters
from coding.audit import audit_record
from coding.findings.candidates import quote_decide, quote_propose
from coding.findings.quotes import publishable_quotes
from coding.importing import batch_import
from coding.models import (
    AuditEvent,
    CodingProgress,
    Excerpt,
    ExcerptValue,
    ImportBatch,
    Interview,
    Participant,
)
from coding.protection import (
    WITHDRAWN,
    participant_withdraw,
    participant_withdrawal_counts,
)
from coding.services import excerpt_create, excerpt_update, progress_update

PSEUDONYM = "Wrenfield"
WREN_TEXT = "Interviewer: Hello\nParticipant: The marmalade lighthouse kept me going, honestly."
KES_TEXT = "Interviewer: Hi\nParticipant: I chose when to come and felt safe."
SECRETS = [
    "marmalade lighthouse",
    "kept me going",
    "sunflower tangent",
    "gooseberry parliament",
    "zeppelin memo",
    "Quillhaven",
    "trainee beekeeper",
    "wren-interview.txt",
    "pelican caption",
    "walrus reason",
]
MANIFEST = (
    "file,project,participant,participant_role,interview_date,interviewer,mode,redact,"
    "quote_consent,hometown,occupation\n"
    "wren-interview.txt,side-by-side,Wrenfield,participant,2024-03-31,Amira,in person,,yes,"
    "Quillhaven,trainee beekeeper\n"
    "kes.txt,side-by-side,Kestrel,participant,2024-04-01,Ben,phone,,,Otterbury,\n"
)


@pytest.fixture
def seeded(tmp_path: Path, project: Any, admin_user: Any, peer: Any, peer2: Any) -> dict:
    """Two imported participants, coded by two peers, with memos and admin edits."""
    folder = tmp_path / "batch"
    folder.mkdir()
    (folder / "manifest.csv").write_text(MANIFEST, encoding="utf-8")
    (folder / "wren-interview.txt").write_text(WREN_TEXT, encoding="utf-8")
    (folder / "kes.txt").write_text(KES_TEXT, encoding="utf-8")
    report = batch_import(path=folder, user=admin_user)
    assert not report.has_errors, report.all_problems()
    wren = Interview.objects.get(participant__pseudonym=PSEUDONYM)
    kes = Interview.objects.get(participant__pseudonym="Kestrel")
    start = wren.text.index("marmalade")
    first = excerpt_create(
        interview=wren, coder=peer, start=start, end=start + 20, values=["safety"], note="note"
    )
    excerpt_update(
        excerpt=first,
        user=peer,
        changes={"note": "sunflower tangent", "values": ["safety", "human-connection"]},
    )
    excerpt_create(
        interview=wren,
        coder=peer2,
        start=start,
        end=start + 34,
        values=["safety"],
        note="gooseberry parliament",
    )
    progress_update(interview=wren, coder=peer, memo="zeppelin memo", done=True)
    # A quote chosen from their words, approved with a reason (consent given at import).
    safety = first.tags.get(value__slug="safety").value_id
    quote = quote_propose(excerpt=first, value_id=safety, caption="pelican caption", user=peer)
    quote_decide(candidate=quote, user=admin_user, approve=True, reason="walrus reason")
    kept = excerpt_create(interview=kes, coder=peer, start=0, end=11, values=["safety"])
    progress_update(interview=kes, coder=peer, memo="kept memo")
    return {"wren": wren, "kes": kes, "kept": kept, "participant": wren.participant}


def edit_in_admin(client: Client, participant: Participant) -> None:
    """Change the participant through the admin, which writes its own log and audit event."""
    response = client.post(
        f"/admin/coding/participant/{participant.pk}/change/",
        {
            "project": participant.project_id,
            "pseudonym": PSEUDONYM,
            "role": "participant",
            "quote_consent": "yes",
            "attributes": json.dumps(
                {"hometown": "Quillhaven", "occupation": "trainee beekeeper", "age": "40s"}
            ),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]


def every_row() -> list[tuple[str, str]]:
    """Every row of every table (all apps) as (table, text), sessions decoded."""
    rows = []
    for model in apps.get_models(include_auto_created=True):
        for values in model._base_manager.values():
            rows.append((model._meta.label, json.dumps(values, default=str, ensure_ascii=False)))
    for session in Session.objects.all():
        rows.append(("sessions.decoded", json.dumps(session.get_decoded(), default=str)))
    return rows


def safety_interviews(project: Any) -> int:
    comparison = comparison_build(Filters(project_ids=(project.pk,)))
    value = next(v for v in comparison.values if v.slug == "safety")
    frame = comparison.frame
    return int(frame[frame["v_id"] == value.id].iloc[0]["interviews"])


def test_it_counts_what_will_go(seeded: dict) -> None:
    participant = seeded["participant"]
    Participant.objects.filter(pk=participant.pk).update(attributes={"a": "1", "b": "2"})
    participant.refresh_from_db()
    counts = participant_withdrawal_counts(participant)
    assert (counts.interviews, counts.excerpts, counts.tags, counts.memos) == (1, 2, 3, 1)
    assert counts.quotes == 1
    assert counts.attributes == 2


def test_it_leaves_nothing_of_the_participant_in_any_table(
    seeded: dict, client: Client, admin_user: Any, project: Any
) -> None:
    client.force_login(admin_user)
    edit_in_admin(client, seeded["participant"])
    # An evaluator's export filtered on an attribute value only this participant has.
    for town in ("Quillhaven", "Otterbury"):
        audit_record(
            actor=admin_user,
            action=AuditEvent.Action.EXPORT,
            model="excerpt",
            project_id=project.pk,
            after={"export": "excerpts", "filters": f"hometown: {town}"},
        )
    before = every_row()
    # The check below can only pass because of the withdrawal: the data is there now.
    for secret in [*SECRETS, PSEUDONYM]:
        assert any(secret in text for _, text in before), secret
    assert safety_interviews(project) == 2
    assert publishable_quotes([project])  # the approved quote could reach a findings pack

    response = client.post(reverse("participant_withdraw", args=[seeded["participant"].pk]))
    assert response.status_code == 302

    after = every_row()
    for secret in SECRETS:
        leaks = [table for table, text in after if secret.casefold() in text.casefold()]
        assert not leaks, f"{secret!r} is still in {leaks}"
    naming = [(table, text) for table, text in after if PSEUDONYM.casefold() in text.casefold()]
    assert len(naming) == 1, naming
    event = AuditEvent.objects.get(action=AuditEvent.Action.WITHDRAW)
    assert naming[0][0] == "coding.AuditEvent" and f'"id": {event.pk},' in naming[0][1]
    # Another participant's export record stays as it was.
    assert AuditEvent.objects.filter(after__filters="hometown: Otterbury").exists()
    # Comparisons read the live tables: the withdrawn interview no longer counts.
    assert safety_interviews(project) == 1
    # No quote of theirs can reach a findings pack.
    assert publishable_quotes([project]) == {}


def test_it_keeps_only_pseudonym_time_and_counts_in_the_audit(
    seeded: dict, admin_user: Any
) -> None:
    result = participant_withdraw(participant=seeded["participant"], actor=admin_user)
    event = result.audit_event
    assert event.action == AuditEvent.Action.WITHDRAW
    assert event.model == "participant"
    assert event.object_repr == PSEUDONYM
    assert event.after == {"interviews": 1, "excerpts": 2, "tags": 3, "memos": 1, "quotes": 1}
    assert event.before is None
    assert event.participant_id is None and event.object_id == ""
    assert event.actor_name == admin_user.username and event.created is not None


def test_it_removes_only_that_participant(seeded: dict, admin_user: Any) -> None:
    kept_participant = seeded["kes"].participant
    participant_withdraw(participant=seeded["participant"], actor=admin_user)
    assert not Participant.objects.filter(pseudonym=PSEUDONYM).exists()
    assert not Interview.objects.filter(pk=seeded["wren"].pk).exists()
    assert list(Excerpt.objects.all()) == [seeded["kept"]]
    assert ExcerptValue.objects.filter(excerpt=seeded["kept"]).count() == 1
    assert CodingProgress.objects.get().memo == "kept memo"
    assert Participant.objects.get(pk=kept_participant.pk).attributes == {"hometown": "Otterbury"}
    # Their own earlier events keep their snapshots.
    kept_event = AuditEvent.objects.get(model="excerpt", object_id=str(seeded["kept"].pk))
    assert kept_event.after["text"] == seeded["kes"].text[:11]


def test_it_blanks_earlier_events_and_the_import_report(seeded: dict, admin_user: Any) -> None:
    participant = seeded["participant"]
    excerpt_ids = [
        str(pk)
        for pk in Excerpt.objects.filter(interview=seeded["wren"]).values_list("pk", flat=True)
    ]
    participant_withdraw(participant=participant, actor=admin_user)
    old = AuditEvent.objects.filter(model="excerpt", object_id__in=excerpt_ids)
    assert old.count() == 3
    for event in old:
        assert (event.before, event.after, event.object_repr) == (None, None, WITHDRAWN)
        assert event.actor_name == "pat-peer" or event.actor_name == "quinn-peer"
    report = ImportBatch.objects.get().report
    rows = {row["row"]: row for row in report["rows"]}
    assert rows[2]["participant"] == WITHDRAWN and rows[2]["file"] == WITHDRAWN
    assert rows[2]["interview_id"] is None
    assert rows[3]["participant"] == "Kestrel" and rows[3]["file"] == "kes.txt"
    assert participant.pk not in report["participants_created"]


def test_it_undoes_everything_when_a_step_fails(
    seeded: dict, admin_user: Any, monkeypatch: Any
) -> None:
    def fail(**kwargs: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr("coding.protection.withdrawal.audit_record", fail)
    with pytest.raises(RuntimeError):
        participant_withdraw(participant=seeded["participant"], actor=admin_user)
    assert Interview.objects.filter(pk=seeded["wren"].pk).exists()
    assert Excerpt.objects.filter(interview=seeded["wren"]).count() == 2
    assert AuditEvent.objects.filter(participant_id=seeded["participant"].pk).exclude(after=None)
    assert ImportBatch.objects.get().report["rows"][0]["participant"] == PSEUDONYM


def test_it_confirms_with_the_counts_before_deleting(
    seeded: dict, client: Client, admin_user: Any
) -> None:
    client.force_login(admin_user)
    url = reverse("participant_withdraw", args=[seeded["participant"].pk])
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "This cannot be undone" in html
    for label, n in [
        ("Interviews", 1),
        ("Excerpts", 2),
        ("Values tagged", 3),
        ("memos", 1),
        ("Quotes chosen", 1),
    ]:
        assert label in html and f'<td class="text-end">{n}</td>' in html
    assert Interview.objects.filter(pk=seeded["wren"].pk).exists()  # a GET deletes nothing
    response = client.post(url, follow=True)
    assert "Wrenfield has been withdrawn" in response.content.decode()
    assert (
        "Removed: 1 interview, 2 excerpts with 3 value tags, 1 memo, 2 attributes and 1 quote"
        in (response.content.decode())
    )
    assert not Interview.objects.filter(pk=seeded["wren"].pk).exists()


def test_it_offers_the_admin_action_for_one_participant(
    seeded: dict, client: Client, admin_user: Any
) -> None:
    client.force_login(admin_user)
    pk = seeded["participant"].pk
    response = client.post(
        "/admin/coding/participant/",
        {"action": "withdraw_participant", "_selected_action": [pk]},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("participant_withdraw", args=[pk])
    assert Participant.objects.filter(pk=pk).exists()
    both = [pk, seeded["kes"].participant_id]
    response = client.post(
        "/admin/coding/participant/",
        {"action": "withdraw_participant", "_selected_action": both},
        follow=True,
    )
    assert "one participant at a time" in response.content.decode()
    assert Participant.objects.count() == 2


def test_it_is_for_admins_only(seeded: dict, client: Client, peer: Any) -> None:
    url = reverse("participant_withdraw", args=[seeded["participant"].pk])
    response = client.get(url)
    assert response.status_code == 302 and "/login/" in response["Location"]
    client.force_login(peer)
    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403
    assert Participant.objects.filter(pk=seeded["participant"].pk).exists()


def test_it_does_not_log_the_participant_in_the_admin_log(
    seeded: dict, client: Client, admin_user: Any
) -> None:
    client.force_login(admin_user)
    edit_in_admin(client, seeded["participant"])
    assert LogEntry.objects.filter(object_repr=PSEUDONYM).exists()
    participant_withdraw(participant=seeded["participant"], actor=admin_user)
    assert not LogEntry.objects.filter(object_repr=PSEUDONYM).exists()
    assert LogEntry.objects.filter(object_repr=WITHDRAWN).exists()
