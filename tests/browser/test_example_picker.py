"""The example picker in a real browser, by keyboard only: search, tick, propose."""

from __future__ import annotations

from typing import Any

import pytest

from coding.models import Proposal

from ..conftest import make_excerpt, make_interview
from .conftest import run_axe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = "Interviewer: And then?\nParticipant: I trust the group. I felt safe there. We laughed."


def test_it_picks_an_example_by_keyboard(signed_in: Any, project: Any, peer: Any) -> None:
    interview = make_interview(project, TEXT)
    make_excerpt(interview, peer, TEXT.index("I trust"), TEXT.index(" I felt"), "human-connection")
    safe = make_excerpt(interview, peer, TEXT.index("I felt"), TEXT.index(" We"), "safety")
    page = signed_in(peer)
    page.set_default_timeout(60_000)
    page.goto(f"/projects/{project.slug}/proposals/new/")
    page.fill("#id_name", "Feeling safe")
    page.focus("#example-words")
    page.keyboard.type("safe there")
    page.keyboard.press("Enter")  # searches; the proposal is not sent
    page.wait_for_selector("text=1 excerpt found")
    assert not Proposal.objects.exists()
    page.keyboard.press("Tab")  # the value filter
    page.keyboard.press("Tab")  # the search button
    page.keyboard.press("Tab")  # the excerpt found
    assert page.evaluate("document.activeElement.id") == f"example-found-{safe.pk}"
    page.keyboard.press("Space")
    page.wait_for_selector(f"#example-chosen-{safe.pk}:checked")
    assert run_axe(page) == []
    page.fill("#id_reason", "The women talk of it often.")
    page.get_by_role("button", name="Propose").click()
    page.wait_for_selector("text=Your proposal is open")
    assert list(Proposal.objects.get().examples.all()) == [safe]
