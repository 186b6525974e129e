"""Tests on the value-by-project table, each with a sentence for readers who are not statisticians.

Chi-square test of independence (scipy) with Cramér's V, adjusted standardised residuals per
cell, a warning for small expected counts, and pairwise comparisons of prevalence (two-proportion
z-tests, Holm-adjusted, with Newcombe's interval for the difference).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps

from .measures import MEASURE_PREVALENCE, pivot, wilson_interval

RESIDUAL_CUTOFF = 1.96  # |adjusted residual| above this: the cell differs at about the 5% level
ALPHA = 0.05


def p_text(p: float) -> str:
    if p < 0.001:
        return "p < 0.001"
    return f"p = {p:.3f}"


def pct(x: float) -> str:
    return f"{x * 100:.0f}%"


@dataclass
class ChiSquare:
    chi2: float
    dof: int
    p: float
    n: float
    cramers_v: float
    expected: pd.DataFrame
    residuals: pd.DataFrame
    small_expected: int  # cells with an expected count below 5
    cells: int
    excluded_values: list[int] = field(default_factory=list)

    @property
    def warning(self) -> str:
        if not self.small_expected:
            return ""
        below_one = int((self.expected.to_numpy() < 1).sum())
        return (
            f"{self.small_expected} of {self.cells} cells have an expected count below 5"
            + (f" ({below_one} below 1)" if below_one else "")
            + ": the test is less reliable. Read it with care, or combine groups or widen the "
            "filters."
        )

    @property
    def sentence(self) -> str:
        if self.p < ALPHA:
            return (
                "The values are spread differently across these columns than chance alone "
                f"would easily produce ({p_text(self.p)}): it is unlikely that the projects "
                "use the values in the same proportions."
            )
        return (
            "The differences in how the values are spread across these columns could well be "
            f"chance ({p_text(self.p)}): this test does not show the projects differ."
        )

    @property
    def effect_label(self) -> str:
        # Cohen's thresholds for V, scaled by the smaller side of the table.
        k = min(self.expected.shape) - 1
        v = self.cramers_v * math.sqrt(max(k, 1))
        if v < 0.1:
            return "negligible"
        if v < 0.3:
            return "small"
        if v < 0.5:
            return "moderate"
        return "large"

    @property
    def effect_sentence(self) -> str:
        return (
            f"The size of the difference is {self.effect_label} (Cramér's V = "
            f"{self.cramers_v:.2f}, where 0 means the same mix of values everywhere and 1 means "
            "each value belongs to one column only)."
        )


def chi_square(frame: pd.DataFrame) -> ChiSquare | None:
    """Chi-square test of independence on the tag counts of the shared values by column.

    A project's own values (such as trust) are left out: they cannot occur elsewhere, so they
    would make any comparison look different. Empty rows and columns are dropped. Returns None
    when fewer than two rows or columns remain.
    """
    shared = frame[frame["framework"]]
    table = pivot(shared, "count").fillna(0.0)
    table = table.loc[table.sum(axis=1) > 0, table.sum(axis=0) > 0]
    excluded = sorted(set(frame.loc[~frame["framework"], "v_id"]))
    if table.shape[0] < 2 or table.shape[1] < 2:
        return None
    observed = table.to_numpy(dtype=float)
    chi2, p, dof, expected = sps.chi2_contingency(observed, correction=False)
    n = observed.sum()
    k = min(observed.shape) - 1
    row = observed.sum(axis=1, keepdims=True) / n
    col = observed.sum(axis=0, keepdims=True) / n
    residuals = (observed - expected) / np.sqrt(expected * (1 - row) * (1 - col))
    return ChiSquare(
        chi2=float(chi2),
        dof=int(dof),
        p=float(p),
        n=float(n),
        cramers_v=float(math.sqrt(chi2 / (n * k))) if n and k else 0.0,
        expected=pd.DataFrame(expected, index=table.index, columns=table.columns),
        residuals=pd.DataFrame(residuals, index=table.index, columns=table.columns),
        small_expected=int((expected < 5).sum()),
        cells=int(expected.size),
        excluded_values=excluded,
    )


def residual_sentence(residual: float, value_name: str, column_label: str) -> str:
    if residual >= RESIDUAL_CUTOFF:
        return (
            f"{value_name} is tagged more often in {column_label} than if all columns were "
            f"alike (adjusted residual {residual:+.1f})."
        )
    if residual <= -RESIDUAL_CUTOFF:
        return (
            f"{value_name} is tagged less often in {column_label} than if all columns were "
            f"alike (adjusted residual {residual:+.1f})."
        )
    return ""


def holm(p_values: list[float]) -> list[float]:
    """Holm's step-down adjustment of p-values for several comparisons."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [0.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted


def newcombe_interval(x1: float, n1: float, x2: float, n2: float) -> tuple[float, float]:
    """95% interval for p1 - p2 from the two Wilson intervals (Newcombe's method 10)."""
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = wilson_interval(x1, n1)
    l2, u2 = wilson_interval(x2, n2)
    d = p1 - p2
    return (
        d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2),
        d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2),
    )


def two_proportion_p(x1: float, n1: float, x2: float, n2: float) -> float:
    """Two-sided p-value of the pooled two-proportion z-test."""
    pooled = (x1 + x2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return 1.0
    z = (x1 / n1 - x2 / n2) / se
    # erfc(|z|/√2) is the two-sided normal tail, 2·sf(|z|), without scipy's per-call overhead.
    return math.erfc(abs(z) / math.sqrt(2))


def pairwise_prevalence(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Compare prevalence between projects, two at a time, for every value both have.

    With columns split into groups, a group is compared with the same group of the other
    projects. P-values are adjusted together (Holm) for the number of comparisons made.
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
            low, high = newcombe_interval(x1, n1, x2, n2)
            results.append(
                {
                    "v_id": v_id,
                    "a": a,
                    "b": b,
                    "p_a": x1 / n1,
                    "p_b": x2 / n2,
                    "diff": x1 / n1 - x2 / n2,
                    "diff_low": low,
                    "diff_high": high,
                    "p": two_proportion_p(x1, n1, x2, n2),
                }
            )
    for row, adjusted in zip(results, holm([r["p"] for r in results]), strict=True):
        row["p_adjusted"] = adjusted
        row["differs"] = adjusted < ALPHA
    return results


def pairwise_sentence(row: dict[str, Any], value_name: str, label_a: str, label_b: str) -> str:
    gap = abs(row["diff"]) * 100
    higher, lower = (label_a, label_b) if row["diff"] >= 0 else (label_b, label_a)
    interval = f"{row['diff_low'] * 100:+.0f} to {row['diff_high'] * 100:+.0f} points"
    if row["differs"]:
        return (
            f"{value_name} comes up in more of the interviews in {higher} than in {lower} "
            f"({gap:.0f} points more; 95% interval {interval}); a gap this size is unlikely to "
            f"be chance (adjusted {p_text(row['p_adjusted'])})."
        )
    return (
        f"{value_name}: the {gap:.0f}-point gap between {label_a} and {label_b} could be chance "
        f"(95% interval {interval}, adjusted {p_text(row['p_adjusted'])})."
    )


def interval_sentence(value_name: str, column_label: str, low: float, high: float) -> str:
    return (
        f"{value_name} in {column_label}: the share of interviews is likely between {pct(low)} "
        f"and {pct(high)} (95% interval)."
    )
