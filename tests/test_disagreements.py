"""The disagreement queue, decisions with reasons, and the consensus layer they build."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from coding import services
from coding.analysis.agreement import agreement_report
from coding.analysis.filters import RULE_AGREED, RULE_CONSENSUS, RULE_LABELS, RULES, Filters
from coding.analysis.queries import comparison_rows, kept_tags
from coding.analysis.tallies import tallies_refresh
from coding.models import (
    AuditEvent,
    CodebookValue,
    CodingProgress,
    ConsensusDecision,
    Excerpt,
    ResearchProject,
    ValueTally,
)
from coding.review.consensus import NOT_A_DISAGREEMENT, REASON_NEEDED, decision_record
from coding.review.queue import QUEUE_FOR_CODERS, disagreement_queue
from coding.services import CodingError
from coding.team import team_progress

from .conftest import make_excerpt, make_interview

pytestmark = pytest.mark.django_db

COUNT = 8
TEXT = "Participant: I felt safe there. We laughed together. Nobody judged me at all."


def span(text: str, part: str) -> tuple[int, int]:
    start = text.index(part)
    return start, start + len(part)


def done(interview: Any, *coders: Any) -> None:
    for coder in coders:
        CodingProgress.objects.update_or_create(
            interview=interview, coder=coder, defaults={"done_at": timezone.now()}
        )


def value(slug: str) -> CodebookValue:
    return CodebookValue.objects.get(slug=slug, project__isnull=True)


@pytest.fixture
def coded(project: Any, peer: Any, peer2: Any) -> Any:
    """One interview two people coded differently, both done."""
    interview = make_interview(project, TEXT, pseudonym="P100")
    make_excerpt(interview, peer, *span(TEXT, "I felt safe there."), "safety")
    make_excerpt(interview, peer, *span(TEXT, "We laughed together."), "human-connection")
    make_excerpt(interview, peer2, *span(TEXT, "I felt safe there. We laughed together."), "safety")
    make_excerpt(interview, peer2, *span(TEXT, "Nobody judged me at all."), "freedom-to-be-oneself")
    done(interview, peer, peer2)
    return interview


def passage_of(interview: Any, slug: str) -> Any:
    return next(p for p in disagreement_queue(interview.project).passages if p.value.slug == slug)


def decide(interview: Any, slug: str, outcome: str, user: Any, *values: str) -> Any:
    passage = passage_of(interview, slug)
    return decision_record(
        interview=interview,
        value=passage.value,
        start=passage.start,
        end=passage.end,
        outcome=outcome,
        values=[value(v) for v in values],
        reason="We talked it through.",
        user=user,
    )


def test_it_lists_each_differing_passage_side_by_side(coded: Any) -> None:
    queue = disagreement_queue(coded.project)
    found = {(p.value.slug, p.text) for p in queue.passages}
    assert found == {
        ("safety", " We laughed together."),
        ("human-connection", "We laughed together."),
        ("freedom-to-be-oneself", "Nobody judged me at all."),
    }
    safety = passage_of(coded, "safety")
    sides = {s.coder: (s.applied, s.values) for s in safety.sides}
    assert sides == {
        "pat-peer": (False, ["Human connection"]),
        "quinn-peer": (True, ["Safety"]),
    }


def test_it_waits_until_every_coder_has_marked_the_interview_done(coded: Any, peer2: Any) -> None:
    CodingProgress.objects.filter(interview=coded, coder=peer2).update(done_at=None)
    assert disagreement_queue(coded.project).total == 0


def test_it_leaves_out_interviews_one_person_coded(project: Any, peer: Any) -> None:
    interview = make_interview(project, TEXT, pseudonym="P101")
    make_excerpt(interview, peer, 13, 31, "safety")
    done(interview, peer)
    assert disagreement_queue(project).total == 0


def test_it_counts_what_remains_by_interview_and_by_value(
    client: Client, coded: Any, peer: Any
) -> None:
    decide(coded, "safety", "none", peer)
    queue = disagreement_queue(coded.project)
    assert (queue.total, queue.remaining, queue.interviews[0].remaining) == (3, 2, 2)
    by_value = {v.slug: (total, left) for v, total, left in queue.by_value()}
    assert by_value == {
        "safety": (1, 0),
        "human-connection": (1, 1),
        "freedom-to-be-oneself": (1, 1),
    }
    client.force_login(peer)
    page = client.get(reverse("disagreement_list", args=[coded.project.slug])).content.decode()
    assert "<strong>2</strong> of 3 passages still to decide, on 1 interview." in page
    # The rule's name is said once, in quotes, then what it means.
    label = RULE_LABELS[RULE_CONSENSUS]
    meaning = RULES[RULE_CONSENSUS].removeprefix(f"{label}: ")
    assert escape(f"as the coder rule “{label}”: {meaning}") in page
    assert page.count(escape(label)) == 1


def test_it_records_a_decision_with_its_reason(client: Client, coded: Any, peer: Any) -> None:
    passage = passage_of(coded, "human-connection")
    client.force_login(peer)
    response = client.post(
        reverse("disagreement_decide", args=[coded.project.slug]),
        {
            "interview": coded.pk,
            "value": passage.value.pk,
            "start": passage.start,
            "end": passage.end,
            "outcome": "apply",
            "values": [passage.value.pk],
            "reason": "Laughing together is connection.",
        },
    )
    assert response.status_code == 302
    decision = ConsensusDecision.objects.get()
    assert (decision.outcome, decision.reason, decision.decided_by) == (
        "apply",
        "Laughing together is connection.",
        peer,
    )
    event = AuditEvent.objects.get(model="consensusdecision")
    assert event.after["reason"] == "Laughing together is connection."
    assert event.participant_id == coded.participant_id
    page = client.get(reverse("disagreement_list", args=[coded.project.slug])).content.decode()
    assert "Decided: Apply these values" in page and "Laughing together is connection." in page


def test_it_refuses_a_decision_without_a_reason(coded: Any, peer: Any) -> None:
    passage = passage_of(coded, "safety")
    with pytest.raises(CodingError, match=REASON_NEEDED):
        decision_record(
            interview=coded,
            value=passage.value,
            start=passage.start,
            end=passage.end,
            outcome="none",
            values=[],
            reason="  ",
            user=peer,
        )
    assert not ConsensusDecision.objects.exists()
    assert not Excerpt.objects.filter(is_consensus=True).exists()


def test_it_refuses_a_passage_where_coders_do_not_differ(coded: Any, peer: Any) -> None:
    with pytest.raises(CodingError, match=re.escape(NOT_A_DISAGREEMENT)):
        decision_record(
            interview=coded,
            value=value("safety"),
            start=13,
            end=31,
            outcome="none",
            values=[],
            reason="Agreed anyway",
            user=peer,
        )


def test_it_refuses_evaluators_the_queue(
    client: Client, coded: Any, evaluator: Any, outsider: Any
) -> None:
    """The queue shows each coder's values passage by passage: the coding team's work only
    (disclosure control, see test_disclosure.py)."""
    client.force_login(evaluator)
    url = reverse("disagreement_list", args=[coded.project.slug])
    response = client.get(url)
    assert response.status_code == 403
    page = response.content.decode()
    assert escape(QUEUE_FOR_CODERS) in page and "Nobody judged me at all." not in page
    decide_url = reverse("disagreement_decide", args=[coded.project.slug])
    assert client.post(decide_url, {}).status_code == 403
    client.force_login(outsider)
    assert client.get(url).status_code == 404


def layer(interview: Any) -> set[tuple[str, str]]:
    return {
        (tag.value.slug, tag.excerpt.text)
        for excerpt in Excerpt.objects.filter(interview=interview, is_consensus=True)
        for tag in excerpt.tags.select_related("value", "excerpt")
    }


def test_it_builds_the_consensus_layer_from_agreement_and_decisions(coded: Any, peer: Any) -> None:
    decide(coded, "safety", "none", peer)
    assert layer(coded) == {("safety", "I felt safe there.")}
    decide(coded, "human-connection", "apply", peer, "human-connection")
    decide(coded, "freedom-to-be-oneself", "keep_both", peer)
    assert layer(coded) == {
        ("safety", "I felt safe there."),
        ("human-connection", "We laughed together."),
        ("freedom-to-be-oneself", "Nobody judged me at all."),
    }
    assert {e.coder.get_username() for e in Excerpt.objects.filter(is_consensus=True)} == {
        "consensus"
    }
    consensus = Excerpt.objects.filter(is_consensus=True).first().coder
    assert not consensus.is_active and not consensus.has_usable_password()
    # Changing a decision rebuilds the layer.
    decide(coded, "freedom-to-be-oneself", "none", peer)
    assert ("freedom-to-be-oneself", "Nobody judged me at all.") not in layer(coded)


def test_it_keeps_the_consensus_layer_out_of_peoples_figures(coded: Any, peer: Any) -> None:
    decide(coded, "human-connection", "apply", peer, "human-connection")
    tallies_refresh()
    coders = set(
        ValueTally.objects.filter(interview=coded).values_list("coder__username", flat=True)
    )
    assert coders == {"pat-peer", "quinn-peer"}
    assert set(ValueTally.objects.filter(interview=coded).values_list("coders", flat=True)) == {2}
    report = agreement_report(Filters(project_ids=(coded.project_id,)))
    assert sorted(report.coders.values()) == ["pat-peer", "quinn-peer"]
    assert disagreement_queue(coded.project).total == 3


def presence(project: Any, rule: str) -> dict[str, float]:
    slugs = dict(CodebookValue.objects.values_list("pk", "slug"))
    rows = comparison_rows(Filters(project_ids=(project.pk,), rule=rule))
    return {slugs[r["v_id"]]: r["present"] for r in rows if r["kind"] == "cell" and r["present"]}


def test_it_counts_the_consensus_rule_in_the_comparison(
    coded: Any, project: Any, peer: Any, peer2: Any
) -> None:
    other = make_interview(project, "Participant: I chose to come back.", pseudonym="P102")
    make_excerpt(other, peer, 13, 34, "safety", "choice-and-control")
    make_excerpt(other, peer2, 13, 34, "safety")
    before = presence(project, RULE_CONSENSUS)
    # No decisions yet: every interview counts as agreed.
    assert before == presence(project, RULE_AGREED) == {"safety": 2}
    decide(coded, "safety", "none", peer)
    decide(coded, "human-connection", "apply", peer, "human-connection")
    decide(coded, "freedom-to-be-oneself", "keep_both", peer)
    assert presence(project, RULE_CONSENSUS) == {
        "safety": 2,
        "human-connection": 1,
        "freedom-to-be-oneself": 1,
    }
    assert presence(project, RULE_AGREED) == {"safety": 2}
    columns = [
        r
        for r in comparison_rows(Filters(project_ids=(project.pk,), rule=RULE_CONSENSUS))
        if r["kind"] == "column"
    ]
    assert [c["interviews"] for c in columns] == [2]
    kept = kept_tags(Filters(project_ids=(project.pk,), rule=RULE_CONSENSUS))
    found = sorted(
        (t.excerpt.interview_id, t.excerpt.coder.get_username(), t.value.slug)
        for t in kept.select_related("excerpt__coder", "value")
    )
    assert found == sorted(
        [
            (coded.pk, "consensus", "safety"),
            (coded.pk, "consensus", "human-connection"),
            (coded.pk, "consensus", "freedom-to-be-oneself"),
            (other.pk, "pat-peer", "safety"),
            (other.pk, "quinn-peer", "safety"),
        ]
    )


def test_it_offers_the_consensus_rule_on_the_comparison_page(
    client: Client, coded: Any, peer: Any, evaluator: Any
) -> None:
    decide(coded, "human-connection", "apply", peer, "human-connection")
    client.force_login(evaluator)
    page = client.get(reverse("compare") + "?rule=consensus").content.decode()
    assert escape(RULES[RULE_CONSENSUS]) in page


def test_it_builds_the_queue_in_a_constant_number_of_queries(
    client: Client, project: Any, peer: Any, peer2: Any, django_assert_max_num_queries: Any
) -> None:
    for n in range(COUNT):
        interview = make_interview(project, TEXT + f" ({n})", pseudonym=f"P2{n:02d}")
        make_excerpt(interview, peer, *span(TEXT, "I felt safe there."), "safety")
        make_excerpt(interview, peer2, *span(TEXT, "We laughed together."), "safety")
        done(interview, peer, peer2)
    client.force_login(peer)
    # One of them asks whether the reader codes blind in this project.
    with django_assert_max_num_queries(16):
        response = client.get(reverse("disagreement_list", args=[project.slug]))
    page = response.content.decode()
    assert page.count("?interview=") == COUNT  # every interview listed with its counts
    assert page.count('class="card mb-3"') == 2  # the passages of one at a time


def test_it_does_not_count_the_consensus_layer_as_a_coder_on_the_project_page(
    client: Client, coded: Any, peer: Any
) -> None:
    decide(coded, "human-connection", "apply", peer, "human-connection")
    client.force_login(peer)
    page = client.get(reverse("project_detail", args=[coded.project.slug]))
    row = next(i for i in page.context["interviews"] if i.pk == coded.pk)
    assert row.coder_count == 2


def test_it_does_not_list_the_consensus_layer_as_a_coder_on_team_progress(
    coded: Any, peer: Any
) -> None:
    decide(coded, "human-connection", "apply", peer, "human-connection")
    assert Excerpt.objects.filter(interview=coded, is_consensus=True).exists()
    (team,) = team_progress(ResearchProject.objects.filter(pk=coded.project_id))
    assert [c.username for c in team.coders] == ["pat-peer", "quinn-peer"]
    assert team.double_coded == 1


def layer_spans(interview: Any, slug: str) -> list[tuple[int, int]]:
    return sorted(
        Excerpt.objects.filter(
            interview=interview, is_consensus=True, tags__value__slug=slug
        ).values_list("start", "end")
    )


def test_it_keeps_a_decision_whose_passage_changed_listed_to_decide_again(
    client: Client, coded: Any, peer: Any, peer2: Any
) -> None:
    decide(coded, "safety", "keep_both", peer, "safety")
    both = span(TEXT, "I felt safe there. We laughed together.")
    assert layer_spans(coded, "safety") == [both]
    # The second coder shortens their excerpt: the decided passage is not there any more.
    wider = Excerpt.objects.get(interview=coded, coder=peer2, start=both[0], end=both[1])
    shorter = span(TEXT, "I felt safe there. We laughed")
    services.excerpt_update(excerpt=wider, user=peer2, changes={"end": shorter[1]})
    item = disagreement_queue(coded.project).interviews[0]
    decision = ConsensusDecision.objects.get()
    assert [c.decision for c in item.changed] == [decision]
    now = next(p for p in item.passages if p.value.slug == "safety")
    assert (now.start, now.end) == span(TEXT, " We laughed")
    assert now.earlier == [decision] and not now.is_decided
    assert item.changed[0].passages == [now]
    # The write rebuilt the consensus layer at once: the old decision no longer counts.
    assert layer_spans(coded, "safety") == [span(TEXT, "I felt safe there.")]
    client.force_login(peer)
    page = client.get(reverse("disagreement_list", args=[coded.project.slug])).content.decode()
    assert "The coding changed since 1 decision" in page
    assert "The coding changed since this decision" in page
    assert f'href="#passage-{now.slug}"' in page
    # Deciding the passage as it is now replaces the old decision, in the audit trail too.
    decide(coded, "safety", "keep_both", peer, "safety")
    remaining = ConsensusDecision.objects.get()
    assert (remaining.start, remaining.end) == (now.start, now.end)
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.DELETE, object_id=str(decision.pk)
    ).exists()
    assert disagreement_queue(coded.project).interviews[0].changed == []
    assert layer_spans(coded, "safety") == [shorter]


def test_it_says_when_the_coders_now_agree_on_a_decided_passage(
    client: Client, coded: Any, peer: Any, peer2: Any
) -> None:
    decide(coded, "safety", "none", peer)
    mine = Excerpt.objects.get(interview=coded, coder=peer, tags__value__slug="safety")
    services.excerpt_update(
        excerpt=mine,
        user=peer,
        changes={"end": span(TEXT, "I felt safe there. We laughed together.")[1]},
    )
    item = disagreement_queue(coded.project).interviews[0]
    assert [c.passages for c in item.changed] == [[]]
    client.force_login(peer)
    page = client.get(reverse("disagreement_list", args=[coded.project.slug])).content.decode()
    assert "The coders now agree on this text: nothing is left to decide." in page


def test_it_rebuilds_the_consensus_layer_when_a_merge_recodes_a_decided_passage(
    project: Any, peer: Any, peer2: Any
) -> None:
    from coding import proposals
    from coding.models import Membership

    lead = peer
    Membership.objects.filter(user=lead, project=project).update(is_lead=True)
    CodebookValue.objects.create(project=project, slug="trust", name="Trust", order=9)
    interview = make_interview(project, TEXT, pseudonym="P200")
    make_excerpt(interview, peer, *span(TEXT, "I felt safe there."), "trust")
    make_excerpt(interview, peer2, *span(TEXT, "Nobody judged me at all."), "safety")
    done(interview, peer, peer2)
    decide(interview, "trust", "keep_both", peer)
    assert layer_spans(interview, "trust") == [span(TEXT, "I felt safe there.")]
    proposal = proposals.proposal_create(
        project=project,
        actor=peer,
        kind="merge",
        reason="The same idea.",
        value=CodebookValue.objects.get(slug="trust"),
        into=value("safety"),
    )
    proposals.proposal_decide(proposal=proposal, actor=lead, accept=True, reason="Agreed.")
    # The decision was on Trust, which no coder has now: it no longer counts (its layer excerpt
    # is not simply moved to Safety), and it is listed to decide again.
    assert layer_spans(interview, "trust") == layer_spans(interview, "safety") == []
    item = disagreement_queue(project).interviews[0]
    assert [c.decision.value.slug for c in item.changed] == ["trust"]
