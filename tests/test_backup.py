"""Backups: `backup_data` writes a gzip file that `loaddata` turns back into the same data."""

from __future__ import annotations

import gzip
import json
import stat
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from coding.codebook import framework_values_load
from coding.management.commands.backup_data import BAD_NAME, NO_FOLDER, SENSITIVE
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
from coding.services import excerpt_create, progress_update

from .conftest import make_interview

TEXT = "Interviewer: How was it?\nParticipant: I felt safe there – café ☕ and all."
MODELS = [
    ResearchProject,
    Membership,
    Participant,
    Interview,
    CodebookValue,
    Excerpt,
    ExcerptValue,
    CodingProgress,
    AuditEvent,
    Group,
]


@pytest.fixture
def seeded(project: Any, admin_user: Any, peer: Any, evaluator: Any) -> dict[str, Any]:
    interview = make_interview(project, TEXT, pseudonym="Alder", mode="phone")
    Participant.objects.filter(pk=interview.participant_id).update(attributes={"age": "40s"})
    start = TEXT.index("café")
    excerpt = excerpt_create(
        interview=interview,
        coder=peer,
        start=start,
        end=start + 6,
        values=["safety", "human-connection"],
        note="a note",
    )
    progress_update(interview=interview, coder=peer, memo="my memo", done=True)
    group = Group.objects.create(name="coordinators")
    group.permissions.add(Permission.objects.get(codename="view_interview"))
    peer.groups.add(group)
    return {"interview": interview, "excerpt": excerpt, "peer": peer}


def ms(moment: Any) -> Any:
    # Django's JSON serialiser keeps times to the millisecond.
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000) if moment else moment


def snapshot() -> dict[str, Any]:
    """Counts of every backed-up table and the fields a restore must bring back exactly."""
    excerpt = Excerpt.objects.get()
    peer = get_user_model().objects.get(username="pat-peer")
    return {
        "counts": {m._meta.label: m.objects.count() for m in MODELS},
        "users": sorted(get_user_model().objects.values_list("username", "is_staff", "password")),
        "excerpt": (excerpt.pk, excerpt.start, excerpt.end, excerpt.text, excerpt.note),
        "tags": sorted(excerpt.tags.values_list("value__slug", flat=True)),
        "interview": Interview.objects.values("text", "content_hash", "word_count").get(),
        "memberships": sorted(
            Membership.objects.values_list("user__username", "project__slug", "role")
        ),
        "attributes": list(Participant.objects.values_list("pseudonym", "attributes")),
        "memo": [(m, ms(d)) for m, d in CodingProgress.objects.values_list("memo", "done_at")],
        "audit": [
            (row[0], ms(row[1]), *row[2:])
            for row in AuditEvent.objects.order_by("pk").values_list(
                "pk", "created", "actor_name", "action", "model", "object_id", "before", "after"
            )
        ],
        "groups": list(peer.groups.values_list("name", flat=True)),
        "group_permissions": list(
            Group.objects.get().permissions.values_list("codename", flat=True)
        ),
    }


def test_it_backs_up_and_restores_everything(seeded: dict, tmp_path: Path) -> None:
    before = snapshot()
    assert before["counts"]["coding.AuditEvent"] >= 2
    out = tmp_path / "backup.json.gz"
    stdout = StringIO()
    call_command("backup_data", str(out), stdout=stdout)
    assert SENSITIVE in stdout.getvalue()
    assert stat.S_IMODE(out.stat().st_mode) == 0o600  # only the owner can read it
    taken = AuditEvent.objects.get(model="backup", action=AuditEvent.Action.EXPORT)
    assert taken.after == {"file": "backup.json.gz"}

    # PostgreSQL refuses to empty tables with foreign-key checks still pending in the test's
    # transaction: run them now (SQLite has none pending).
    connection.check_constraints()
    call_command("flush", interactive=False, verbosity=0)
    ContentType.objects.clear_cache()  # flush gave the content types new ids
    assert Excerpt.objects.count() == 0 and get_user_model().objects.count() == 0
    # What `migrate` does on a new database: the shared values exist before the restore.
    framework_values_load(CodebookValue)
    call_command("loaddata", str(out), verbosity=0)

    assert snapshot() == before
    # The restored database goes on working: new rows get fresh ids after the restored ones.
    interview = Interview.objects.get()
    peer = get_user_model().objects.get(username="pat-peer")
    new = excerpt_create(interview=interview, coder=peer, start=0, end=11, values=["safety"])
    assert new.pk > seeded["excerpt"].pk


def test_it_leaves_out_sessions_permissions_and_the_admin_log(seeded: dict, tmp_path: Path) -> None:
    out = tmp_path / "backup.json.gz"
    call_command("backup_data", str(out), stdout=StringIO())
    with gzip.open(out, "rt", encoding="utf-8") as fh:
        rows = json.load(fh)
    models = {row["model"] for row in rows}
    assert {"auth.user", "auth.group", "coding.excerpt", "coding.auditevent"} <= models
    assert not models & {
        "contenttypes.contenttype",
        "auth.permission",
        "sessions.session",
        "admin.logentry",
    }
    assert not any(m.startswith("axes.") for m in models)
    group = next(row for row in rows if row["model"] == "auth.group")
    assert group["fields"]["permissions"] == [["view_interview", "coding", "interview"]]


def test_it_explains_a_bad_file_name(db: Any, tmp_path: Path) -> None:
    with pytest.raises(CommandError) as error:
        call_command("backup_data", str(tmp_path / "backup.zip"))
    assert str(error.value) == BAD_NAME
    missing = tmp_path / "nowhere"
    with pytest.raises(CommandError) as error:
        call_command("backup_data", str(missing / "b.json.gz"))
    assert str(error.value) == NO_FOLDER.format(folder=missing)
    assert list(tmp_path.iterdir()) == []
