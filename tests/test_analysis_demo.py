"""The comparison of the demo data against an independent computation in plain Python."""

from __future__ import annotations

import io
from collections import defaultdict
from typing import Any

import pytest
from django.core.management import call_command

from coding.analysis.comparison import comparison_build
from coding.analysis.filters import RULE_AGREED, RULE_ALL, RULE_ONE, Filters
from coding.models import ExcerptValue, Interview, ResearchProject


def union_length(spans: list[tuple[int, int]]) -> int:
    covered: set[int] = set()
    for start, end in spans:
        covered.update(range(start, end))
    return len(covered)


def expected(rule: str) -> dict[tuple[int, int], dict[str, float]]:
    """Per (project, value): count, prevalence and coverage, the slow and obvious way."""
    tags: dict[int, dict[int, dict[int, list[tuple[int, int, int]]]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(list))
    )
    # People's coding only: the demo's consensus layer (decisions) is not a coder.
    people = ExcerptValue.objects.filter(excerpt__is_consensus=False)
    for interview, coder, value, start, end, excerpt in people.values_list(
        "excerpt__interview_id",
        "excerpt__coder_id",
        "value_id",
        "excerpt__start",
        "excerpt__end",
        "excerpt_id",
    ):
        tags[interview][coder][value].append((start, end, excerpt))
    lengths = {i.pk: (i.project_id, len(i.text)) for i in Interview.objects.all()}
    sums: dict[tuple[int, int], dict[str, float]] = defaultdict(lambda: defaultdict(float))
    totals: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for interview, by_coder in tags.items():
        project, length = lengths[interview]
        coders = sorted(by_coder)
        if rule == RULE_ONE:
            first = min((x, c) for c in coders for v in by_coder[c].values() for *_, x in v)
            coders = [first[1]]
        totals[project]["interviews"] += 1
        totals[project]["length"] += length
        values = {v for c in coders for v in by_coder[c]}
        for value in values:
            applied = [c for c in coders if value in by_coder[c]]
            if rule == RULE_AGREED and len(applied) < len(coders):
                continue
            cell = sums[(project, value)]
            for coder in applied:
                spans = [(s, e) for s, e, _ in by_coder[coder][value]]
                cell["count"] += len(spans) / len(coders)
                cell["present"] += 1 / len(coders)
                cell["chars"] += union_length(spans) / len(coders)
    return {
        key: {
            "count": cell["count"],
            "prevalence": cell["present"] / totals[key[0]]["interviews"],
            "coverage": cell["chars"] / totals[key[0]]["length"],
        }
        for key, cell in sums.items()
    }


@pytest.mark.django_db
@pytest.mark.parametrize("rule", [RULE_ALL, RULE_ONE, RULE_AGREED])
def test_it_matches_an_independent_computation_on_the_demo_data(rule: str) -> None:
    call_command("seed_demo", stdout=io.StringIO())
    ids = tuple(ResearchProject.objects.values_list("pk", flat=True))
    frame = comparison_build(Filters(project_ids=ids, rule=rule)).frame
    want = expected(rule)
    checked = 0
    for row in frame[frame["applies"]].itertuples():
        figures: Any = want.get((row.p_id, row.v_id))
        if figures is None:
            assert row.count == 0
            continue
        assert row.count == pytest.approx(figures["count"])
        assert row.prevalence == pytest.approx(figures["prevalence"])
        assert row.coverage == pytest.approx(figures["coverage"])
        checked += 1
    assert checked == 19  # six shared values in three projects, and trust
