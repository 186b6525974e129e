"""The comparison's tests under the coder rule "consensus where decided, else agreed" read the
consensus figures the table shows, per interview, not every coder's figures."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from django.utils import timezone
from scipy import stats as sps

from coding.analysis import inference
from coding.analysis.comparison import comparison_build
from coding.analysis.filters import RULE_ALL, RULE_CONSENSUS, Filters
from coding.analysis.queries import comparison_rows
from coding.analysis.sums import comparison_sums
from coding.models import CodebookValue, CodingProgress, Membership
from coding.review.consensus import decision_record
from coding.review.queue import disagreement_queue

from .conftest import make_excerpt, make_interview, make_project, make_user

TEXT = "Participant: I felt safe there. We laughed together."
SAFE = (TEXT.index("I felt"), TEXT.index(" We laughed"))
LAUGH = (TEXT.index("We laughed"), len(TEXT))
COUNT = 7  # interviews per project: 3,432 arrangements, so the shuffling test is exact


def between(*groups: np.ndarray) -> float:
    pooled = np.concatenate(groups).mean()
    return float(sum(len(g) * (np.mean(g) - pooled) ** 2 for g in groups))


@pytest.fixture
def decided(db: Any) -> dict[str, Any]:
    """Beta: both coders tag safety in every interview. Alpha: only Ann tags safety; the team
    decided to apply it in 2 interviews and to drop it in 3, and left 2 undecided.

    Safety per interview in Alpha: every coder 1/2 each; consensus 1, 1, then 0 (dropped, or
    undecided where the coders do not agree)."""
    ann, bob = make_user("ann-coder"), make_user("bob-coder")
    alpha, beta = make_project("alpha", "Alpha"), make_project("beta", "Beta")
    for project in (alpha, beta):
        for coder in (ann, bob):
            Membership.objects.create(user=coder, project=project, role="peer_researcher")
    outcomes = ["apply", "apply", "none", "none", "none", None, None]
    for n in range(COUNT):
        for project in (alpha, beta):
            interview = make_interview(project, f"{TEXT} ({n})", pseudonym=f"{project.slug}{n}")
            for coder in (ann, bob):
                make_excerpt(interview, coder, *LAUGH, "human-connection")
                if project == beta or coder == ann:
                    make_excerpt(interview, coder, *SAFE, "safety")
                CodingProgress.objects.create(
                    interview=interview, coder=coder, done_at=timezone.now()
                )
            if project == alpha and outcomes[n]:
                [passage] = disagreement_queue(alpha, interview.pk).passages
                decision_record(
                    interview=interview,
                    value=passage.value,
                    start=passage.start,
                    end=passage.end,
                    outcome=outcomes[n],
                    values=[passage.value] if outcomes[n] == "apply" else [],
                    reason="We talked it through.",
                    user=ann,
                )
    consensus = {
        "Alpha": np.array([1.0, 1, 0, 0, 0, 0, 0]),
        "Beta": np.ones(COUNT),
    }
    return {"ids": (alpha.pk, beta.pk), "consensus": consensus}


def _safety(comparison: Any) -> tuple[Any, list[Any]]:
    safety = CodebookValue.objects.get(slug="safety", project__isnull=True)
    cells = next(cells for value, cells in comparison.rows if value.id == safety.pk)
    return comparison.row_tests[safety.pk], cells


def test_it_shuffles_the_consensus_figures_the_table_shows(decided: dict[str, Any]) -> None:
    comparison = comparison_build(
        Filters(project_ids=decided["ids"], rule=RULE_CONSENSUS), "prevalence"
    )
    test, cells = _safety(comparison)
    figures = [decided["consensus"][cell.column.project_name] for cell in cells]
    # The table shows the consensus figures: 2 of 7 in Alpha, 7 of 7 in Beta.
    assert [cell.interviews_with for cell in cells] == [f.sum() for f in figures]
    expected = sps.permutation_test(
        figures, between, permutation_type="independent", n_resamples=np.inf, alternative="greater"
    ).pvalue
    assert test.method == inference.METHOD_EXACT
    assert test.p == pytest.approx(expected)
    # Every coder's figures (1/2 in each Alpha interview) would separate the columns fully.
    everyone = comparison_build(Filters(project_ids=decided["ids"], rule=RULE_ALL), "prevalence")
    assert _safety(everyone)[0].p == pytest.approx(2 / 3432)
    assert test.p != pytest.approx(2 / 3432)
    pooled = np.concatenate(figures).mean()
    for k, cell in enumerate(cells):
        raw = sps.permutation_test(
            (figures[k], figures[1 - k]),
            lambda x, y: abs(round(float(np.sum(x - pooled)), 9)),
            permutation_type="independent",
            n_resamples=np.inf,
            alternative="greater",
        ).pvalue
        assert cell.p_raw == pytest.approx(raw)


@pytest.mark.parametrize("per_interview", [False, True])
def test_it_tests_large_samples_on_the_consensus_figures(
    decided: dict[str, Any], monkeypatch: Any, per_interview: bool
) -> None:
    # Above the limit, from the database's sums or from every interview read one by one.
    monkeypatch.setattr(inference, "PERMUTATION_LIMIT", 5)
    comparison = comparison_build(
        Filters(project_ids=decided["ids"], rule=RULE_CONSENSUS),
        "prevalence",
        per_interview=per_interview,
    )
    test, cells = _safety(comparison)
    figures = [decided["consensus"][cell.column.project_name] for cell in cells]
    table = [[f.sum(), len(f) - f.sum()] for f in figures]
    chi2 = sps.chi2_contingency(table, correction=False)[0]
    n = 2 * COUNT
    # The shuffling distribution's exact variance carries the factor (N - 1) / N.
    expected = sps.chi2.sf(chi2 * (n - 1) / n, 1)
    assert test.method == inference.METHOD_LARGE_SAMPLE
    assert test.p == pytest.approx(expected, rel=1e-9)
    assert [cell.p_raw for cell in cells] == pytest.approx([expected, expected], rel=1e-9)


def test_it_sums_the_consensus_table_as_the_consensus_query_does(decided: dict[str, Any]) -> None:
    # The table now sums the per-interview consensus figures; the column sums agree with the
    # consensus rule's own aggregating query.
    filters = Filters(project_ids=decided["ids"], rule=RULE_CONSENSUS)
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
    safety = CodebookValue.objects.get(slug="safety", project__isnull=True)
    assert expected[("cell", decided["ids"][0], "", safety.pk)][1] == 2
