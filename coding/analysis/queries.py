"""The SQL behind the comparison: tags aggregated in the database, never row by row in Python.

The filtered tags come from the ORM (so JSON attribute filters work the same on SQLite and
PostgreSQL) and are compiled into a subquery; the coder rule and the sums are plain SQL around
it. What comes back is one row per project column and value: a few dozen rows for pandas.
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import F, Min, QuerySet
from django.db.models.expressions import RawSQL

from ..models import ValueTally
from .consensus import consensus_comparison_sql, consensus_interview_ctes, consensus_kept_tags
from .filters import (
    RULE_AGREED,
    RULE_ALL,
    RULE_CONSENSUS,
    RULE_ONE,
    Filters,
    apply_filters,
    filtered_tags,
    group_expression,
)
from .tallies import tallies_refresh
from .value_scope import group_members, grouped_tally_source

FLOAT = "DOUBLE PRECISION"  # the same REAL arithmetic on SQLite and PostgreSQL


def _tag_source(filters: Filters) -> tuple[str, tuple[Any, ...]]:
    """SQL and parameters of the filtered tags, one row per excerpt and value."""
    qs = (
        filtered_tags(filters)
        .order_by()
        .values(
            ev_id=F("id"),
            p_id=F("excerpt__interview__project_id"),
            grp=group_expression(filters),
            i_id=F("excerpt__interview_id"),
            c_id=F("excerpt__coder_id"),
            v_id=F("value_id"),
            x_id=F("excerpt_id"),
            s=F("excerpt__start"),
            e=F("excerpt__end"),
        )
    )
    sql, params = qs.query.sql_with_params()
    return sql, tuple(params)


def _keep_ctes(rule: str, source: str) -> str:
    """CTEs `ic`, `ik` and `keep`: which coders count for each interview, and how many.

    `keep.k` is the number of coders an interview's figures are averaged over: all of its coders,
    or 1 under the one-coder rule, where the coder with the interview's earliest excerpt counts.
    """
    one = rule == RULE_ONE
    return f"""
    ic AS (SELECT i_id, c_id, MIN(first_x) AS first_x FROM {source} GROUP BY i_id, c_id),
    ik AS (SELECT i_id, COUNT(*) AS k, MIN(first_x) AS first_x FROM ic GROUP BY i_id),
    keep AS (
        SELECT ic.i_id, ic.c_id, {"1" if one else "ik.k"} AS k
        FROM ic JOIN ik ON ik.i_id = ic.i_id
        {"WHERE ic.first_x = ik.first_x" if one else ""}
    )"""


def _tally_source(filters: Filters, *, with_words: bool = False) -> tuple[str, tuple[Any, ...]]:
    """SQL and parameters of the tallies in scope: one row per interview, coder and value."""
    if filters.groups:
        # Grouped values need distinct excerpts, which the per-value tallies cannot give.
        return grouped_tally_source(filters, with_words=with_words)
    extra = {"words": F("interview__word_count")} if with_words else {}
    qs = (
        apply_filters(
            ValueTally.objects.filter(interview__project_id__in=filters.project_ids),
            filters,
            to_interview="interview__",
        )
        .order_by()
        .values(
            p_id=F("interview__project_id"),
            grp=group_expression(filters, to_interview="interview__"),
            i_id=F("interview_id"),
            c_id=F("coder_id"),
            v_id=F("value_id"),
            n=F("excerpts"),
            ch=F("chars"),
            first_x=F("first_excerpt"),
            len_=F("text_length"),
            k=F("coders"),
            vk=F("value_coders"),
            prim=F("is_primary"),
            first_row=F("is_first_row"),
            **extra,
        )
    )
    sql, params = qs.query.sql_with_params()
    return sql, tuple(params)


def comparison_rows(filters: Filters, *, with_chars: bool = True) -> list[dict[str, Any]]:
    """Sum the tallies in scope under the coder rule into cell rows and column rows.

    Cell rows (`kind` "cell"): project, group, value, and the sums over interviews of the
    excerpt count, presence (0 or 1) and coded characters, each divided by the number of
    coders the interview is averaged over, plus the number of interviews with the value.
    Column rows (`kind` "column"): interviews coded and their characters. Coded characters
    are the union of a coder's spans (see `tallies`). `with_chars` is kept for callers; the
    tallies carry characters anyway.
    """
    if not filters.project_ids:
        return []
    tallies_refresh()
    if filters.rule == RULE_CONSENSUS:
        return _fetch(*consensus_comparison_sql(filters, _tally_source))
    base, params = _tally_source(filters)
    if len(filters.coder_ids) <= 1:
        return _fetch(*_precounted_sql(filters.rule, base, params, bool(filters.coder_ids)))
    sql = f"""
    WITH {_general_ctes(filters.rule, base)}
    SELECT 'cell' AS kind, ik.p_id, ik.grp, iv.v_id,
           SUM(CAST(iv.n AS {FLOAT}) / {_k(filters.rule)}) AS tags,
           SUM(CAST(iv.applied AS {FLOAT}) / {_k(filters.rule)}) AS present,
           SUM(CAST(iv.chars AS {FLOAT}) / {_k(filters.rule)}) AS chars,
           COUNT(*) AS interviews
    FROM iv JOIN ik ON ik.i_id = iv.i_id {_agreed(filters.rule)}
    GROUP BY ik.p_id, ik.grp, iv.v_id
    UNION ALL
    SELECT 'column' AS kind, p_id, grp, NULL AS v_id, 0 AS tags, 0 AS present,
           SUM(length) AS chars, COUNT(*) AS interviews
    FROM ik
    GROUP BY p_id, grp
    """
    return _fetch(sql, params)


def _k(rule: str) -> str:
    """The number of coders an interview's figures are divided by under the rule."""
    return "1" if rule == RULE_ONE else "ik.k"


def _agreed(rule: str) -> str:
    return f"WHERE iv.applied = {_k(rule)}" if rule == RULE_AGREED else ""


def _general_ctes(rule: str, base: str, *, words: bool = False) -> str:
    """CTEs over `icv` (the tallies in scope) when several coders are chosen in the filters.

    Joins are between an aggregate of tens of thousands of rows and one of an interview each,
    so the database can hash them; the one-coder rule keeps the coder who made the
    interview's earliest excerpt. `ik`: one row per interview; `iv`: per interview and value.
    """
    one = rule == RULE_ONE
    primary = (
        """, pc AS (
            SELECT icv.i_id, MIN(icv.c_id) AS c_id
            FROM icv JOIN ik ON ik.i_id = icv.i_id AND icv.first_x = ik.fx
            GROUP BY icv.i_id)"""
        if one
        else ""
    )
    primary_join = "JOIN pc ON pc.i_id = icv.i_id AND pc.c_id = icv.c_id" if one else ""
    with_words = ", MAX(icv.words) AS words" if words else ""
    return f"""icv AS ({base}),
    ic AS (SELECT DISTINCT i_id, c_id FROM icv),
    ick AS (SELECT i_id, COUNT(*) AS k FROM ic GROUP BY i_id),
    ik AS (
        SELECT icv.i_id, MAX(icv.p_id) AS p_id, MAX(icv.grp) AS grp, MAX(ick.k) AS k,
               MIN(icv.first_x) AS fx, MAX(icv.len_) AS length{with_words}
        FROM icv JOIN ick ON ick.i_id = icv.i_id
        GROUP BY icv.i_id
    ){primary},
    iv AS (
        SELECT icv.i_id, icv.v_id, SUM(icv.n) AS n, COUNT(*) AS applied, SUM(icv.ch) AS chars
        FROM icv {primary_join}
        GROUP BY icv.i_id, icv.v_id
    )"""


def _precounted_sql(
    rule: str, base: str, params: tuple[Any, ...], single_coder: bool = False
) -> tuple[str, tuple]:
    """One pass over the tallies, using the coder facts counted with them.

    Per row (interview, coder, value): k coders coded the interview, vk applied the value.
    All coders: sum n/k; an interview with the value counts 1/vk from each of its vk rows.
    One coder: the primary coder's rows only. Agreed: rows where every coder applied it.
    With one coder chosen in the filters, every rule comes to that coder's rows as they are.
    """
    if single_coder:
        return (
            f"""
    SELECT 'cell' AS kind, t.p_id, t.grp, t.v_id, SUM(CAST(t.n AS {FLOAT})) AS tags,
           CAST(COUNT(*) AS {FLOAT}) AS present, SUM(CAST(t.ch AS {FLOAT})) AS chars,
           COUNT(*) AS interviews
    FROM ({base}) t
    GROUP BY t.p_id, t.grp, t.v_id
    UNION ALL
    SELECT 'column' AS kind, d.p_id, d.grp, NULL AS v_id, 0 AS tags, 0 AS present,
           SUM(d.len_) AS chars, COUNT(*) AS interviews
    FROM (SELECT DISTINCT t.p_id, t.grp, t.i_id, t.len_ FROM ({base}) t) d
    GROUP BY d.p_id, d.grp
    """,
            params + params,
        )
    if rule == RULE_ONE:
        where, div, with_value = "WHERE t.prim", "1", "COUNT(*)"
    elif rule == RULE_AGREED:
        where, div, with_value = "WHERE t.vk = t.k", "t.k", f"SUM(1 / CAST(t.k AS {FLOAT}))"
    else:
        where, div, with_value = "", "t.k", f"SUM(1 / CAST(t.vk AS {FLOAT}))"
    sql = f"""
    SELECT 'cell' AS kind, t.p_id, t.grp, t.v_id,
           SUM(CAST(t.n AS {FLOAT}) / {div}) AS tags,
           SUM(1 / CAST({div} AS {FLOAT})) AS present,
           SUM(CAST(t.ch AS {FLOAT}) / {div}) AS chars,
           {with_value} AS interviews
    FROM ({base}) t {where}
    GROUP BY t.p_id, t.grp, t.v_id
    UNION ALL
    SELECT 'column' AS kind, t.p_id, t.grp, NULL AS v_id, 0 AS tags, 0 AS present,
           SUM(t.len_) AS chars, COUNT(*) AS interviews
    FROM ({base}) t WHERE t.first_row
    GROUP BY t.p_id, t.grp
    """
    return sql, params + params


def interview_ctes(filters: Filters) -> tuple[str, tuple[Any, ...]]:
    """CTEs `ii` and `cv`: the figures per interview under the coder rule, as SQL to build on.

    `ii`: one row per interview coded in scope (i_id, p_id, grp, len_, words). `cv`: one row per
    interview and value (i_id, v_id, tags, presence, coded characters), each divided by the
    coders the interview is averaged over, as in `comparison_rows`, and the interview's p_id,
    grp, len_ and words, so that sums per column need no join. The caller brings the tallies
    up to date first.
    """
    if filters.rule == RULE_CONSENSUS:
        # The consensus figures per interview, from the rows the consensus table sums.
        return consensus_interview_ctes(filters, _tally_source)
    base, params = _tally_source(filters, with_words=True)
    if len(filters.coder_ids) > 1:
        k = _k(filters.rule)
        return (
            f"""{_general_ctes(filters.rule, base, words=True)},
    ii AS (SELECT i_id, p_id, grp, length AS len_, words FROM ik),
    cv AS (
        SELECT iv.i_id, iv.v_id, ik.p_id, ik.grp, ik.length AS len_, ik.words,
               CAST(iv.n AS {FLOAT}) / {k} AS tags, CAST(iv.applied AS {FLOAT}) / {k} AS present,
               CAST(iv.chars AS {FLOAT}) / {k} AS chars
        FROM iv JOIN ik ON ik.i_id = iv.i_id {_agreed(filters.rule)}
    )""",
            params,
        )
    # A tally row is already the interview's figure for the value when one coder counts
    # (one chosen coder, the one-coder rule, or an interview coded once); only the rows of
    # interviews coded by several people are summed per interview. The tallies are read
    # in each part rather than through a shared CTE, which PostgreSQL would materialise.
    # (Coded once, a value's row always has every coder agreeing: `vk = k` is left out there,
    # as PostgreSQL cannot estimate a comparison of two columns and then plans badly.)
    if filters.coder_ids:
        single, several, div = "TRUE", "", "1"
    elif filters.rule == RULE_ONE:
        single, several, div = "t.prim", "", "1"
    elif filters.rule == RULE_AGREED:
        single, several, div = "t.k = 1", "t.k > 1 AND t.vk = t.k", "t.k"
    else:
        single, several, div = "t.k = 1", "t.k > 1", "t.k"
    # One row per interview: the tallies mark one (`first_row`), unless a coder is chosen.
    first, where_first = ("DISTINCT", "") if filters.coder_ids else ("", "WHERE t.first_row")
    columns = "t.i_id, t.v_id, t.p_id, t.grp, t.len_, t.words"
    cv = f"""
        SELECT {columns}, CAST(t.n AS {FLOAT}) / {div} AS tags,
               1 / CAST({div} AS {FLOAT}) AS present, CAST(t.ch AS {FLOAT}) / {div} AS chars
        FROM ({base}) t WHERE {single}"""
    cv_params = params
    if several:
        cv += f"""
        UNION ALL
        SELECT {columns}, SUM(CAST(t.n AS {FLOAT}) / {div}), SUM(1 / CAST({div} AS {FLOAT})),
               SUM(CAST(t.ch AS {FLOAT}) / {div})
        FROM ({base}) t WHERE {several}
        GROUP BY {columns}"""
        cv_params += params
    return (
        f"""ii AS (SELECT {first} t.i_id, t.p_id, t.grp, t.len_, t.words FROM ({base}) t
              {where_first}),
    cv AS ({cv}
    )""",
        params + cv_params,
    )


def interview_rows(filters: Filters) -> tuple[list[tuple], list[tuple]]:
    """The figures per interview under the coder rule, for tests with the interview as unit.

    Returns (interviews, cells): interviews as (interview, project, group, characters, words),
    one per interview coded in scope; cells as (interview, value, excerpts, presence, coded
    characters), each divided by the coders the interview is averaged over, as in
    `comparison_rows`.
    """
    if not filters.project_ids:
        return [], []
    # The caller (`comparison_rows` or `comparison_sums`) has just brought the tallies up to date.
    ctes, params = interview_ctes(filters)
    sql = f"""
    WITH {ctes}
    SELECT 0 AS kind, i_id, p_id, CAST(len_ AS {FLOAT}), CAST(words AS {FLOAT}),
           CAST(0 AS {FLOAT}), grp FROM ii
    UNION ALL
    SELECT 1 AS kind, i_id, v_id, tags, present, chars, NULL FROM cv
    """
    with connection.cursor() as cursor:
        # One round trip: interview rows (kind 0) and cell rows (kind 1) share seven columns
        # of matching types (the group, text, comes last and is empty on cell rows).
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    interviews = [(i, p, grp, length, words) for k, i, p, length, words, _, grp in rows if k == 0]
    cells = [row[1:6] for row in rows if row[0] == 1]
    return interviews, cells


def _fetch(sql: str, params: tuple[Any, ...]) -> list[dict[str, Any]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [col[0] for col in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def kept_tag_ids_sql(filters: Filters) -> tuple[str, tuple[Any, ...]]:
    """SQL selecting the ids of the filtered tags that the coder rule keeps."""
    base, params = _tag_source(filters)
    agreed_join = (
        "JOIN ap ON ap.i_id = t.i_id AND ap.v_id = t.v_id AND ap.applied = keep.k"
        if filters.rule == RULE_AGREED
        else ""
    )
    sql = f"""
    WITH t AS ({base}),
    tx AS (SELECT i_id, c_id, MIN(x_id) AS first_x FROM t GROUP BY i_id, c_id),
    {_keep_ctes(filters.rule, "tx")},
    ap AS (
        SELECT t.i_id, t.v_id, COUNT(DISTINCT t.c_id) AS applied
        FROM t JOIN keep ON keep.i_id = t.i_id AND keep.c_id = t.c_id
        GROUP BY t.i_id, t.v_id
    )
    SELECT t.ev_id FROM t JOIN keep ON keep.i_id = t.i_id AND keep.c_id = t.c_id {agreed_join}
    """
    return sql, params


def kept_tags(filters: Filters) -> QuerySet:
    """The filtered tags that count under the coder rule, as an ExcerptValue queryset."""
    if filters.rule == RULE_CONSENSUS:
        return consensus_kept_tags(filters, kept_tags)
    qs = filtered_tags(filters)
    if filters.rule == RULE_ALL:
        return qs
    sql, params = kept_tag_ids_sql(filters)
    return qs.filter(id__in=RawSQL(sql, params))


def cooccurrence_rows(filters: Filters) -> list[dict[str, Any]]:
    """Count, per project, pairs of tags with different values on overlapping text.

    Two tags co-occur when one coder put both values on the same excerpt or on excerpts that
    share at least one character of the same interview. Each pair is counted once.
    """
    base, params = _tag_source(filters)
    sql = f"""
    WITH t AS ({base})
    SELECT a.p_id, a.v_id AS v1, b.v_id AS v2, COUNT(*) AS n
    FROM t a JOIN t b
      ON a.i_id = b.i_id AND a.c_id = b.c_id AND a.v_id < b.v_id AND a.s < b.e AND b.s < a.e
    GROUP BY a.p_id, a.v_id, b.v_id
    UNION ALL
    SELECT p_id, v_id AS v1, v_id AS v2, COUNT(*) AS n FROM t GROUP BY p_id, v_id
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [col[0] for col in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def cell_tags(filters: Filters, value_id: int, project_id: int, group: str) -> QuerySet:
    """The tags behind one cell of the comparison, in reading order, for the drill-down."""
    tags = kept_tags(filters).filter(
        value_id__in=group_members(filters, value_id), excerpt__interview__project_id=project_id
    )
    if filters.breakdown:
        tags = tags.alias(cell_group=group_expression(filters)).filter(cell_group=group or None)
    if filters.groups:
        # An excerpt tagged with both grouped values is listed once.
        first = tags.order_by().values("excerpt_id").annotate(first=Min("id")).values("first")
        tags = tags.filter(id__in=first)
    return tags.select_related(
        "excerpt__interview__participant", "excerpt__interview__project", "excerpt__coder"
    ).order_by("excerpt__interview_id", "excerpt__start", "excerpt_id")
