"""Proposals to change a project's codebook: discussed by the team, decided by a lead."""

from __future__ import annotations

from typing import Any

import pytest

from coding import changes, proposals
from coding.models import (
    AuditEvent,
    CodebookValue,
    CodebookVersion,
    ExcerptValue,
    Membership,
    Proposal,
    ProposalVote,
)
from coding.services import CodingError
from coding.versions import current_version

from .conftest import make_excerpt, make_interview, make_user


@pytest.fixture
def lead(project: Any) -> Any:
    user = make_user("lee-lead")
    Membership.objects.create(user=user, project=project, role="peer_researcher", is_lead=True)
    return user


@pytest.fixture
def trust(project: Any) -> CodebookValue:
    """A value of the project's own, as the women-only project added trust."""
    return CodebookValue.objects.create(project=project, slug="trust", name="Trust", order=7)


def propose(project: Any, actor: Any, kind: str, **kw: Any) -> Proposal:
    return proposals.proposal_create(
        project=project, actor=actor, kind=kind, reason=kw.pop("reason", "Because."), **kw
    )


def test_it_lets_a_peer_propose_and_records_it(project: Any, peer: Any) -> None:
    proposal = propose(project, peer, "add", name="Hope", short_definition="Looking forward.")
    assert proposal.status == "open"
    event = AuditEvent.objects.get(model="proposal")
    assert event.after["name"] == "Hope"
    assert event.actor_name == peer.username


@pytest.mark.parametrize(
    ("kind", "kw", "message"),
    [
        ("add", {"name": "Safety"}, proposals.NAME_TAKEN.format(name="Safety")),
        ("add", {"name": "Hope", "reason": "  "}, proposals.REASON_MISSING),
        ("shout", {"name": "Hope"}, proposals.UNKNOWN_KIND),
        ("redefine", {"value": "trust"}, proposals.NOTHING_TO_REDEFINE),
        ("split", {"value": "trust", "split_names": ["A", "a"]}, proposals.SPLIT_NAMES_NEEDED),
        ("merge", {"value": "trust"}, proposals.MERGE_TARGET_MISSING.format(name="Trust")),
        ("merge", {"value": "trust", "into": "trust"}, proposals.MERGE_INTO_ITSELF),
        ("retire", {"value": "safety"}, proposals.FRAMEWORK_IS_SHARED.format(name="Safety")),
    ],
)
def test_it_refuses_a_bad_proposal_and_saves_nothing(
    project: Any, peer: Any, trust: Any, kind: str, kw: dict, message: str
) -> None:
    for key in ("value", "into"):
        if key in kw:
            kw[key] = CodebookValue.objects.for_project(project).get(slug=kw[key])
    with pytest.raises(CodingError) as raised:
        propose(project, peer, kind, **kw)
    assert raised.value.message == message
    assert not Proposal.objects.exists()


def test_it_keeps_evaluators_out_of_proposals(project: Any, evaluator: Any) -> None:
    with pytest.raises(CodingError) as raised:
        propose(project, evaluator, "add", name="Hope")
    assert raised.value.message == proposals.NOT_A_PEER_RESEARCHER


def test_it_counts_one_say_per_member_and_lets_them_change_it(
    project: Any, peer: Any, peer2: Any
) -> None:
    proposal = propose(project, peer, "add", name="Hope")
    proposals.proposal_vote(proposal=proposal, actor=peer2, agrees=False)
    proposals.proposal_vote(proposal=proposal, actor=peer2, agrees=True)
    assert list(ProposalVote.objects.values_list("agrees", flat=True)) == [True]
    proposals.proposal_comment(proposal=proposal, actor=peer2, text="Yes, we hear it often.")
    assert proposal.comments.get().text == "Yes, we hear it often."
    assert AuditEvent.objects.filter(model="proposalvote").count() == 2


def test_it_lets_only_a_lead_decide_with_a_reason(project: Any, peer: Any, lead: Any) -> None:
    proposal = propose(project, peer, "add", name="Hope")
    with pytest.raises(CodingError) as raised:
        proposals.proposal_decide(proposal=proposal, actor=peer, accept=True, reason="Fine")
    assert raised.value.message == proposals.LEADS_ONLY
    with pytest.raises(CodingError) as raised:
        proposals.proposal_decide(proposal=proposal, actor=lead, accept=True, reason=" ")
    assert raised.value.message == proposals.DECISION_REASON_MISSING
    proposals.proposal_decide(proposal=proposal, actor=lead, accept=False, reason="Too close.")
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decided_by, proposal.decision_reason) == (
        "declined",
        lead,
        "Too close.",
    )
    assert not CodebookValue.objects.filter(name="Hope").exists()
    with pytest.raises(CodingError) as raised:
        proposals.proposal_vote(proposal=proposal, actor=peer, agrees=True)
    assert raised.value.message == proposals.PROPOSAL_CLOSED


def test_it_adds_an_accepted_value_with_a_free_key_and_a_new_version(
    project: Any, peer: Any, lead: Any
) -> None:
    first = current_version(project)
    proposal = propose(project, peer, "add", name="Hope", short_definition="Looking forward.")
    proposals.proposal_decide(proposal=proposal, actor=lead, accept=True, reason="We agree.")
    hope = CodebookValue.objects.get(name="Hope")
    taken = set(
        CodebookValue.objects.for_project(project)
        .exclude(pk=hope.pk)
        .values_list("shortcut", flat=True)
    )
    assert hope.shortcut and hope.shortcut not in taken
    assert (hope.status, hope.short_definition) == ("active", "Looking forward.")
    version = CodebookVersion.objects.get(project=project, number=first.number + 1)
    assert version.proposal == proposal
    assert version.created_by == lead
    assert "We agree." in version.reason
    assert str(hope.guid) in version.value_guids
    assert str(hope.guid) not in first.value_guids


def test_it_renames_redefines_and_retires(project: Any, peer: Any, lead: Any, trust: Any) -> None:
    for kind, kw in [
        ("rename", {"name": "Trusting others"}),
        ("redefine", {"when_to_use": "When people say they can rely on the group."}),
        ("retire", {}),
    ]:
        proposal = propose(project, peer, kind, value=trust, **kw)
        proposals.proposal_decide(proposal=proposal, actor=lead, accept=True, reason="Agreed")
    trust.refresh_from_db()
    assert trust.name == "Trusting others"
    assert trust.when_to_use.startswith("When people say")
    assert (trust.is_active, trust.current_status) == (False, "retired")
    assert current_version(project).number == 4


def test_it_names_a_renamed_value_by_its_old_name_in_the_versions_summary(
    project: Any, peer: Any, lead: Any, trust: Any
) -> None:
    proposal = propose(project, peer, "rename", value=trust, name="Trusting others")
    proposals.proposal_decide(proposal=proposal, actor=lead, accept=True, reason="Agreed")
    assert current_version(project).summary == "Rename “Trust” to “Trusting others”"


def test_it_merges_at_once_and_keeps_the_old_values_history(
    project: Any, peer: Any, lead: Any, trust: Any
) -> None:
    interview = make_interview(project)
    safety = CodebookValue.objects.get(slug="safety")
    only_trust = make_excerpt(interview, peer, 0, 5, "trust")
    both = make_excerpt(interview, peer, 6, 10, "trust", "safety")
    proposal = propose(project, peer, "merge", value=trust, into=safety)
    proposals.proposal_decide(proposal=proposal, actor=lead, accept=True, reason="Same thing")
    trust.refresh_from_db()
    assert (trust.is_active, trust.merged_into) == (False, safety)
    tag = only_trust.tags.get()
    assert (tag.value, tag.recoded_from, tag.version) == (safety, trust, current_version(project))
    assert list(both.tags.values_list("value__slug", flat=True)) == ["safety"]
    assert not ExcerptValue.objects.filter(value=trust).exists()


def test_it_splits_into_a_recode_queue_that_empties(
    project: Any, peer: Any, peer2: Any, lead: Any, trust: Any
) -> None:
    interview = make_interview(project)
    one = make_excerpt(interview, peer, 0, 5, "trust")
    two = make_excerpt(interview, peer, 6, 10, "trust")
    proposal = propose(
        project, peer, "split", value=trust, split_names=["Trust in peers", "Trust in staff"]
    )
    proposals.proposal_decide(proposal=proposal, actor=lead, accept=True, reason="Two ideas")
    proposal.refresh_from_db()
    peers, staff = proposal.made_values.order_by("name")
    assert proposal.recode_total == 2
    assert changes.split_queue(proposal).count() == 2
    with pytest.raises(CodingError):
        changes.recode_assign(
            proposal=proposal,
            tag_id=one.tags.get().pk,
            to=CodebookValue.objects.get(slug="safety"),
            actor=peer,
        )
    changes.recode_assign(proposal=proposal, tag_id=one.tags.get().pk, to=peers, actor=peer)
    changes.recode_assign(proposal=proposal, tag_id=two.tags.get().pk, to=staff, actor=peer2)
    assert changes.split_queue(proposal).count() == 0
    assert one.tags.get().recoded_from == trust
    assert two.tags.get().value == staff


def test_it_lets_the_proposer_withdraw_only_their_own(project: Any, peer: Any, peer2: Any) -> None:
    proposal = propose(project, peer, "add", name="Hope")
    with pytest.raises(CodingError) as raised:
        proposals.proposal_withdraw(proposal=proposal, actor=peer2)
    assert raised.value.message == proposals.NOT_YOUR_PROPOSAL
    proposals.proposal_withdraw(proposal=proposal, actor=peer)
    proposal.refresh_from_db()
    assert proposal.status == "withdrawn"


def test_it_allows_one_open_proposal_per_value(project: Any, peer: Any, trust: Any) -> None:
    propose(project, peer, "retire", value=trust)
    with pytest.raises(CodingError) as raised:
        propose(project, peer, "rename", value=trust, name="Faith")
    assert raised.value.message == proposals.VALUE_BUSY.format(name="Trust")


def test_it_refuses_to_accept_a_name_taken_meanwhile(project: Any, peer: Any, lead: Any) -> None:
    proposal = propose(project, peer, "add", name="Hope")
    CodebookValue.objects.create(project=project, slug="hope", name="Hope", order=9)
    with pytest.raises(CodingError) as raised:
        proposals.proposal_decide(proposal=proposal, actor=lead, accept=True, reason="Yes")
    assert raised.value.message == proposals.NAME_TAKEN.format(name="Hope")
    proposal.refresh_from_db()
    assert proposal.status == "open"


def updates_of(proposal: Proposal) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(model="proposal", object_id=str(proposal.pk), action="update")
    )


def test_it_audits_a_withdrawal_once_with_its_state_before_and_after(
    project: Any, peer: Any
) -> None:
    proposal = propose(project, peer, "add", name="Hope")
    proposals.proposal_withdraw(proposal=proposal, actor=peer)
    [event] = updates_of(proposal)
    assert (event.before["status"], event.after["status"]) == ("open", "withdrawn")
    assert event.actor_name == peer.username and event.project_id == project.pk


def test_it_audits_a_decision_once_with_its_state_before_and_after(
    project: Any, peer: Any, lead: Any
) -> None:
    proposal = propose(project, peer, "add", name="Hope")
    proposals.proposal_decide(proposal=proposal, actor=lead, accept=False, reason="Too close.")
    [event] = updates_of(proposal)
    assert (event.before["status"], event.after["status"]) == ("open", "declined")
    assert (event.before["decision_reason"], event.after["decision_reason"]) == ("", "Too close.")


def test_it_audits_nothing_when_the_change_fails(project: Any, peer: Any) -> None:
    proposal = propose(project, peer, "add", name="Hope")
    with pytest.raises(RuntimeError), proposals.proposal_audit(proposal, peer):
        proposal.status = Proposal.Status.WITHDRAWN
        raise RuntimeError("the save failed")
    assert updates_of(proposal) == []


def test_it_titles_an_accepted_rename_by_the_names_as_they_were_when_proposed(
    project: Any, peer: Any, lead: Any, trust: Any
) -> None:
    proposal = propose(project, peer, "rename", value=trust, name="Trusting others")
    proposals.proposal_decide(proposal=proposal, actor=lead, accept=True, reason="Agreed")
    proposal = Proposal.objects.get(pk=proposal.pk)
    assert proposal.title == "rename “Trust” to “Trusting others”"


@pytest.mark.django_db(transaction=True)
def test_it_recovers_the_old_name_of_renames_accepted_before_names_were_kept() -> None:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before = [("coding", "0017_project_slug_not_reserved")]
    after = [("coding", "0018_proposal_names_when_proposed")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    apps = executor.loader.project_state(before).apps
    project = apps.get_model("coding", "ResearchProject").objects.create(slug="p", name="P")
    Value = apps.get_model("coding", "CodebookValue")
    Proposal_ = apps.get_model("coding", "Proposal")
    user = apps.get_model("auth", "User").objects.create(username="u")
    # Accepted: the value already has its new name; the version's summary has the old one.
    renamed = Value.objects.create(project=project, slug="t", name="Trusting others", order=7)
    done = Proposal_.objects.create(
        project=project,
        kind="rename",
        status="accepted",
        value=renamed,
        name="Trusting others",
        reason="r",
        proposed_by=user,
        decided_at="2026-01-01T00:00Z",
    )
    apps.get_model("coding", "CodebookVersion").objects.create(
        project=project,
        number=2,
        summary="Rename “Trust” to “Trusting others”",
        snapshot=[],
        proposal=done,
    )
    other = Value.objects.create(project=project, slug="h", name="Hope", order=8)
    open_ = Proposal_.objects.create(
        project=project, kind="retire", value=other, reason="r", proposed_by=user
    )
    executor = MigrationExecutor(connection)
    executor.migrate(after)
    apps = executor.loader.project_state(after).apps
    Proposal_ = apps.get_model("coding", "Proposal")
    assert Proposal_.objects.get(pk=done.pk).value_name == "Trust"
    assert Proposal_.objects.get(pk=open_.pk).value_name == "Hope"
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
