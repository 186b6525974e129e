"""Wide tables and charts scroll inside their own named, focusable box; the page never does."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BOX = "main .table-scroll"


def test_it_scrolls_a_wide_table_in_its_own_box_at_390_pixels(
    phone: Any, signed_in: Any, world: dict
) -> None:
    url = reverse("proposal_list", kwargs=world["kwargs"]["project"])
    page = phone(world["users"]["admin"])
    page.goto(url)
    assert page.evaluate("document.scrollingElement.scrollWidth <= innerWidth")
    box = page.locator(BOX).first
    assert box.evaluate("e => e.scrollWidth > e.clientWidth")
    assert box.get_attribute("role") == "region"
    assert box.get_attribute("tabindex") == "0"
    name = box.get_attribute("aria-label")
    assert name.startswith("Table: ") and name.endswith("(scrolls sideways)")
    assert page.get_by_role("region", name=name).count() == 1
    # Keyboard users scroll it with the arrow keys once it has focus.
    box.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_timeout(300)  # smooth scrolling
    assert box.evaluate("e => e.scrollLeft") > 0

    # On a wide screen the same table fits: a plain box, no extra tab stop.
    wide = signed_in(world["users"]["admin"])
    wide.goto(url)
    box = wide.locator(BOX).first
    assert box.evaluate("e => e.scrollWidth <= e.clientWidth")
    assert box.get_attribute("role") is None
    assert box.get_attribute("tabindex") is None


def test_it_names_each_scrolling_chart_apart(phone: Any, world: dict) -> None:
    page = phone(world["users"]["admin"])
    page.goto(reverse("compare") + "?measure=prevalence")
    names = page.locator("main [role=region]").evaluate_all(
        "boxes => boxes.map(b => b.getAttribute('aria-label'))"
    )
    assert len(names) >= 2
    assert len(set(names)) == len(names)
    assert page.evaluate("document.scrollingElement.scrollWidth <= innerWidth")
