"""The codebook pages: values for every member, proposals discussed and decided, versions."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from coding import services
from coding.codebook_forms import EXAMPLES_UNKNOWN
from coding.models import CodebookValue, Membership, Proposal

from .conftest import make_excerpt, make_interview, make_user


@pytest.fixture
def lead(project: Any) -> Any:
    user = make_user("lee-lead")
    Membership.objects.create(user=user, project=project, role="peer_researcher", is_lead=True)
    return user


@pytest.fixture
def trust(project: Any) -> CodebookValue:
    return CodebookValue.objects.create(
        project=project, slug="trust", name="Trust", short_definition="Relying on others.", order=7
    )


def test_it_tells_framework_and_project_values_apart(
    client: Client, project: Any, evaluator: Any, trust: Any
) -> None:
    client.force_login(evaluator)
    page = client.get(reverse("codebook", args=[project.slug])).content.decode()
    framework, own = page.split('id="own-heading"')
    assert "Safety" in framework and "Trust" not in framework
    assert "Trust" in own and "Relying on others." in own
    assert "propose a change" not in page  # evaluators read only


def test_it_shows_a_provisional_value_to_its_proposer_only(
    client: Client, project: Any, peer: Any, peer2: Any
) -> None:
    services.value_create(project=project, actor=peer, name="Hpoe")
    client.force_login(peer)
    assert "Hpoe" in client.get(reverse("codebook", args=[project.slug])).content.decode()
    client.force_login(peer2)
    assert "Hpoe" not in client.get(reverse("codebook", args=[project.slug])).content.decode()


def test_it_takes_a_proposal_from_proposing_to_a_new_version(
    client: Client, project: Any, peer: Any, peer2: Any, lead: Any, trust: Any
) -> None:
    client.force_login(peer)
    response = client.post(
        reverse("proposal_new", args=[project.slug]),
        {"kind": "rename", "value": trust.pk, "name": "Trusting others", "reason": "Clearer."},
    )
    proposal = Proposal.objects.get()
    assert response.status_code == 302 and response["Location"] == proposal.get_absolute_url()
    client.force_login(peer2)
    client.post(reverse("proposal_vote", args=[project.slug, proposal.pk]), {"agrees": "yes"})
    client.post(reverse("proposal_comment", args=[project.slug, proposal.pk]), {"text": "Yes!"})
    # A peer who is not a lead cannot decide: the page says why and nothing changes.
    response = client.post(
        reverse("proposal_decide", args=[project.slug, proposal.pk]),
        {"decision": "accept", "reason": "ok"},
        follow=True,
    )
    assert "Only a project lead" in response.content.decode()
    client.force_login(lead)
    client.post(
        reverse("proposal_decide", args=[project.slug, proposal.pk]),
        {"decision": "accept", "reason": "The team agrees."},
    )
    trust.refresh_from_db()
    assert trust.name == "Trusting others"
    page = client.get(proposal.get_absolute_url()).content.decode()
    assert "Agree (1): quinn-peer" in page and "Yes!" in page
    assert "The team agrees." in page and "version 2" in page
    diff = client.get(
        reverse("codebook_version_compare", args=[project.slug]), {"old": 1, "new": 2}
    ).content.decode()
    assert "<del>Trust</del>" in diff and "<ins>Trusting others</ins>" in diff


def test_it_ends_the_current_versions_summary_before_the_next_sentence(
    client: Client, project: Any, peer: Any, lead: Any, trust: Any
) -> None:
    # A version's summary is a proposal's title ("Rename “Trust”…"), with no full stop of its own.
    client.force_login(peer)
    client.post(
        reverse("proposal_new", args=[project.slug]),
        {"kind": "rename", "value": trust.pk, "name": "Trusting others", "reason": "Clearer."},
    )
    proposal = Proposal.objects.get()
    client.force_login(lead)
    client.post(
        reverse("proposal_decide", args=[project.slug, proposal.pk]),
        {"decision": "accept", "reason": "The team agrees."},
    )
    page = client.get(reverse("codebook", args=[project.slug])).content.decode()
    # The summary names the value as it was before the change, then the sentence ends.
    summary = "Rename “Trust” to “Trusting others”"
    assert f"{summary}. Anyone in the team can" in " ".join(page.split())


def test_it_refuses_proposals_from_evaluators(client: Client, project: Any, evaluator: Any) -> None:
    client.force_login(evaluator)
    response = client.post(
        reverse("proposal_new", args=[project.slug]),
        {"kind": "add", "name": "Hope", "reason": "Often heard."},
    )
    assert response.status_code == 403
    assert not Proposal.objects.exists()


def test_it_names_a_bad_example_excerpt(client: Client, project: Any, peer: Any) -> None:
    client.force_login(peer)
    response = client.post(
        reverse("proposal_new", args=[project.slug]),
        {"kind": "add", "name": "Hope", "reason": "Often heard.", "examples": "999"},
    )
    assert EXAMPLES_UNKNOWN.format(number=999) in response.content.decode()
    assert not Proposal.objects.exists()


def test_it_works_through_a_split_recode_queue_with_progress(
    client: Client, project: Any, peer: Any, lead: Any, trust: Any
) -> None:
    interview = make_interview(project)
    excerpts = [make_excerpt(interview, peer, i, i + 3, "trust") for i in (0, 5)]
    client.force_login(peer)
    client.post(
        reverse("proposal_new", args=[project.slug]),
        {
            "kind": "split",
            "value": trust.pk,
            "split_first": "Trust in peers",
            "split_second": "Trust in staff",
            "reason": "Two ideas.",
            "examples": f"{excerpts[0].pk}",
        },
    )
    proposal = Proposal.objects.get()
    client.force_login(lead)
    client.post(
        reverse("proposal_decide", args=[project.slug, proposal.pk]),
        {"decision": "accept", "reason": "Agreed."},
    )
    url = reverse("recode_queue", args=[project.slug, proposal.pk])
    page = client.get(url).content.decode()
    assert "Progress: 0 of 2 recoded" in page
    peers = CodebookValue.objects.get(name="Trust in peers")
    client.force_login(peer)
    client.post(url, {"tag": excerpts[0].tags.get().pk, "to": peers.pk})
    assert "Progress: 1 of 2 recoded" in client.get(url).content.decode()
    detail = client.get(proposal.get_absolute_url()).content.decode()
    assert "1 of 2 excerpts still wait to be recoded" in detail


def test_it_lets_the_proposer_recode_a_declined_value(
    client: Client, project: Any, peer: Any, lead: Any, interview: Any
) -> None:
    hpoe = services.value_create(project=project, actor=peer, name="Hpoe")
    excerpt = services.excerpt_create(
        interview=interview, coder=peer, start=0, end=5, values=["hpoe"]
    )
    client.force_login(peer)
    url = reverse("provisional_value", args=[project.slug, hpoe.pk])
    client.post(url, {"action": "rename", "name": "Hope"})
    hpoe.refresh_from_db()
    assert hpoe.name == "Hope" and Proposal.objects.get().name == "Hope"
    client.force_login(lead)
    proposal = Proposal.objects.get()
    client.post(
        reverse("proposal_decide", args=[project.slug, proposal.pk]),
        {"decision": "decline", "reason": "Covered by Freedom to be oneself."},
    )
    client.force_login(peer)
    page = client.get(url).content.decode()
    assert "The team declined this value" in page and "Recode them to" in page
    freedom = CodebookValue.objects.get(slug="freedom-to-be-oneself")
    client.post(url, {"action": "recode", "to": freedom.pk})
    assert list(excerpt.tags.values_list("value__slug", flat=True)) == ["freedom-to-be-oneself"]


@pytest.mark.parametrize("name", ["codebook", "proposal_list", "codebook_versions"])
def test_it_reads_the_codebook_pages_in_constant_queries(
    client: Client,
    project: Any,
    peer: Any,
    lead: Any,
    trust: Any,
    name: str,
    django_assert_max_num_queries: Any,
) -> None:
    from coding import proposals

    interview = make_interview(project)
    for i in range(6):
        proposal = proposals.proposal_create(
            project=project, actor=peer, kind="add", name=f"Value {i}", reason="r"
        )
        proposals.proposal_vote(proposal=proposal, actor=lead, agrees=True)
        proposals.proposal_decide(proposal=proposal, actor=lead, accept=True, reason="ok")
        make_excerpt(interview, peer, i, i + 2, f"value-{i}")
    client.force_login(peer)
    with django_assert_max_num_queries(14):
        assert client.get(reverse(name, args=[project.slug])).status_code == 200


def test_it_shows_evaluators_no_counts_or_excerpts_the_comparison_would_hide(
    client: Client, project: Any, peer: Any, evaluator: Any, trust: Any
) -> None:
    # One excerpt of Trust: the comparison hides it from evaluators, so must the codebook.
    interview = make_interview(project, "Participant: I trusted them with everything.")
    make_excerpt(interview, peer, 13, 40, "trust")
    pages = {
        "codebook": reverse("codebook", args=[project.slug]),
        "value": reverse("value_detail", args=[project.slug, trust.pk]),
        "versions": reverse("codebook_versions", args=[project.slug]),
    }
    client.force_login(peer)
    seen = {name: client.get(url).content.decode() for name, url in pages.items()}
    assert "1 in this project" in seen["codebook"] and "I trusted them" in seen["value"]
    assert "Tags made under it" in seen["versions"]
    client.force_login(evaluator)
    seen = {name: client.get(url).content.decode() for name, url in pages.items()}
    assert "in this project</dd>" not in seen["codebook"] + seen["value"]
    assert "I trusted them" not in seen["value"] and str(interview) not in seen["value"]
    assert "Tags made under it" not in seen["versions"]


def test_it_lists_accepted_renames_and_merges_by_the_names_they_had_when_proposed(
    client: Client,
    project: Any,
    peer: Any,
    lead: Any,
    django_assert_max_num_queries: Any,
) -> None:
    from coding import proposals

    for i in range(4):
        old = CodebookValue.objects.create(project=project, slug=f"o{i}", name=f"Old {i}", order=i)
        gone = CodebookValue.objects.create(
            project=project, slug=f"g{i}", name=f"Gone {i}", order=i
        )
        rename = proposals.proposal_create(
            project=project, actor=peer, kind="rename", value=old, name=f"New {i}", reason="r"
        )
        proposals.proposal_decide(proposal=rename, actor=lead, accept=True, reason="ok")
        old.refresh_from_db()  # as the proposal form reads it
        merge = proposals.proposal_create(
            project=project, actor=peer, kind="merge", value=gone, into=old, reason="r"
        )
        proposals.proposal_decide(proposal=merge, actor=lead, accept=True, reason="ok")
    client.force_login(peer)
    with django_assert_max_num_queries(14):
        page = client.get(reverse("proposal_list", args=[project.slug])).content.decode()
    assert "Rename “Old 3” to “New 3”" in page
    # The merge was proposed after the rename was accepted: B had its new name by then.
    assert "Merge “Gone 3” into “New 3”" in page
    detail = Proposal.objects.filter(kind="rename").first()
    page = client.get(detail.get_absolute_url()).content.decode()
    assert "Proposal to rename “Old 3” to “New 3”" in page
