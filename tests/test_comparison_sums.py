"""Large comparisons are tested from per-column sums computed in the database: the same
figures as reading every interview, in one query whatever the number of interviews."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from coding.analysis import inference
from coding.analysis.comparison import comparison_build
from coding.analysis.filters import RULE_AGREED, RULE_ONE, Filters
from coding.analysis.measures import MEASURES
from coding.analysis.queries import comparison_rows
from coding.analysis.sums import comparison_sums
from coding.analysis.tallies import tallies_refresh
from coding.models import Participant, ResearchProject

from .conftest import make_excerpt, make_interview, make_project, make_user

ROLES = ("participant", "facilitator", "staff")


@pytest.fixture
def coded(db: Any) -> dict[str, Any]:
    """Three projects of 14 interviews, every fourth coded twice, values skewed per project."""
    rng = np.random.default_rng(17)
    first, second = make_user("ana"), make_user("bo")
    projects = [make_project(s, s.title()) for s in ("north", "south", "east")]
    chance = {"north": 0.95, "south": 0.1, "east": 0.5}
    for project in projects:
        for n in range(14):
            words = " ".join(["word"] * int(rng.integers(10, 80)))
            text = f"Participant: I felt safe. {words} We laughed together. ({n})"
            interview = make_interview(
                project, text, pseudonym=f"{project.slug}{n}", role=ROLES[n % 3]
            )
            Participant.objects.filter(pk=interview.participant_id).update(
                attributes={"gender": "Woman" if n % 2 else "Man"}
            )
            coders = (first, second) if n % 4 == 0 else ((first,) if n % 2 else (second,))
            for coder in coders:
                make_excerpt(interview, coder, 13, 25, "human-connection")
                if rng.random() < chance[project.slug]:
                    for k in range(int(rng.integers(1, 4))):
                        make_excerpt(interview, coder, 13 + k, 25 + k, "safety")
                if rng.random() < 0.4:
                    make_excerpt(
                        interview, coder, 26, 40, "choice-and-control", "two-way-interactions"
                    )
    return {"ids": tuple(p.pk for p in projects), "coders": (first.pk, second.pk), "first": first}


def _tests(comparison: Any) -> tuple[dict, dict]:
    rows = {v: (t.p, t.p_adjusted, t.method) for v, t in comparison.row_tests.items()}
    cells = {
        (cell.value.id, cell.column.key): (cell.p_raw, cell.p, cell.mark, cell.sentence)
        for _, cells in comparison.rows
        for cell in cells
    }
    return rows, cells


@pytest.mark.parametrize("measure", list(MEASURES))
@pytest.mark.parametrize(
    "options",
    [{}, {"rule": RULE_ONE}, {"rule": RULE_AGREED}, {"breakdown": "role"}, {"coder_ids": "both"}],
)
def test_it_tests_large_samples_from_sql_sums_as_from_every_interview(
    coded: dict[str, Any], monkeypatch: Any, measure: str, options: dict[str, Any]
) -> None:
    # 42 interviews count as large here, so both ways take the large-sample form.
    monkeypatch.setattr(inference, "PERMUTATION_LIMIT", 10)
    if options.get("coder_ids") == "both":
        options = {"coder_ids": coded["coders"]}
    filters = Filters(project_ids=coded["ids"], **options)
    in_sql = comparison_build(filters, measure)
    by_interview = comparison_build(filters, measure, per_interview=True)
    rows, cells = _tests(in_sql)
    expected_rows, expected_cells = _tests(by_interview)
    assert rows.keys() == expected_rows.keys() and rows
    for v_id, (p, adjusted, method) in rows.items():
        assert method == expected_rows[v_id][2] == inference.METHOD_LARGE_SAMPLE
        assert (p, adjusted) == pytest.approx(expected_rows[v_id][:2], rel=1e-9, abs=1e-12)
    assert cells.keys() == expected_cells.keys()
    for key, (p_raw, p, mark, sentence) in cells.items():
        want = expected_cells[key]
        if want[0] is None:
            assert p_raw is None
            continue
        assert (p_raw, p) == pytest.approx(want[:2], rel=1e-9, abs=1e-12)
        assert (mark, sentence) == want[2:]
    if measure == "prevalence" and not filters.breakdown:
        assert any(mark for _, _, mark, _ in cells.values())  # the data differ: marks compared


def test_it_still_shuffles_small_samples(coded: dict[str, Any]) -> None:
    comparison = comparison_build(Filters(project_ids=coded["ids"]), "prevalence")
    methods = {t.method for t in comparison.row_tests.values()}
    assert methods == {inference.METHOD_PERMUTATION}


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"rule": RULE_ONE},
        {"rule": RULE_AGREED},
        {"breakdown": "attr:gender"},
        {"coder_ids": "one"},
        {"coder_ids": "both", "rule": RULE_AGREED},
    ],
)
def test_it_sums_the_table_as_the_aggregating_query_does(
    coded: dict[str, Any], options: dict[str, Any]
) -> None:
    if options.get("coder_ids") == "one":
        options = {"coder_ids": coded["coders"][:1]}
    elif options.get("coder_ids") == "both":
        options = {**options, "coder_ids": coded["coders"]}
    filters = Filters(project_ids=coded["ids"], **options)
    fields = ("tags", "present", "chars", "interviews")

    def keyed(rows: list[dict[str, Any]]) -> dict[tuple, tuple]:
        return {
            (r["kind"], r["p_id"], r["grp"] or "", r["v_id"]): tuple(
                round(float(r[f]), 9) for f in fields
            )
            for r in rows
        }

    expected = keyed(comparison_rows(filters))
    assert keyed(comparison_sums(filters, "prevalence", [])) == expected
    assert expected


def test_it_reads_no_interview_one_by_one_for_a_large_sample(
    coded: dict[str, Any], monkeypatch: Any, django_assert_max_num_queries: Any
) -> None:
    filters = Filters(project_ids=coded["ids"], breakdown="role")
    tallies_refresh()

    def queries(**kwargs: Any) -> list[str]:
        with CaptureQueriesContext(connection) as captured:
            comparison_build(filters, "per_interview", **kwargs)
        return [q["sql"] for q in captured]

    small = queries()  # shuffled: the figures of every interview are read
    monkeypatch.setattr(inference, "PERMUTATION_LIMIT", 10)
    large = queries()
    assert len(large) == len(small) - 1
    assert len(queries(per_interview=True)) == len(small)
    # Twice the interviews: the same number of queries.
    for project in ResearchProject.objects.filter(pk__in=coded["ids"]):
        for n in range(14):
            interview = make_interview(project, f"Participant: more {n}.", pseudonym=f"x{n}")
            make_excerpt(interview, coded["first"], 0, 11, "safety")
    tallies_refresh()
    with django_assert_max_num_queries(len(large)):
        comparison_build(filters, "per_interview")
