"""The coder rule "consensus where decided, else agreed", in SQL.

An interview with decisions on its disagreements counts its consensus layer (excerpts by the
consensus system account, `Excerpt.is_consensus`) as one coder; every other interview counts
as under the agreed rule. The tallies leave the consensus layer out, so its (few) tags are
summed straight from the excerpts.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When

from ..models import ConsensusDecision, ExcerptValue
from .filters import RULE_AGREED, Filters, filtered_tags, group_expression

FLOAT = "DOUBLE PRECISION"


def _human(filters: Filters) -> Filters:
    return dataclasses.replace(filters, rule=RULE_AGREED)


def _layer(filters: Filters) -> Filters:
    # The consensus layer is nobody's coding, so the coder filter does not apply to it.
    return dataclasses.replace(filters, coder_ids=())


def _decided() -> QuerySet:
    return ConsensusDecision.objects.order_by().values("interview_id").distinct()


def _consensus_source(filters: Filters) -> tuple[str, tuple[Any, ...]]:
    # Grouped values (value_scope) read as their framework value; the same span under two
    # grouped values is one excerpt of the group.
    value = Case(
        *[When(value_id=member, then=Value(target)) for member, target in filters.groups],
        default=F("value_id"),
        output_field=IntegerField(),
    )
    qs = (
        filtered_tags(_layer(filters), consensus=True)
        .filter(excerpt__interview_id__in=_decided())
        .order_by()
        .values(
            p_id=F("excerpt__interview__project_id"),
            grp=group_expression(filters),
            i_id=F("excerpt__interview_id"),
            v_id=value,
            s=F("excerpt__start"),
            e=F("excerpt__end"),
        )
        .distinct()
    )
    sql, params = qs.query.sql_with_params()
    return sql, tuple(params)


def _consensus_ctes(
    filters: Filters,
    tally_source: Callable[..., tuple[str, tuple[Any, ...]]],
    *,
    with_words: bool = False,
) -> tuple[str, tuple[Any, ...]]:
    """CTEs `t` (the human tallies) and `r` (one row per interview, value and counted coder:
    the agreed rows of undecided interviews, each a k-th, and the layer's rows where decided)."""
    base, params = tally_source(_human(filters), with_words=with_words)
    layer, layer_params = _consensus_source(filters)
    decided_sql, decided_params = _decided().query.sql_with_params()
    ctes = f"""t AS ({base}),
    c AS ({layer}),
    -- Characters are the union of the spans: one value's spans never overlap, but the spans
    -- of grouped values may.
    w AS (
        SELECT c.*, MAX(c.e) OVER (
            PARTITION BY c.i_id, c.v_id ORDER BY c.s, c.e
            ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_e
        FROM c
    ),
    d AS ({decided_sql}),
    r AS (
        SELECT t.i_id, t.p_id, t.grp, t.v_id, CAST(t.n AS {FLOAT}) / t.k AS n,
               1 / CAST(t.k AS {FLOAT}) AS present, CAST(t.ch AS {FLOAT}) / t.k AS ch
        FROM t WHERE t.vk = t.k AND t.i_id NOT IN (SELECT interview_id FROM d)
        UNION ALL
        SELECT w.i_id, MAX(w.p_id), MAX(w.grp), w.v_id, CAST(COUNT(*) AS {FLOAT}), 1.0,
               CAST(SUM(CASE WHEN w.prev_e IS NULL OR w.s >= w.prev_e THEN w.e - w.s
                             WHEN w.e > w.prev_e THEN w.e - w.prev_e ELSE 0 END) AS {FLOAT})
        FROM w GROUP BY w.i_id, w.v_id
    )"""
    return ctes, params + tuple(layer_params) + tuple(decided_params)


def consensus_comparison_sql(
    filters: Filters, tally_source: Callable[..., tuple[str, tuple[Any, ...]]]
) -> tuple[str, tuple[Any, ...]]:
    """Cell and column rows (as `comparison_rows`) under the consensus rule."""
    ctes, params = _consensus_ctes(filters, tally_source)
    sql = f"""
    WITH {ctes}
    SELECT 'cell' AS kind, r.p_id, r.grp, r.v_id, SUM(r.n) AS tags, SUM(r.present) AS present,
           SUM(r.ch) AS chars, SUM(r.present) AS interviews
    FROM r GROUP BY r.p_id, r.grp, r.v_id
    UNION ALL
    SELECT 'column' AS kind, t.p_id, t.grp, NULL AS v_id, 0 AS tags, 0 AS present,
           SUM(t.len_) AS chars, COUNT(*) AS interviews
    FROM t WHERE t.first_row
    GROUP BY t.p_id, t.grp
    """
    return sql, params


def consensus_interview_ctes(
    filters: Filters, tally_source: Callable[..., tuple[str, tuple[Any, ...]]]
) -> tuple[str, tuple[Any, ...]]:
    """CTEs `ii` and `cv` (as `queries.interview_ctes`) under the consensus rule.

    The same rows `r` as the table's sums, summed per interview and value instead of per
    column, so the tests read the figures the table shows. The interviews are the table's
    columns' interviews (the tallies' first row of each).
    """
    ctes, params = _consensus_ctes(filters, tally_source, with_words=True)
    return (
        f"""{ctes},
    ii AS (SELECT t.i_id, t.p_id, t.grp, t.len_, t.words FROM t WHERE t.first_row),
    cv AS (
        SELECT r.i_id, r.v_id, MAX(r.p_id) AS p_id, MAX(r.grp) AS grp, MAX(ii.len_) AS len_,
               MAX(ii.words) AS words, SUM(r.n) AS tags, SUM(r.present) AS present,
               SUM(r.ch) AS chars
        FROM r LEFT JOIN ii ON ii.i_id = r.i_id
        GROUP BY r.i_id, r.v_id
    )""",
        params,
    )


def consensus_kept_tags(filters: Filters, kept_tags: Callable[[Filters], QuerySet]) -> QuerySet:
    """The tags that count under the consensus rule: the layer where decided, else agreed."""
    agreed = kept_tags(_human(filters)).exclude(excerpt__interview_id__in=_decided())
    layer = filtered_tags(_layer(filters), consensus=True).filter(
        excerpt__interview_id__in=_decided()
    )
    return ExcerptValue.objects.filter(Q(pk__in=agreed.values("pk")) | Q(pk__in=layer.values("pk")))
