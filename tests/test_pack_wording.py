"""How often a value came up, in words: the rounding and wording rules of `pack_wording`."""

from __future__ import annotations

import pytest

from coding.findings import pack_wording as words


@pytest.mark.parametrize(
    ("share", "expected"),
    [
        (0.75, "in about 3 of every 4 interviews"),
        (0.74, "in about 3 of every 4 interviews"),
        (0.5, "in about half of the interviews"),
        (0.52, "in about half of the interviews"),
        (0.33, "in about 1 of every 3 interviews"),
        (0.67, "in about 2 of every 3 interviews"),
        (0.2, "in about 1 of every 5 interviews"),
        (0.6, "in about 3 of every 5 interviews"),
        (0.25, "in about 1 of every 4 interviews"),
        # Close to no simple fraction: tenths.
        (0.7, "in about 7 of every 10 interviews"),
        (0.1, "in about 1 of every 10 interviews"),
        (0.91, "in about 9 of every 10 interviews"),
    ],
)
def test_it_says_a_share_with_the_smallest_denominator_that_fits(
    share: float, expected: str
) -> None:
    assert words.share_words(share) == expected


def test_it_says_the_ends_without_fractions() -> None:
    assert words.share_words(0.0) == "in none of the interviews"
    assert words.share_words(1.0) == "in every one of the interviews"
    assert words.share_words(0.03) == "in very few interviews (fewer than 1 in 20)"
    assert words.share_words(0.97) == "in nearly all the interviews (more than 19 in 20)"


def test_it_never_says_a_fraction_that_could_be_smaller() -> None:
    for hundredths in range(5, 96):
        n, m = words.fraction(hundredths / 100)
        assert 0 < n < m
        assert all(n % d or m % d for d in range(2, n + 1)), (hundredths, n, m)
        assert abs(hundredths / 100 - n / m) <= 0.05 + 1e-9


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (0.62, 0.84, "we are fairly sure it is more than half: between 6 and 9 in 10"),
        (0.4, 0.7, "we are fairly sure it is between 4 and 7 in 10"),
        (0.12, 0.38, "we are fairly sure it is fewer than half: between 1 and 4 in 10"),
        (0.01, 0.3, "we are fairly sure it is fewer than half: at most 3 in 10"),
        (0.72, 0.99, "we are fairly sure it is more than half: at least 7 in 10"),
        (0.3, 0.97, "we are fairly sure it is at least 3 in 10"),
        (0.02, 0.6, "we are fairly sure it is at most 6 in 10"),
        (0.66, 0.74, "we are fairly sure it is about 7 in 10"),
        (0.96, 1.0, "we are fairly sure it is nearly all: more than 9 in 10"),
        (0.0, 0.04, "we are fairly sure it is very few: fewer than 1 in 10"),
    ],
)
def test_it_says_the_interval_in_tenths(low: float, high: float, expected: str) -> None:
    assert words.interval_words(low, high) == expected


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        # A lower bound is rounded down, an upper bound up: the words never claim more.
        (0.78, 0.99, "more than half: at least 7 in 10"),
        (0.86, 1.0, "more than half: at least 8 in 10"),
        (0.7, 0.99, "more than half: at least 7 in 10"),
        (0.8, 0.93, "more than half: at least 8 in 10"),
        (0.8, 0.88, "more than half: between 8 and 9 in 10"),
        (0.41, 0.7, "between 4 and 7 in 10"),
        (0.52, 0.71, "between 5 and 8 in 10"),
        (0.41, 0.78, "between 4 and 8 in 10"),
        (0.41, 0.8, "between 4 and 8 in 10"),
        (0.29, 0.99, "at least 2 in 10"),
        (0.3, 1.0, "at least 3 in 10"),
    ],
)
def test_it_rounds_the_lower_bound_down_and_the_upper_bound_up(
    low: float, high: float, expected: str
) -> None:
    assert words.interval_words(low, high) == "we are fairly sure it is " + expected


def test_it_never_says_a_range_narrower_than_the_interval() -> None:
    for low in range(101):
        for high in range(low, 101):
            lo, hi = words.interval_tenths(low / 100, high / 100)
            assert lo / 10 <= low / 100 + 1e-9 and hi / 10 >= high / 100 - 1e-9, (low, high)
            assert hi - lo <= 2 + (high - low) / 10, (low, high)


def test_it_puts_where_how_often_and_how_sure_in_one_sentence() -> None:
    sentence = words.prevalence_sentence("Safety", "Side by Side", 0.75, 0.64, 0.8)
    assert sentence == (
        "In Side by Side, Safety came up in about 3 of every 4 interviews; we are fairly sure "
        "it is more than half: between 6 and 8 in 10."
    )


def test_it_gives_easy_read_a_share_without_percent_or_interval() -> None:
    assert words.easy_share(0.75) == "about 3 out of every 4 interviews"
    assert "%" not in words.easy_share(0.333)


def test_it_says_a_difference_without_jargon() -> None:
    sentence = words.more_often("Safety", "Women Side by Side", "Side by Side")
    assert sentence == "Safety came up more often in Women Side by Side than in Side by Side."
    for jargon in ("significant", "p =", "p-value", "confidence", "Holm"):
        assert jargon not in sentence
        assert jargon not in words.NO_DIFFERENCE
        assert jargon not in words.DIFFERENCES_RULE
