"""“New value…” while coding: provisional, the proposer's alone until the team decides."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client
from django.urls import reverse

from coding import proposals, services
from coding.models import CodebookValue, Membership, Proposal

from .conftest import make_user


def post(client: Client, url: str, body: Any) -> Any:
    return client.post(url, data=json.dumps(body), content_type="application/json")


def test_it_opens_a_proposal_and_keeps_the_value_to_its_proposer(
    client: Client, project: Any, peer: Any, peer2: Any, interview: Any
) -> None:
    client.force_login(peer)
    body = post(client, f"/api/interviews/{interview.pk}/values/", {"name": "Hpoe"}).json()
    assert body["page"] == reverse(
        "provisional_value", args=[project.slug, CodebookValue.objects.get(name="Hpoe").pk]
    )
    proposal = Proposal.objects.get()
    assert (proposal.kind, proposal.name, proposal.proposed_by) == ("add", "Hpoe", peer)
    mine = post(
        client,
        f"/api/interviews/{interview.pk}/excerpts/",
        {"start": 0, "end": 5, "values": ["hpoe"]},
    )
    assert mine.status_code == 201
    client.force_login(peer2)
    theirs = post(
        client,
        f"/api/interviews/{interview.pk}/excerpts/",
        {"start": 0, "end": 5, "values": ["hpoe"]},
    )
    assert theirs.status_code == 400
    assert theirs.json()["error"] == services.UNKNOWN_VALUE.format(slug="hpoe")
    page = client.get(interview.get_absolute_url()).content.decode()
    assert "Hpoe" not in page


def test_it_gives_an_accepted_value_a_free_key_for_everyone(
    client: Client, project: Any, peer: Any, peer2: Any, interview: Any
) -> None:
    lead = make_user("lee-lead")
    Membership.objects.create(user=lead, project=project, role="peer_researcher", is_lead=True)
    value = services.value_create(project=project, actor=peer, name="Hope")
    proposals.proposal_decide(
        proposal=Proposal.objects.get(), actor=lead, accept=True, reason="We hear it."
    )
    value.refresh_from_db()
    assert value.shortcut == "7"  # 1-6 belong to the framework's values
    assert value.proposed_by is None and value.status == "active"
    client.force_login(peer2)
    tagged = post(
        client,
        f"/api/interviews/{interview.pk}/excerpts/",
        {"start": 0, "end": 5, "values": ["hope"]},
    )
    assert tagged.status_code == 201


def test_it_lets_the_proposer_withdraw_and_delete_its_excerpts(
    client: Client, project: Any, peer: Any, interview: Any
) -> None:
    value = services.value_create(project=project, actor=peer, name="Hpoe")
    only = services.excerpt_create(interview=interview, coder=peer, start=0, end=5, values=["hpoe"])
    both = services.excerpt_create(
        interview=interview, coder=peer, start=6, end=9, values=["hpoe", "safety"]
    )
    client.force_login(peer)
    url = reverse("provisional_value", args=[project.slug, value.pk])
    client.post(url, {"action": "withdraw"})
    assert Proposal.objects.get().status == "withdrawn"
    assert "You withdrew this value" in client.get(url).content.decode()
    client.post(url, {"action": "delete"})
    assert not type(only).objects.filter(pk=only.pk).exists()
    assert list(both.tags.values_list("value__slug", flat=True)) == ["safety"]
