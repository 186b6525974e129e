"""Agreement figures each come with a sentence in plain words."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from coding.analysis.agreement import agreement_report
from coding.analysis.filters import Filters
from coding.templatetags.review_tags import agreement_sentences

from .conftest import make_excerpt, make_interview, mark_done

pytestmark = pytest.mark.django_db

TEXT = "Participant: I felt safe there. We laughed together. Nobody judged me at all."


@pytest.fixture
def double_coded(project: Any, peer: Any, peer2: Any) -> Any:
    interview = make_interview(project, TEXT)
    make_excerpt(interview, peer, 13, 31, "safety")
    make_excerpt(interview, peer2, 13, 52, "safety")
    mark_done(interview, peer, peer2)
    return interview


def test_it_explains_each_figure_in_a_sentence(double_coded: Any, project: Any) -> None:
    report = agreement_report(Filters(project_ids=(project.pk,)))
    safety = next(v for v in report.values if v.slug == "safety")
    stats = report.per_value[safety.pk]
    labels = [(pair, "pat-peer & quinn-peer") for pair in report.pairs]
    sentences = agreement_sentences(stats, "Safety", "characters", labels)
    # Independently: the coders differ on 52 - 31 characters of the text.
    agreed = 100 * (len(TEXT) - (52 - 31)) / len(TEXT)
    assert sentences[0] == (
        f"Percent agreement: the coders made the same call (applied or not) on {agreed:.0f}% "
        "of the characters of text for Safety."
    )
    assert sentences[1].startswith(
        f"Kappa for pat-peer & quinn-peer: {stats.kappas()[report.pairs[0]]:.2f}"
    )
    assert sentences[2].startswith(
        f"Alpha, the same idea for all coders together, is {stats.alpha:.2f}"
    )
    assert len(sentences) == 3


def test_it_shows_the_sentences_on_the_agreement_page(
    client: Client, double_coded: Any, peer: Any
) -> None:
    # A coder of the project (evaluators see agreement only over enough interviews).
    client.force_login(peer)
    page = client.get(reverse("compare_agreement")).content.decode()
    assert page.count('class="d-block plain-sentence"') >= 3 * 2  # safety and all values
    assert "of the characters of text for Safety." in page
