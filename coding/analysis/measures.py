"""The five measures, computed with pandas from the aggregated rows of `queries`.

Fed plain rows and dicts, returns DataFrames: no request, no ORM.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

MEASURE_COUNT = "count"
MEASURE_PER_INTERVIEW = "per_interview"
MEASURE_PREVALENCE = "prevalence"
MEASURE_SHARE = "share"
MEASURE_COVERAGE = "coverage"
MEASURE_PER_1000_WORDS = "per_1000_words"
# The measure the Compare page shows (and its files mark) when the reader has chosen none.
PAGE_MEASURE = MEASURE_PER_INTERVIEW

# name -> (label, plain explanation)
MEASURES: dict[str, tuple[str, str]] = {
    MEASURE_PREVALENCE: (
        "Prevalence",
        "Share of the interviews coded in which the value was applied at least once, with a "
        "95% confidence interval (Wilson).",
    ),
    MEASURE_PER_INTERVIEW: (
        "Excerpts per interview",
        "Excerpts tagged with the value, divided by the number of interviews coded.",
    ),
    MEASURE_PER_1000_WORDS: (
        "Excerpts per 1,000 words",
        "Excerpts tagged with the value for every 1,000 words of the interviews coded (words "
        "counted per interview), so long and short interviews weigh alike.",
    ),
    MEASURE_SHARE: (
        "Share of tags",
        "Of all value tags in the project, the share that are this value.",
    ),
    MEASURE_COVERAGE: (
        "Coverage",
        "Share of the characters of the interviews coded that are coded with the value.",
    ),
    MEASURE_COUNT: (
        "Excerpt count",
        "Number of excerpts tagged with the value (raw: larger projects have more).",
    ),
}
PERCENT_MEASURES = {MEASURE_PREVALENCE, MEASURE_SHARE, MEASURE_COVERAGE}

Z95 = 1.959963984540054


def wilson_interval(successes: float, n: float, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval for a proportion (NaNs when there is nothing to count)."""
    if not n:
        return (math.nan, math.nan)
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z / denominator * math.sqrt(max(p * (1 - p) / n + z * z / (4 * n * n), 0.0))
    return (max(0.0, centre - half), min(1.0, centre + half))


def number_text(x: float, digits: int = 1) -> str:
    """A count that may be fractional (averaged over coders): 12, 12.5."""
    if math.isnan(x):
        return "–"
    if abs(x - round(x)) < 1e-9:
        return f"{round(x):,}"
    return f"{x:,.{digits}f}"


def measure_text(measure: str, x: float) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    if measure == MEASURE_PREVALENCE:
        return f"{x * 100:.0f}%"
    if measure in (MEASURE_SHARE, MEASURE_COVERAGE):
        return f"{x * 100:.1f}%"
    if measure in (MEASURE_PER_INTERVIEW, MEASURE_PER_1000_WORDS):
        return f"{x:.2f}"
    return number_text(x)


def column_key(project_id: int, group: str) -> str:
    return f"{project_id}:{group or ''}"


def measures_frame(
    rows: list[dict[str, Any]],
    values: list[dict[str, Any]],
    columns: list[dict[str, Any]],
    words: dict[str, float] | None = None,
) -> pd.DataFrame:
    """One row per column and value, with every measure.

    `values`: dicts with id, project_id (None for the shared framework), name, slug, colour.
    `words`: words of the interviews coded per column key.
    `columns`: dicts with project_id and group, in display order (a project with nothing coded
    still gets a column, with no interviews). A value of one project has no figures (NaN) in
    the columns of other projects: it is not in their codebook.
    """
    cells = pd.DataFrame(
        [r for r in rows if r["kind"] == "cell"],
        columns=["kind", "p_id", "grp", "v_id", "tags", "present", "chars", "interviews"],
    )
    totals = pd.DataFrame(
        [r for r in rows if r["kind"] == "column"],
        columns=["kind", "p_id", "grp", "v_id", "tags", "present", "chars", "interviews"],
    )
    grid = pd.DataFrame(
        [
            {
                "col": column_key(c["project_id"], c["group"]),
                "p_id": c["project_id"],
                "grp": c["group"] or "",
                "v_id": v["id"],
                "framework": v["project_id"] is None,
                "applies": v["project_id"] in (None, c["project_id"]),
            }
            for c in columns
            for v in values
        ],
        columns=["col", "p_id", "grp", "v_id", "framework", "applies"],
    )
    for frame in (cells, totals):
        frame["grp"] = frame["grp"].fillna("").astype(str)
        keys = [column_key(p, g) for p, g in zip(frame["p_id"], frame["grp"], strict=True)]
        frame["col"] = pd.Series(keys, index=frame.index, dtype=object)
        frame["v_id"] = frame["v_id"].astype(object)
    grid["col"] = grid["col"].astype(object)
    grid["v_id"] = grid["v_id"].astype(object)
    cells = cells.drop(columns=["kind", "p_id", "grp"]).rename(
        columns={"interviews": "interviews_with"}
    )
    totals = totals[["col", "interviews", "chars"]].rename(columns={"chars": "length"})
    frame = grid.merge(cells, on=["col", "v_id"], how="left").merge(totals, on="col", how="left")
    for name in ("tags", "present", "chars", "interviews_with", "interviews", "length"):
        # Rounded: sums of fractions such as 1/3 + 1/3 + 1/3 come back as 0.999...
        numbers = pd.to_numeric(frame[name], errors="coerce").fillna(0.0).astype(float)
        frame[name] = numbers.round(9)
    frame["applies"] = frame["applies"].astype(bool)
    frame["framework"] = frame["framework"].astype(bool)
    applied = frame[frame["applies"]]
    tags_total = applied.groupby("col")["tags"].sum()
    frame["tags_total"] = frame["col"].map(tags_total).fillna(0.0)

    n = frame["interviews"].where(frame["interviews"] > 0)
    frame[MEASURE_COUNT] = frame["tags"]
    frame[MEASURE_PER_INTERVIEW] = frame["tags"] / n
    frame[MEASURE_PREVALENCE] = frame["present"] / n
    frame["words"] = frame["col"].map(words or {}).fillna(0.0).astype(float)
    frame[MEASURE_PER_1000_WORDS] = frame["tags"] * 1000 / frame["words"].where(frame["words"] > 0)
    frame[MEASURE_SHARE] = frame["tags"] / frame["tags_total"].where(frame["tags_total"] > 0)
    frame[MEASURE_COVERAGE] = frame["chars"] / frame["length"].where(frame["length"] > 0)
    pairs = zip(frame["present"], frame["interviews"], strict=True)
    intervals = [wilson_interval(s, m) for s, m in pairs]
    frame["ci_low"] = [low for low, _ in intervals]
    frame["ci_high"] = [high for _, high in intervals]
    not_applicable = ~frame["applies"]
    measure_names = [*MEASURES, "ci_low", "ci_high"]
    frame.loc[not_applicable, measure_names] = math.nan
    return frame


def pivot(frame: pd.DataFrame, measure: str) -> pd.DataFrame:
    """Values as rows, columns as columns, in the order of the frame."""
    table = frame.pivot(index="v_id", columns="col", values=measure)
    return table.reindex(index=frame["v_id"].unique(), columns=frame["col"].unique())
