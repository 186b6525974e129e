"""Agreement between coders: kappa and alpha against published examples, units, disagreements."""

from __future__ import annotations

from typing import Any

import pytest

from coding.analysis.agreement import (
    UNIT_SENTENCES,
    Stats,
    agreement_report,
    character_patterns,
    cohen_kappa,
    coincidences,
    krippendorff_alpha,
    percent_agreement,
    sentence_spans,
)
from coding.analysis.filters import Filters

from .conftest import make_excerpt, make_interview, mark_done


def test_it_matches_the_published_kappa_example() -> None:
    # Wikipedia, "Cohen's kappa", worked example: 50 grant proposals read by two readers,
    # 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no: p_o = 0.7, p_e = 0.5, kappa = 0.4.
    table = {("yes", "yes"): 20, ("yes", "no"): 5, ("no", "yes"): 10, ("no", "no"): 15}
    assert cohen_kappa(table) == pytest.approx(0.4)


def test_it_matches_krippendorffs_example_with_missing_data() -> None:
    # Krippendorff (2011), "Computing Krippendorff's alpha-reliability", section C: four
    # observers, twelve units, values 1-5, missing data; nominal alpha = 0.743.
    units = [
        [1, 1, None, 1],
        [2, 2, 3, 2],
        [3, 3, 3, 3],
        [3, 3, 3, 3],
        [2, 2, 2, 2],
        [1, 2, 3, 4],
        [4, 4, 4, 4],
        [1, 1, 2, 1],
        [2, 2, 2, 2],
        [None, 5, 5, 5],
        [None, None, 1, 1],
        [None, None, 3, None],
    ]
    assert round(krippendorff_alpha(coincidences(units)), 3) == 0.743


def test_it_matches_krippendorffs_binary_example() -> None:
    # Krippendorff (2011), section A: two observers, ten units, binary; alpha = 0.095.
    first = [0, 1, 0, 0, 0, 0, 0, 0, 1, 0]
    second = [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]
    matrix = coincidences(list(zip(first, second, strict=True)))
    assert round(krippendorff_alpha(matrix), 3) == 0.095
    assert percent_agreement(matrix) == pytest.approx(0.6)


def test_it_cannot_measure_agreement_without_variation() -> None:
    assert krippendorff_alpha(coincidences([[1, 1], [1, 1]])) is None
    assert cohen_kappa({("no", "no"): 10}) is None


def test_it_cuts_text_into_pieces_covered_by_coders() -> None:
    pieces = character_patterns(100, {1: [(0, 50)], 2: [(25, 75), (70, 80)]}, [1, 2])
    assert pieces == [
        (0, 25, frozenset({1})),
        (25, 50, frozenset({1, 2})),
        (50, 80, frozenset({2})),
        (80, 100, frozenset()),
    ]


def test_it_splits_sentences() -> None:
    text = "Participant: I felt safe. It was “good.” Really?\nInterviewer: And then… more"
    spans = sentence_spans(text)
    assert [text[s:e] for s, e in spans] == [
        "Participant: I felt safe.",
        "It was “good.”",
        "Really?",
        "Interviewer: And then…",
        "more",
    ]


@pytest.fixture
def double(project: Any, peer: Any, peer2: Any) -> Any:
    """One interview of 100 characters: pat codes safety on [0,50), quinn on [25,75)."""
    interview = make_interview(project, "a" * 100)
    first = make_excerpt(interview, peer, 0, 50, "safety")
    second = make_excerpt(interview, peer2, 25, 75, "safety")
    mark_done(interview, peer, peer2)
    # A single-coded interview plays no part in agreement.
    make_excerpt(make_interview(project, "b" * 100, pseudonym="Solo"), peer, 0, 10, "safety")
    return interview, first, second


def test_it_measures_agreement_on_characters(double: Any, project: Any, peer: Any) -> None:
    report = agreement_report(Filters(project_ids=(project.pk,)))
    assert report.interviews == 1
    safety = next(v for v in report.values if v.slug == "safety")
    stats = report.per_value[safety.pk]
    # 25 characters each: both, pat only, quinn only, neither.
    assert stats.percent == pytest.approx(0.5)
    assert list(stats.kappas().values()) == [pytest.approx(0.0)]
    assert stats.alpha == pytest.approx(1 - 199 * 100 / (200**2 - 2 * 100**2))
    unused = next(v for v in report.values if v.slug == "human-connection")
    assert report.per_value[unused.pk].percent == 1.0
    assert report.per_value[unused.pk].alpha is None
    # Overall pools every value: 5 more values with 100 agreed characters each.
    assert report.overall.percent == pytest.approx((50 + 5 * 100) / 600)


def test_it_measures_agreement_on_sentences(project: Any, peer: Any, peer2: Any) -> None:
    interview = make_interview(project, "One here. Two here. Three here. Four here.")
    make_excerpt(interview, peer, 0, 14, "safety")  # sentences 1 and 2
    make_excerpt(interview, peer2, 12, 25, "safety")  # sentences 2 and 3
    mark_done(interview, peer, peer2)
    report = agreement_report(Filters(project_ids=(project.pk,)), UNIT_SENTENCES)
    safety = next(v for v in report.values if v.slug == "safety")
    stats = report.per_value[safety.pk]
    assert stats.units == 4
    assert stats.percent == pytest.approx(0.5)
    assert list(stats.kappas().values()) == [pytest.approx(0.0)]


def test_it_lists_disagreements_with_links_to_both_views(
    double: Any, project: Any, peer: Any, peer2: Any
) -> None:
    _interview, first, second = double
    report = agreement_report(Filters(project_ids=(project.pk,)))
    spans = [(d.start, d.end, d.applied) for d in report.disagreements]
    assert spans == [(0, 25, [peer.pk]), (50, 75, [peer2.pk])]
    item = report.disagreements[0]
    assert item.not_applied == [peer2.pk]
    assert item.excerpts == {peer.pk: first.pk, peer2.pk: second.pk}
    assert item.text == "a" * 25
    assert report.disagreement_total == 2


def test_it_keeps_to_the_chosen_coders(double: Any, project: Any, peer: Any) -> None:
    report = agreement_report(Filters(project_ids=(project.pk,), coder_ids=(peer.pk,)))
    assert report.interviews == 0


def test_it_measures_agreement_on_coded_text_apart_from_uncoded_text() -> None:
    # Two coders, 1,000 characters: 20 both coded, 5 and 10 coded by one only, 965 by neither.
    # Overall agreement is 98.5%, yet on coded text the coders agree on 40 of 55 judgements.
    stats = Stats()
    a, b = 1, 2
    for pattern, weight in (({a, b}, 20), ({a}, 5), ({b}, 10), (set(), 965)):
        stats.add(frozenset(pattern), [a, b], weight)
    assert stats.percent == pytest.approx(985 / 1000)
    assert stats.positive == pytest.approx(2 * 20 / (2 * 20 + 5 + 10))
    assert Stats().positive is None
