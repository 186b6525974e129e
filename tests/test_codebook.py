from __future__ import annotations

from typing import Any

import pytest

from coding.codebook import codebook_fixture
from coding.models import CodebookValue

SIX = [
    "Experience in common",
    "Safety",
    "Choice and control",
    "Two-way interactions",
    "Human connection",
    "Freedom to be oneself",
]


@pytest.mark.django_db
def test_it_loads_the_six_framework_values_on_migrate() -> None:
    framework = CodebookValue.objects.filter(project__isnull=True).order_by("order")
    assert [v.name for v in framework] == SIX
    assert all(v.definition and v.is_active for v in framework)
    assert [v.shortcut for v in framework] == ["1", "2", "3", "4", "5", "6"]
    safety = framework.get(slug="safety")
    assert "being safe and feeling safe are distinct" in safety.definition


def test_it_has_trust_as_a_value_of_the_women_only_project_in_the_fixture() -> None:
    trust = [v for v in codebook_fixture()["values"] if v["slug"] == "trust"]
    assert len(trust) == 1
    assert trust[0]["project"] == "women-side-by-side"


@pytest.mark.django_db
def test_it_offers_trust_only_to_its_project(project: Any, other_project: Any) -> None:
    assert not CodebookValue.objects.for_project(project).filter(slug="trust").exists()
    assert CodebookValue.objects.for_project(other_project).filter(slug="trust").exists()
    assert CodebookValue.objects.for_project(other_project).count() == 7


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def test_it_has_highlight_colours_that_keep_body_text_readable() -> None:
    """WCAG 2.2 AA: 4.5:1 between the page's text colour (#212529) and each highlight."""
    text = _luminance("#212529")
    for value in codebook_fixture()["values"]:
        ratio = (_luminance(value["colour"]) + 0.05) / (text + 0.05)
        assert ratio >= 4.5, (value["slug"], ratio)
