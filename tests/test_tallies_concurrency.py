"""Tallies equal a recount from the excerpt tables, whatever coders and readers do at once."""

from __future__ import annotations

import random
import threading
import time
from collections import defaultdict
from typing import Any

import pytest
from django.db import transaction

from coding import services
from coding.analysis.tallies import tallies_refresh, tallies_refresh_after_write
from coding.models import Excerpt, ExcerptValue, Membership, TallyQueue, ValueTally

from .concurrency import postgresql_only, run_together
from .conftest import make_interview, make_user

pytestmark = [postgresql_only, pytest.mark.django_db(transaction=True)]

VALUES = ["safety", "human-connection", "choice-and-control", "two-way-interactions"]


def recount() -> dict[tuple[int, int, int], tuple[int, int]]:
    """Excerpts and coded characters per interview, coder and value, counted from scratch."""
    spans: dict[tuple[int, int, int], list[tuple[int, int]]] = defaultdict(list)
    for interview, coder, value, start, end in ExcerptValue.objects.values_list(
        "excerpt__interview_id", "excerpt__coder_id", "value_id", "excerpt__start", "excerpt__end"
    ):
        spans[(interview, coder, value)].append((start, end))
    counts = {}
    for key, found in spans.items():
        covered: set[int] = set()
        for start, end in found:
            covered.update(range(start, end))
        counts[key] = (len(found), len(covered))
    return counts


def test_it_keeps_every_tally_exact_while_coders_write_and_evaluators_read(project: Any) -> None:
    interviews = [make_interview(project, f"word{i} " * 200, pseudonym=f"P{i}") for i in range(2)]
    coders = []
    for n in range(6):
        coder = make_user(f"coder-{n}")
        Membership.objects.create(user=coder, project=project, role=Membership.Role.PEER_RESEARCHER)
        coders.append(coder)
    deadline = time.monotonic() + 3

    def write(coder: Any) -> int:
        rng = random.Random(coder.pk)
        writes = 0
        while time.monotonic() < deadline:
            interview = rng.choice(interviews)
            start = rng.randrange(0, 1000)
            # A request that takes a moment to commit, as a busy server's do.
            with transaction.atomic():
                excerpt = services.excerpt_create(
                    interview=interview,
                    coder=coder,
                    start=start,
                    end=start + rng.randrange(1, 100),
                    values=rng.sample(VALUES, rng.randrange(1, 3)),
                )
                time.sleep(rng.random() / 100)
            if rng.random() < 0.5:  # as a request does once it has answered (some skip it)
                tallies_refresh_after_write()
            if rng.random() < 0.3:
                services.excerpt_delete(excerpt=excerpt, user=coder)
            writes += 1
        return writes

    def read() -> int:
        reads = 0
        while time.monotonic() < deadline:
            tallies_refresh()
            reads += 1
        return reads

    results = run_together(*[lambda c=c: write(c) for c in coders], read, read, read)
    assert all(isinstance(r, int) for r in results), results
    assert sum(results[: len(coders)]) > 10  # some real work, even on a busy machine
    tallies_refresh()
    counted = {
        (t.interview_id, t.coder_id, t.value_id): (t.excerpts, t.chars)
        for t in ValueTally.objects.all()
    }
    expected = recount()
    assert Excerpt.objects.exists()
    wrong = {k: (counted.get(k), v) for k, v in expected.items() if counted.get(k) != v}
    extra = set(counted) - set(expected)
    assert not wrong and not extra, f"{len(wrong)} of {len(expected)} tallies wrong, {extra=}"


def test_it_does_not_wait_for_a_writer_after_a_write_and_the_reader_still_counts_it(
    project: Any, peer: Any
) -> None:
    interview = make_interview(project, "word " * 100)
    # Queued and committed: the writer's trigger below locks this row rather than adding one.
    services.excerpt_create(interview=interview, coder=peer, start=0, end=4, values=["safety"])
    holding, released = threading.Event(), threading.Event()

    def writer() -> None:
        with transaction.atomic():  # its trigger holds the interview's queue row until commit
            services.excerpt_create(
                interview=interview, coder=peer, start=5, end=9, values=["safety"]
            )
            services.excerpt_create(
                interview=interview, coder=peer, start=10, end=14, values=["safety"]
            )
            holding.set()
            released.wait(timeout=10)

    def after_write() -> tuple[int, float]:
        holding.wait(timeout=10)
        started = time.monotonic()
        recounted = tallies_refresh_after_write()  # skips the row the writer holds
        took = time.monotonic() - started
        released.set()
        return recounted, took

    results = run_together(writer, after_write)
    recounted, took = results[1]
    assert recounted == 0 and took < 5, results
    assert TallyQueue.objects.filter(interview_id=interview.pk).exists()  # left for the reader
    tallies_refresh()
    assert ValueTally.objects.get(interview=interview, coder=peer).excerpts == 3
