"""The agreement page reads true: which interviews count, passages by interview with both
coders' values and a side-by-side link, and a passage count that matches its definition."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape
from statsmodels.stats.inter_rater import cohens_kappa

from coding.analysis.agreement import (
    COUNTED_DEFINITION,
    PASSAGE_DEFINITION,
    UNIT_SENTENCES,
    agreement_report,
    sentence_spans,
)
from coding.analysis.filters import Filters
from coding.models import Membership
from coding.review.queue import disagreement_queue

from .conftest import make_excerpt, make_interview, make_user, mark_done

TEXT = "a" * 100


@pytest.fixture
def third(project: Any) -> Any:
    user = make_user("rae-peer")
    Membership.objects.create(user=user, project=project, role=Membership.Role.PEER_RESEARCHER)
    return user


def test_it_counts_only_interviews_two_coders_marked_done(
    project: Any, peer: Any, peer2: Any, third: Any
) -> None:
    both = make_interview(project, TEXT[:-1] + "1", pseudonym="Both")
    one = make_interview(project, TEXT[:-1] + "2", pseudonym="One")
    none = make_interview(project, TEXT[:-1] + "3", pseudonym="None")
    trio = make_interview(project, TEXT[:-1] + "4", pseudonym="Trio")
    for interview in (both, one, none, trio):
        make_excerpt(interview, peer, 0, 50, "safety")
        make_excerpt(interview, peer2, 25, 75, "safety")
    make_excerpt(trio, third, 0, 100, "safety")
    mark_done(both, peer, peer2)
    mark_done(one, peer)
    mark_done(trio, peer, peer2)  # the third coder is still at work: left out of the figures
    report = agreement_report(Filters(project_ids=(project.pk,)))
    assert report.interviews == 2
    assert report.pairs == [(peer.pk, peer2.pk)]
    reasons = {item.interview_id: item.reason for item in report.set_aside}
    assert reasons == {
        one.pk: "coded by pat-peer and quinn-peer; only pat-peer has marked it done "
        "(quinn-peer not yet)",
        none.pk: "coded by pat-peer and quinn-peer; nobody has marked it done yet",
    }
    safety = next(v for v in report.values if v.slug == "safety")
    # Both counted interviews alike: 25 characters each of both, pat only, quinn only, neither.
    assert report.per_value[safety.pk].percent == pytest.approx(0.5)


def test_it_lists_interviews_still_being_coded_apart_on_the_page(
    client: Client, project: Any, peer: Any, peer2: Any
) -> None:
    done = make_interview(project, TEXT[:-1] + "1", title="Done interview")
    waiting = make_interview(project, TEXT[:-1] + "2", title="Waiting interview")
    for interview in (done, waiting):
        make_excerpt(interview, peer, 0, 50, "safety")
        make_excerpt(interview, peer2, 25, 75, "safety")
    mark_done(done, peer, peer2)
    client.force_login(peer)
    html = client.get(reverse("compare_agreement")).content.decode()
    assert escape(COUNTED_DEFINITION) in html
    assert "1 interview that two or more of its coders have marked done" in html
    set_aside = html[html.index('id="set-aside"') :]
    assert "Waiting interview: coded by pat-peer and quinn-peer; nobody has marked it done" in (
        set_aside
    )
    assert "Done interview" not in set_aside


def test_it_groups_passages_by_interview_with_both_coders_values_and_the_side_by_side_view(
    client: Client, project: Any, peer: Any, peer2: Any
) -> None:
    first = make_interview(project, TEXT, title="First talk")
    second = make_interview(project, "b" * 100, title="Second talk")
    make_excerpt(first, peer, 0, 50, "safety")
    make_excerpt(first, peer2, 25, 75, "safety", "human-connection")
    make_excerpt(second, peer, 10, 20, "choice-and-control")
    make_excerpt(second, peer2, 60, 70, "safety")
    mark_done(first, peer, peer2)
    mark_done(second, peer, peer2)
    report = agreement_report(Filters(project_ids=(project.pk,)))
    by_interview = [d.interview_id for d in report.disagreements]
    assert by_interview == sorted(by_interview)  # one interview's passages together
    passage = next(d for d in report.disagreements if d.interview_id == first.pk and d.start == 50)
    values = {v.pk: v.slug for v in report.values}
    sides = {
        side.coder_id: (side.applied, {values[v] for v in side.value_ids}) for side in passage.sides
    }
    assert sides == {
        peer.pk: (False, set()),
        peer2.pk: (True, {"safety", "human-connection"}),
    }
    # The side-by-side link lands on the same passage in the disagreement queue.
    queue = disagreement_queue(project)
    slugs = {p.slug for item in queue.interviews for p in item.passages}
    assert {d.slug for d in report.disagreements if d.value_id == passage.value_id} <= slugs
    client.force_login(peer)
    html = client.get(reverse("compare_agreement")).content.decode()
    assert html.index("First talk") < html.index("Second talk")
    link = reverse("disagreement_list", args=[project.slug])
    assert f'href="{link}?interview={first.pk}#passage-{passage.slug}"' in html
    assert "a" * 25 in html  # the passage's text


def _runs(labels: list[frozenset[int]], everyone: frozenset[int]) -> int:
    """Stretches of neighbouring units with the same coders applying a value, not all nor none."""
    runs, previous = 0, None
    for who in labels:
        if who and who != everyone and who != previous:
            runs += 1
        previous = who
    return runs


def test_it_counts_passages_as_its_definition_says(
    client: Client, project: Any, peer: Any, peer2: Any
) -> None:
    # Two neighbouring sentences set apart by a blank line, both marked by pat alone: one
    # passage (they used to count as two, as more than one character lies between them).
    text = "We met weekly.\n\nIt felt safe there. I could talk. Nobody judged me."
    interview = make_interview(project, text)
    make_excerpt(interview, peer, 0, 34, "safety")
    make_excerpt(interview, peer2, 35, 45, "safety")
    make_excerpt(interview, peer2, 0, 14, "human-connection")
    mark_done(interview, peer, peer2)
    report = agreement_report(Filters(project_ids=(project.pk,)), UNIT_SENTENCES)
    everyone = frozenset({peer.pk, peer2.pk})
    spans = {
        "safety": {peer.pk: [(0, 34)], peer2.pk: [(35, 45)]},
        "human-connection": {peer2.pk: [(0, 14)]},
    }
    expected = 0
    for by_coder in spans.values():
        labels = [
            frozenset(c for c, cs in by_coder.items() if any(s < e2 and s2 < e for s2, e2 in cs))
            for s, e in sentence_spans(text)
        ]
        expected += _runs(labels, everyone)
    assert report.disagreement_total == expected == 3
    client.force_login(peer)
    html = client.get(reverse("compare_agreement"), {"unit": "sentences"}).content.decode()
    assert escape(PASSAGE_DEFINITION.format(unit="sentences")) in html
    assert "<strong>3</strong> passages" in html


def test_it_gives_per_value_kappa_and_agreement_on_coded_text(
    project: Any, peer: Any, peer2: Any
) -> None:
    interview = make_interview(project, TEXT)
    make_excerpt(interview, peer, 0, 40, "safety")
    make_excerpt(interview, peer2, 30, 60, "safety")
    make_excerpt(interview, peer2, 80, 90, "human-connection")
    mark_done(interview, peer, peer2)
    report = agreement_report(Filters(project_ids=(project.pk,)))
    for slug, (mine, theirs) in {
        "safety": ((0, 40), (30, 60)),
        "human-connection": ((0, 0), (80, 90)),
    }.items():
        value = next(v for v in report.values if v.slug == slug)
        stats = report.per_value[value.pk]
        a = np.zeros(100, dtype=int)
        b = np.zeros(100, dtype=int)
        a[slice(*mine)], b[slice(*theirs)] = 1, 1
        table = np.array([[np.sum((a == i) & (b == j)) for j in (0, 1)] for i in (0, 1)])
        assert list(stats.kappas().values()) == [pytest.approx(cohens_kappa(table).kappa)]
        both, one_only = table[1, 1], table[0, 1] + table[1, 0]
        assert stats.positive == pytest.approx(2 * both / (2 * both + one_only))
        assert stats.alpha is not None
