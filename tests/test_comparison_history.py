"""Comparisons that know the codebook's history: values that came later, versions, splits."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from coding import changes, proposals, services
from coding.analysis.comparison import comparison_build
from coding.analysis.exports import EXCERPT_HEADER, TABLE_HEADER
from coding.analysis.filters import Filters
from coding.analysis.history import NOT_IN_CODEBOOK_THEN
from coding.models import CodebookValue, Membership, Proposal

from .conftest import make_interview, make_user


@pytest.fixture
def lead(project: Any) -> Any:
    user = make_user("lee-lead")
    Membership.objects.create(user=user, project=project, role="peer_researcher", is_lead=True)
    return user


def accept(project: Any, peer: Any, lead: Any, kind: str, **kw: Any) -> Proposal:
    proposal = proposals.proposal_create(project=project, actor=peer, kind=kind, reason="r", **kw)
    return proposals.proposal_decide(proposal=proposal, actor=lead, accept=True, reason="ok")


def code(interview: Any, coder: Any, start: int, *slugs: str) -> None:
    services.excerpt_create(
        interview=interview, coder=coder, start=start, end=start + 3, values=list(slugs)
    )


def cell_of(comparison: Any, name: str) -> Any:
    return next(cells[0] for value, cells in comparison.rows if value.name == name)


def test_it_says_not_in_the_codebook_then_instead_of_zero(
    project: Any, peer: Any, lead: Any
) -> None:
    code(make_interview(project, "Interviewer: hi\nP: safe here", "P1"), peer, 0, "safety")
    accept(project, peer, lead, "add", name="Hope")
    comparison = comparison_build(Filters(project_ids=(project.pk,)))
    hope = cell_of(comparison, "Hope")
    assert (hope.text, hope.number) == (NOT_IN_CODEBOOK_THEN, None)
    assert cell_of(comparison, "Safety").text == "100%"
    assert any("entered the codebook" in n for n in comparison.history_notes)
    # Once an interview is coded under the new version, the cell has a figure again, and the
    # page says how many interviews came before the value.
    code(make_interview(project, "Interviewer: so\nP: I hope", "P2"), peer, 0, "hope")
    comparison = comparison_build(Filters(project_ids=(project.pk,)))
    assert cell_of(comparison, "Hope").text == "50%"
    assert any(n.startswith("1 of 2 coded interviews") for n in comparison.history_notes)
    assert comparison.versions == {project.pk: 2}


def test_it_leaves_provisional_values_out_of_comparisons(project: Any, peer: Any) -> None:
    services.value_create(project=project, actor=peer, name="Hpoe")
    comparison = comparison_build(Filters(project_ids=(project.pk,)))
    assert "Hpoe" not in [v.name for v in comparison.values]


def test_it_says_which_split_excerpts_still_wait(project: Any, peer: Any, lead: Any) -> None:
    trust = CodebookValue.objects.create(project=project, slug="trust", name="Trust", order=7)
    interview = make_interview(project)
    code(interview, peer, 0, "trust")
    code(interview, peer, 5, "trust")
    split = accept(project, peer, lead, "split", value=trust, split_names=["Peers", "Staff"])
    comparison = comparison_build(Filters(project_ids=(project.pk,)))
    assert any(n.startswith("2 of 2 excerpts of “Trust”") for n in comparison.history_notes)
    peers = CodebookValue.objects.get(name="Peers")
    for tag in changes.split_queue(split):
        changes.recode_assign(proposal=split, tag_id=tag.pk, to=peers, actor=peer)
    comparison = comparison_build(Filters(project_ids=(project.pk,)))
    assert not any("still wait" in n for n in comparison.history_notes)


def read_csv(response: Any) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_it_puts_the_codebook_version_in_the_exports(
    client: Client, project: Any, peer: Any, lead: Any, evaluator: Any, admin_user: Any
) -> None:
    interview = make_interview(project)
    code(interview, peer, 0, "safety")
    accept(project, peer, lead, "add", name="Hope")
    code(interview, peer, 5, "hope")
    # An admin's files (an evaluator's hide cells this small from them).
    client.force_login(admin_user)
    excerpts = read_csv(client.get(reverse("compare_export", args=["excerpts", "csv"])))
    value, column = EXCERPT_HEADER.index("value"), EXCERPT_HEADER.index("codebook_version")
    assert sorted((r[value], r[column]) for r in excerpts[1:]) == [("Hope", "2"), ("Safety", "1")]
    table = read_csv(client.get(reverse("compare_export", args=["table", "csv"])))
    column = TABLE_HEADER.index("codebook_version")
    assert {r[column] for r in table[1:]} == {"2"}
    client.force_login(evaluator)
    page = client.get(reverse("compare")).content.decode()
    assert "version 2" in page


def test_it_counts_an_interview_tagged_while_provisional_as_coded_with_the_value(
    project: Any, peer: Any, lead: Any
) -> None:
    # Tagged with a provisional value under version 1, accepted into version 2 afterwards.
    hope = services.value_create(project=project, actor=peer, name="Hope for the future")
    code(make_interview(project, "Interviewer: hi\nP: I hope", "P1"), peer, 0, hope.slug)
    code(make_interview(project, "Interviewer: hi\nP: safe here", "P2"), peer, 0, "safety")
    proposal = Proposal.objects.get(value=hope)
    proposals.proposal_decide(proposal=proposal, actor=lead, accept=True, reason="ok")
    comparison = comparison_build(Filters(project_ids=(project.pk,)))
    assert comparison.versions == {project.pk: 2}
    assert not any("after all its interviews" in n for n in comparison.history_notes)
    assert cell_of(comparison, "Hope for the future").text != NOT_IN_CODEBOOK_THEN
    # Only the interview without the value, coded before it existed, counts as not showing it.
    assert any(
        n.startswith("1 of 2 coded interviews") and "Hope for the future" in n
        for n in comparison.history_notes
    )


def test_it_says_all_before_only_when_no_interview_carries_the_value(
    project: Any, peer: Any, lead: Any
) -> None:
    code(make_interview(project, "Interviewer: hi\nP: safe here", "P1"), peer, 0, "safety")
    code(make_interview(project, "Interviewer: hi\nP: safe too", "P2"), peer, 0, "safety")
    accept(project, peer, lead, "add", name="Hope")
    comparison = comparison_build(Filters(project_ids=(project.pk,)))
    assert any("after all its interviews" in n and "Hope" in n for n in comparison.history_notes)
    assert cell_of(comparison, "Hope").text == NOT_IN_CODEBOOK_THEN
