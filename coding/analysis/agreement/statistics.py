"""Agreement statistics: percent agreement, Cohen's kappa, Krippendorff's alpha (nominal)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import combinations


def cohen_kappa(table: dict[tuple[Hashable, Hashable], float]) -> float | None:
    """Cohen's kappa from a table of (coder 1's category, coder 2's category) -> weight."""
    total = sum(table.values())
    if not total:
        return None
    categories = {a for a, _ in table} | {b for _, b in table}
    observed = sum(w for (a, b), w in table.items() if a == b) / total
    first = {c: sum(w for (a, _), w in table.items() if a == c) / total for c in categories}
    second = {c: sum(w for (_, b), w in table.items() if b == c) / total for c in categories}
    expected = sum(first[c] * second[c] for c in categories)
    if expected >= 1:
        return None  # both coders used one category only: kappa is undefined
    return (observed - expected) / (1 - expected)


def coincidences(
    units: Iterable[Sequence[Hashable | None]],
) -> dict[tuple[Hashable, Hashable], float]:
    """Krippendorff's coincidence matrix from units (rows of values, None for missing)."""
    matrix: dict[tuple[Hashable, Hashable], float] = defaultdict(float)
    for unit in units:
        values = [v for v in unit if v is not None]
        m = len(values)
        if m < 2:
            continue  # a unit coded by one coder only cannot be paired
        for i, a in enumerate(values):
            for j, b in enumerate(values):
                if i != j:
                    matrix[(a, b)] += 1 / (m - 1)
    return matrix


def krippendorff_alpha(matrix: dict[tuple[Hashable, Hashable], float]) -> float | None:
    """Krippendorff's alpha for nominal data from a coincidence matrix."""
    n = sum(matrix.values())
    totals: dict[Hashable, float] = defaultdict(float)
    for (a, _), w in matrix.items():
        totals[a] += w
    if n <= 1:
        return None
    # alpha = 1 - (n - 1) * (disagreeing pairs) / (pairs of different values expected by chance)
    expected = n * n - sum(t * t for t in totals.values())
    if expected <= 0:
        return None  # everyone used one category: there is no variation to agree on
    observed = sum(w for (a, b), w in matrix.items() if a != b)
    return 1 - (n - 1) * observed / expected


def positive_agreement(matrix: dict[tuple[Hashable, Hashable], float]) -> float | None:
    """Agreement on the units someone coded (True): o_TT / (o_TT + o_TF)."""
    both, one = matrix.get((True, True), 0.0), matrix.get((True, False), 0.0)
    return both / (both + one) if both + one else None


def percent_agreement(matrix: dict[tuple[Hashable, Hashable], float]) -> float | None:
    """The share of pairable judgements that agree."""
    n = sum(matrix.values())
    return sum(w for (a, b), w in matrix.items() if a == b) / n if n else None


@dataclass
class Stats:
    """Agreement figures for one value (or all values pooled)."""

    coincidence: dict[tuple[bool, bool], float] = field(default_factory=lambda: defaultdict(float))
    pairs: dict[tuple[int, int], dict[tuple[bool, bool], float]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(float))
    )
    units: float = 0.0

    def add(self, pattern: frozenset[int], coders: Sequence[int], weight: float) -> None:
        m = len(coders)
        j = len(pattern)
        self.units += weight
        self.coincidence[(True, True)] += weight * j * (j - 1) / (m - 1)
        self.coincidence[(False, False)] += weight * (m - j) * (m - j - 1) / (m - 1)
        self.coincidence[(True, False)] += weight * j * (m - j) / (m - 1)
        self.coincidence[(False, True)] += weight * j * (m - j) / (m - 1)
        for a, b in combinations(sorted(coders), 2):
            self.pairs[(a, b)][(a in pattern, b in pattern)] += weight

    def merge(self, other: Stats) -> None:
        self.units += other.units
        for key, w in other.coincidence.items():
            self.coincidence[key] += w
        for pair, table in other.pairs.items():
            for key, w in table.items():
                self.pairs[pair][key] += w

    @property
    def percent(self) -> float | None:
        return percent_agreement(self.coincidence)

    @property
    def positive(self) -> float | None:
        """Specific positive agreement: of the judgements where a coder applied the value, the
        share a second coder matched (2a / (2a + b + c) for two coders). Uncoded text, which
        makes overall percent agreement look high, plays no part."""
        return positive_agreement(self.coincidence)

    @property
    def alpha(self) -> float | None:
        return krippendorff_alpha(self.coincidence)

    def kappas(self) -> dict[tuple[int, int], float | None]:
        return {pair: cohen_kappa(table) for pair, table in sorted(self.pairs.items())}
