"""Codebook versions: tags record theirs, the difference between two, and version 1 for old data."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client

from coding import proposals
from coding.models import CodebookValue, CodebookVersion, ExcerptValue, Membership
from coding.versions import current_version, version_diff

from .conftest import make_user


@pytest.fixture
def lead(project: Any) -> Any:
    user = make_user("lee-lead")
    Membership.objects.create(user=user, project=project, role="peer_researcher", is_lead=True)
    return user


def accept(project: Any, peer: Any, lead: Any, kind: str, **kw: Any) -> Any:
    proposal = proposals.proposal_create(
        project=project, actor=peer, kind=kind, reason="Because.", **kw
    )
    return proposals.proposal_decide(proposal=proposal, actor=lead, accept=True, reason="Yes.")


def test_it_records_the_version_each_tag_was_made_under(
    client: Client, project: Any, peer: Any, lead: Any, interview: Any
) -> None:
    client.force_login(peer)

    def tag(start: int, end: int) -> ExcerptValue:
        response = client.post(
            f"/api/interviews/{interview.pk}/excerpts/",
            data=json.dumps({"start": start, "end": end, "values": ["safety"]}),
            content_type="application/json",
        )
        assert response.status_code == 201, response.json()
        return ExcerptValue.objects.get(excerpt_id=response.json()["id"])

    before = tag(0, 5)
    accept(project, peer, lead, "add", name="Hope")
    after = tag(6, 10)
    assert (before.version.number, after.version.number) == (1, 2)


def test_it_shows_the_difference_between_two_versions(project: Any, peer: Any, lead: Any) -> None:
    v1 = current_version(project)
    accept(project, peer, lead, "add", name="Hope", short_definition="Looking forward.")
    hope = CodebookValue.objects.get(name="Hope")
    accept(project, peer, lead, "rename", value=hope, name="Hopefulness")
    accept(project, peer, lead, "redefine", value=hope, short_definition="Seeing a way ahead.")
    v4 = current_version(project)
    diff = version_diff(v1, v4)
    assert [row["name"] for row in diff.added] == ["Hopefulness"]
    assert diff.changed == [] and diff.removed == []
    v2 = CodebookVersion.objects.get(project=project, number=2)
    diff = version_diff(v2, v4)
    assert diff.added == [] and diff.removed == []
    ((row, changes),) = diff.changed
    assert row["name"] == "Hopefulness"
    assert changes == [
        ("name", "Hope", "Hopefulness"),
        ("short definition", "Looking forward.", "Seeing a way ahead."),
    ]
    assert diff.unchanged == 6
    back = version_diff(v4, v1)
    assert [row["name"] for row in back.removed] == ["Hopefulness"]


@pytest.mark.django_db(transaction=True)
def test_it_gives_existing_codebooks_version_1_with_their_tags() -> None:
    executor = MigrationExecutor(connection)
    before = [("coding", "0010_codebook_proposals_versions")]
    after = [("coding", "0011_codebook_version_one")]
    executor.migrate(before)
    apps = executor.loader.project_state(before).apps
    Project = apps.get_model("coding", "ResearchProject")
    Value = apps.get_model("coding", "CodebookValue")
    Participant = apps.get_model("coding", "Participant")
    Interview = apps.get_model("coding", "Interview")
    Excerpt = apps.get_model("coding", "Excerpt")
    Tag = apps.get_model("coding", "ExcerptValue")
    User = apps.get_model("auth", "User")
    project = Project.objects.create(slug="p", name="P")
    Value.objects.create(project=project, slug="old", name="Old", is_active=False)
    coder = User.objects.create(username="c")
    participant = Participant.objects.create(project=project, pseudonym="P1")
    interview = Interview.objects.create(
        project=project, participant=participant, text="Hello there", content_hash="x"
    )
    excerpt = Excerpt.objects.create(interview=interview, coder=coder, start=0, end=5, text="Hello")
    # The framework values come from migration 0002; a test that flushed the tables before this
    # one may have taken them away, so make sure "Safety" is there.
    safety, _ = Value.objects.get_or_create(
        project=None, slug="safety", defaults={"name": "Safety", "order": 2}
    )
    Tag.objects.create(excerpt=excerpt, value=safety)
    executor = MigrationExecutor(connection)
    executor.migrate(after)
    apps = executor.loader.project_state(after).apps
    Version = apps.get_model("coding", "CodebookVersion")
    version = Version.objects.get(project_id=project.pk)
    assert version.number == 1
    names = [row["name"] for row in version.snapshot]
    assert "Safety" in names and "Old" not in names
    assert apps.get_model("coding", "ExcerptValue").objects.get().version_id == version.pk
    old = apps.get_model("coding", "CodebookValue").objects.get(slug="old")
    assert old.status == "retired"
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
