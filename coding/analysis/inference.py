"""Tests with the interview as the unit: do the columns differ, and which cells stand out?

Each interview yields many excerpts, and excerpts of one interview are not independent, so
every test here works on one figure per interview. For a measure that is a ratio of sums
(prevalence: interviews with the value / interviews; excerpts per interview; share of tags;
coverage; excerpts per 1,000 words) each interview i contributes a numerator a_i and a
denominator b_i. Under "the columns are alike" the pooled ratio R = sum(a) / sum(b) holds in
every column, so e_i = a_i - R * b_i sums to about zero in each column. Shuffling column labels
across interviews leaves R and e unchanged, so the shuffled sums of e per column give the null
distribution directly:

- "do the columns differ" for a value: T = sum_k E_k^2 / n_k (E_k: the column's sum of e);
- "does this cell stand out": z_k = E_k / sd(E_k), sd taken from the shuffling itself.

Small samples use every arrangement of the labels when there are at most `PERMUTATIONS` of
them, otherwise `PERMUTATIONS` random ones (seeded, so a page always shows the same figures).
Above `PERMUTATION_LIMIT` interviews, the shuffling distribution is replaced by its large-
sample form (T / var ~ chi-square with K - 1 degrees of freedom, z ~ normal), which the exact
mean and variance of the shuffling give and which agrees with it at that size. For prevalence
this is the chi-square test on interviews with and without the value; with two columns and a
few interviews it is Fisher's exact test in its shuffling form.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import combinations

import numpy as np
from scipy import stats as sps

PERMUTATIONS = 9_999
SEED = 20_240_601
PERMUTATION_LIMIT = 2_000  # interviews; above this the large-sample form is used
CHUNK = 256  # shuffles per matrix product: bounded memory (CHUNK x interviews)
ALPHA = 0.05

METHOD_PERMUTATION = "permutation"
METHOD_EXACT = "exact"
METHOD_LARGE_SAMPLE = "large-sample"


@dataclass
class GroupTest:
    """One value's test across K columns, and each column against all the others."""

    p: float  # do the columns differ for this value
    cell_p: np.ndarray  # (K,) does column k stand out
    direction: np.ndarray  # (K,) +1 above the pooled figure, -1 below, 0 level
    method: str


def holm(p_values: list[float]) -> list[float]:
    """Holm's step-down adjustment of p-values for several tests."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [0.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted


def residuals(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Each interview's distance from the pooled ratio: a - (sum a / sum b) * b."""
    total = b.sum(axis=0)
    ratio = np.divide(a.sum(axis=0), total, out=np.zeros_like(total, dtype=float), where=total > 0)
    return a - ratio * b


def _statistics(sums: np.ndarray, sizes: np.ndarray, var: np.ndarray, n: int):
    """Omnibus T (.., V) and cell z (.., K, V) from column sums (.., K, V)."""
    safe = np.where(sizes > 0, sizes, 1.0)  # an empty column's sum is 0 whatever it is divided by
    t = (sums**2 / safe[:, None]).sum(axis=-2)
    sd = np.sqrt(sizes * (n - sizes) / n)[:, None] * np.sqrt(var)
    z = np.divide(sums, sd, out=np.zeros_like(sums), where=sd > 0)
    return t, z


def _arrangements(labels: np.ndarray, k: int) -> int:
    sizes = np.bincount(labels, minlength=k)
    count = math.factorial(len(labels))
    for size in sizes:
        count //= math.factorial(int(size))
    return count


def _all_arrangements(labels: np.ndarray, k: int) -> Iterator[np.ndarray]:
    """Every distinct assignment of the same column sizes to the interviews."""
    sizes = [int(s) for s in np.bincount(labels, minlength=k)]
    n = len(labels)

    def place(free: tuple[int, ...], group: int) -> Iterator[dict[int, int]]:
        if group == k - 1:
            yield dict.fromkeys(free, group)
            return
        for chosen in combinations(free, sizes[group]):
            rest = tuple(i for i in free if i not in set(chosen))
            for tail in place(rest, group + 1):
                yield {**dict.fromkeys(chosen, group), **tail}

    for assignment in place(tuple(range(n)), 0):
        yield np.fromiter((assignment[i] for i in range(n)), dtype=np.int64, count=n)


def _shuffled_sums(
    e: np.ndarray, labels: np.ndarray, k: int, rng: np.random.Generator, count: int
) -> Iterator[np.ndarray]:
    """Column sums (chunk, K, V) of e under `count` random shuffles of the labels."""
    done = 0
    while done < count:
        size = min(CHUNK, count - done)
        shuffled = rng.permuted(np.broadcast_to(labels, (size, len(labels))), axis=1)
        sums = np.stack([(shuffled == g).astype(e.dtype) @ e for g in range(k)], axis=1)
        done += size
        yield sums


def group_test(
    a: np.ndarray,
    b: np.ndarray,
    labels: np.ndarray,
    k: int,
    *,
    permutations: int = PERMUTATIONS,
    limit: int = PERMUTATION_LIMIT,
    seed: int = SEED,
) -> list[GroupTest | None]:
    """Test every value (a column of `a` and `b`, shape (N, V)) across the K column labels.

    Returns one result per value, None where there is nothing to test (fewer than two
    columns with interviews, or no variation at all).
    """
    n = len(labels)
    sizes = np.bincount(labels, minlength=k).astype(float)
    if n < 2 or (sizes > 0).sum() < 2:
        return [None] * a.shape[1]
    if n > limit:
        return large_sample_test(**column_sums(a.astype(float), b.astype(float), labels, k))
    e = residuals(a.astype(float), b.astype(float))
    var = (e**2).sum(axis=0) / (n - 1)
    used = sizes > 0
    observed = e.T @ np.eye(k)[labels]  # (V, K)
    t_obs, z_obs = _statistics(observed.T, sizes, var, n)
    tolerance = 1e-9 * (1 + np.abs(t_obs))
    rng = np.random.default_rng(seed)
    exact = _arrangements(labels, k) <= permutations
    method = METHOD_EXACT if exact else METHOD_PERMUTATION
    t_hits = np.zeros_like(t_obs)
    z_hits = np.zeros_like(z_obs)
    total = 0
    if exact:
        chunks: Iterator[np.ndarray] = (
            np.stack([(arr == g).astype(float) @ e for g in range(k)], axis=0)[None]
            for arr in _all_arrangements(labels, k)
        )
    else:
        chunks = _shuffled_sums(e, labels, k, rng, permutations)
    for sums in chunks:
        t, z = _statistics(sums, sizes, var, n)
        t_hits += (t >= t_obs - tolerance).sum(axis=0)
        z_hits += (np.abs(z) >= np.abs(z_obs) - 1e-9).sum(axis=0)
        total += len(sums)
    if exact:
        p, cell_p = t_hits / total, z_hits / total
    else:  # the observed arrangement counts as one of the shuffles
        p, cell_p = (1 + t_hits) / (1 + total), (1 + z_hits) / (1 + total)
    return _results(p, cell_p, observed.T, var > 0, used, method)


def _results(
    p: np.ndarray,
    cell_p: np.ndarray,
    observed: np.ndarray,
    varies: np.ndarray,
    used: np.ndarray,
    method: str,
) -> list[GroupTest | None]:
    """One result per value from p (V,), cell p (K, V) and the column sums of e (K, V)."""
    results: list[GroupTest | None] = []
    for v in range(p.shape[0]):
        if not varies[v]:
            results.append(None)
            continue
        cells = np.where(used, np.minimum(cell_p[:, v], 1.0), np.nan)
        results.append(
            GroupTest(
                p=float(min(p[v], 1.0)),
                cell_p=cells,
                direction=np.sign(np.round(observed[:, v], 12)) * used,
                method=method,
            )
        )
    return results


def column_sums(a: np.ndarray, b: np.ndarray, labels: np.ndarray, k: int) -> dict[str, np.ndarray]:
    """Per-column sums of a, a², a·b (K, V) and b, b² (K, V), and the sizes (K,)."""
    onehot = np.eye(k)[labels].T  # (K, N)
    return {
        "a": onehot @ a,
        "aa": onehot @ (a * a),
        "ab": onehot @ (a * b),
        "b": onehot @ b,
        "bb": onehot @ (b * b),
        "sizes": np.bincount(labels, minlength=k).astype(float),
    }


def large_sample_test(
    *,
    a: np.ndarray,
    aa: np.ndarray,
    ab: np.ndarray,
    b: np.ndarray,
    bb: np.ndarray,
    sizes: np.ndarray,
) -> list[GroupTest | None]:
    """The large-sample form of `group_test`, from per-column sums only.

    With e_i = a_i - R b_i, a column's sum of e is A_k - R B_k and the sum of e² over every
    interview is Σa² - 2R Σab + R² Σb², so nothing per interview is needed: the database can
    send the sums (`analysis.sums`). `b` and `bb` are (K, V) or (K,) when every value shares
    the denominator.
    """
    v_count = a.shape[1]
    if b.ndim == 1:
        b, bb = b[:, None], bb[:, None]
    n = float(sizes.sum())
    used = sizes > 0
    if n < 2 or used.sum() < 2:
        return [None] * v_count
    total_b = np.broadcast_to(b.sum(axis=0), (v_count,))
    ratio = np.divide(a.sum(axis=0), total_b, out=np.zeros(v_count, dtype=float), where=total_b > 0)
    observed = a - ratio * b  # (K, V)
    square = aa.sum(axis=0) + ratio**2 * bb.sum(axis=0)
    spread = square - 2 * ratio * ab.sum(axis=0)
    # Summed in another order than interview by interview, "no variation" can come back as a
    # rounding error: anything within 1e-12 of the sums' size is none.
    varies = spread > 1e-12 * np.maximum(square, 1.0)
    var = np.where(varies, spread, 0.0) / (n - 1)
    t_obs, z_obs = _statistics(observed, sizes, var, int(n))
    with np.errstate(divide="ignore", invalid="ignore"):
        scaled = np.where(var > 0, t_obs / var, 0.0)
    p = sps.chi2.sf(scaled, int(used.sum()) - 1)
    cell_p = 2 * sps.norm.sf(np.abs(z_obs))
    return _results(p, cell_p, observed, varies, used, METHOD_LARGE_SAMPLE)
