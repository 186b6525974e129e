"""The team's review in a real Chromium: a thread on an excerpt, a decision changing the
comparison under the consensus rule, and blind double coding."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from coding.models import CodebookValue, CodingProgress, ConsensusDecision, Discussion
from coding.review.calibration import calibration_passage_add, calibration_set_create

from ..conftest import make_excerpt, make_interview
from .conftest import open_coding_page, run_axe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = "Participant: I felt safe there. We laughed together. Nobody judged me at all."


def span(part: str) -> tuple[int, int]:
    start = TEXT.index(part)
    return start, start + len(part)


def open_as(signed_in: Any, user: Any) -> Any:
    page = signed_in(user)
    # The shared test machine can be slow to serve the first pages.
    page.set_default_timeout(30_000)
    return page


def done(interview: Any, *coders: Any) -> None:
    for coder in coders:
        CodingProgress.objects.update_or_create(
            interview=interview, coder=coder, defaults={"done_at": timezone.now()}
        )


def test_it_starts_a_thread_on_an_excerpt_and_resolves_it(
    signed_in: Any, peer: Any, project: Any
) -> None:
    interview = make_interview(project, TEXT)
    excerpt = make_excerpt(interview, peer, *span("We laughed together."), "human-connection")
    page = open_as(signed_in, peer)
    page.goto(f"/interviews/{interview.pk}/")
    page.get_by_role("link", name="Start a discussion").click()
    page.get_by_label("Excerpt").select_option(str(excerpt.pk))
    page.get_by_label("Your comment").fill("Is laughing together connection, or safety?")
    page.get_by_role("button", name="Start the discussion").click()
    page.wait_for_url("**/discussions/*/")
    assert page.locator("#thread-passage").inner_text() == "We laughed together."
    assert "Open" in page.locator("#thread-status").inner_text()
    assert run_axe(page) == []
    page.get_by_role("button", name="Mark as resolved").click()
    page.wait_for_selector("#thread-status .text-bg-success")
    assert "Resolved" in page.locator("#thread-status").inner_text()
    assert Discussion.objects.get().is_resolved
    page.goto("/discussions/?show=resolved")
    assert "We laughed together." in page.locator("#discussion-table").inner_text()
    assert run_axe(page) == []
    assert page.js_errors == []


def test_it_starts_a_thread_from_an_excerpts_details_and_resolves_it(
    signed_in: Any, peer: Any, peer2: Any, project: Any
) -> None:
    interview = make_interview(project, TEXT)
    make_excerpt(interview, peer, *span("I felt safe there."), "safety")
    excerpt = make_excerpt(interview, peer, *span("We laughed together."), "human-connection")
    page = open_as(signed_in, peer)
    open_coding_page(page, interview)
    page.locator(f'#excerpt-list .excerpt-item[data-id="{excerpt.pk}"]').click()
    link = page.locator("#details").get_by_role("link", name="Start a discussion on this excerpt")
    link.click()
    page.wait_for_url(f"**/interviews/{interview.pk}/discussions/new/?excerpt={excerpt.pk}")
    # The excerpt whose details were open is already chosen.
    assert page.get_by_label("Excerpt").input_value() == str(excerpt.pk)
    page.get_by_label("Your comment").fill("@quinn-peer is laughing together connection?")
    page.get_by_role("button", name="Start the discussion").click()
    page.wait_for_url("**/discussions/*/")
    assert page.locator("#thread-passage").inner_text() == "We laughed together."
    assert Discussion.objects.get().excerpt_id == excerpt.pk
    page.get_by_role("button", name="Mark as resolved").click()
    page.wait_for_selector("#thread-status .text-bg-success")
    assert Discussion.objects.get().is_resolved
    assert page.js_errors == []


def consensus_presence(page: Any, value: str) -> str:
    page.goto("/compare/?measure=prevalence&rule=consensus")
    row = page.locator("#comparison-table tbody tr", has_text=value)
    return row.locator("td").first.inner_text()


def test_it_decides_a_disagreement_and_the_comparison_follows(
    signed_in: Any, peer: Any, peer2: Any, project: Any
) -> None:
    interview = make_interview(project, TEXT)
    make_excerpt(interview, peer, *span("I felt safe there."), "safety")
    make_excerpt(interview, peer, *span("We laughed together."), "human-connection")
    make_excerpt(interview, peer2, *span("I felt safe there."), "safety")
    done(interview, peer, peer2)
    page = open_as(signed_in, peer)
    before = consensus_presence(page, "Human connection")
    assert "100" not in before
    assert "Consensus where decided, else agreed" in page.locator("#coder-rule").inner_text()
    page.goto(f"/projects/{project.slug}/disagreements/")
    assert "1 of 1 passage still to decide" in page.locator("#queue-summary").inner_text()
    assert run_axe(page) == []
    card = page.locator("article", has_text="We laughed together.")
    card.get_by_label("Apply these values").check()
    card.get_by_label("Reason").fill("Laughing together is how people connect here.")
    card.get_by_role("button", name="Save the decision").click()
    page.wait_for_selector(".alert-success")
    assert "0 of 1 passage still to decide" in page.locator("#queue-summary").inner_text()
    assert ConsensusDecision.objects.get().outcome == "apply"
    after = consensus_presence(page, "Human connection")
    assert "100" in after and after != before
    assert page.js_errors == []


def test_it_hides_the_first_coders_work_until_both_are_done(
    signed_in: Any, peer: Any, peer2: Any, project: Any
) -> None:
    project.blind_coding = True
    project.save()
    interview = make_interview(project, TEXT)
    make_excerpt(interview, peer, *span("I felt safe there."), "safety")
    done(interview, peer)
    page = open_as(signed_in, peer2)

    def shown() -> list[str]:
        page.goto(f"/interviews/{interview.pk}/")
        page.wait_for_selector("#transcript[data-ready=true]")
        page.locator("#view-all").check()
        return page.evaluate("() => window.peerValues.excerpts().map((e) => e.coder)")

    assert shown() == []
    assert page.locator("#blind-note").is_visible()
    assert "pat-peer" not in page.locator("#view-coder").inner_text()
    page.locator("#mark-done").click()
    page.wait_for_function(
        "() => document.getElementById('mark-done').getAttribute('aria-pressed') === 'true'"
    )
    assert shown() == ["pat-peer"]
    assert page.js_errors == []


def test_it_lets_a_coder_practise_and_talk_over_the_results(
    signed_in: Any, peer: Any, admin_user: Any, project: Any
) -> None:
    interview = make_interview(project, TEXT)
    made = calibration_set_create(project=project, name="Starter", user=admin_user)
    for part, slug in (
        ("I felt safe there.", "safety"),
        ("We laughed together.", "human-connection"),
    ):
        calibration_passage_add(
            calibration=made,
            interview=interview,
            start=span(part)[0],
            end=span(part)[1],
            values=[CodebookValue.objects.get(slug=slug, project__isnull=True)],
            user=admin_user,
        )
    page = open_as(signed_in, peer)
    page.goto(f"/projects/{project.slug}/calibration/")
    assert run_axe(page) == []
    page.get_by_role("button", name="Practise on “Starter”").click()
    page.wait_for_selector("#attempt-form")
    assert run_axe(page) == []
    page.locator("fieldset", has_text="I felt safe there.").get_by_label("Safety").check()
    page.get_by_role("button", name="Finish and compare").click()
    page.wait_for_selector("#value-results")
    assert "not a score" in page.locator("main").inner_text()
    assert (
        "What in this passage might show Human connection?" in page.locator(".prompt").inner_text()
    )
    assert run_axe(page) == []
    assert page.js_errors == []
