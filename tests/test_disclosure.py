"""Disclosure control: one policy for everything an evaluator can see or download."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
from typing import Any

import numpy as np
import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from coding.analysis import disclosure
from coding.analysis.comparison import comparison_build
from coding.analysis.exports import EVALUATOR_EXCERPT_HEADER
from coding.analysis.filters import Filters
from coding.analysis.reading import CODING_HIDDEN, DETAILS_HIDDEN, INTERVIEW_HIDDEN
from coding.models import (
    Discussion,
    Excerpt,
    ExcerptValue,
    Interview,
    Membership,
    ResearchProject,
)
from coding.review.discussions import discussion_start
from coding.review.queue import QUEUE_FOR_CODERS

from .conftest import make_excerpt, make_interview, make_project, make_user, mark_done

THRESHOLD = 5
ROLES = ["participant"] * 12 + ["facilitator"] * 7 + ["staff"] * 3 + ["stakeholder"] * 2
MODES = ["in_person"] * 14 + ["phone"] * 7 + ["online"] * 3
GENDERS = ["Woman"] * 11 + ["Man"] * 10 + ["Non-binary"] * 3
# value -> share of interviews that carry it (some common, some rare)
CHANCES = {
    "safety": 0.8,
    "human-connection": 0.6,
    "choice-and-control": 0.35,
    "two-way-interactions": 0.12,
    "freedom-to-be-oneself": 0.05,
}


@pytest.fixture
def world(db: Any, settings: Any) -> dict[str, Any]:
    """Two projects an evaluator reads, with small groups and rare values in both."""
    settings.DISCLOSURE_THRESHOLD = THRESHOLD
    rng = np.random.default_rng(2024)
    coders = [make_user("cora-coder"), make_user("dan-coder")]
    evaluator = make_user("eve-evaluator")
    projects = [make_project("side-by-side", "Side by Side"), make_project("women", "Women")]
    text = "Participant: I felt safe. We talked. I chose. We laughed a lot."
    for p_index, project in enumerate(projects):
        Membership.objects.create(user=evaluator, project=project, role=Membership.Role.EVALUATOR)
        for coder in coders:
            Membership.objects.create(
                user=coder, project=project, role=Membership.Role.PEER_RESEARCHER
            )
        size = 24 if p_index == 0 else 17
        for n in range(size):
            interview = make_interview(
                project,
                f"{text} ({n})",
                pseudonym=f"{project.slug}-{n}",
                role=ROLES[(n * 5 + p_index) % 24],
                mode=MODES[(n * 7) % 24],
                date=dt.date(2025, 1, 1) + dt.timedelta(days=n),
            )
            interview.participant.attributes = {"gender": GENDERS[(n * 11) % 24]}
            interview.participant.save()
            for coder in coders[: 2 if n % 4 == 0 else 1]:
                for slug, chance in CHANCES.items():
                    if rng.random() < chance:
                        start = int(rng.integers(0, 40))
                        make_excerpt(interview, coder, start, start + 10, slug)
            mark_done(interview, *coders[: 2 if n % 4 == 0 else 1])
    return {"evaluator": evaluator, "projects": projects, "coders": coders}


def _csv(response: Any) -> list[dict[str, str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


BREAKDOWNS = ["", "role", "mode", "attr:gender"]
RULES = ["all", "one", "agreed"]
NARROWING = [
    {},
    {"date_from": "2025-01-05", "date_to": "2025-01-05"},
    {"date_from": "2025-01-01", "date_to": "2025-01-10"},
    {"role": "staff"},
    {"mode": "online"},
    {"attr": "gender=Non-binary"},
    {"coder": "dan-coder"},
]
COMBINATIONS = (
    [
        (breakdown, rule, narrowing)
        for breakdown, rule in itertools.product(BREAKDOWNS, RULES)
        for narrowing in NARROWING[:2]
    ]
    + [("", "all", n) for n in NARROWING[2:]]
    + [("role", "all", n) for n in NARROWING[2:]]
)


def _table(client: Client, breakdown: str, rule: str, narrowing: dict[str, str]) -> list[dict]:
    query = {"breakdown": breakdown, "rule": rule, **narrowing}
    return _csv(client.get(reverse("compare_export", args=["table", "csv"]), query))


FIGURES = ("excerpt_count", "interviews_with_value")


def test_it_leaves_nothing_to_recover_by_differencing(world: dict[str, Any]) -> None:
    """Play the attack: every table an evaluator can download, under 29 filter combinations.

    Each published total is a sum of cells: a project's unsplit figure sums its groups, and a
    column's excerpts sum to its total (which the share of tags gives away). A hidden cell is
    recovered when those sums pin it down, that is when its unit vector lies in the row space
    of the equations over the hidden cells. None may.
    """
    assert len(COMBINATIONS) >= 20
    client = Client()
    client.force_login(world["evaluator"])
    tables = {
        (*combo[:2], tuple(combo[2].items())): _table(client, *combo) for combo in COMBINATIONS
    }
    hidden_seen = 0
    for rule in RULES:
        for figure in FIGURES:
            unknowns: dict[tuple, int] = {}
            equations: list[tuple[dict[int, float], float]] = []
            for (breakdown, table_rule, _), rows in tables.items():
                if table_rule != rule:
                    continue
                # Whatever the narrowing filter, an evaluator's table equals the unfiltered one.
                assert _figures(rows) == _figures(tables[(breakdown, rule, ())])
                if breakdown:
                    unsplit = {(r["project"], r["value"]): r for r in tables[("", rule, ())]}
                    for (project, value), total in unsplit.items():
                        parts = [r for r in rows if (r["project"], r["value"]) == (project, value)]
                        _equation(unknowns, equations, breakdown, parts, total[figure], figure)
                for project, group in {(r["project"], r["group"]) for r in rows}:
                    parts = [r for r in rows if (r["project"], r["group"]) == (project, group)]
                    if figure == "excerpt_count":
                        total = _column_tags(parts)
                        if total is not None:
                            _equation(unknowns, equations, breakdown, parts, total, figure)
            hidden_seen += len(unknowns)
            for name, index in unknowns.items():
                assert not _pinned(equations, len(unknowns), index), name
    assert hidden_seen > 20  # the attack had hidden cells to go after


def _figures(rows: list[dict]) -> list[dict]:
    return [{k: v for k, v in r.items() if k != "filters"} for r in rows]


def _equation(
    unknowns: dict, equations: list, breakdown: str, parts: list[dict], total: str, figure: str
) -> None:
    if total == disclosure.HIDDEN:
        return
    row: dict[int, float] = {}
    known = 0.0
    for part in parts:
        if part[figure] == disclosure.HIDDEN:
            key = (breakdown, part["project"], part["group"], part["value"])
            row[unknowns.setdefault(key, len(unknowns))] = 1.0
        else:
            known += float(part[figure] or 0)
    if row:
        equations.append((row, float(total) - known))


def _column_tags(parts: list[dict]) -> float | None:
    """A column's total of tags, from any visible cell's count and share."""
    for part in parts:
        if part["excerpt_count"] not in (disclosure.HIDDEN, "", "0") and part["share_of_tags"]:
            return float(part["excerpt_count"]) / float(part["share_of_tags"])
    return None


def _pinned(equations: list, size: int, index: int) -> bool:
    if not equations:
        return False
    matrix = np.zeros((len(equations), size))
    for n, (row, _) in enumerate(equations):
        for j, w in row.items():
            matrix[n, j] = w
    unit = np.zeros((1, size))
    unit[0, index] = 1
    return np.linalg.matrix_rank(np.vstack([matrix, unit])) == np.linalg.matrix_rank(matrix)


def test_it_hides_every_figure_of_a_hidden_cell_and_shows_no_test_on_it(
    world: dict[str, Any],
) -> None:
    ids = tuple(p.pk for p in world["projects"])
    masked = frozenset(ids)
    for breakdown, measure in itertools.product(BREAKDOWNS, ["prevalence", "per_interview"]):
        comparison = comparison_build(
            Filters(project_ids=ids, breakdown=breakdown),
            measure,
            masked_project_ids=masked,
            threshold=THRESHOLD,
        )
        hidden = [c for _, cells in comparison.rows for c in cells if c.suppressed]
        for cell in hidden:
            assert cell.text == disclosure.HIDDEN and cell.number is None
            assert not (cell.mark or cell.sentence or cell.ci_text) and cell.p is None
        for row in comparison.pairwise:
            assert not any(
                (c.value.id, c.column.key) in {(row["v_id"], row["a"]), (row["v_id"], row["b"])}
                for c in hidden
            )
        for column in comparison.columns:
            # Every group shown rests on enough interviews; small ones went into "Other".
            assert column.hidden or column.interviews >= THRESHOLD
        for _, cells in comparison.rows:
            for cell in cells:
                if cell.applies and not cell.suppressed:
                    assert cell.people == 0 or cell.people >= THRESHOLD


def test_it_merges_small_groups_into_other(world: dict[str, Any]) -> None:
    ids = (world["projects"][0].pk,)
    comparison = comparison_build(
        Filters(project_ids=ids, breakdown="role"), masked_project_ids=frozenset(ids)
    )
    labels = [c.group_label for c in comparison.columns]
    assert disclosure.OTHER_LABEL in labels and "Staff" not in labels
    admin = comparison_build(Filters(project_ids=ids, breakdown="role"))
    assert "Staff" in [c.group_label for c in admin.columns]


def test_it_keeps_the_quotes_behind_a_hidden_cell_closed(world: dict[str, Any]) -> None:
    client = Client()
    client.force_login(world["evaluator"])
    ids = tuple(p.pk for p in world["projects"])
    comparison = comparison_build(
        Filters(project_ids=ids), masked_project_ids=frozenset(ids), threshold=THRESHOLD
    )
    cells = [c for _, cells in comparison.rows for c in cells if c.applies]
    hidden = next(c for c in cells if c.suppressed)
    shown = next(c for c in cells if not c.suppressed and c.people)
    url = reverse("compare_cell")
    for cell, status in ((hidden, 403), (shown, 200)):
        query = {"value": cell.value.id, "column": cell.column.key}
        assert client.get(url, query).status_code == status
    shown_page = client.get(url, {"value": shown.value.id, "column": shown.column.key})
    assert "side-by-side-" not in shown_page.content.decode()  # no pseudonyms
    split = {"value": shown.value.id, "column": f"{shown.column.project_id}:", "breakdown": "mode"}
    assert client.get(url, split).status_code == 403


def test_it_gives_evaluators_excerpt_files_without_people_or_hidden_cells(
    world: dict[str, Any],
) -> None:
    client = Client()
    client.force_login(world["evaluator"])
    response = client.get(reverse("compare_export", args=["excerpts", "csv"]))
    rows = _csv(response)
    assert list(rows[0]) == EVALUATOR_EXCERPT_HEADER
    ids = tuple(p.pk for p in world["projects"])
    comparison = comparison_build(
        Filters(project_ids=ids), masked_project_ids=frozenset(ids), threshold=THRESHOLD
    )
    hidden = {
        (c.column.project_name, c.value.name)
        for _, cs in comparison.rows
        for c in cs
        if c.suppressed
    }
    assert hidden
    assert not {(r["project"], r["value"]) for r in rows} & hidden
    assert all("participant" not in name for name in rows[0])


def test_it_hides_the_cooccurrence_of_hidden_values(world: dict[str, Any]) -> None:
    client = Client()
    client.force_login(world["evaluator"])
    ids = tuple(p.pk for p in world["projects"])
    comparison = comparison_build(
        Filters(project_ids=ids), masked_project_ids=frozenset(ids), threshold=THRESHOLD
    )
    hidden = {
        (c.column.project_id, c.value.id) for _, cs in comparison.rows for c in cs if c.suppressed
    }
    for item in client.get(reverse("compare_cooccurrence")).context["matrices"]:
        for i, value in enumerate(item.values):
            if (item.project.pk, value.id) in hidden:
                assert item.matrix[i][i] is None
            for x in item.matrix[i]:
                assert x is None or x == 0 or x >= THRESHOLD


def test_it_shows_no_data_for_a_bad_date_filter(world: dict[str, Any]) -> None:
    client = Client()
    client.force_login(world["coders"][0])
    response = client.get(reverse("compare"), {"date_from": "2025-13-45"})
    assert response.context["comparison"].is_empty
    assert "No coded interviews match these filters" in response.content.decode()


def test_it_gives_evaluators_agreement_figures_only(world: dict[str, Any]) -> None:
    client = Client()
    client.force_login(world["evaluator"])
    html = client.get(reverse("compare_agreement")).content.decode()
    assert "Krippendorff’s alpha" in html and "disagreements-heading" not in html
    assert ResearchProject.objects.count() == 2


def _hidden_in_any_rule(world: dict[str, Any]) -> set[tuple[int, str]]:
    """(project, value slug) of every cell an evaluator's unsplit table hides under some rule."""
    ids = tuple(p.pk for p in world["projects"])
    hidden = set()
    for rule in ["all", "one", "agreed", "consensus"]:
        comparison = comparison_build(
            Filters(project_ids=ids, rule=rule),
            "count",
            masked_project_ids=frozenset(ids),
            threshold=THRESHOLD,
        )
        hidden |= {
            (c.column.project_id, c.value.slug)
            for _, cells in comparison.rows
            for c in cells
            if c.suppressed
        }
    return hidden


def test_it_leaves_nothing_to_recover_from_the_reading_view(world: dict[str, Any]) -> None:
    """The attack, continued: every interview's reading view (page, its data, the API)."""
    hidden = _hidden_in_any_rule(world)
    in_database = {
        (project_id, slug)
        for project_id, slug in ExcerptValue.objects.values_list(
            "excerpt__interview__project_id", "value__slug"
        )
    }
    assert hidden & in_database  # there is coding to hide
    client = Client()
    client.force_login(world["evaluator"])
    for interview in Interview.objects.filter(project__in=world["projects"]).select_related(
        "participant"
    ):
        response = client.get(reverse("interview_detail", args=[interview.pk]))
        assert response.status_code == 200
        html = response.content.decode()
        # Nothing ties the interview to a group: no pseudonym, nor the details line.
        assert interview.participant.pseudonym not in html
        assert str(interview) not in html
        assert disclosure_note(html)
        api = client.get(reverse("api_interview_excerpts", args=[interview.pk])).json()
        for rows in (response.context["page_data"]["excerpts"], api["excerpts"]):
            for row in rows:
                assert not {(interview.project_id, v) for v in row["values"]} & hidden
        for excerpt_id in Excerpt.objects.filter(interview=interview).values_list("pk", flat=True):
            answer = client.get(reverse("api_excerpt_detail", args=[excerpt_id]))
            if answer.status_code == 200:
                values = answer.json()["values"]
                assert values and not {(interview.project_id, v) for v in values} & hidden
            else:
                assert answer.status_code == 404


def disclosure_note(html: str) -> bool:
    return escape(CODING_HIDDEN) in html or escape(DETAILS_HIDDEN) in html


def test_it_keeps_interviews_of_a_project_too_small_to_show_closed(
    world: dict[str, Any], settings: Any
) -> None:
    small = make_project("small", "Small")
    Membership.objects.create(user=world["evaluator"], project=small, role="evaluator")
    coder = world["coders"][0]
    Membership.objects.create(user=coder, project=small, role="peer_researcher")
    interviews = [make_interview(small, f"Participant: I felt safe. ({n})") for n in range(3)]
    for interview in interviews:
        make_excerpt(interview, coder, 13, 25, "safety")
    client = Client()
    client.force_login(world["evaluator"])
    page = client.get(reverse("interview_detail", args=[interviews[0].pk]))
    assert page.status_code == 403
    assert escape(INTERVIEW_HIDDEN) in page.content.decode()
    api = client.get(reverse("api_interview_excerpts", args=[interviews[0].pk]))
    assert api.status_code == 403 and api.json() == {"error": INTERVIEW_HIDDEN}
    # The project's own researchers see everything, as before.
    client.force_login(coder)
    page = client.get(reverse("interview_detail", args=[interviews[0].pk]))
    assert page.status_code == 200
    assert interviews[0].participant.pseudonym in page.content.decode()


def test_it_shows_peer_researchers_every_excerpt_and_detail(world: dict[str, Any]) -> None:
    hidden = _hidden_in_any_rule(world)
    client = Client()
    client.force_login(world["coders"][1])
    shown = set()
    for interview in Interview.objects.filter(project__in=world["projects"]):
        response = client.get(reverse("interview_detail", args=[interview.pk]))
        assert interview.participant.pseudonym in response.content.decode()
        assert not disclosure_note(response.content.decode())
        for row in response.context["page_data"]["excerpts"]:
            shown |= {(interview.project_id, v) for v in row["values"]}
    assert hidden & shown


def _threads_on_every_value(world: dict[str, Any]) -> list[Discussion]:
    """A thread about each value of one excerpt per (project, value): hidden ones included."""
    threads, seen = [], set()
    for excerpt_value in ExcerptValue.objects.filter(
        excerpt__interview__project__in=world["projects"]
    ).select_related("excerpt__interview", "excerpt__coder", "value"):
        excerpt = excerpt_value.excerpt
        key = (excerpt.interview.project_id, excerpt_value.value.slug)
        if key not in seen:
            seen.add(key)
            threads.append(
                discussion_start(
                    interview=excerpt.interview,
                    user=excerpt.coder,
                    body="Is this the value?",
                    excerpt=excerpt,
                    value=excerpt_value.value,
                )
            )
    return threads


def test_it_leaves_nothing_to_recover_from_the_review_pages(world: dict[str, Any]) -> None:
    """The attack, continued: the disagreement queue, its files, and the discussions."""
    hidden = _hidden_in_any_rule(world)
    threads = _threads_on_every_value(world)
    about_hidden = [t for t in threads if (t.interview.project_id, t.value.slug) in hidden]
    assert about_hidden  # threads name hidden values, to peer researchers
    pseudonyms = [i.participant.pseudonym for i in Interview.objects.select_related("participant")]
    client = Client()
    client.force_login(world["evaluator"])
    for project in world["projects"]:
        # The queue shows each coder's values passage by passage: evaluators are refused it.
        for url in (
            reverse("disagreement_list", args=[project.slug]),
            reverse("review_export", args=[project.slug, "decisions"]),
        ):
            response = client.get(url)
            assert response.status_code == 403
            assert escape(QUEUE_FOR_CODERS) in response.content.decode()
        rows = _csv(client.get(reverse("review_export", args=[project.slug, "discussions"])))
        assert len(rows) == sum(t.interview.project_id == project.pk for t in threads)
        for row in rows:
            assert row["value"] == "" or (project.pk, _slug(row["value"])) not in hidden
            assert not set(row.values()) & set(pseudonyms)
    listing = client.get(reverse("discussion_list"))
    html = listing.content.decode()
    assert len(listing.context["threads"]) == len(threads)
    assert not [t for t in threads if f">{escape(str(t.interview))}<" in html]  # no pseudonym
    for thread in listing.context["threads"]:
        value = getattr(thread, "shown_value", thread.value)  # what the page names
        assert value is None or (thread.interview.project_id, value.slug) not in hidden
    for thread in threads:
        response = client.get(reverse("discussion_detail", args=[thread.pk]))
        assert response.status_code == 200
        page = response.content.decode()
        assert thread.interview.participant.pseudonym not in page
        assert "Is this the value?" in page  # evaluators read the comments
        named = f"Discussion about {escape(thread.value.name)}" in page
        assert named == ((thread.interview.project_id, thread.value.slug) not in hidden)


def _slug(name: str) -> str:
    return ExcerptValue.objects.filter(value__name=name).values_list("value__slug", flat=True)[0]


def test_it_shows_peer_researchers_the_values_of_every_thread(world: dict[str, Any]) -> None:
    threads = _threads_on_every_value(world)
    client = Client()
    client.force_login(world["coders"][0])
    for thread in threads:
        page = client.get(reverse("discussion_detail", args=[thread.pk])).content.decode()
        assert f"Discussion about {escape(thread.value.name)}" in page
        assert escape(str(thread.interview)) in page
    for project in world["projects"]:
        assert client.get(reverse("disagreement_list", args=[project.slug])).status_code == 200


def test_it_keeps_threads_of_a_project_too_small_to_show_closed(world: dict[str, Any]) -> None:
    small = make_project("small", "Small")
    Membership.objects.create(user=world["evaluator"], project=small, role="evaluator")
    coder = world["coders"][0]
    Membership.objects.create(user=coder, project=small, role="peer_researcher")
    interview = make_interview(small, "Participant: I felt safe.")
    excerpt = make_excerpt(interview, coder, 13, 25, "safety")
    thread = discussion_start(interview=interview, user=coder, body="Safe?", excerpt=excerpt)
    client = Client()
    client.force_login(world["evaluator"])
    page = client.get(reverse("discussion_detail", args=[thread.pk]))
    assert page.status_code == 403
    assert escape(INTERVIEW_HIDDEN) in page.content.decode()
    assert thread not in client.get(reverse("discussion_list")).context["threads"]
    export = client.get(reverse("review_export", args=["small", "discussions"]))
    assert export.status_code == 403


def _one_rare_value(settings: Any) -> tuple[Any, Any, list[Interview]]:
    """Six interviews with safety and human connection, one also with choice and control."""
    settings.DISCLOSURE_THRESHOLD = THRESHOLD
    project = make_project("lone", "Lone")
    coder, evaluator = make_user("lone-coder"), make_user("lone-evaluator")
    Membership.objects.create(user=coder, project=project, role="peer_researcher")
    Membership.objects.create(user=evaluator, project=project, role="evaluator")
    text = "Participant: I felt safe. We talked. I chose."
    interviews = [make_interview(project, f"{text} ({n})") for n in range(6)]
    for interview in interviews:
        make_excerpt(interview, coder, 13, 25, "safety")
        make_excerpt(interview, coder, 26, 36, "human-connection")
        mark_done(interview, coder)
    make_excerpt(interviews[0], coder, 37, 45, "choice-and-control")
    return coder, evaluator, interviews


def _values_read(client: Client, interview: Interview) -> set[str]:
    rows = client.get(reverse("api_interview_excerpts", args=[interview.pk])).json()["excerpts"]
    return {v for row in rows for v in row["values"]}


def test_it_hides_afresh_once_the_coding_changes(db: Any, settings: Any) -> None:
    """The hidden values are kept between page opens, but never past a change in the coding."""
    coder, evaluator, interviews = _one_rare_value(settings)
    client = Client()
    client.force_login(evaluator)
    assert "choice-and-control" not in _values_read(client, interviews[0])
    assert "choice-and-control" not in _values_read(client, interviews[0])  # from the cache
    for interview in interviews[1:]:
        make_excerpt(interview, coder, 37, 45, "choice-and-control")
    # Six interviews now carry the value: the next page open shows it.
    assert "choice-and-control" in _values_read(client, interviews[0])
    # And taking it off again hides it again on the next open.
    tags = ExcerptValue.objects.filter(
        excerpt__interview__in=interviews[1:], value__slug="choice-and-control"
    )
    Excerpt.objects.filter(pk__in=tags.values("excerpt_id")).delete()
    assert "choice-and-control" not in _values_read(client, interviews[0])


def test_it_reads_an_interview_in_a_constant_number_of_queries(
    db: Any, settings: Any, django_assert_max_num_queries: Any
) -> None:
    """The hidden values come from the cache: a page open does not rebuild the comparisons."""
    _, evaluator, interviews = _one_rare_value(settings)
    client = Client()
    client.force_login(evaluator)
    client.get(reverse("interview_detail", args=[interviews[0].pk]))  # fills the cache
    for interview in interviews[:3]:
        with django_assert_max_num_queries(READING_QUERIES):
            response = client.get(reverse("interview_detail", args=[interview.pk]))
        assert response.status_code == 200


READING_QUERIES = 12  # a warm open; rebuilding the four comparisons makes it about 40
