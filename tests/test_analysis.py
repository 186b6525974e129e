"""The comparison's measures, coder rules and filters on small data computed by hand."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pytest

from coding.analysis import stats
from coding.analysis.comparison import comparison_build
from coding.analysis.filters import RULE_AGREED, RULE_ONE, Filters
from coding.analysis.measures import measures_frame, wilson_interval
from coding.analysis.queries import kept_tags
from coding.models import CodebookValue, Participant

from .conftest import make_excerpt, make_interview

TEXT = "x" * 100


@pytest.fixture
def data(project: Any, other_project: Any, peer: Any, peer2: Any) -> dict[str, Any]:
    """Two coded interviews in `project` (one double-coded), one uncoded, one in `other`.

    i1 (pat): safety [0,10), safety+human-connection [20,30), safety [25,35)
    i2 (pat first, then quinn): pat safety [0,20); quinn safety [0,20), hc [40,50), hc [60,70)
    i3: nothing coded. i4 (other project, pat): trust [0,10), safety [50,60).
    """
    i1 = make_interview(
        project, TEXT, pseudonym="Ash", mode="phone", date=dt.date(2020, 1, 1), role="participant"
    )
    Participant.objects.filter(pk=i1.participant_id).update(attributes={"gender": "Woman"})
    i2 = make_interview(
        project,
        "y" * 100,
        pseudonym="Birch",
        mode="in_person",
        date=dt.date(2021, 1, 1),
        role="staff",
    )
    make_interview(project, "z" * 100, pseudonym="Cedar")
    i4 = make_interview(other_project, TEXT, pseudonym="Dove")
    make_excerpt(i1, peer, 0, 10, "safety")
    make_excerpt(i1, peer, 20, 30, "safety", "human-connection")
    make_excerpt(i1, peer, 25, 35, "safety")
    make_excerpt(i2, peer, 0, 20, "safety")
    make_excerpt(i2, peer2, 0, 20, "safety")
    make_excerpt(i2, peer2, 40, 50, "human-connection")
    make_excerpt(i2, peer2, 60, 70, "human-connection")
    make_excerpt(i4, peer, 0, 10, "trust")
    make_excerpt(i4, peer, 50, 60, "safety")
    return {"project": project, "other": other_project, "i1": i1, "i2": i2, "i4": i4}


def cell(comparison: Any, slug: str, project: Any, group: str = "") -> dict[str, Any]:
    value = next(v for v in comparison.values if v.slug == slug)
    frame = comparison.frame
    row = frame[(frame["v_id"] == value.id) & (frame["col"] == f"{project.pk}:{group}")]
    assert len(row) == 1
    return row.iloc[0].to_dict()


def build(data: dict[str, Any], **kwargs: Any) -> Any:
    ids = (data["project"].pk, data["other"].pk)
    return comparison_build(Filters(project_ids=ids, **kwargs), with_chars=True)


def test_it_computes_every_measure_averaging_double_coding(data: dict[str, Any]) -> None:
    comparison = build(data)
    safety = cell(comparison, "safety", data["project"])
    connection = cell(comparison, "human-connection", data["project"])
    assert safety["interviews"] == 2  # i3 has no excerpts: not coded
    assert safety["count"] == pytest.approx(3 + (1 + 1) / 2)
    assert connection["count"] == pytest.approx(1 + (0 + 2) / 2)
    assert safety["per_interview"] == pytest.approx(2.0)
    assert connection["per_interview"] == pytest.approx(1.0)
    assert safety["prevalence"] == pytest.approx(1.0)
    assert connection["prevalence"] == pytest.approx((1 + 0.5) / 2)
    assert safety["share"] == pytest.approx(4 / 6)
    assert connection["share"] == pytest.approx(2 / 6)
    # Coverage: overlapping excerpts of one value count once ([0,10) + [20,35) = 25 chars).
    assert safety["coverage"] == pytest.approx((25 + (20 + 20) / 2) / 200)
    assert connection["coverage"] == pytest.approx((10 + (0 + 20) / 2) / 200)
    low, high = wilson_interval(1.5, 2)
    assert (connection["ci_low"], connection["ci_high"]) == pytest.approx((low, high))


def test_it_counts_only_the_first_coder_under_the_one_coder_rule(data: dict[str, Any]) -> None:
    comparison = build(data, rule=RULE_ONE)
    safety = cell(comparison, "safety", data["project"])
    connection = cell(comparison, "human-connection", data["project"])
    assert safety["interviews"] == 2
    assert safety["count"] == pytest.approx(4)
    assert connection["count"] == pytest.approx(1)
    assert connection["prevalence"] == pytest.approx(0.5)
    assert connection["coverage"] == pytest.approx(10 / 200)


def test_it_uses_the_chosen_coder_under_the_one_coder_rule(
    data: dict[str, Any], peer2: Any
) -> None:
    comparison = build(data, rule=RULE_ONE, coder_ids=(peer2.pk,))
    connection = cell(comparison, "human-connection", data["project"])
    assert connection["interviews"] == 1
    assert connection["count"] == pytest.approx(2)


def test_it_keeps_only_values_all_coders_applied_under_the_agreed_rule(
    data: dict[str, Any],
) -> None:
    comparison = build(data, rule=RULE_AGREED)
    safety = cell(comparison, "safety", data["project"])
    connection = cell(comparison, "human-connection", data["project"])
    assert safety["interviews"] == 2  # still coded, even where nothing was agreed
    assert safety["count"] == pytest.approx(3 + 1)
    assert connection["count"] == pytest.approx(1)  # quinn alone on i2: dropped
    assert connection["prevalence"] == pytest.approx(0.5)
    kept = kept_tags(Filters(project_ids=(data["project"].pk,), rule=RULE_AGREED))
    assert kept.filter(value__slug="human-connection").count() == 1


def test_it_marks_project_values_and_leaves_them_out_elsewhere(data: dict[str, Any]) -> None:
    comparison = build(data)
    trust = next(v for v in comparison.values if v.slug == "trust")
    assert not trust.framework
    assert math.isnan(cell(comparison, "trust", data["project"])["count"])
    assert cell(comparison, "trust", data["other"])["count"] == 1
    cells = next(cells for value, cells in comparison.rows if value is trust)
    assert [c.applies for c in cells] == [
        c.project_id == data["other"].pk for c in comparison.columns
    ]


@pytest.mark.parametrize(
    ("kwargs", "interviews"),
    [
        ({"modes": ("phone",)}, 1),
        ({"roles": ("staff",)}, 1),
        ({"date_from": dt.date(2020, 6, 1)}, 1),
        ({"date_to": dt.date(2020, 6, 1)}, 1),
        ({"attributes": (("gender", "Woman"),)}, 1),
        ({"attributes": (("gender", "Man"),)}, 0),
        ({}, 2),
    ],
)
def test_it_filters_interviews(data: dict[str, Any], kwargs: dict, interviews: int) -> None:
    comparison = comparison_build(Filters(project_ids=(data["project"].pk,), **kwargs))
    assert comparison.columns[0].interviews == interviews


def test_it_filters_by_coder(data: dict[str, Any], peer2: Any) -> None:
    comparison = build(data, coder_ids=(peer2.pk,))
    assert cell(comparison, "safety", data["project"])["count"] == 1
    assert cell(comparison, "safety", data["other"])["interviews"] == 0


def test_it_splits_columns_by_a_breakdown(data: dict[str, Any]) -> None:
    comparison = comparison_build(Filters(project_ids=(data["project"].pk,), breakdown="mode"))
    assert [c.group for c in comparison.columns] == ["in_person", "phone"]
    assert cell(comparison, "safety", data["project"], "phone")["count"] == 3
    by_gender = comparison_build(
        Filters(project_ids=(data["project"].pk,), breakdown="attr:gender")
    )
    assert sorted(c.group_label for c in by_gender.columns) == ["(not recorded)", "Woman"]


def test_it_hides_small_counts_of_participant_groups(data: dict[str, Any]) -> None:
    ids = (data["project"].pk,)
    masked = comparison_build(
        Filters(project_ids=ids, breakdown="role"), "count", masked_project_ids={ids[0]}
    )
    texts = {c.text for _, cells in masked.rows for c in cells if c.applies}
    assert texts <= {"hidden", "–"}
    assert "hidden" in texts
    # The project has fewer interviews than the threshold: evaluators see none of it, even
    # unsplit (a one-day date filter used to isolate one participant with nothing hidden).
    plain = comparison_build(Filters(project_ids=ids), "count", masked_project_ids={ids[0]})
    assert {c.text for _, cells in plain.rows for c in cells if c.applies} == {"hidden"}
    # Readers without masking: plain numbers.
    admin = comparison_build(Filters(project_ids=ids, breakdown="role"), "count")
    assert "3" in {c.text for _, cells in admin.rows for c in cells}


def test_it_builds_wilson_intervals_like_the_textbook() -> None:
    # Newcombe (1998), example: 81 of 263 -> 0.2553 to 0.3662.
    low, high = wilson_interval(81, 263)
    assert (round(low, 4), round(high, 4)) == (0.2553, 0.3662)
    assert wilson_interval(0, 10)[0] == 0.0


def frame_from(table: list[list[float]]) -> Any:
    """A measures frame for values 1.. by projects 1.. with the given tag counts."""
    rows = [
        {
            "kind": "cell",
            "p_id": p + 1,
            "grp": "",
            "v_id": v + 1,
            "tags": n,
            "present": 1,
            "chars": 0,
            "interviews": 1,
        }
        for v, counts in enumerate(table)
        for p, n in enumerate(counts)
    ] + [
        {
            "kind": "column",
            "p_id": p + 1,
            "grp": "",
            "v_id": None,
            "tags": 0,
            "present": 0,
            "chars": 0,
            "interviews": 10,
        }
        for p in range(len(table[0]))
    ]
    values = [{"id": v + 1, "project_id": None} for v in range(len(table))]
    columns = [{"project_id": p + 1, "group": ""} for p in range(len(table[0]))]
    return measures_frame(rows, values, columns)


def test_it_adjusts_pairwise_p_values_with_holm() -> None:
    assert stats.holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])


def test_it_compares_prevalence_between_projects(data: dict[str, Any]) -> None:
    comparison = build(data)
    rows = [r for r in comparison.pairwise if r["value_name"] == "Human connection"]
    assert len(rows) == 1
    row = rows[0]
    assert row["p_a"] == pytest.approx(0.75) or row["p_b"] == pytest.approx(0.75)
    # Three interviews against one: small, so Fisher's exact test and the odds ratio's interval.
    assert row["method"] == "fisher" and not row["differs"]
    assert row["odds_low"] <= 1 <= row["odds_high"]
    assert row["sentence"]
    assert CodebookValue.objects.get(slug="trust").name not in {
        r["value_name"] for r in comparison.pairwise
    }


@pytest.mark.parametrize("rule", ["all", RULE_ONE, RULE_AGREED])
def test_it_gives_the_same_figures_with_every_coder_chosen(
    data: dict[str, Any], peer: Any, peer2: Any, rule: str
) -> None:
    # Without a coder filter the counts come from facts stored with the tallies; with one,
    # they are worked out at query time. Choosing every coder must change nothing.
    columns = ["col", "v_id", "count", "prevalence", "coverage", "interviews", "interviews_with"]
    plain = build(data, rule=rule).frame[columns]
    chosen = build(data, rule=rule, coder_ids=(peer.pk, peer2.pk)).frame[columns]
    assert plain.fillna(-1).equals(chosen.fillna(-1))


def test_it_matches_newcombes_interval_for_a_difference() -> None:
    # Newcombe (1998), "Interval estimation for the difference between independent
    # proportions", example (a): 56/70 - 48/80, method 10: 0.0524 to 0.3339.
    low, high = stats.newcombe_interval(56, 70, 48, 80)
    assert (round(low, 4), round(high, 4)) == (0.0524, 0.3339)


@pytest.mark.parametrize("rule", ["all", RULE_ONE, RULE_AGREED])
def test_it_counts_one_chosen_coder_the_same_under_every_rule(
    data: dict[str, Any], peer2: Any, rule: str
) -> None:
    comparison = build(data, rule=rule, coder_ids=(peer2.pk,))
    connection = cell(comparison, "human-connection", data["project"])
    safety = cell(comparison, "safety", data["project"])
    assert (connection["interviews"], connection["count"], connection["coverage"]) == (
        1,
        2,
        pytest.approx(20 / 100),
    )
    assert (safety["count"], safety["prevalence"]) == (1, 1.0)
