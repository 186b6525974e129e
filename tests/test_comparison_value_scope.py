"""Comparisons restricted to a codebook version's values, and project values grouped under a
framework value (trust counted as safety), checked against figures computed from excerpt rows."""

from __future__ import annotations

import csv
import io
import random
from collections import defaultdict
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from coding import proposals
from coding.analysis.compare_forms import ComparisonForm
from coding.analysis.comparison import comparison_build
from coding.analysis.filters import RULE_AGREED, RULE_ALL, RULE_ONE, Filters
from coding.analysis.queries import cell_tags
from coding.analysis.value_scope import GROUPED_SHORT, VERSION_SHORT
from coding.models import CodebookValue, Excerpt, ExcerptValue, Membership

from .conftest import decide_first_passage, make_excerpt, make_interview, make_user

TEXT = "Interviewer: Tell me.\nParticipant: " + " ".join(f"word{i}" for i in range(60))


def value(project: Any, slug: str) -> CodebookValue:
    return CodebookValue.objects.for_project(project).get(slug=slug)


@pytest.fixture
def coded(other_project: Any) -> dict[str, Any]:
    """Women Side by Side: 12 interviews, two coders on most, excerpts tagged with safety,
    trust, both, or human connection, with overlapping spans."""
    rng = random.Random(14)
    coders = [make_user("ann-coder"), make_user("bob-coder")]
    for user in coders:
        Membership.objects.create(user=user, project=other_project, role="peer_researcher")
    for n in range(12):
        interview = make_interview(other_project, f"{TEXT} end{n}.", f"W{n}")
        for coder in coders[: 1 + (n % 3 != 0)]:
            for _ in range(rng.randint(0, 4)):
                start = rng.randint(34, 200)
                slugs = rng.choice(
                    [("safety",), ("trust",), ("safety", "trust"), ("human-connection",)]
                )
                make_excerpt(interview, coder, start, start + rng.randint(3, 40), *slugs)
    return {"project": other_project, "coders": coders}


def expected(project: Any, members: set[int], rule: str) -> dict[str, float]:
    """Prevalence, excerpts and coded characters of the grouped value, from excerpt rows."""
    by_interview: dict[int, dict[int, dict[int, tuple[int, int]]]] = defaultdict(dict)
    first: dict[int, dict[int, int]] = defaultdict(dict)
    for excerpt in Excerpt.objects.filter(interview__project=project, is_consensus=False):
        if not excerpt.tags.exists():
            continue
        coders = by_interview[excerpt.interview_id]
        coders.setdefault(excerpt.coder_id, {})
        first[excerpt.interview_id].setdefault(excerpt.coder_id, excerpt.pk)
        first[excerpt.interview_id][excerpt.coder_id] = min(
            first[excerpt.interview_id][excerpt.coder_id], excerpt.pk
        )
        if set(excerpt.tags.values_list("value_id", flat=True)) & members:
            coders[excerpt.coder_id][excerpt.pk] = (excerpt.start, excerpt.end)
    present = excerpts = chars = 0.0
    for interview_id, coders in by_interview.items():
        if rule == RULE_ONE:
            primary = min(first[interview_id], key=lambda c: first[interview_id][c])
            coders = {primary: coders[primary]}
        k = len(coders)
        if rule == RULE_AGREED and not all(coders.values()):
            continue
        for spans in coders.values():
            covered: set[int] = set()
            for start, end in spans.values():
                covered.update(range(start, end))
            present += (1 if spans else 0) / k
            excerpts += len(spans) / k
            chars += len(covered) / k
    return {"present": present, "tags": excerpts, "chars": chars, "interviews": len(by_interview)}


@pytest.mark.parametrize("rule", [RULE_ALL, RULE_ONE, RULE_AGREED])
def test_it_counts_a_grouped_value_once_per_excerpt(coded: dict[str, Any], rule: str) -> None:
    project = coded["project"]
    safety, trust = value(project, "safety"), value(project, "trust")
    filters = Filters(project_ids=(project.pk,), rule=rule, groups=((trust.pk, safety.pk),))
    comparison = comparison_build(filters)
    want = expected(project, {safety.pk, trust.pk}, rule)
    row = comparison.frame.set_index("v_id").loc[safety.pk]
    assert row["present"] == pytest.approx(want["present"])
    assert row["tags"] == pytest.approx(want["tags"])
    assert row["chars"] == pytest.approx(want["chars"])
    assert row["interviews"] == want["interviews"]
    # Some excerpt carries both, so adding the two values' own figures would count it twice.
    both = ExcerptValue.objects.filter(value=trust, excerpt__tags__value=safety)
    assert both.exists()
    assert "Trust" not in [v.name for v in comparison.values]


def test_it_leaves_the_other_values_as_they_were(coded: dict[str, Any]) -> None:
    project = coded["project"]
    safety, trust = value(project, "safety"), value(project, "trust")
    plain = comparison_build(Filters(project_ids=(project.pk,)))
    grouped = comparison_build(Filters(project_ids=(project.pk,), groups=((trust.pk, safety.pk),)))
    connection = value(project, "human-connection").pk
    columns = ["present", "tags", "chars", "interviews"]
    a = plain.frame.set_index("v_id").loc[connection, columns]
    b = grouped.frame.set_index("v_id").loc[connection, columns]
    assert list(a) == pytest.approx(list(b))
    # Ungrouped, safety alone counts fewer excerpts than safety with trust.
    want = expected(project, {safety.pk}, RULE_ALL)
    assert plain.frame.set_index("v_id").loc[safety.pk]["tags"] == pytest.approx(want["tags"])


def test_it_lists_a_grouped_excerpt_once_in_the_drill_down(coded: dict[str, Any]) -> None:
    project = coded["project"]
    safety, trust = value(project, "safety"), value(project, "trust")
    filters = Filters(project_ids=(project.pk,), groups=((trust.pk, safety.pk),))
    excerpt_ids = list(
        cell_tags(filters, safety.pk, project.pk, "").values_list("excerpt_id", flat=True)
    )
    want = ExcerptValue.objects.filter(
        value__in=[safety, trust], excerpt__interview__project=project
    ).values_list("excerpt_id", flat=True)
    assert sorted(excerpt_ids) == sorted(set(want))


def test_it_restricts_the_values_to_those_every_project_shares_in_a_version(
    coded: dict[str, Any], project: Any, peer: Any
) -> None:
    lead = make_user("lee-lead")
    Membership.objects.create(user=lead, project=project, role="peer_researcher", is_lead=True)
    proposal = proposals.proposal_create(
        project=project, actor=peer, kind="add", reason="r", name="Hope"
    )
    proposals.proposal_decide(proposal=proposal, actor=lead, accept=True, reason="ok")
    make_excerpt(make_interview(project, f"{TEXT} S1.", "S1"), peer, 40, 50, "hope")
    both = (project.pk, coded["project"].pk)
    everything = comparison_build(Filters(project_ids=both))
    assert {"Hope", "Trust"} <= {v.name for v in everything.values}
    # Version 1 of both codebooks: the framework values only (Hope came in version 2 of one
    # project, Trust is the other project's own).
    restricted = comparison_build(Filters(project_ids=both, codebook_version=1))
    framework = set(
        CodebookValue.objects.filter(project__isnull=True).shared().values_list("name", flat=True)
    )
    assert {v.name for v in restricted.values} == framework
    # Version 2: Women Side by Side never reached it and counts with its newest (version 1),
    # so Hope is still not shared.
    assert "Hope" not in {
        v.name for v in comparison_build(Filters(project_ids=both, codebook_version=2)).values
    }
    # One project alone: its version 2 has Hope.
    alone = comparison_build(Filters(project_ids=(project.pk,), codebook_version=2))
    assert "Hope" in {v.name for v in alone.values}
    # Interviews coded do not change, and the share of tags counts the kept values only.
    a = everything.frame.groupby("col")["interviews"].first()
    b = restricted.frame.groupby("col")["interviews"].first()
    assert a.to_dict() == b.to_dict()
    column = restricted.frame[restricted.frame["applies"]]
    for _, rows in column.groupby("col"):
        if rows["tags"].sum():
            assert rows["share"].sum() == pytest.approx(1.0)
    assert any("version 1 of the codebook of every project" in n for n in restricted.history_notes)


def test_it_reads_both_options_from_the_page_address_and_says_them(
    coded: dict[str, Any], admin_user: Any
) -> None:
    project = coded["project"]
    safety, trust = value(project, "safety"), value(project, "trust")
    form = ComparisonForm(
        {"codebook_version": "1", f"group_{trust.pk}": str(safety.pk)}, user=admin_user
    )
    filters = form.filters()
    assert (filters.codebook_version, filters.groups) == (1, ((trust.pk, safety.pk),))
    assert VERSION_SHORT.format(number=1) in filters.description
    assert GROUPED_SHORT.format(value="Trust", target="Safety") in filters.description
    bad = ComparisonForm({f"group_{trust.pk}": str(trust.pk)}, user=admin_user)
    assert bad.filters().project_ids == ()  # not a framework value: nothing is shown

    client = Client()
    client.force_login(admin_user)
    query = form.query_string()
    page = client.get(f"{reverse('compare')}?{query}").content.decode()
    assert "Grouped for this comparison: “Trust” (Women Side by Side) counted as “Safety”" in page
    assert "counts once" in page
    response = client.get(f"{reverse('compare_export', args=['table', 'csv'])}?{query}")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    header = rows[0]
    safety_rows = [r for r in rows[1:] if r[header.index("value")] == "Safety"]
    assert safety_rows
    assert "Trust counted as Safety" in safety_rows[0][header.index("filters")]
    assert not [r for r in rows[1:] if r[header.index("value")] == "Trust"]


def test_it_hides_a_grouped_cell_from_an_evaluator_when_subtraction_gives_a_small_count(
    other_project: Any,
) -> None:
    coder = make_user("ann-coder")
    safety, trust = value(other_project, "safety"), value(other_project, "trust")
    for n in range(10):
        interview = make_interview(other_project, f"{TEXT} end{n}.", f"W{n}")
        # Eight interviews with safety; two more with trust alone; six with human connection
        # (the smallest shown cell, which keeps the hidden trust cell company).
        make_excerpt(interview, coder, 40, 50, "safety" if n < 8 else "trust")
        if n < 6:
            make_excerpt(interview, coder, 60, 70, "human-connection")
    filters = Filters(project_ids=(other_project.pk,), groups=((trust.pk, safety.pk),))
    masked = {other_project.pk}
    plain = comparison_build(
        Filters(project_ids=(other_project.pk,)), masked_project_ids=masked, threshold=5
    )
    assert not next(c for v, cells in plain.rows for c in cells if v.id == safety.pk).suppressed
    grouped = comparison_build(filters, masked_project_ids=masked, threshold=5)
    cell = next(c for v, cells in grouped.rows for c in cells if v.id == safety.pk)
    # 10 with safety-or-trust minus 8 with safety would tell an evaluator "2" (trust alone).
    assert cell.suppressed and cell.number is None
    # A researcher of the project sees the grouped figure.
    assert (
        comparison_build(filters).rows
        and next(
            c for v, cells in comparison_build(filters).rows for c in cells if v.id == safety.pk
        ).text
        == "100%"
    )


def test_it_takes_both_options_in_the_export_command(coded: dict[str, Any], tmp_path: Any) -> None:
    from django.core.management import call_command
    from django.core.management.base import CommandError

    out = tmp_path / "table.csv"
    call_command(
        "export_comparison",
        "--group",
        "trust=safety",
        "--codebook-version",
        "1",
        "--output",
        str(out),
    )
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert rows and not [r for r in rows if r["value"] == "Trust"]
    assert "Trust counted as Safety" in rows[0]["filters"]
    assert VERSION_SHORT.format(number=1) in rows[0]["filters"]
    with pytest.raises(CommandError, match="--group trust=hope: write a project's own value"):
        call_command("export_comparison", "--group", "trust=hope")


def test_it_counts_a_grouped_consensus_span_once(other_project: Any) -> None:
    from django.utils import timezone

    from coding.analysis.filters import RULE_CONSENSUS
    from coding.models import CodingProgress

    ann, bob = make_user("ann-coder"), make_user("bob-coder")
    interview = make_interview(other_project, f"{TEXT} end.", "W1")
    for coder in (ann, bob):
        Membership.objects.create(user=coder, project=other_project, role="peer_researcher")
        make_excerpt(interview, coder, 40, 60, "safety", "trust")
        CodingProgress.objects.create(interview=interview, coder=coder, done_at=timezone.now())
    make_excerpt(interview, ann, 70, 80, "human-connection")
    decide_first_passage(other_project, ann, "Not there.")
    safety, trust = value(other_project, "safety"), value(other_project, "trust")
    filters = Filters(
        project_ids=(other_project.pk,), rule=RULE_CONSENSUS, groups=((trust.pk, safety.pk),)
    )
    row = comparison_build(filters).frame.set_index("v_id").loc[safety.pk]
    # The layer has the agreed span under Safety and under Trust: one span of the group.
    assert (row["tags"], row["chars"], row["present"]) == (1.0, 20.0, 1.0)
