"""The Quotes page, a lead's decisions, the attribution setting, the drill-down's suggestion
form and the coding page's quotes API."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from coding.findings import candidates as svc
from coding.findings.listing import PROJECT_HIDDEN, SOME_HIDDEN
from coding.findings.models import QuoteCandidate
from coding.models import CodebookValue, CodingProgress, Membership, Participant

from .conftest import make_excerpt, make_interview, make_project, make_user

TEXT = "Interviewer: How was it?\nParticipant: I felt safe there and chose when to come."


@pytest.fixture
def lead(project: Any) -> Any:
    user = make_user("lee-lead")
    Membership.objects.create(user=user, project=project, role="peer_researcher", is_lead=True)
    return user


def coded(project: Any, coder: Any, n: int, *slugs: str, consent: str = "yes") -> Any:
    interview = make_interview(project, f"{TEXT} ({n})", pseudonym=f"Person{n}")
    Participant.objects.filter(pk=interview.participant_id).update(quote_consent=consent)
    start = TEXT.index("I felt")
    return make_excerpt(interview, coder, start, start + 15, *(slugs or ("safety",)))


def suggest(excerpt: Any, user: Any, slug: str = "safety", caption: str = "Safe") -> Any:
    value = CodebookValue.objects.for_project(excerpt.interview.project).get(slug=slug)
    return svc.quote_propose(excerpt=excerpt, value_id=value.pk, caption=caption, user=user)


def page(client: Client, project: Any, query: str = "") -> str:
    response = client.get(reverse("quote_list", args=[project.slug]) + query)
    assert response.status_code == 200
    return response.content.decode()


# --- the Quotes page -----------------------------------------------------------------------------


def test_it_lists_candidates_with_status_and_consent(
    client: Client, project: Any, peer: Any, lead: Any
) -> None:
    yes = suggest(coded(project, peer, 1), peer, caption="Feeling safe")
    no = suggest(coded(project, peer, 2, consent="no"), peer, caption="Choosing")
    client.force_login(lead)

    html = page(client, project)

    assert "Feeling safe" in html and "Choosing" in html
    assert html.count("Waiting for a decision") == 2
    assert html.count("Cannot be used: no consent to quote") == 1
    approve = reverse("quote_decide", args=[project.slug, yes.pk])
    assert html.count(f'action="{approve}"') == 2  # approve and decline
    # The candidate without consent can be declined, never approved.
    decide_no = reverse("quote_decide", args=[project.slug, no.pk])
    assert html.count(f'action="{decide_no}"') == 1


def test_it_lets_a_lead_approve_and_decline_on_the_page(
    client: Client, project: Any, peer: Any, lead: Any
) -> None:
    first = suggest(coded(project, peer, 1), peer)
    second = suggest(coded(project, peer, 2), peer)
    client.force_login(lead)

    url = reverse("quote_decide", args=[project.slug, first.pk])
    response = client.post(url, {"decision": "approve"}, follow=True)
    client.post(
        reverse("quote_decide", args=[project.slug, second.pk]),
        {"decision": "decline", "reason": "Says the same as another."},
    )

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == "approved" and first.decided_by == lead
    assert (second.status, second.decision_reason) == ("declined", "Says the same as another.")
    assert "Approved: the quote can appear in the findings." in response.content.decode()


def test_it_says_why_a_quote_without_consent_cannot_be_approved(
    client: Client, project: Any, peer: Any, lead: Any
) -> None:
    candidate = suggest(coded(project, peer, 1, consent="not_asked"), peer)
    client.force_login(lead)

    response = client.post(
        reverse("quote_decide", args=[project.slug, candidate.pk]),
        {"decision": "approve"},
        follow=True,
    )

    candidate.refresh_from_db()
    assert candidate.status == "candidate"
    assert svc.NO_CONSENT in response.content.decode()


@pytest.mark.parametrize("who", ["peer2", "evaluator"])
def test_it_refuses_decisions_from_others_than_leads(
    client: Client, project: Any, peer: Any, peer2: Any, evaluator: Any, who: str
) -> None:
    candidate = suggest(coded(project, peer, 1), peer)
    client.force_login({"peer2": peer2, "evaluator": evaluator}[who])

    url = reverse("quote_decide", args=[project.slug, candidate.pk])
    response = client.post(url, {"decision": "approve"})

    assert response.status_code == 403
    candidate.refresh_from_db()
    assert candidate.status == "candidate"


def test_it_filters_by_status(client: Client, project: Any, peer: Any, lead: Any) -> None:
    kept = suggest(coded(project, peer, 1), peer, caption="Kept one")
    suggest(coded(project, peer, 2), peer, caption="Waiting one")
    svc.quote_decide(candidate=kept, user=lead, approve=True)
    client.force_login(peer)

    html = page(client, project, "?status=approved")

    assert "Kept one" in html and "Waiting one" not in html
    assert "Approved (1)" in html and "Waiting (1)" in html


def test_it_lists_in_constant_queries(
    client: Client, project: Any, peer: Any, lead: Any, django_assert_max_num_queries: Any
) -> None:
    client.force_login(lead)
    suggest(coded(project, peer, 0), peer)
    with django_assert_max_num_queries(20) as few:
        page(client, project)
    for n in range(1, 6):
        suggest(coded(project, peer, n), peer)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page(client, project)


def test_it_lets_a_lead_or_admin_set_attribution_and_refuses_others(
    client: Client, project: Any, peer: Any, lead: Any, admin_user: Any
) -> None:
    url = reverse("quote_settings", args=[project.slug])
    client.force_login(peer)
    assert client.post(url, {"quote_attribution": "pseudonym"}).status_code == 403
    project.refresh_from_db()
    assert project.quote_attribution == "none"

    client.force_login(lead)
    response = client.post(url, {"quote_attribution": "pseudonym"})
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.quote_attribution == "pseudonym"
    assert 'value="pseudonym" checked' in page(client, project)

    client.force_login(admin_user)
    client.post(url, {"quote_attribution": "none"})
    project.refresh_from_db()
    assert project.quote_attribution == "none"


def test_it_lets_a_proposer_take_back_a_waiting_suggestion(
    client: Client, project: Any, peer: Any, peer2: Any
) -> None:
    candidate = suggest(coded(project, peer, 1), peer)
    url = reverse("quote_remove", args=[project.slug, candidate.pk])
    client.force_login(peer2)
    client.post(url)
    assert QuoteCandidate.objects.filter(pk=candidate.pk).exists()
    client.force_login(peer)
    client.post(url)
    assert not QuoteCandidate.objects.exists()


# --- evaluators and disclosure control -----------------------------------------------------------


def test_it_shows_evaluators_nothing_of_a_project_too_small_to_show(
    client: Client, settings: Any, project: Any, peer: Any, evaluator: Any
) -> None:
    settings.DISCLOSURE_THRESHOLD = 3
    suggest(coded(project, peer, 1), peer, caption="Hidden caption")
    client.force_login(evaluator)

    html = page(client, project)

    assert PROJECT_HIDDEN.replace("'", "&#x27;") in html
    assert "Hidden caption" not in html and "I felt safe" not in html


def test_it_hides_from_evaluators_the_values_whose_figures_are_hidden(
    client: Client, settings: Any, project: Any, peer: Any, evaluator: Any
) -> None:
    settings.DISCLOSURE_THRESHOLD = 2
    shown = [coded(project, peer, n, "safety") for n in range(1, 4)]
    coded(project, peer, 4, "human-connection")
    coded(project, peer, 5, "human-connection")
    rare = coded(project, peer, 6, "safety", "choice-and-control")
    suggest(shown[0], peer, caption="Shown caption")
    suggest(rare, peer, "choice-and-control", caption="Rare caption")
    client.force_login(evaluator)

    html = page(client, project)

    assert "Shown caption" in html and "Rare caption" not in html
    assert SOME_HIDDEN in html
    assert "Person1" not in html  # no pseudonyms for evaluators
    assert "/decide/" not in html and "Take back" not in html


# --- blind coding --------------------------------------------------------------------------------


def test_it_keeps_other_coders_quotes_hidden_on_a_blind_project(
    client: Client, project: Any, peer: Any, peer2: Any
) -> None:
    project.blind_coding = True
    project.save()
    excerpt = coded(project, peer, 1)
    suggest(excerpt, peer, caption="Blind caption")
    client.force_login(peer2)
    assert "Blind caption" not in page(client, project)

    for coder in (peer, peer2):
        CodingProgress.objects.create(
            interview=excerpt.interview, coder=coder, done_at=timezone.now()
        )
    assert "Blind caption" in page(client, project)


# --- the drill-down's suggestion form ------------------------------------------------------------


def test_it_suggests_from_the_drill_down_and_goes_back(
    client: Client, project: Any, peer: Any
) -> None:
    excerpt = coded(project, peer, 1)
    safety = CodebookValue.objects.for_project(project).get(slug="safety")
    client.force_login(peer)
    back = reverse("compare_cell") + f"?column={project.pk}&value={safety.pk}"

    response = client.post(
        reverse("quote_propose", args=[project.slug]),
        {"excerpt": excerpt.pk, "value": safety.pk, "caption": "From the drill-down", "next": back},
    )

    assert response["Location"] == f"{back}#excerpt-{excerpt.pk}"
    assert QuoteCandidate.objects.get().caption == "From the drill-down"


def test_it_does_not_follow_a_foreign_next_address(client: Client, project: Any, peer: Any) -> None:
    excerpt = coded(project, peer, 1)
    client.force_login(peer)
    response = client.post(
        reverse("quote_propose", args=[project.slug]),
        {"excerpt": excerpt.pk, "value": "", "caption": "x", "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("quote_list", args=[project.slug])
    assert not QuoteCandidate.objects.exists()  # no value given: refused


def test_it_refuses_drill_down_suggestions_from_evaluators_and_other_projects(
    client: Client, project: Any, peer: Any, evaluator: Any
) -> None:
    other = make_project("other-project")
    Membership.objects.create(user=peer, project=other, role="peer_researcher")
    foreign = coded(other, peer, 9)
    mine = coded(project, peer, 1)
    url = reverse("quote_propose", args=[project.slug])
    client.force_login(evaluator)
    assert client.post(url, {"excerpt": mine.pk, "caption": "x"}).status_code == 403
    client.force_login(peer)
    assert client.post(url, {"excerpt": foreign.pk, "caption": "x"}).status_code == 404
    assert not QuoteCandidate.objects.exists()


# --- the coding page's API -----------------------------------------------------------------------


def api_post(client: Client, excerpt: Any, body: Any) -> Any:
    return client.post(
        reverse("api_excerpt_quotes", args=[excerpt.pk]),
        json.dumps(body),
        content_type="application/json",
    )


def test_it_suggests_and_lists_through_the_api(client: Client, project: Any, peer: Any) -> None:
    excerpt = coded(project, peer, 1, "safety", "human-connection")
    client.force_login(peer)

    created = api_post(client, excerpt, {"value": "human-connection", "caption": "Connected"})
    listed = client.get(reverse("api_excerpt_quotes", args=[excerpt.pk])).json()

    assert created.status_code == 201
    row = created.json()
    assert (row["value"], row["caption"], row["status"]) == (
        "human-connection",
        "Connected",
        "candidate",
    )
    assert row["usable"] is True and row["can_remove"] is True
    assert listed == {"quotes": [row]}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"value": "safety", "caption": ""}, svc.CAPTION_MISSING),
        ({"value": "trust", "caption": "x"}, svc.NOT_ITS_VALUE),
        ({"value": 3, "caption": "x"}, svc.NOT_ITS_VALUE),
        ({"value": "safety", "caption": "x" * 201}, svc.CAPTION_TOO_LONG.format(limit=200)),
    ],
)
def test_it_answers_bad_suggestions_with_a_json_sentence(
    client: Client, project: Any, peer: Any, body: dict, message: str
) -> None:
    excerpt = coded(project, peer, 1)
    client.force_login(peer)
    response = api_post(client, excerpt, body)
    assert (response.status_code, response.json()) == (400, {"error": message})


def test_it_refuses_evaluators_in_json(
    client: Client, project: Any, peer: Any, evaluator: Any
) -> None:
    excerpt = coded(project, peer, 1)
    client.force_login(evaluator)
    response = api_post(client, excerpt, {"value": "safety", "caption": "x"})
    assert response.status_code == 403
    assert response.json() == {"error": svc.NOT_A_PEER_RESEARCHER}


def test_it_removes_through_the_api_for_its_proposer_only(
    client: Client, project: Any, peer: Any, peer2: Any
) -> None:
    candidate = suggest(coded(project, peer, 1), peer)
    url = reverse("api_quote_detail", args=[candidate.pk])
    client.force_login(peer2)
    refused = client.delete(url)
    assert refused.status_code == 403 and refused.json() == {"error": svc.NOT_YOURS_TO_REMOVE}
    client.force_login(peer)
    assert client.delete(url).status_code == 204
    assert client.delete(url).status_code == 404


def test_it_offers_the_suggestion_form_in_the_drill_down_to_peer_researchers_only(
    client: Client, settings: Any, project: Any, peer: Any, evaluator: Any
) -> None:
    settings.DISCLOSURE_THRESHOLD = 1
    excerpt = coded(project, peer, 1)
    safety = CodebookValue.objects.for_project(project).get(slug="safety")
    url = reverse("compare_cell") + f"?column={project.pk}&value={safety.pk}"
    form_action = reverse("quote_propose", args=[project.slug])

    client.force_login(peer)
    before = client.get(url).content.decode()
    suggest(excerpt, peer)
    after = client.get(url).content.decode()
    client.force_login(evaluator)
    evaluators = client.get(url).content.decode()

    assert form_action in before and f'name="excerpt" value="{excerpt.pk}"' in before
    assert form_action not in after and "Suggested as a quote:</strong> waiting" in after
    assert "I felt safe" in evaluators and form_action not in evaluators


def test_it_lists_an_excerpts_quotes_in_constant_queries(
    client: Client, project: Any, peer: Any, peer2: Any, django_assert_max_num_queries: Any
) -> None:
    excerpt = coded(project, peer, 1, "safety", "human-connection", "choice-and-control")
    client.force_login(peer)
    url = reverse("api_excerpt_quotes", args=[excerpt.pk])
    suggest(excerpt, peer)
    with django_assert_max_num_queries(20) as one:
        client.get(url)
    suggest(excerpt, peer2, "human-connection")
    suggest(excerpt, peer2, "choice-and-control")
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert len(client.get(url).json()["quotes"]) == 3
