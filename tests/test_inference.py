"""Tests with the interview as the unit, checked against scipy and statsmodels."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
from scipy import stats as sps
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import confint_proportions_2indep

from coding.analysis import inference, stats
from coding.analysis.comparison import comparison_build
from coding.analysis.filters import Filters
from coding.analysis.measures import MEASURES

from .conftest import make_excerpt, make_interview, make_project


def between(sample: Any, *groups: Any) -> float:
    """Sum over groups of n_k (mean_k - mean)^2: the spread of the group means."""
    pooled = np.concatenate(groups).mean()
    return float(sum(len(g) * (np.mean(g) - pooled) ** 2 for g in groups))


def test_it_matches_scipys_permutation_test_on_per_interview_rates() -> None:
    rng = np.random.default_rng(7)
    groups = [rng.poisson(lam, size) for lam, size in ((3, 14), (4, 11), (5, 15))]
    tags = np.concatenate(groups).astype(float)[:, None]
    labels = np.repeat(np.arange(3), [len(g) for g in groups])
    [result] = inference.group_test(tags, np.ones_like(tags), labels, 3)
    expected = sps.permutation_test(
        groups,
        lambda *g: between(None, *g),
        permutation_type="independent",
        n_resamples=9_999,
        alternative="greater",
        random_state=3,
    ).pvalue
    assert result.method == inference.METHOD_PERMUTATION
    assert result.p == pytest.approx(expected, abs=0.015)


def test_it_tries_every_arrangement_when_there_are_few() -> None:
    a = np.array([0.0, 1, 1, 3, 4, 5])[:, None]
    labels = np.array([0, 0, 0, 1, 1, 1])
    [result] = inference.group_test(a, np.ones_like(a), labels, 2)
    observed = between(None, a[:3, 0], a[3:, 0])
    arrangements = list(itertools.combinations(range(6), 3))
    at_least = sum(
        between(None, a[list(c), 0], np.delete(a[:, 0], list(c))) >= observed - 1e-12
        for c in arrangements
    )
    assert result.method == inference.METHOD_EXACT
    assert result.p == pytest.approx(at_least / len(arrangements))


def test_it_is_the_chi_square_on_interviews_with_and_without_a_value_when_large() -> None:
    rng = np.random.default_rng(11)
    sizes, rates = (900, 1200, 1100), (0.30, 0.34, 0.31)
    present = np.concatenate([rng.random(n) < r for n, r in zip(sizes, rates, strict=True)])
    labels = np.repeat(np.arange(3), sizes)
    [result] = inference.group_test(
        present.astype(float)[:, None], np.ones((len(labels), 1)), labels, 3
    )
    table = [
        [int(present[labels == k].sum()), int((~present[labels == k]).sum())] for k in range(3)
    ]
    chi2, _, dof, _ = sps.chi2_contingency(table, correction=False)
    n = len(labels)
    # The shuffling distribution's exact variance carries the factor (N - 1) / N.
    assert result.method == inference.METHOD_LARGE_SAMPLE
    assert result.p == pytest.approx(sps.chi2.sf(chi2 * (n - 1) / n, dof), rel=1e-9)


def test_it_does_not_count_excerpts_of_one_interview_as_independent(
    db: Any, admin_user: Any
) -> None:
    # Each project has one talkative interview: 30 safety excerpts in one, 3 in the other. An
    # excerpt-level chi-square calls this a clear difference; with the interview as the unit it
    # is one interview each, which chance explains easily.
    text = "Participant: " + "I felt safe. " * 40
    first, second = make_project("a", "Alpha"), make_project("b", "Beta")
    for project, talk in ((first, 30), (second, 3)):
        for n in range(8):
            interview = make_interview(project, f"{text}({n})", pseudonym=f"{project.slug}{n}")
            make_excerpt(interview, admin_user, 13, 25, "human-connection")
            for k in range(talk if n == 0 else 1):
                make_excerpt(interview, admin_user, 13 + 12 * (k % 40), 25 + 12 * (k % 40))
    counts = [[30 + 7, 8], [3 + 7, 8]]
    assert (
        sps.chi2_contingency(counts, correction=False)[1] < 0.05
    )  # the old, excerpt-level verdict
    comparison = comparison_build(Filters(project_ids=(first.pk, second.pk)), "per_interview")
    assert comparison.overall is not None and comparison.overall.p > 0.05
    assert not comparison.differences


@pytest.fixture
def spread(db: Any, admin_user: Any) -> dict[str, Any]:
    """Three projects, 12 interviews each; safety common in one, rare in another."""
    rng = np.random.default_rng(5)
    projects = [make_project(s, s.title()) for s in ("north", "south", "east")]
    chance = {"north": 0.9, "south": 0.15, "east": 0.5}
    for project in projects:
        for n in range(12):
            words = " ".join(["word"] * int(rng.integers(20, 60)))
            text = f"Participant: I felt safe. {words} We laughed. ({n})"
            interview = make_interview(project, text, pseudonym=f"{project.slug}{n}")
            make_excerpt(interview, admin_user, 13, 25, "human-connection")
            if rng.random() < chance[project.slug]:
                for _ in range(int(rng.integers(1, 4))):
                    make_excerpt(interview, admin_user, 13, 25, "safety")
    return {"projects": projects}


def _per_interview(comparison: Any, value_slug: str) -> tuple[list[np.ndarray], list[Any]]:
    from coding.models import ExcerptValue, Interview

    groups = []
    for column in comparison.columns:
        ids = list(
            Interview.objects.filter(project_id=column.project_id).values_list("pk", flat=True)
        )
        tags = [
            ExcerptValue.objects.filter(excerpt__interview_id=i, value__slug=value_slug).count()
            for i in ids
        ]
        groups.append(np.array(tags, dtype=float))
    return groups, comparison.columns


def test_it_marks_cells_for_the_measure_shown_after_holm(spread: dict[str, Any]) -> None:
    ids = tuple(p.pk for p in spread["projects"])
    for measure in ("prevalence", "per_interview"):
        comparison = comparison_build(Filters(project_ids=ids), measure)
        row = next(cells for value, cells in comparison.rows if value.slug == "safety")
        groups, _ = _per_interview(comparison, "safety")
        figures = [(g > 0).astype(float) if measure == "prevalence" else g for g in groups]
        pooled = np.concatenate(figures).mean()
        # Each cell against all columns together, recomputed: shuffle the labels (scipy).
        raw = []

        def gap(x: Any, y: Any, pooled: float = pooled) -> float:
            return abs(round(float(np.sum(x - pooled)), 9))  # 0 stays 0 whatever the order

        for k, cell in enumerate(row):
            rest = np.concatenate([f for j, f in enumerate(figures) if j != k])
            raw.append(
                sps.permutation_test(
                    (figures[k], rest),
                    gap,
                    permutation_type="independent",
                    n_resamples=9_999,
                    alternative="greater",
                    random_state=1,
                ).pvalue
            )
            assert (cell.mark == "more") == (cell.p < 0.05 and figures[k].mean() > pooled)
            assert (cell.mark == "fewer") == (cell.p < 0.05 and figures[k].mean() < pooled)
        # The raw chances match scipy's shuffling within its noise; the adjustment is Holm's
        # over every cell tested in the table (statsmodels).
        assert [c.p_raw for c in row] == pytest.approx(raw, abs=0.015)
        tested = [c for _, cells in comparison.rows for c in cells if c.p is not None]
        holm = multipletests([c.p_raw for c in tested], method="holm")[1]
        assert [c.p for c in tested] == pytest.approx(list(holm))
        north = row[[c.column.short for c in row].index("North")]
        if measure == "prevalence":
            assert north.mark == "more" and north.sentence.startswith("▲ Safety in North")


def test_it_adjusts_value_tests_with_holm_like_statsmodels(spread: dict[str, Any]) -> None:
    ids = tuple(p.pk for p in spread["projects"])
    comparison = comparison_build(Filters(project_ids=ids), "prevalence")
    tests = list(comparison.row_tests.values())
    expected = multipletests([t.p for t in tests], method="holm")[1]
    assert [t.p_adjusted for t in tests] == pytest.approx(list(expected))
    assert comparison.overall.p == pytest.approx(min(expected))


def test_it_compares_pairs_with_the_right_sign_and_consistent_intervals() -> None:
    rows = [
        {"x_a": 3, "n_a": 20, "x_b": 15, "n_b": 20, "diff": 3 / 20 - 15 / 20},
        {"x_a": 10, "n_a": 20, "x_b": 9, "n_b": 21, "diff": 10 / 20 - 9 / 21},
        {"x_a": 6, "n_a": 12, "x_b": 6, "n_b": 12, "diff": 0.0},
    ]
    stats.pairwise_adjust(rows)
    m = len(rows)
    for row in rows:
        low, high = confint_proportions_2indep(
            row["x_a"], row["n_a"], row["x_b"], row["n_b"], method="newcomb", alpha=0.05 / m
        )
        assert (row["diff_low"], row["diff_high"]) == pytest.approx((low, high), abs=1e-6)
        assert row["differs"] == (row["p_adjusted"] < 0.05) == (low > 0 or high < 0)
    higher_second = stats.pairwise_sentence(rows[0], "Safety", "North", "South")
    assert "more of the interviews in South than in North" in higher_second
    assert f"interval +{-round(rows[0]['diff_high'] * 100)} to" in higher_second
    level = stats.pairwise_sentence(rows[2], "Safety", "North", "South")
    assert "−0" not in level and "-0" not in level and "0 to" not in level.split("interval")[0]


def test_it_counts_excerpts_per_1000_words(spread: dict[str, Any]) -> None:
    from coding.models import ExcerptValue, Interview

    assert "per_1000_words" in MEASURES
    ids = tuple(p.pk for p in spread["projects"])
    comparison = comparison_build(Filters(project_ids=ids), "per_1000_words")
    north = spread["projects"][0]
    words = sum(Interview.objects.filter(project=north).values_list("word_count", flat=True))
    tags = ExcerptValue.objects.filter(
        excerpt__interview__project=north, value__slug="safety"
    ).count()
    row = next(cells for value, cells in comparison.rows if value.slug == "safety")
    cell = next(c for c in row if c.column.project_id == north.pk)
    assert cell.number == pytest.approx(tags * 1000 / words)
