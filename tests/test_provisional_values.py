"""“New value…” while coding: provisional, the proposer's alone until the team decides."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from coding import proposals, services
from coding.models import AuditEvent, CodebookValue, Membership, Proposal
from coding.services import CodingError

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


def test_it_carries_the_definition_written_while_coding_into_the_accepted_value(
    client: Client, project: Any, peer: Any, interview: Any
) -> None:
    lead = make_user("lee-lead")
    Membership.objects.create(user=lead, project=project, role="peer_researcher", is_lead=True)
    client.force_login(peer)
    made = post(
        client,
        f"/api/interviews/{interview.pk}/values/",
        {"name": "Hope", "definition": "Looking forward to better days."},
    )
    assert made.status_code == 201, made.json()
    proposal = Proposal.objects.get()
    assert proposal.short_definition == "Looking forward to better days."
    proposals.proposal_decide(proposal=proposal, actor=lead, accept=True, reason="We hear it.")
    value = CodebookValue.objects.get(name="Hope")
    assert value.short_definition == "Looking forward to better days."


def test_it_lets_the_proposer_write_the_definition_before_the_decision(
    project: Any, peer: Any
) -> None:
    lead = make_user("lee-lead")
    Membership.objects.create(user=lead, project=project, role="peer_researcher", is_lead=True)
    value = services.value_create(project=project, actor=peer, name="Hope")
    proposal = Proposal.objects.get()
    proposals.proposal_define(
        proposal=proposal, actor=peer, short_definition="  Looking forward. ", definition=""
    )
    proposal.refresh_from_db()
    value.refresh_from_db()
    assert proposal.short_definition == value.short_definition == "Looking forward."
    event = AuditEvent.objects.filter(model="proposal", action="update").get()
    assert (event.before["short_definition"], event.after["short_definition"]) == (
        "",
        "Looking forward.",
    )
    proposals.proposal_decide(proposal=proposal, actor=lead, accept=True, reason="Yes.")
    value.refresh_from_db()
    assert value.short_definition == "Looking forward."


@pytest.mark.parametrize(
    ("who", "short", "decided", "message", "status"),
    [
        ("peer2", "Looking forward.", False, proposals.NOT_YOUR_DEFINITION, 403),
        ("peer", "   ", False, proposals.SHORT_DEFINITION_MISSING, 400),
        ("peer", "x" * 301, False, proposals.SHORT_DEFINITION_TOO_LONG.format(limit=300), 400),
        ("peer", "Looking forward.", True, proposals.PROPOSAL_CLOSED, 409),
    ],
)
def test_it_refuses_a_definition_from_others_empty_too_long_or_after_the_decision(
    project: Any,
    peer: Any,
    peer2: Any,
    who: str,
    short: str,
    decided: bool,
    message: str,
    status: int,
) -> None:
    lead = make_user("lee-lead")
    Membership.objects.create(user=lead, project=project, role="peer_researcher", is_lead=True)
    value = services.value_create(project=project, actor=peer, name="Hope")
    proposal = Proposal.objects.get()
    if decided:
        proposals.proposal_decide(proposal=proposal, actor=lead, accept=False, reason="No.")
    with pytest.raises(CodingError) as raised:
        proposals.proposal_define(
            proposal=proposal,
            actor={"peer": peer, "peer2": peer2}[who],
            short_definition=short,
            definition="",
        )
    assert (raised.value.message, raised.value.status) == (message, status)
    value.refresh_from_db()
    assert value.short_definition == ""


def test_it_refuses_to_define_a_rename_here(project: Any, peer: Any) -> None:
    trust = CodebookValue.objects.create(project=project, slug="trust", name="Trust", order=7)
    proposal = proposals.proposal_create(
        project=project, actor=peer, kind="rename", value=trust, name="Trusting", reason="r"
    )
    with pytest.raises(CodingError) as raised:
        proposals.proposal_define(
            proposal=proposal, actor=peer, short_definition="Relying.", definition=""
        )
    assert raised.value.message == proposals.ONLY_AN_ADDITION_IS_DEFINED


def test_it_asks_for_a_definition_on_the_codebook_and_proposal_pages(
    client: Client, project: Any, peer: Any, peer2: Any
) -> None:
    services.value_create(project=project, actor=peer, name="Hope")
    proposal = Proposal.objects.get()
    client.force_login(peer)
    codebook = client.get(reverse("codebook", args=[project.slug])).content.decode()
    assert "No definition yet — the proposer can add one" in codebook
    page = client.get(proposal.get_absolute_url()).content.decode()
    url = reverse("proposal_define", args=[project.slug, proposal.pk])
    assert f'action="{url}"' in page
    response = client.post(url, {"short_definition": "Looking forward.", "definition": ""})
    assert response.status_code == 302
    page = client.get(proposal.get_absolute_url()).content.decode()
    assert "Looking forward." in page
    codebook = client.get(reverse("codebook", args=[project.slug])).content.decode()
    assert "No definition yet" not in codebook
    # Only the proposer is offered the form; anyone else's post is refused with a sentence.
    client.force_login(peer2)
    assert f'action="{url}"' not in client.get(proposal.get_absolute_url()).content.decode()
    response = client.post(url, {"short_definition": "Mine now."}, follow=True)
    assert proposals.NOT_YOUR_DEFINITION in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.short_definition == "Looking forward."


def test_it_says_an_accepted_value_has_no_definition_yet(
    client: Client, project: Any, peer: Any, evaluator: Any
) -> None:
    lead = make_user("lee-lead")
    Membership.objects.create(user=lead, project=project, role="peer_researcher", is_lead=True)
    value = services.value_create(project=project, actor=peer, name="Hope")
    proposals.proposal_decide(proposal=Proposal.objects.get(), actor=lead, accept=True, reason="Y")
    redefine = f"{reverse('proposal_new', args=[project.slug])}?kind=redefine&amp;value={value.pk}"
    client.force_login(peer)
    page = client.get(reverse("codebook", args=[project.slug])).content.decode()
    assert "No definition yet" in page and redefine in page
    client.force_login(evaluator)  # evaluators read only
    page = client.get(reverse("codebook", args=[project.slug])).content.decode()
    assert "No definition yet." in page and redefine not in page
