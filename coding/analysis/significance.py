"""The comparison's tests, with the interview as the unit, and what they mean in words.

For the measure shown, every value is tested across the columns it appears in ("do the columns
differ for this value?") and every cell against all those columns together ("does this cell
stand out?"), by `inference.group_test` on one figure per interview. P-values are adjusted for
the number of values, and for the number of cells, tested (Holm). Hidden cells (disclosure
control) and their interviews take no part, so no test leans on a figure the reader cannot see.
"""

from __future__ import annotations

from dataclasses import dataclass
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


def tests_fill(comparison: Any, interviews: list[tuple], cells: list[tuple]) -> None:
    """Test every value and cell of the measure shown; mark the cells that stand out."""
    from .comparison import RowTest  # the dataclass lives with the comparison it describes

    key_of = {i_id: column_key(p_id, group or "") for i_id, p_id, group, _, _ in interviews}
    ids = list(key_of)
    row_of = {i_id: n for n, i_id in enumerate(ids)}
    value_ids = [v.id for v in comparison.values]
    v_of = {v: n for n, v in enumerate(value_ids)}
    shape = (len(ids), len(value_ids))
    arrays = {name: np.zeros(shape) for name in ("tags", "present", "chars")}
    for i_id, v_id, tags, present, chars in cells:
        if i_id in row_of and v_id in v_of:
            at = (row_of[i_id], v_of[v_id])
            arrays["tags"][at], arrays["present"][at], arrays["chars"][at] = tags, present, chars
    arrays["all_tags"] = arrays["tags"].sum(axis=1)
    arrays["length"] = np.array([float(r[3] or 0) for r in interviews])
    arrays["words"] = np.array([float(r[4] or 0) for r in interviews])
    interview_keys = np.array([key_of[i] for i in ids], dtype=object)

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
        keep = np.isin(interview_keys, list(allowed))
        label_of = {key: k for k, key in enumerate(allowed)}
        labels = np.array([label_of[key] for key in interview_keys[keep]], dtype=np.int64)
        a, b = _parts(comparison.measure, arrays, [v_of[v] for v in batch])
        a, b = a[keep], b[keep]
        for n, v_id in enumerate(batch):
            total = b[:, n].sum()
            pooled[v_id] = a[:, n].sum() / total if total else float("nan")
        results = inference.group_test(a, b, labels, len(allowed))
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
