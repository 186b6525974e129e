from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from coding.models import (
    EXCERPT_TEXT_MISMATCH,
    CodebookValue,
    Excerpt,
    Interview,
    Participant,
    normalise_text,
)

from .conftest import make_excerpt, make_interview


def test_it_normalises_text_to_nfc_and_newlines() -> None:
    decomposed = "Cafe\u0301 \r\nline two  \rthree"
    assert normalise_text(decomposed) == "Caf\u00e9\nline two\nthree"


def test_it_guards_excerpt_offsets_in_the_database(interview: Interview, peer: Any) -> None:
    for start, end in [(5, 5), (6, 2)]:
        with pytest.raises(IntegrityError), transaction.atomic():
            Excerpt.objects.create(interview=interview, coder=peer, start=start, end=end, text="")


def test_it_refuses_a_negative_start_in_the_database(interview: Interview, peer: Any) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Excerpt.objects.create(interview=interview, coder=peer, start=-1, end=3, text="")


def test_it_keeps_pseudonyms_unique_within_a_project(project: Any, other_project: Any) -> None:
    Participant.objects.create(project=project, pseudonym="Willow")
    Participant.objects.create(project=other_project, pseudonym="Willow")
    with pytest.raises(IntegrityError), transaction.atomic():
        Participant.objects.create(project=project, pseudonym="Willow")


def test_it_keeps_interview_content_unique_within_a_project(
    project: Any, other_project: Any
) -> None:
    make_interview(project, "Same text", pseudonym="A")
    make_interview(other_project, "Same text", pseudonym="A")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_interview(project, "Same text\r\n", pseudonym="B")


def test_it_derives_hash_and_word_count(project: Any) -> None:
    interview = make_interview(project, "Interviewer: Hello there\nParticipant: Hi 😊")
    assert interview.word_count == 6
    assert len(interview.content_hash) == 64


def test_it_checks_excerpt_text_matches_its_span(interview: Interview, peer: Any) -> None:
    good = Excerpt(interview=interview, coder=peer, start=0, end=11, text=interview.text[0:11])
    good.full_clean()
    bad = Excerpt(interview=interview, coder=peer, start=0, end=11, text="Something else")
    with pytest.raises(ValidationError) as info:
        bad.full_clean()
    assert info.value.message_dict["text"] == [EXCERPT_TEXT_MISMATCH]


def test_it_refuses_an_excerpt_past_the_end_of_the_text(interview: Interview, peer: Any) -> None:
    end = len(interview.text) + 1
    bad = Excerpt(interview=interview, coder=peer, start=0, end=end, text=interview.text)
    with pytest.raises(ValidationError):
        bad.full_clean()


def test_it_keeps_value_slugs_unique_per_codebook(project: Any) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        CodebookValue.objects.create(project=None, slug="safety", name="Safety again")
    with pytest.raises(IntegrityError), transaction.atomic():
        CodebookValue.objects.create(project=project, slug="trust-x", name="A")
        CodebookValue.objects.create(project=project, slug="trust-x", name="B")


def test_it_refuses_a_project_value_that_shadows_the_framework(project: Any) -> None:
    value = CodebookValue(project=project, slug="safety", name="Project safety")
    with pytest.raises(ValidationError, match="shared framework already has this slug"):
        value.full_clean()


def test_it_protects_values_that_excerpts_use(interview: Interview, peer: Any) -> None:
    make_excerpt(interview, peer, 0, 11, "safety")
    value = CodebookValue.objects.get(slug="safety", project=None)
    with pytest.raises(Exception, match="protected"), transaction.atomic():
        value.delete()


@pytest.mark.django_db
def test_it_keeps_the_slug_all_for_pages_about_every_project() -> None:
    from coding.models import ResearchProject

    project = ResearchProject(slug="all", name="All of them")
    with pytest.raises(ValidationError, match="kept for pages about every project"):
        project.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        project.save()
