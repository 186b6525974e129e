"""The whole peer-led path in a real browser: propose a split from the coding page, agree,
accept, empty the recode queue, and see both codebook versions in the comparison and exports."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.test import Client

from coding import services
from coding.models import CodebookValue, ExcerptValue, Membership

from ..conftest import make_interview, make_user
from .conftest import run_axe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_takes_a_split_from_proposal_to_recoded_comparison(
    signed_in: Any, project: Any, peer: Any, peer2: Any, evaluator: Any
) -> None:
    lead = make_user("lee-lead")
    Membership.objects.create(user=lead, project=project, role="peer_researcher", is_lead=True)
    CodebookValue.objects.create(project=project, slug="trust", name="Trust", order=7)
    interview = make_interview(
        project, "Interviewer: And then?\nParticipant: I trust the group and I trust Sam."
    )
    for start, end, value in ((23, 44, "trust"), (49, 60, "trust"), (0, 11, "safety")):
        services.excerpt_create(
            interview=interview, coder=peer, start=start, end=end, values=[value]
        )

    # A peer researcher proposes the split from the coding page.
    # Each step waits up to a minute: a loaded CI machine can be slow to serve a page.
    page = signed_in(peer)
    page.set_default_timeout(60_000)
    page.goto(f"/interviews/{interview.pk}/")
    page.click("#propose-change")
    page.select_option("#id_kind", "split")
    page.select_option("#id_value", label="Trust")
    page.fill("#id_split_first", "Trust in peers")
    page.fill("#id_split_second", "Trust in facilitators")
    page.fill("#id_reason", "Trusting each other and trusting facilitators are different.")
    page.get_by_role("button", name="Propose").click()
    page.wait_for_selector("text=Your proposal is open")
    proposal_url = page.url
    assert run_axe(page) == []

    # A second member agrees and says why.
    other = signed_in(peer2)
    other.set_default_timeout(60_000)
    other.goto(proposal_url)
    other.get_by_role("button", name="I agree").click()
    other.wait_for_selector("text=Agree (1): quinn-peer")

    # The lead accepts with a reason.
    chair = signed_in(lead)
    chair.set_default_timeout(60_000)
    chair.goto(proposal_url)
    chair.get_by_label("Accept").check()
    chair.fill("#id_reason", "The team agrees: two different kinds of trust.")
    chair.get_by_role("button", name="Record the decision").click()
    chair.wait_for_selector("text=2 of 2 excerpts still wait to be recoded")

    # The peer works through the recode queue until it is empty.
    page.goto(proposal_url)
    page.get_by_role("link", name="Open the recode queue").click()
    page.wait_for_selector("text=Progress: 0 of 2 recoded")
    assert run_axe(page) == []
    page.locator(".recode-queue tbody tr").first.get_by_role(
        "button", name="Trust in peers"
    ).click()
    page.wait_for_selector("text=Progress: 1 of 2 recoded")
    page.get_by_role("button", name="Trust in facilitators").first.click()
    page.wait_for_selector("text=Nothing left to recode.")
    assert not ExcerptValue.objects.filter(value__slug="trust").exists()

    # The comparison and the exports show which version each figure and tag rests on.
    reader = signed_in(evaluator)
    reader.set_default_timeout(60_000)
    reader.goto("/compare/?measure=prevalence")
    assert "version 2" in reader.locator("#codebook-versions").inner_text()
    reader.goto(f"/projects/{project.slug}/codebook/versions/compare/?old=1&new=2")
    diff = reader.locator(".version-diff").inner_text()
    assert "Trust in peers" in diff and "Trust in facilitators" in diff and "Trust" in diff
    assert run_axe(reader) == []
    client = Client()
    client.force_login(make_user("alice-admin", staff=True))  # evaluators' files hide small cells
    response = client.get("/compare/export/excerpts.csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert sorted((r["value"], r["codebook_version"]) for r in rows) == [
        ("Safety", "1"),
        ("Trust in facilitators", "2"),
        ("Trust in peers", "2"),
    ]
    for p in (page, other, chair, reader):
        assert p.js_errors == []


def test_it_lets_the_proposer_define_a_value_made_while_coding(
    signed_in: Any, project: Any, peer: Any
) -> None:
    value = services.value_create(project=project, actor=peer, name="Hope")
    proposal = value.proposals.get()
    page = signed_in(peer)
    page.goto(proposal.get_absolute_url())
    assert run_axe(page) == []
    page.get_by_label("Short definition (one sentence)").fill("Looking forward to better days.")
    page.get_by_role("button", name="Save the definition").click()
    page.wait_for_selector("text=Change the definition")
    value.refresh_from_db()
    assert value.short_definition == "Looking forward to better days."
    assert not page.js_errors
