"""`manage.py export_codebook`: any version of a project's codebook as a valid .qdc."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from lxml import etree

from coding import proposals
from coding.codebook_export import NO_SUCH_VERSION
from coding.models import AuditEvent, Membership

from .conftest import make_user
from .refi_factories import codebook_schema

CODE = "{urn:QDA-XML:codebook:1.0}Code"


def test_it_writes_each_version_valid_against_the_schema(
    project: Any, peer: Any, tmp_path: Path
) -> None:
    lead = make_user("lee-lead")
    Membership.objects.create(user=lead, project=project, role="peer_researcher", is_lead=True)
    proposal = proposals.proposal_create(
        project=project,
        actor=peer,
        kind="add",
        name="Hope",
        definition="Looking ahead.",
        reason="Heard often.",
    )
    proposals.proposal_decide(proposal=proposal, actor=lead, accept=True, reason="Yes.")
    names = {}
    for number in (1, 2):
        out = tmp_path / f"v{number}.qdc"
        call_command("export_codebook", str(out), f"--version={number}", project=project.slug)
        xml = etree.fromstring(out.read_bytes())
        assert codebook_schema().validate(xml), codebook_schema().error_log
        assert f"codebook version {number}" in xml.get("origin")
        names[number] = [c.get("name") for c in xml.iter(CODE)]
    assert "Hope" not in names[1] and "Hope" in names[2]
    assert names[2][:6] == names[1][:6]
    latest = tmp_path / "latest.qdc"
    call_command("export_codebook", str(latest), project=project.slug)
    assert latest.read_bytes().count(b"<Code ") == len(names[2])
    assert AuditEvent.objects.filter(model="codebookversion", action="export").count() == 3


def test_it_names_a_version_that_does_not_exist(project: Any, tmp_path: Path) -> None:
    with pytest.raises(CommandError) as raised:
        call_command(
            "export_codebook", str(tmp_path / "x.qdc"), "--version", "9", project=project.slug
        )
    assert str(raised.value) == NO_SUCH_VERSION.format(project=project.slug, number=9, last=1)
    assert not (tmp_path / "x.qdc").exists()
