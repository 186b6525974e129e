"""Every page each role reaches, checked with axe-core and at 320 px, in one Chromium.

The pages are the permission matrix's: each named URL that answers a role 200 with an HTML page
(the JSON API and the downloads are left out), plus each measure of the comparison and the
Django admin's pages. The data is the matrix's world with enough coding by three coders in two
projects for the comparison to mark cells that stand out.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from coding.analysis.measures import MEASURES
from coding.models import CodingProgress, Membership

from ..conftest import make_excerpt, make_interview, make_project
from ..test_permissions import MATRIX, url_for
from .conftest import AXE_PATH

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Pages that are not HTML pages: the JSON API, files, charts.
NOT_PAGES = {
    "compare_chart",
    "compare_export",
    "import_manifest_template",
    "review_export",
    "job_download",
    "findings_download",
    "findings_version_download",
}
ADMIN_PAGES = [
    "/admin/",
    "/admin/coding/auditevent/",
    "/admin/coding/interview/",
    "/admin/coding/excerpt/",
    "/admin/coding/researchproject/",
]
# Moderate by axe's measure, but WCAG 2.2 AA failures the issue names: 24 px targets, and
# landmarks of one kind told apart by their names.
ALSO = {"target-size", "landmark-unique"}
# Links that read the same but lead to different places (out of context: "amira's view" twice).
# A table cell's headers are its links' context, and the Django admin is Django's own.
SAME_NAME_JS = """() => {
  const targets = new Map();
  for (const a of document.querySelectorAll('main a[href]')) {
    if (a.closest('[hidden], td, th') || !a.getClientRects().length) continue;
    const name = (a.getAttribute('aria-label') || a.textContent).replace(/\\s+/g, ' ').trim();
    const href = new URL(a.href).pathname + new URL(a.href).search;
    if (!targets.has(name)) targets.set(name, new Set());
    targets.get(name).add(href);
  }
  return [...targets].filter(([, hrefs]) => hrefs.size > 1).map(([name]) => name);
}"""
WIDER_JS = "() => document.scrollingElement.scrollWidth - window.innerWidth"


def pages_for(data: dict, role: str) -> list[str]:
    """The URLs that answer this role 200 with a page, in the matrix's order."""
    urls = [
        url_for(data, name)
        for name, (_, _, statuses) in sorted(MATRIX.items())
        if statuses[role] == 200 and name not in NOT_PAGES and not name.startswith("api_")
    ]
    urls += [f"{reverse('compare')}?measure={measure}" for measure in MEASURES]
    if role == "admin":
        urls += ADMIN_PAGES
    return urls


@pytest.fixture
def coded(world: dict, project: Any, peer2: Any) -> dict:
    """Two projects coded by three coders: safety everywhere in one, nowhere in the other."""
    users = world["users"]
    other = make_project("women-side-by-side", "Women Side by Side")
    for user in (users["peer"], users["evaluator"]):
        Membership.objects.create(user=user, project=other, role=user.memberships.get().role)
    for target in (project, other):
        for n in range(8):
            text = f"Participant: I felt safe there. We laughed about it.\nInterviewer: {n}."
            interview = make_interview(
                target, text, pseudonym=f"{target.slug}-{n}", title=f"{target.name} {n}"
            )
            for coder in (users["peer"], users["admin"], peer2):
                if target == project:
                    make_excerpt(interview, coder, 13, 31, "safety")
                make_excerpt(interview, coder, 32, 51, "human-connection")
                CodingProgress.objects.create(
                    interview=interview, coder=coder, done_at=timezone.now()
                )
    return world


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Serious and critical violations, and those of the rules in ALSO, with WCAG 2.2's rules."""
    page.evaluate(AXE_PATH.read_text(encoding="utf-8"))
    result = page.evaluate(
        "async () => await axe.run(document, {resultTypes: ['violations'], rules: "
        "{'target-size': {enabled: true}}})"
    )
    return [
        v for v in result["violations"] if v["impact"] in ("serious", "critical") or v["id"] in ALSO
    ]


def sweep(page: Any, urls: list[str]) -> tuple[dict[str, list[str]], dict[str, int]]:
    """Run axe on each page at 1280 px, then measure sideways scrolling at 320 px."""
    violations: dict[str, list[str]] = {}
    wider: dict[str, int] = {}
    for url in urls:
        page.set_viewport_size({"width": 1280, "height": 900})
        response = page.goto(url)
        assert response.status == 200, (url, response.status)
        found = axe_violations(page)
        if found:
            violations[url] = [f"{v['id']}: {n['target']}" for v in found for n in v["nodes"][:3]]
        same = [] if url.startswith("/admin/") else page.evaluate(SAME_NAME_JS)
        if same:
            violations.setdefault(url, []).append(f"links with one name: {same[:5]}")
        page.set_viewport_size({"width": 320, "height": 700})
        extra = page.evaluate(WIDER_JS)
        if extra > 0:
            wider[url] = extra
    return violations, wider


@pytest.mark.parametrize("role", ["peer", "evaluator", "admin"])
def test_it_finds_no_serious_violation_and_no_sideways_page(
    signed_in: Any, coded: dict, role: str, settings: Any
) -> None:
    settings.DISCLOSURE_THRESHOLD = 1  # evaluators see the figures and their marks
    page = signed_in(coded["users"][role])
    page.set_default_navigation_timeout(60_000)
    violations, wider = sweep(page, pages_for(coded, role))
    assert (violations, wider) == ({}, {})
    assert page.js_errors == []


def test_it_reaches_the_comparison_table_in_three_tab_stops(
    signed_in: Any, coded: dict, settings: Any
) -> None:
    settings.DISCLOSURE_THRESHOLD = 1
    page = signed_in(coded["users"]["evaluator"])
    page.goto(reverse("compare"))
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    skip = page.locator(":focus")
    assert skip.inner_text() == "Skip to the table"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    focused = page.locator(":focus")
    assert focused.evaluate("e => !!e.closest('#comparison-table')")
    assert focused.evaluate("e => e.tagName") == "A"
