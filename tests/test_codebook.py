from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from coding.codebook import codebook_fixture
from coding.models import TEXT_COLOUR, CodebookValue, contrast_ratio

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


def test_it_computes_wcag_contrast() -> None:
    # WCAG's own extremes and a known pair.
    assert round(contrast_ratio("#000000", "#ffffff"), 1) == 21.0
    assert round(contrast_ratio("#777777", "#ffffff"), 2) == 4.48


def test_it_has_highlight_colours_that_keep_body_text_readable() -> None:
    """WCAG 2.2 AA: 4.5:1 between the page's text colour (#212529) and each highlight."""
    for value in codebook_fixture()["values"]:
        assert contrast_ratio(value["colour"], TEXT_COLOUR) >= 4.5, value["slug"]


@pytest.mark.django_db
def test_it_refuses_a_value_colour_too_dark_to_read_text_on(project: Any) -> None:
    value = CodebookValue(project=project, slug="hope", name="Hope", colour="#1f77b4")
    with pytest.raises(ValidationError) as info:
        value.full_clean()
    assert "too dark" in info.value.message_dict["colour"][0]
    value.colour = "#cfe2ff"
    value.full_clean()
