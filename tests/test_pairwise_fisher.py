"""Small pairs of columns: Fisher's exact test with an exact interval for the odds ratio that
agrees with the adjusted decision, checked against scipy's hypergeometric distributions."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape
from scipy import stats as sps

from coding.analysis import stats

from .conftest import make_excerpt, make_interview, make_project


def _row(x1: float, n1: float, x2: float, n2: float) -> dict[str, Any]:
    return {"x_a": x1, "n_a": n1, "x_b": x2, "n_b": n2, "diff": x1 / n1 - x2 / n2}


def _central_p(a: int, n1: int, c: int, n2: int) -> float:
    """Twice the smaller tail of the hypergeometric distribution of a, margins fixed."""
    dist = sps.hypergeom(n1 + n2, a + c, n1)
    return min(1.0, 2 * min(dist.cdf(a), dist.sf(a - 1)))


def test_it_calls_a_pair_small_when_an_expected_count_is_under_5() -> None:
    assert stats.is_small(6, 8, 1, 7)  # 7 with the value: 3.7 expected in a column
    assert stats.is_small(19, 20, 20, 20)  # 1 without: 0.5 expected
    assert not stats.is_small(3, 20, 15, 20)  # expected 9 and 11 in each column
    assert not stats.is_small(10, 20, 9, 21)


def test_it_uses_fishers_exact_test_for_small_pairs() -> None:
    rows = [_row(6, 8, 1, 7), _row(2, 9, 3, 6), _row(3, 20, 15, 20), _row(4.5, 6, 0.5, 5)]
    stats.pairwise_adjust(rows)
    m = len(rows)
    assert [r["method"] for r in rows] == ["fisher", "fisher", "newcombe", "fisher"]
    for row in rows:
        if row["method"] != "fisher":
            continue
        a, c = stats.whole(row["x_a"]), stats.whole(row["x_b"])
        expected = _central_p(a, int(row["n_a"]), c, int(row["n_b"]))
        assert row["p"] == pytest.approx(expected, rel=1e-9)
        assert row["p_adjusted"] == pytest.approx(min(1.0, expected * m))
    # Averaged over coders, 4.5 and 0.5 interviews are tested as 5 and 1.
    assert stats.two_by_two(4.5, 6, 0.5, 5) == [[5, 1], [1, 4]]


def test_it_gives_exact_odds_intervals_that_agree_with_the_adjusted_decision() -> None:
    tables = [
        (a, n1, c, n2)
        for n1, n2 in ((5, 6), (8, 7), (10, 4))
        for a, c in itertools.product(range(n1 + 1), range(n2 + 1))
        if stats.is_small(a, n1, c, n2) and 0 < a + c < n1 + n2
    ]
    rows = [_row(*t) for t in tables]
    for row in rows:
        stats.pairwise_adjust([row, _row(1, 2, 1, 2)])  # two comparisons: Bonferroni at 2.5%
    alpha = 0.05 / 2
    assert any(r["differs"] for r in rows) and not all(r["differs"] for r in rows)
    for (a, n1, c, n2), row in zip(tables, rows, strict=True):
        assert row["differs"] == (row["p_adjusted"] < 0.05)
        # Each end of the conditional exact interval leaves alpha/2 in its tail (scipy's
        # noncentral hypergeometric), which is what makes the decision and interval agree.
        low, high = row["odds_low"], row["odds_high"]
        if low > 0:
            tail = sps.nchypergeom_fisher(n1 + n2, a + c, n1, low).sf(a - 1)
            assert tail == pytest.approx(alpha / 2, rel=1e-4)
        if high < float("inf"):
            tail = sps.nchypergeom_fisher(n1 + n2, a + c, n1, high).cdf(a)
            assert tail == pytest.approx(alpha / 2, rel=1e-4)


def test_it_says_which_test_it_used_with_the_higher_column_first() -> None:
    rows = [_row(1, 7, 7, 8)]
    stats.pairwise_adjust(rows)
    sentence = stats.pairwise_sentence(rows[0], "Safety", "North", "South")
    assert sentence.startswith("Safety comes up in more of the interviews in South than in North")
    assert "Fisher's exact test" in sentence
    low, high = 1 / rows[0]["odds_high"], 1 / rows[0]["odds_low"]
    assert f"are {stats.times(low)} to {stats.times(high)} times as high as in North" in sentence
    assert low > 1


def test_it_states_what_small_means_on_the_page(client: Client, admin_user: Any) -> None:
    for slug, coded in (("north", 6), ("south", 1)):
        project = make_project(slug, slug.title())
        for n in range(7):
            interview = make_interview(project, f"Participant: I felt safe. ({n})")
            value = "safety" if n < coded else "human-connection"
            make_excerpt(interview, admin_user, 0, 11, value)
    client.force_login(admin_user)
    response = client.get(reverse("compare"), {"measure": "prevalence"})
    comparison = response.context["comparison"]
    assert any(row["method"] == "fisher" for row in comparison.pairwise)
    assert escape(stats.SMALL_SENTENCE) in response.content.decode()
