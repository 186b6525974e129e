"""The comparison pages in a real browser: accessible, no script errors, figures lead to quotes."""

from __future__ import annotations

from typing import Any

import pytest

from ..conftest import make_excerpt, make_interview
from .conftest import run_axe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_leads_an_evaluator_from_a_figure_to_its_quotes(
    signed_in: Any, evaluator: Any, peer: Any, peer2: Any, project: Any
) -> None:
    interview = make_interview(project, "Participant: I felt safe there. We laughed.")
    make_excerpt(interview, peer, 13, 31, "safety")
    make_excerpt(interview, peer2, 13, 31, "safety", "human-connection")
    page = signed_in(evaluator)
    page.goto("/compare/?measure=prevalence")
    assert page.locator("#coder-rule").inner_text().startswith("Double coding:")
    assert page.locator("#bar-chart svg").count() == 1
    assert run_axe(page) == []
    page.locator("#comparison-table tbody tr", has_text="Safety").locator("a").first.click()
    page.wait_for_url("**/compare/cell/**")
    assert "I felt safe there." in page.locator(".excerpt-list").inner_text()
    assert run_axe(page) == []
    page.goto("/compare/agreement/?unit=sentences")
    assert "Krippendorff" in page.locator("#agreement-table").inner_text()
    assert run_axe(page) == []
    page.goto("/compare/cooccurrence/")
    assert run_axe(page) == []
    assert page.js_errors == []
