"""The value tallies follow every change to excerpts, however it is written."""

from __future__ import annotations

import json
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coding.analysis.tallies import TRIGGER_COUNT, _trigger_count, tallies_refresh
from coding.models import CodebookValue, Excerpt, ExcerptValue, TallyQueue, ValueTally

from .conftest import make_excerpt, make_interview


def tallies() -> set[tuple[int, int, str, int, int]]:
    tallies_refresh()
    return set(
        ValueTally.objects.values_list(
            "interview_id", "coder_id", "value__slug", "excerpts", "chars"
        )
    )


def test_it_follows_creates_changes_and_deletes(project: Any, peer: Any) -> None:
    interview = make_interview(project, "a" * 50)
    first = make_excerpt(interview, peer, 0, 10, "safety")
    make_excerpt(interview, peer, 5, 20, "safety", "human-connection")
    assert tallies() == {
        (interview.pk, peer.pk, "safety", 2, 20),  # [0,10) and [5,20) overlap: 20 characters
        (interview.pk, peer.pk, "human-connection", 1, 15),
    }
    assert not TallyQueue.objects.exists()
    Excerpt.objects.filter(pk=first.pk).update(end=30)
    assert (interview.pk, peer.pk, "safety", 2, 30) in tallies()
    tag = ExcerptValue.objects.get(excerpt=first)
    tag.value = CodebookValue.objects.get(slug="choice-and-control")
    tag.save()
    assert (interview.pk, peer.pk, "choice-and-control", 1, 30) in tallies()
    first.delete()
    assert tallies() == {
        (interview.pk, peer.pk, "safety", 1, 15),
        (interview.pk, peer.pk, "human-connection", 1, 15),
    }
    interview.delete()
    assert tallies() == set()


def test_it_follows_bulk_inserts(project: Any, peer: Any) -> None:
    interview = make_interview(project, "b" * 50)
    excerpts = Excerpt.objects.bulk_create(
        [
            Excerpt(interview=interview, coder=peer, start=i, end=i + 5, text="b" * 5)
            for i in (0, 10)
        ]
    )
    safety = CodebookValue.objects.get(slug="safety")
    ExcerptValue.objects.bulk_create([ExcerptValue(excerpt=e, value=safety) for e in excerpts])
    assert tallies() == {(interview.pk, peer.pk, "safety", 2, 10)}


def test_it_reinstalls_lost_triggers(project: Any, peer: Any) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP TRIGGER coding_tally_tags_insert ON coding_excerptvalue")
        else:
            cursor.execute("DROP TRIGGER coding_tally_tags_insert")
        assert _trigger_count(cursor) == TRIGGER_COUNT - 1
    interview = make_interview(project, "c" * 50)
    make_excerpt(interview, peer, 0, 10, "safety")
    # The tag was written without a trigger; reinstalling queues every coded interview.
    assert tallies() == {(interview.pk, peer.pk, "safety", 1, 10)}
    with connection.cursor() as cursor:
        assert _trigger_count(cursor) == TRIGGER_COUNT


WRITES = ("INSERT", "UPDATE", "DELETE")


def test_it_only_reads_when_nothing_is_queued(project: Any, peer: Any) -> None:
    make_excerpt(make_interview(project, "d" * 50), peer, 0, 10, "safety")
    assert tallies_refresh() == 1
    with CaptureQueriesContext(connection) as queries:
        assert tallies_refresh() == 0
    assert len(queries) == 1
    assert queries[0]["sql"].lstrip().upper().startswith("SELECT")
    assert "FOR UPDATE" not in queries[0]["sql"].upper()


def test_it_reads_the_comparison_without_writing_the_tallies(
    client: Client, project: Any, peer: Any, evaluator: Any
) -> None:
    make_excerpt(make_interview(project, "e" * 50), peer, 0, 10, "safety")
    tallies_refresh()
    client.force_login(evaluator)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("compare"), {"projects": project.pk}).status_code == 200
    tally_sql = [q["sql"].upper() for q in queries if "TALLYQUEUE" in q["sql"].upper()]
    assert tally_sql and all(not sql.lstrip().startswith(WRITES) for sql in tally_sql)
    assert not any("FOR UPDATE" in q["sql"].upper() for q in queries)


def test_it_recounts_after_a_write_request_has_answered(
    client: Client, project: Any, peer: Any
) -> None:
    interview = make_interview(project, "Participant: I felt safe there.")
    client.force_login(peer)
    response = client.post(
        f"/api/interviews/{interview.pk}/excerpts/",
        data=json.dumps({"start": 13, "end": 29, "values": ["safety"]}),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert not TallyQueue.objects.exists()  # recounted once the answer was sent
    assert set(
        ValueTally.objects.values_list("interview_id", "coder_id", "value__slug", "chars")
    ) == {(interview.pk, peer.pk, "safety", 16)}


def test_it_leaves_refused_writes_to_the_next_reader(
    client: Client, project: Any, peer: Any
) -> None:
    interview = make_interview(project, "f" * 50)
    make_excerpt(interview, peer, 0, 10, "safety")  # queued, not yet recounted
    client.force_login(peer)
    response = client.post(
        f"/api/interviews/{interview.pk}/excerpts/",
        data=json.dumps({"start": 40, "end": 10, "values": ["safety"]}),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert TallyQueue.objects.filter(interview_id=interview.pk).exists()
