"""Choosing quotes in a real Chromium: a peer researcher suggests a quote from an excerpt's
details on the coding page; a project lead approves it on the Quotes page."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from coding.findings.models import QuoteCandidate
from coding.models import AuditEvent, Membership, Participant

from ..conftest import make_excerpt, make_interview, make_user
from .conftest import open_coding_page, run_axe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = "Participant: I felt safe there. We laughed together. Nobody judged me at all."


def test_it_suggests_a_quote_on_the_coding_page_and_a_lead_approves_it(
    signed_in: Any, peer: Any, project: Any
) -> None:
    lead = make_user("lee-lead")
    Membership.objects.create(user=lead, project=project, role="peer_researcher", is_lead=True)
    interview = make_interview(project, TEXT, pseudonym="Willow")
    Participant.objects.filter(pk=interview.participant_id).update(quote_consent="yes")
    start = TEXT.index("I felt")
    make_excerpt(interview, peer, start, start + len("I felt safe there."), "safety")

    page = signed_in(peer)
    page.set_default_timeout(30_000)
    open_coding_page(page, interview)
    page.locator(".stripe-head").first.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#quote-form")).to_be_visible()
    expect(page.get_by_label("Value it shows")).to_have_value("safety")
    page.get_by_label("Caption in plain words").fill("Feeling safe is where it starts")
    page.get_by_role("button", name="Suggest as a quote").click()
    expect(page.locator("#quote-list")).to_contain_text(
        "Safety: “Feeling safe is where it starts” (waiting for a decision)."
    )
    # Each value takes one quote per excerpt: nothing left to suggest here.
    expect(page.locator("#quote-form")).to_be_hidden()
    assert run_axe(page) == []
    assert page.js_errors == []
    candidate = QuoteCandidate.objects.get()
    assert (candidate.caption, candidate.proposed_by, candidate.status) == (
        "Feeling safe is where it starts",
        peer,
        "candidate",
    )

    page = signed_in(lead)
    page.set_default_timeout(30_000)
    page.goto(f"/projects/{project.slug}/quotes/")
    item = page.locator(f"#quote-{candidate.pk}")
    expect(item).to_contain_text("I felt safe there.")
    expect(item).to_contain_text("Consent to quote: yes")
    assert run_axe(page) == []
    item.get_by_role("button", name="Approve").click()
    expect(page.locator(".messages")).to_contain_text("Approved")
    expect(page.locator(f"#quote-{candidate.pk} .quote-status")).to_have_text("Approved")
    assert run_axe(page) == []
    assert page.js_errors == []
    candidate.refresh_from_db()
    assert (candidate.status, candidate.decided_by) == ("approved", lead)
    assert AuditEvent.objects.filter(model="quotecandidate").count() == 2


def test_it_suggests_a_quote_from_the_drill_down(
    signed_in: Any, peer: Any, project: Any, settings: Any
) -> None:
    settings.DISCLOSURE_THRESHOLD = 1
    interview = make_interview(project, TEXT, pseudonym="Willow")
    start = TEXT.index("We laughed")
    excerpt = make_excerpt(interview, peer, start, start + len("We laughed together."), "safety")
    safety = excerpt.tags.get().value

    page = signed_in(peer)
    page.set_default_timeout(30_000)
    page.goto(f"/compare/cell/?column={project.pk}&value={safety.pk}")
    page.get_by_text("Suggest as a quote").click()
    assert run_axe(page) == []
    page.get_by_label("Caption in plain words").fill("Laughing together")
    page.get_by_role("button", name="Suggest this quote").click()
    expect(page.locator(".messages")).to_contain_text("Suggested as a quote for “Safety”")
    expect(page.locator(f"#excerpt-{excerpt.pk}")).to_contain_text(
        "Suggested as a quote: waiting for a decision"
    )
    assert run_axe(page) == []
    assert page.js_errors == []
    assert QuoteCandidate.objects.get().caption == "Laughing together"
