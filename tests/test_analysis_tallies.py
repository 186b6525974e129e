"""The value tallies follow every change to excerpts, however it is written."""

from __future__ import annotations

from typing import Any

from django.db import connection

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
