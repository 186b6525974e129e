"""The comparison pages: who sees what, filters in the URL, drill-down, charts, agreement."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coding.analysis.tallies import tallies_refresh
from coding.models import CodebookValue, Participant, ResearchProject

from .conftest import make_excerpt, make_interview, make_project, mark_done

PAGES = ["compare", "compare_cooccurrence", "compare_agreement"]


@pytest.fixture
def coded(project: Any, peer: Any, peer2: Any) -> dict[str, Any]:
    first = make_interview(project, "Participant: I felt safe. It was warm.", pseudonym="Willow")
    Participant.objects.filter(pk=first.participant_id).update(attributes={"gender": "Woman"})
    second = make_interview(
        project, "Participant: We laughed a lot.", pseudonym="Rowan", mode="online", role="staff"
    )
    excerpts = [
        make_excerpt(first, peer, 13, 25, "safety"),
        make_excerpt(first, peer2, 13, 25, "safety", "human-connection"),
        make_excerpt(second, peer, 13, 30, "human-connection"),
    ]
    mark_done(first, peer, peer2)
    return {"first": first, "second": second, "excerpts": excerpts}


@pytest.mark.parametrize("name", PAGES)
def test_it_sends_anonymous_visitors_to_login(client: Client, db: Any, name: str) -> None:
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", PAGES)
def test_it_shows_nothing_of_other_projects_to_outsiders(
    client: Client, outsider: Any, coded: Any, project: Any, name: str
) -> None:
    client.force_login(outsider)
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert project.name not in response.content.decode()
    assert "Willow" not in response.content.decode()


def test_it_compares_the_projects_an_evaluator_can_read(
    client: Client, evaluator: Any, coded: Any, project: Any, other_project: Any
) -> None:
    client.force_login(evaluator)
    response = client.get(reverse("compare"))
    assert response.status_code == 200
    comparison = response.context["comparison"]
    assert [c.project_id for c in comparison.columns] == [project.pk]
    html = response.content.decode()
    # Two interviews are too few to show an evaluator: the whole project column is hidden.
    assert "hidden interviews coded" in html and "Some figures hidden" in html
    assert "All coders, averaged" in html
    assert 'href="/compare/">Compare</a>' in html.replace(' aria-current="page"', "")


def test_it_marks_a_projects_own_value(client: Client, admin_user: Any, coded: Any) -> None:
    women = make_project("women-side-by-side", "Women Side by Side")
    interview = make_interview(women, "Participant: I trust them.", pseudonym="Ivy")
    make_excerpt(interview, admin_user, 13, 25, "trust")
    client.force_login(admin_user)
    html = client.get(reverse("compare")).content.decode()
    assert "own value of Women Side by Side" in html
    assert "not in this project’s codebook" in html


def test_it_keeps_filters_in_the_url(client: Client, peer: Any, coded: Any) -> None:
    client.force_login(peer)
    response = client.get(reverse("compare"), {"mode": "online", "rule": "agreed"})
    comparison = response.context["comparison"]
    assert comparison.columns[0].interviews == 1
    assert comparison.filters.rule == "agreed"
    html = response.content.decode()
    assert "Agreed only" in html
    # Links to other measures, drill-downs and exports carry the same filters.
    assert "mode=online" in response.context["query"]
    assert html.count("rule=agreed") >= 6


def test_it_explains_bad_filters_plainly(client: Client, peer: Any, coded: Any) -> None:
    client.force_login(peer)
    response = client.get(
        reverse("compare"), {"date_from": "2022-01-01", "date_to": "2021-01-01", "mode": "fax"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "The start date must be on or before the end date." in html
    assert "“fax” is not one of them" in html


def test_it_drills_down_to_the_excerpts_behind_a_cell(
    client: Client, peer: Any, coded: Any, project: Any
) -> None:
    client.force_login(peer)
    safety = CodebookValue.objects.get(slug="safety", project__isnull=True)
    response = client.get(reverse("compare_cell"), {"value": safety.pk, "column": f"{project.pk}:"})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("I felt safe.") == 2
    assert "Willow" in html and "Participant" in html
    first = coded["excerpts"][0]
    assert f"/interviews/{first.interview_id}/?coder=pat-peer#excerpt-{first.pk}" in html
    # Under the one-coder rule only the first coder's excerpt is behind the figure.
    response = client.get(
        reverse("compare_cell"), {"value": safety.pk, "column": f"{project.pk}:", "rule": "one"}
    )
    assert response.content.decode().count("I felt safe.") == 1


def test_it_refuses_a_drill_down_into_a_project_i_cannot_read(
    client: Client, peer: Any, other_project: Any
) -> None:
    client.force_login(peer)
    safety = CodebookValue.objects.get(slug="safety", project__isnull=True)
    response = client.get(
        reverse("compare_cell"), {"value": safety.pk, "column": f"{other_project.pk}:"}
    )
    assert response.status_code == 404


def test_it_links_each_figure_to_its_excerpts(client: Client, peer: Any, coded: Any) -> None:
    client.force_login(peer)
    html = client.get(reverse("compare")).content.decode()
    assert re.search(r'href="/compare/cell/\?[^"]*value=\d+&amp;column=\d+%3A"', html)


def test_it_hides_small_counts_from_evaluators_in_participant_breakdowns(
    client: Client, evaluator: Any, admin_user: Any, coded: Any
) -> None:
    query = {"breakdown": "attr:gender", "measure": "count"}
    client.force_login(evaluator)
    html = client.get(reverse("compare"), query).content.decode()
    assert ">hidden<" in html
    assert "Some figures hidden" in html
    client.force_login(admin_user)
    admin_html = client.get(reverse("compare"), query).content.decode()
    assert "Some figures hidden" not in admin_html


def test_it_draws_charts_in_the_values_colours_without_inline_styles(
    client: Client, peer: Any, coded: Any
) -> None:
    client.force_login(peer)
    html = client.get(reverse("compare"), {"measure": "prevalence"}).content.decode()
    safety = CodebookValue.objects.get(slug="safety", project__isnull=True)
    assert f'fill="{safety.colour}"' in html
    assert "style=" not in html.replace("<style nonce", "")
    assert "Data table for both charts" in html
    assert "Safety in Side By Side: the share of interviews is likely between" in html
    response = client.get(reverse("compare_chart", args=["bars"]), {"measure": "prevalence"})
    assert response["Content-Type"].startswith("image/svg+xml")
    assert response["Content-Disposition"].startswith("attachment")
    svg = response.content.decode()
    assert svg.startswith("<svg") and "95% interval" in svg
    assert client.get(reverse("compare_chart", args=["heatmap"])).status_code == 200
    assert client.get(reverse("compare_chart", args=["pie"])).status_code == 404


def test_it_shows_statistics_with_plain_sentences(
    client: Client, admin_user: Any, coded: Any
) -> None:
    other = make_project("women-side-by-side", "Women Side by Side")
    interview = make_interview(other, "Participant: I was safe and safe again.", pseudonym="Iris")
    for start in (13, 23):
        make_excerpt(interview, admin_user, start, start + 4, "safety")
    client.force_login(admin_user)
    html = client.get(reverse("compare")).content.decode()
    assert "How sure can we be?" in html and "the interview is the unit" in html
    assert "Do the columns differ in" in html
    assert "Prevalence, project by project" in html
    assert "residual" not in html and "Chi-square" not in html


def test_it_shows_value_cooccurrence_per_project(
    client: Client, peer: Any, coded: Any, project: Any
) -> None:
    client.force_login(peer)
    response = client.get(reverse("compare_cooccurrence"))
    matrix = response.context["matrices"][0]
    names = [v.slug for v in matrix.values]
    i, j = names.index("safety"), names.index("human-connection")
    assert matrix.matrix[i][j] == 1  # quinn's excerpt carries both
    assert matrix.matrix[i][i] == 2
    download = client.get(reverse("compare_cooccurrence"), {"download": project.slug})
    assert download["Content-Type"].startswith("image/svg+xml")


def test_it_shows_agreement_and_disagreements(client: Client, peer: Any, coded: Any) -> None:
    client.force_login(peer)
    response = client.get(reverse("compare_agreement"))
    report = response.context["report"]
    assert report.interviews == 1
    html = response.content.decode()
    assert "Krippendorff’s alpha" in html and "Cohen’s kappa" in html
    assert "pat-peer &amp; quinn-peer" in html
    # Quinn added human connection where Pat did not: a passage to discuss, in both views.
    second = coded["excerpts"][1]
    assert f"?coder=quinn-peer#excerpt-{second.pk}" in html
    assert f"?coder=pat-peer#excerpt-{coded['excerpts'][0].pk}" in html
    sentences = client.get(reverse("compare_agreement"), {"unit": "sentences"})
    assert sentences.context["report"].unit == "sentences"


def test_it_keeps_the_comparison_queries_constant(client: Client, admin_user: Any) -> None:
    def queries_for_page() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("compare")).status_code == 200
        return len(captured)

    def add_projects(count: int) -> None:
        for _ in range(count):
            project = make_project(f"p{ResearchProject.objects.count()}")
            interview = make_interview(project, f"Participant: text {project.slug} here.")
            make_excerpt(interview, admin_user, 0, 11, "safety")

    client.force_login(admin_user)
    add_projects(2)
    tallies_refresh()  # recounting newly coded interviews is a fixed few queries more
    queries_for_page()  # the first request of a session also stores the session
    few = queries_for_page()
    add_projects(4)
    tallies_refresh()
    # The budget includes two reads for the "values compared" and grouping choices.
    assert queries_for_page() == few <= 22


def test_it_takes_the_disclosure_threshold_from_the_settings(
    client: Client, evaluator: Any, peer: Any, coded: Any, settings: Any
) -> None:
    settings.DISCLOSURE_THRESHOLD = 2
    query = {"breakdown": "role", "measure": "count"}
    client.force_login(evaluator)
    comparison = client.get(reverse("compare"), query).context["comparison"]
    assert comparison.threshold == 2
    assert any(c.suppressed for _, cells in comparison.rows for c in cells)
    # Peer researchers coded these interviews themselves: they see the numbers.
    client.force_login(peer)
    comparison = client.get(reverse("compare"), query).context["comparison"]
    assert not comparison.has_masked
