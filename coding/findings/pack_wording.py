"""How often a value came up, and how sure we are, in words a lay reader understands.

The figures come from the comparison (prevalence with its Wilson interval, `analysis`); this
module only says them. A share becomes "about N of every M interviews" with the smallest
denominator (2, 3, 4, 5, then 10) that lands close to it, so readers meet fractions they can
picture; the interval becomes tenths ("between 6 and 8 in 10"). Nothing here computes a
statistic.
"""

from __future__ import annotations

import math

DENOMINATORS = (2, 3, 4, 5)
# How far "about N of every M" may be from the share before a finer denominator is used.
CLOSE_ENOUGH = 0.03
FEW = 0.05  # below this (but above none), "very few" says it better than a fraction
NEARLY_ALL = 0.95

NO_FIGURE = "We cannot say how often: the figure is hidden to protect the people interviewed."


def share_words(share: float, noun: str = "interviews") -> str:
    """A share of interviews as words: "in about 3 of every 4 interviews"."""
    if math.isnan(share):
        return f"in none of the {noun}"
    if share <= 0:
        return f"in none of the {noun}"
    if share >= 1:
        return f"in every one of the {noun}"
    if share < FEW:
        return f"in very few {noun} (fewer than 1 in 20)"
    if share > NEARLY_ALL:
        return f"in nearly all the {noun} (more than 19 in 20)"
    n, m = fraction(share)
    if (n, m) == (1, 2):
        return f"in about half of the {noun}"
    return f"in about {n} of every {m} {noun}"


def fraction(share: float) -> tuple[int, int]:
    """The simple fraction a reader would use for a share: smallest denominator first."""
    for m in DENOMINATORS:
        n = round(share * m)
        if 0 < n < m and abs(share - n / m) <= CLOSE_ENOUGH + 1e-9:
            return n, m
    n = min(max(round(share * 10), 1), 9)
    common = math.gcd(n, 10)  # 2 in 10 is said as 1 in 5
    return n // common, 10 // common


def interval_tenths(low: float, high: float) -> tuple[int, int]:
    """The interval's ends in tenths, the lower rounded down and the upper up, so that the range
    said always holds the whole interval ("at least 7 in 10" for 78%, never "at least 8")."""
    # The slack keeps a bound that is a tenth exactly (0.7, stored as 0.7000000000000001) there.
    return math.floor(low * 10 + 1e-9), math.ceil(high * 10 - 1e-9)


def interval_words(low: float, high: float) -> str:
    """The 95% interval in tenths: "we are fairly sure it is between 6 and 8 in 10"."""
    # An interval narrow enough to sit within half a tenth of one figure is said as "about".
    near_low, near_high = round(low * 10), round(high * 10)
    if near_low == near_high == 10:
        return "we are fairly sure it is nearly all: more than 9 in 10"
    if near_low == near_high == 0:
        return "we are fairly sure it is very few: fewer than 1 in 10"
    if near_low == near_high:
        return f"we are fairly sure it is about {near_low} in 10"
    lo, hi = interval_tenths(low, high)
    if lo == 0 and hi < 5:
        return f"we are fairly sure it is fewer than half: at most {hi} in 10"
    if hi < 5:
        return f"we are fairly sure it is fewer than half: between {lo} and {hi} in 10"
    if lo > 5:
        if hi == 10:
            return f"we are fairly sure it is more than half: at least {lo} in 10"
        return f"we are fairly sure it is more than half: between {lo} and {hi} in 10"
    if lo == 0:
        return f"we are fairly sure it is at most {hi} in 10"
    if hi == 10:
        return f"we are fairly sure it is at least {lo} in 10"
    return f"we are fairly sure it is between {lo} and {hi} in 10"


def prevalence_sentence(value: str, place: str, share: float, low: float, high: float) -> str:
    """One sentence: where, how often, how sure."""
    return f"In {place}, {value} came up {share_words(share)}; {interval_words(low, high)}."


def easy_share(share: float) -> str:
    """The Easy Read form: no interval, no bare number ("about 3 out of every 4 interviews")."""
    words = share_words(share)
    return words.replace(" of every ", " out of every ").removeprefix("in ")


# --- differences between projects -----------------------------------------------------------

DIFFERENCES_RULE = (
    "We only say that a value came up more often in one project than in another when our "
    "check, which counts each interview once, shows the gap is unlikely to be down to chance."
)
NO_DIFFERENCE = (
    "We did not find a clear difference between the projects for {value}: the gaps we saw are "
    "small enough that they could be down to chance."
)
ONE_PROJECT = (
    "This pack is about one project, so it does not compare projects. The pack for all "
    "projects does."
)
ONE_CODEBOOK = (
    "{value} is a value of {project}'s own, so there is nothing to compare it with in the other "
    "projects."
)
TOO_FEW_SHOWN = (
    "We cannot compare the projects for {value}: too few projects have a figure we can show."
)


def more_often(value: str, higher: str, lower: str) -> str:
    return f"{value} came up more often in {higher} than in {lower}."


def stands_out(value: str, project: str, way: str) -> str:
    """A project that differs from the projects together (no single pair is clear)."""
    word = "more" if way == "more" else "less"
    return f"{value} came up {word} often in {project} than in the projects taken together."
