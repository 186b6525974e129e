"""The comparison's figures and the sums its large-sample tests need, in one SQL pass.

Above `inference.PERMUTATION_LIMIT` interviews the tests need no interview one by one: for the
measure shown, each interview i has a numerator a_i and a denominator b_i (see `inference`), and
the test reads only per-column sums of a, a², a·b, b and b². The database computes those beside
the table's own sums (`comparison_rows`' cell and column rows), from the same per-interview
figures (`queries.interview_ctes`), so a comparison of 10,000 interviews brings back a few
hundred rows instead of one per interview and value. Smaller comparisons still read every
interview (`queries.interview_rows`) for their shuffling tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db import connection

from .measures import (
    MEASURE_COVERAGE,
    MEASURE_PER_1000_WORDS,
    MEASURE_PREVALENCE,
    MEASURE_SHARE,
    column_key,
)
from .queries import FLOAT, interview_ctes
from .tallies import tallies_refresh

# Fields summed per row; `_merge` in `comparison` adds them up when groups merge into "Other".
SUMMED = ("tags", "present", "chars", "interviews", "aa", "ab", "b", "bb", "words")


def numerator(measure: str) -> str:
    """Which per-interview figure is the measure's numerator (see `significance._parts`)."""
    if measure == MEASURE_PREVALENCE:
        return "present"
    if measure == MEASURE_COVERAGE:
        return "chars"
    return "tags"


def _denominator(measure: str) -> str:
    if measure == MEASURE_SHARE:
        return "COALESCE(at.all_tags, 0)"
    if measure == MEASURE_COVERAGE:
        return "COALESCE({t}.len_, 0)"
    if measure == MEASURE_PER_1000_WORDS:
        # Cast first: an integer divided by 1000.0 is NUMERIC arithmetic in PostgreSQL (slow).
        return f"CAST(COALESCE({{t}}.words, 0) AS {FLOAT}) / 1000"
    return "1"  # prevalence, excerpts per interview, excerpt count: per interview


def comparison_sums(filters: Any, measure: str, value_ids: list[int]) -> list[dict[str, Any]]:
    """Cell and column rows as `comparison_rows` gives them, with the tests' sums added.

    Cell rows also carry `aa` and `ab` (sums of a² and a·b over the interviews with the value);
    column rows carry `b`, `bb` (sums of b and b² over every interview of the column) and
    `words`. Under the consensus rule `interview_ctes` gives the consensus figures.
    """
    if not filters.project_ids:
        return []
    tallies_refresh()
    ctes, params = interview_ctes(filters)
    a = f"cv.{numerator(measure)}"
    share = measure == MEASURE_SHARE
    extra: tuple[Any, ...] = ()
    if share:
        # The share's denominator: an interview's tags of the values in the table only, so
        # each interview-value row needs its interview's total (one join, for this measure).
        marks = ", ".join(["%s"] * len(value_ids)) or "NULL"
        ctes += f""",
    at AS (SELECT i_id, SUM(tags) AS all_tags FROM cv WHERE v_id IN ({marks}) GROUP BY i_id)"""
        extra = tuple(value_ids)
        cell_from = "cv LEFT JOIN at ON at.i_id = cv.i_id"
        column_from = "ii LEFT JOIN at ON at.i_id = ii.i_id"
    else:
        cell_from, column_from = "cv", "ii"
    b_cell = _denominator(measure).format(t="cv")
    b_column = _denominator(measure).format(t="ii")
    sql = f"""
    WITH {ctes}
    SELECT 'cell' AS kind, cv.p_id, cv.grp, cv.v_id, SUM(cv.tags) AS tags,
           SUM(cv.present) AS present, SUM(cv.chars) AS chars, COUNT(*) AS interviews,
           SUM({a} * {a}) AS aa, SUM({a} * CAST({b_cell} AS {FLOAT})) AS ab,
           CAST(0 AS {FLOAT}) AS b, CAST(0 AS {FLOAT}) AS bb, CAST(0 AS {FLOAT}) AS words
    FROM {cell_from}
    GROUP BY cv.p_id, cv.grp, cv.v_id
    UNION ALL
    SELECT 'column' AS kind, ii.p_id, ii.grp, NULL AS v_id, CAST(0 AS {FLOAT}),
           CAST(0 AS {FLOAT}), SUM(CAST(COALESCE(ii.len_, 0) AS {FLOAT})), COUNT(*),
           CAST(0 AS {FLOAT}), CAST(0 AS {FLOAT}), SUM(CAST({b_column} AS {FLOAT})),
           SUM(CAST({b_column} AS {FLOAT}) * CAST({b_column} AS {FLOAT})),
           SUM(CAST(COALESCE(ii.words, 0) AS {FLOAT}))
    FROM {column_from}
    GROUP BY ii.p_id, ii.grp
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, params + extra)
        names = [col[0] for col in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


@dataclass
class ColumnSums:
    """The sums of `comparison_sums` by column key, for the large-sample tests."""

    measure: str
    columns: dict[str, tuple[float, float, float]] = field(default_factory=dict)  # n, Σb, Σb²
    cells: dict[tuple[str, int], tuple[float, float, float]] = field(default_factory=dict)

    @classmethod
    def from_rows(cls, rows: list[dict[str, Any]], measure: str) -> ColumnSums:
        sums = cls(measure)
        a = numerator(measure)
        for row in rows:
            key = column_key(row["p_id"], row["grp"] or "")
            if row["kind"] == "column":
                sums.columns[key] = (float(row["interviews"]), float(row["b"]), float(row["bb"]))
            else:
                sums.cells[(key, int(row["v_id"]))] = (
                    float(row[a] or 0),
                    float(row["aa"] or 0),
                    float(row["ab"] or 0),
                )
        return sums

    def arrays(self, keys: list[str], value_ids: list[int]) -> dict[str, np.ndarray]:
        """Sums as arrays: a, aa, ab (K, V) and b, bb, sizes (K,), for `large_sample_test`."""
        nothing = (0.0, 0.0, 0.0)
        cells = np.array(
            [[self.cells.get((key, v), nothing) for v in value_ids] for key in keys], dtype=float
        ).reshape(len(keys), len(value_ids), 3)
        columns = np.array([self.columns.get(key, nothing) for key in keys], dtype=float)
        columns = columns.reshape(len(keys), 3)
        return {
            "a": cells[:, :, 0],
            "aa": cells[:, :, 1],
            "ab": cells[:, :, 2],
            "sizes": columns[:, 0],
            "b": columns[:, 1],
            "bb": columns[:, 2],
        }
