"""The comparison pages in a real browser: accessible, no script errors, figures lead to quotes."""

from __future__ import annotations

from typing import Any

import pytest

from ..conftest import make_excerpt, make_interview, mark_done
from .conftest import run_axe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_leads_an_evaluator_from_a_figure_to_its_quotes(
    signed_in: Any, evaluator: Any, peer: Any, peer2: Any, project: Any, settings: Any
) -> None:
    settings.DISCLOSURE_THRESHOLD = 1  # one interview: nothing to hide at this threshold
    interview = make_interview(project, "Participant: I felt safe there. We laughed.")
    make_excerpt(interview, peer, 13, 31, "safety")
    make_excerpt(interview, peer2, 13, 31, "safety", "human-connection")
    mark_done(interview, peer, peer2)
    page = signed_in(evaluator)
    page.goto("/compare/?measure=prevalence")
    assert page.locator("#coder-rule").inner_text().startswith("Double coding:")
    assert page.locator("#bar-chart svg").count() == 1
    assert run_axe(page) == []
    page.locator("#comparison-table tbody tr", has_text="Safety").locator("a").first.click()
    page.wait_for_url("**/compare/cell/**")
    assert "I felt safe there." in page.locator(".quote-list").inner_text()
    assert run_axe(page) == []
    page.goto("/compare/agreement/?unit=sentences")
    assert "Krippendorff" in page.locator("#agreement-table").inner_text()
    assert run_axe(page) == []
    page.goto("/compare/cooccurrence/")
    assert run_axe(page) == []
    assert page.js_errors == []


def test_it_shows_passages_to_discuss_by_interview_accessibly(
    signed_in: Any, peer: Any, peer2: Any, project: Any
) -> None:
    first = make_interview(project, "Participant: I felt safe there. We laughed.", title="First")
    waiting = make_interview(project, "Participant: We met on Tuesdays.", title="Waiting")
    make_excerpt(first, peer, 13, 31, "safety")
    make_excerpt(first, peer2, 13, 31, "human-connection")
    make_excerpt(waiting, peer, 13, 31, "safety")
    make_excerpt(waiting, peer2, 13, 20, "safety")
    mark_done(first, peer, peer2)
    page = signed_in(peer)
    page.goto("/compare/agreement/")
    section = page.locator("section.passages-interview", has_text="First")
    assert section.locator("table.sides tbody tr").count() == 4  # two passages, two coders
    assert "coded by pat-peer and quinn-peer" in page.locator("#set-aside").inner_text()
    assert run_axe(page) == []
    section.locator("h3 a").click()
    page.wait_for_url("**/disagreements/**")
    assert page.js_errors == []


def test_it_fits_the_page_at_1366_pixels_and_keeps_its_disclosures(
    signed_in: Any, admin_user: Any, project: Any, other_project: Any
) -> None:
    roles = ["participant", "facilitator", "staff", "stakeholder", "other"]
    for n in range(10):
        for target in (project, other_project):
            interview = make_interview(
                target,
                f"Participant: I felt safe there. We laughed. ({n})",
                pseudonym=f"{target.slug}-{n}",
                role=roles[n % len(roles)],
            )
            make_excerpt(interview, admin_user, 13, 31, "safety")
            if n % 2:
                make_excerpt(interview, admin_user, 32, 43, "human-connection")
    page = signed_in(admin_user)
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto("/compare/?breakdown=role&measure=prevalence")
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 1366
    # The heatmap scrolls in its own box rather than being cut off.
    box = page.locator("#heatmap .chart-scroll")
    assert box.evaluate("e => getComputedStyle(e).overflowX") == "auto"
    assert box.evaluate(
        "e => e.scrollWidth >= e.querySelector('svg').getBoundingClientRect().width"
    )
    assert box.evaluate("e => e.getBoundingClientRect().right") <= 1366
    summary = page.locator("#pairwise > summary")
    assert summary.evaluate("e => getComputedStyle(e).display") == "list-item"
    # Several coders or attributes are picked with tick boxes, no Ctrl key.
    page.locator("#filters-summary").click()
    assert page.locator("input[type=checkbox][name=coder]").count() >= 1
    assert run_axe(page) == []
    page.locator("#comparison-table tbody tr", has_text="Safety").locator("a").first.click()
    page.wait_for_url("**/compare/cell/**")
    quotes = page.locator(".quote-list")
    assert quotes.evaluate("e => getComputedStyle(e).maxHeight") == "none"
    assert page.js_errors == []
