"""Prevalence compared two columns at a time, each with a sentence for readers who are not
statisticians.

The difference in prevalence gets Newcombe's interval (built from two Wilson intervals, which
keep their coverage in small groups) at the Bonferroni level for the number of comparisons
made, and the p-value is the one that interval implies, so "unlikely to be chance" and "the
interval leaves out 0" always go together.

Small pairs (`is_small`: an expected count under `SMALL_EXPECTED` in the two-by-two table of
interviews with and without the value) use Fisher's exact test instead, in its central form
(twice the smaller one-sided p), with the conditional exact interval for the odds ratio at the
same Bonferroni level: that interval leaves out 1 exactly when the adjusted p is below 0.05, as
both invert the same two one-sided tests. The tests across all columns live in `inference`.
"""

from __future__ import annotations

import math
from itertools import combinations
from typing import Any

import pandas as pd
from scipy import stats as sps
from scipy.stats.contingency import odds_ratio

from . import inference
from .measures import MEASURE_PREVALENCE, Z95, pivot, wilson_interval

ALPHA = 0.05
SMALL_EXPECTED = 5
METHOD_NEWCOMBE = "newcombe"
METHOD_FISHER = "fisher"
SMALL_SENTENCE = (
    f"When two columns are small (fewer than {SMALL_EXPECTED} interviews would be expected "
    "with, or without, the value in either of them), the comparison uses Fisher's exact "
    "test instead, and the interval is an exact one for how many times higher the odds of "
    "the value are; it is widened for the number of comparisons in the same way. Counts "
    "averaged over coders are rounded to whole interviews for this test."
)


def p_text(p: float) -> str:
    if p < 0.001:
        return "p < 0.001"
    return f"p = {p:.3f}"


def pct(x: float) -> str:
    return f"{x * 100:.0f}%"


holm = inference.holm


def newcombe_interval(
    x1: float, n1: float, x2: float, n2: float, z: float = Z95
) -> tuple[float, float]:
    """Interval for p1 - p2 from the two Wilson intervals (Newcombe's method 10)."""
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = wilson_interval(x1, n1, z)
    l2, u2 = wilson_interval(x2, n2, z)
    d = p1 - p2
    return (
        d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2),
        d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2),
    )


def pairwise_prevalence(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Prevalence of every value two columns at a time, for the columns that both have it.

    With columns split into groups, a group is compared with the same group of the other
    projects. `pairwise_adjust` then adds the intervals and decisions.
    """
    present = pivot(frame, "present").to_dict()
    n = pivot(frame, "interviews").to_dict()
    prevalence = pivot(frame, MEASURE_PREVALENCE)
    columns = list(prevalence.columns)
    pairs = [
        (a, b)
        for a, b in combinations(columns, 2)
        if a.split(":", 1)[0] != b.split(":", 1)[0] and a.split(":", 1)[1] == b.split(":", 1)[1]
    ]
    known = prevalence.notna().to_dict()
    results: list[dict[str, Any]] = []
    for v_id in prevalence.index:
        for a, b in pairs:
            if not (known[a][v_id] and known[b][v_id]):
                continue
            x1, n1, x2, n2 = present[a][v_id], n[a][v_id], present[b][v_id], n[b][v_id]
            results.append(
                {
                    "v_id": v_id,
                    "a": a,
                    "b": b,
                    "x_a": x1,
                    "n_a": n1,
                    "x_b": x2,
                    "n_b": n2,
                    "p_a": x1 / n1,
                    "p_b": x2 / n2,
                    "diff": x1 / n1 - x2 / n2,
                }
            )
    return results


def _crossing(x1: float, n1: float, x2: float, n2: float) -> float:
    """The z at which Newcombe's interval for p1 - p2 just reaches 0 (0 when p1 = p2)."""
    if abs(x1 / n1 - x2 / n2) < 1e-12:
        return 0.0

    def excludes(z: float) -> bool:
        low, high = newcombe_interval(x1, n1, x2, n2, z)
        return low > 0 or high < 0

    if not excludes(1e-9):
        return 0.0
    low, high = 1e-9, 1.0
    while excludes(high) and high < 64:
        low, high = high, high * 2
    if excludes(high):
        return high
    for _ in range(60):
        middle = (low + high) / 2
        low, high = (middle, high) if excludes(middle) else (low, middle)
    return low


def whole(x: float) -> int:
    """An interview count averaged over coders, rounded to whole interviews (halves up)."""
    return math.floor(x + 0.5)


def two_by_two(x1: float, n1: float, x2: float, n2: float) -> list[list[int]]:
    """Interviews with and without the value in each column, in whole interviews."""
    a, c = whole(x1), whole(x2)
    return [[a, int(n1) - a], [c, int(n2) - c]]


def is_small(x1: float, n1: float, x2: float, n2: float) -> bool:
    """Whether any expected count of the two-by-two table is under `SMALL_EXPECTED`."""
    table = two_by_two(x1, n1, x2, n2)
    total = sum(map(sum, table))
    if not total:
        return True
    with_value = table[0][0] + table[1][0]
    for row in table:
        size = sum(row)
        for column_total in (with_value, total - with_value):
            if size * column_total / total < SMALL_EXPECTED:
                return True
    return False


def fisher(x1: float, n1: float, x2: float, n2: float, level: float) -> tuple[float, float, float]:
    """Central Fisher p (twice the smaller one-sided p) and the conditional exact interval of
    the odds ratio (column one against column two) at `level`."""
    table = two_by_two(x1, n1, x2, n2)
    if not (table[0][0] + table[1][0]) or not (table[0][1] + table[1][1]):
        return 1.0, 0.0, math.inf  # every interview alike: nothing to compare
    less = sps.fisher_exact(table, alternative="less").pvalue
    greater = sps.fisher_exact(table, alternative="greater").pvalue
    interval = odds_ratio(table, kind="conditional").confidence_interval(confidence_level=level)
    return min(1.0, 2 * min(less, greater)), float(interval.low), float(interval.high)


def pairwise_adjust(rows: list[dict[str, Any]]) -> None:
    """Intervals at the Bonferroni level for len(rows) comparisons, and the p-values they imply.

    A comparison "differs" exactly when its adjusted interval leaves out 0 (or, for small
    columns, the odds ratio's leaves out 1), which is exactly when its adjusted p-value is
    below 0.05.
    """
    m = max(len(rows), 1)
    z = float(sps.norm.isf(ALPHA / (2 * m)))
    for row in rows:
        x1, n1, x2, n2 = row["x_a"], row["n_a"], row["x_b"], row["n_b"]
        row["level"] = 1 - ALPHA / m
        row["gap_text"] = points(abs(row["diff"])).lstrip("+")
        if is_small(x1, n1, x2, n2):
            row["method"] = METHOD_FISHER
            row["p"], row["odds_low"], row["odds_high"] = fisher(x1, n1, x2, n2, row["level"])
            row["p_adjusted"] = min(1.0, row["p"] * m)
            row["differs"] = row["odds_low"] > 1 or row["odds_high"] < 1
            low, high = row["odds_low"], row["odds_high"]
            if row["diff"] < 0:  # read as "higher against lower"
                low, high = _inverse(high), _inverse(low)
            row["interval_text"] = f"odds {times(low)} to {times(high)} times as high"
            continue
        row["method"] = METHOD_NEWCOMBE
        row["diff_low"], row["diff_high"] = newcombe_interval(x1, n1, x2, n2, z)
        row["p"] = float(2 * sps.norm.sf(_crossing(x1, n1, x2, n2)))
        row["p_adjusted"] = min(1.0, row["p"] * m)
        row["differs"] = row["diff_low"] > 0 or row["diff_high"] < 0
        low, high = row["diff_low"], row["diff_high"]
        if row["diff"] < 0:  # read as "higher minus lower"
            low, high = -high, -low
        row["interval_text"] = f"{points(low)} to {points(high)}"


def _inverse(x: float) -> float:
    if x == 0:
        return math.inf
    return 0.0 if math.isinf(x) else 1 / x


def times(x: float) -> str:
    """An odds ratio in words: 0.25, 1.8, 12, "no limit"."""
    if math.isinf(x):
        return "unlimited"
    if x >= 10:
        return f"{x:,.0f}"
    return f"{x:.1f}" if x >= 1 else f"{x:.2f}"


def points(x: float) -> str:
    """Percentage points with a sign, and never "-0"."""
    whole = round(x * 100)
    return "0" if whole == 0 else f"{whole:+d}"


def level_text(level: float) -> str:
    return f"{level * 100:.2f}".rstrip("0").rstrip(".") + "%"


def pairwise_sentence(row: dict[str, Any], value_name: str, label_a: str, label_b: str) -> str:
    """The comparison in words, the higher column first and the interval the same way round."""
    higher, lower = (label_a, label_b) if row["diff"] >= 0 else (label_b, label_a)
    gap = row["gap_text"]
    level = level_text(row["level"])
    if row.get("method") == METHOD_FISHER:
        odds = row["interval_text"].removeprefix("odds ")
        interval = (
            f"small columns, so Fisher's exact test: the odds of the value coming up in "
            f"{higher} are {odds} as in {lower}, {level} exact interval"
        )
    else:
        interval = f"{level} interval {row['interval_text']} points"
    if row["differs"]:
        return (
            f"{value_name} comes up in more of the interviews in {higher} than in {lower} "
            f"({gap} points more; {interval}); a gap this size is unlikely to be chance "
            f"(adjusted {p_text(row['p_adjusted'])})."
        )
    return (
        f"{value_name}: the {gap}-point gap between {higher} and {lower} could be chance "
        f"({interval}, adjusted {p_text(row['p_adjusted'])})."
    )


def interval_sentence(value_name: str, column_label: str, low: float, high: float) -> str:
    return (
        f"{value_name} in {column_label}: the share of interviews is likely between {pct(low)} "
        f"and {pct(high)} (95% interval)."
    )
