"""The comparison's tests, with the interview as the unit, and what they mean in words.

For the measure shown, every value is tested across the columns it appears in ("do the columns
differ for this value?") and every cell against all those columns together ("does this cell
stand out?"), by `inference.group_test` on one figure per interview. P-values are adjusted for
the number of values, and for the number of cells, tested (Holm). Hidden cells (disclosure
control) and their interviews take no part, so no test leans on a figure the reader cannot see.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import inference
from .measures import (
    MEASURE_COVERAGE,
    MEASURE_PER_1000_WORDS,
    MEASURE_PREVALENCE,
    MEASURE_SHARE,
    MEASURES,
    column_key,
    measure_text,
)
from .sums import ColumnSums

METHOD_SENTENCE = (
    "How we test: the interview is the unit. For each value we shuffle the column labels "
    f"across the interviews {inference.PERMUTATIONS:,} times (or try every arrangement when "
    "there are few) and count how often a gap as large as the one seen turns up by chance; "
    f"with more than {inference.PERMUTATION_LIMIT:,} interviews we use the large-sample form "
    "of the same test. The chances are then adjusted for the number of values and cells "
    "tested (Holm's method)."
)
ARROWS = {"more": "▲", "fewer": "▼"}


def p_text(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


@dataclass
class Overall:
    """The page's answer to "do the columns differ?" for the measure shown."""

    p: float
    tested: int
    differing: int

    @property
    def sentence(self) -> str:
        if self.p < inference.ALPHA:
            return (
                f"Yes, for {self.differing} of the {self.tested} values tested: the columns "
                "differ by more than chance would easily give (smallest adjusted "
                f"{p_text(self.p)})."
            )
        return (
            f"Not shown: across the {self.tested} values tested, the differences between the "
            f"columns could well be chance (smallest adjusted {p_text(self.p)})."
        )


def overall(comparison: Any) -> Overall | None:
    tests = comparison.row_tests.values()
    if not tests:
        return None
    return Overall(
        p=min(t.p_adjusted for t in tests),
        tested=len(comparison.row_tests),
        differing=sum(1 for t in tests if t.p_adjusted < inference.ALPHA),
    )


def _parts(measure: str, arrays: dict[str, np.ndarray], columns: list[int]) -> tuple:
    """Numerator and denominator per interview (N, values) of the measure."""
    numerator = arrays["present"] if measure == MEASURE_PREVALENCE else arrays["tags"]
    if measure == MEASURE_COVERAGE:
        numerator, denominator = arrays["chars"], arrays["length"]
    elif measure == MEASURE_SHARE:
        denominator = arrays["all_tags"]
    elif measure == MEASURE_PER_1000_WORDS:
        denominator = arrays["words"] / 1000
    else:  # prevalence, excerpts per interview, excerpt count: per interview
        denominator = np.ones(len(numerator))
    a = numerator[:, columns]
    b = np.repeat(denominator[:, None], len(columns), axis=1)
    return a, b


@dataclass
class Figures:
    """What the tests read: per-column sums from the database (`analysis.sums`) for large
    samples, and every interview's figures, read only when a test needs them."""

    load: Callable[[], tuple[list[tuple], list[tuple]]]
    sums: ColumnSums | None = None
    merge: dict[tuple[int, str], str] = field(default_factory=dict)  # small groups -> "Other"
    _rows: tuple[list[tuple], list[tuple]] | None = None

    def per_interview(self) -> tuple[list[tuple], list[tuple]]:
        """(interviews, cells) as `queries.interview_rows`, small groups merged."""
        if self._rows is None:
            interviews, cells = self.load()
            merge = self.merge
            moved = [
                (i, p, merge.get((p, g or ""), g), length, words)
                for i, p, g, length, words in interviews
            ]
            self._rows = (moved, cells)
        return self._rows

    def words(self) -> dict[str, float]:
        """Words of the interviews coded per column key."""
        words: dict[str, float] = {}
        for _, p_id, group, _, count in self.per_interview()[0]:
            key = column_key(p_id, group or "")
            words[key] = words.get(key, 0.0) + float(count or 0)
        return words


def _interview_arrays(
    figures: Figures, value_ids: np.ndarray
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """The per-interview figures (interviews, values) and each interview's column key."""
    interviews, cells = figures.per_interview()
    ids = np.array([row[0] for row in interviews], dtype=np.int64)
    arrays = {name: np.zeros((len(ids), len(value_ids))) for name in ("tags", "present", "chars")}
    if cells and len(ids) and len(value_ids):
        # Place every (interview, value) row at once: sorted ids turn lookups into searches.
        data = np.array(cells, dtype=float)
        order = np.argsort(ids)
        at = np.searchsorted(ids[order], data[:, 0].astype(np.int64))
        at = np.clip(at, 0, len(ids) - 1)
        rows = order[at]
        v_sorted = np.argsort(value_ids)
        vat = np.clip(
            np.searchsorted(value_ids[v_sorted], data[:, 1].astype(np.int64)), 0, len(value_ids) - 1
        )
        columns = v_sorted[vat]
        known = (ids[rows] == data[:, 0]) & (value_ids[columns] == data[:, 1])
        for offset, name in enumerate(("tags", "present", "chars")):
            arrays[name][rows[known], columns[known]] = data[known, 2 + offset]
    arrays["all_tags"] = arrays["tags"].sum(axis=1)
    arrays["length"] = np.array([float(r[3] or 0) for r in interviews])
    arrays["words"] = np.array([float(r[4] or 0) for r in interviews])
    keys = np.array([column_key(p_id, group or "") for _, p_id, group, _, _ in interviews])
    return arrays, keys.astype(object)


def tests_fill(comparison: Any, figures: Figures) -> None:
    """Test every value and cell of the measure shown; mark the cells that stand out.

    A batch of values tested across more than `inference.PERMUTATION_LIMIT` interviews is
    tested from the database's per-column sums when there are any; otherwise every interview's
    figures are read (once) and shuffled.
    """
    from .comparison import RowTest  # the dataclass lives with the comparison it describes

    value_ids = np.array([v.id for v in comparison.values], dtype=np.int64)
    v_of = {int(v): n for n, v in enumerate(value_ids)}
    sizes = {c.key: c.interviews for c in comparison.columns}
    loaded: tuple[dict[str, np.ndarray], np.ndarray] | None = None
    batches: dict[tuple[str, ...], list[int]] = {}
    row_cells = {value.id: cells for value, cells in comparison.rows}
    for value, cells_of_row in comparison.rows:
        allowed = tuple(c.column.key for c in cells_of_row if c.applies and not c.suppressed)
        batches.setdefault(allowed, []).append(value.id)
    raw: list[tuple[Any, float, float]] = []  # (cell, p, direction)
    pooled: dict[int, float] = {}
    for allowed, batch in batches.items():
        if len(allowed) < 2:
            continue
        label_of = {key: k for k, key in enumerate(allowed)}
        if figures.sums is not None and sum(sizes[key] for key in allowed) > (
            inference.PERMUTATION_LIMIT
        ):
            sums = figures.sums.arrays(list(allowed), batch)
            totals = sums["b"].sum()
            for n, v_id in enumerate(batch):
                pooled[v_id] = sums["a"][:, n].sum() / totals if totals else float("nan")
            results = inference.large_sample_test(**sums)
        else:
            if loaded is None:
                loaded = _interview_arrays(figures, value_ids)
            arrays, interview_keys = loaded
            keep = np.isin(interview_keys, list(allowed))
            labels = np.array([label_of[key] for key in interview_keys[keep]], dtype=np.int64)
            a, b = _parts(comparison.measure, arrays, [v_of[v] for v in batch])
            a, b = a[keep], b[keep]
            for n, v_id in enumerate(batch):
                total = b[:, n].sum()
                pooled[v_id] = a[:, n].sum() / total if total else float("nan")
            results = inference.group_test(
                a, b, labels, len(allowed), limit=inference.PERMUTATION_LIMIT
            )
        for v_id, result in zip(batch, results, strict=True):
            if result is None:
                continue
            comparison.row_tests[v_id] = RowTest(p=result.p, method=result.method)
            for cell in row_cells[v_id]:
                k = label_of.get(cell.column.key)
                if k is not None and not np.isnan(result.cell_p[k]):
                    raw.append((cell, float(result.cell_p[k]), float(result.direction[k])))
    tests = list(comparison.row_tests.values())
    for test, adjusted in zip(tests, inference.holm([t.p for t in tests]), strict=True):
        test.p_adjusted = adjusted
    for (cell, p, direction), adjusted in zip(
        raw, inference.holm([p for _, p, _ in raw]), strict=True
    ):
        cell.p_raw, cell.p = p, adjusted
        if adjusted < inference.ALPHA and direction:
            cell.mark = "more" if direction > 0 else "fewer"
            cell.sentence = mark_sentence(
                cell, comparison.measure, measure_text(comparison.measure, pooled[cell.value.id])
            )


def mark_sentence(cell: Any, measure: str, pooled_text: str) -> str:
    label = MEASURES[measure][0].lower()
    way = "higher" if cell.mark == "more" else "lower"
    return (
        f"{ARROWS[cell.mark]} {cell.value.name} in {cell.column.label}: {label} {cell.text}, "
        f"{way} than across all the columns together ({pooled_text}); a gap this size is "
        f"unlikely to be chance (adjusted {p_text(cell.p)})."
    )
