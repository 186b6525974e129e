"""Benchmark of the team's review on PostgreSQL: the disagreement queue and the consensus rule.

The demo's three projects at ten times their size (690 + 400 + 240 = 1,330 interviews), 20% of
them coded by two peer researchers who both marked them done, and decisions recorded on some
of their passages. Measures (p50 and p95 of repeated runs):

- the disagreement queue page of the largest project (GET, whole response);
- the comparison page under the rule "Consensus where decided, else agreed";
- recording one decision (the consensus layer of its interview is rebuilt in the same save);
- a coder's change to an excerpt of a decided interview (the layer follows in the same save).

    DEBUG=1 .venv/bin/python bench/consensus.py            # builds the data (about a minute)
    DEBUG=1 .venv/bin/python bench/consensus.py --reuse    # measures again on that data

Prints figures; asserts nothing. Its own database: `pv_bench_consensus` unless
BENCH_DATABASE_URL says otherwise.
"""

from __future__ import annotations

import argparse
import os
import random
import time
from typing import Any

from _measure import summary
from _setup import database_create, setup_django

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/pv_bench_consensus"
SCALE = 10
DOUBLE_SHARE = 0.2
EXCERPTS_PER_CODER = 24
DECIDED_INTERVIEWS = 60
SENTENCES = [
    "We met on Tuesdays and it felt safe to talk.",
    "Nobody judged me when I cried.",
    "I could choose whether to speak or just listen.",
    "She had been through the same thing as me.",
    "We laughed together and it helped.",
    "I gave support as well as getting it.",
    "The facilitator kept the ground rules.",
    "I trusted the group after a few weeks.",
]


def generate() -> None:
    """Projects, users, interviews, two coders' excerpts on a fifth of them, done marks."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from coding.codebook import framework_values_load, project_values_load
    from coding.demo.generator import DEMO_INTERVIEW_COUNTS
    from coding.models import (
        CodebookValue,
        CodingProgress,
        Excerpt,
        ExcerptValue,
        Interview,
        Membership,
        Participant,
        ResearchProject,
    )
    from coding.versions import current_version

    started = time.perf_counter()
    rng = random.Random(15)
    users = get_user_model()
    admin = users.objects.create_user("bench-admin", password="x" * 12, is_staff=True)
    coders = [users.objects.create_user(n, password="x" * 12) for n in ("amira", "ben")]
    framework_values_load(CodebookValue)
    now = timezone.now()
    totals = {"interviews": 0, "excerpts": 0, "double": 0}
    for slug, count in DEMO_INTERVIEW_COUNTS.items():
        project = ResearchProject.objects.create(
            slug=slug, name=slug.replace("-", " ").title(), is_synthetic=True
        )
        project_values_load(CodebookValue, project)
        for coder in coders:
            Membership.objects.create(user=coder, project=project, role="peer_researcher")
        values = list(CodebookValue.objects.for_project(project).shared())
        version = current_version(project)
        participants = Participant.objects.bulk_create(
            [Participant(project=project, pseudonym=f"P{n}") for n in range(count * SCALE)]
        )
        interviews = []
        for n, participant in enumerate(participants):
            text = "Participant: " + " ".join(rng.choice(SENTENCES) for _ in range(24)) + f" {n}"
            interview = Interview(project=project, participant=participant, text=text)
            interview.refresh_derived_fields()
            interviews.append(interview)
        Interview.objects.bulk_create(interviews, batch_size=500)
        excerpts, tags, progress = [], [], []
        for interview in interviews:
            double = rng.random() < DOUBLE_SHARE
            for coder in coders if double else [rng.choice(coders)]:
                for _ in range(EXCERPTS_PER_CODER):
                    start = rng.randrange(13, len(interview.text) - 60)
                    end = start + rng.randrange(10, 60)
                    excerpts.append(
                        Excerpt(
                            interview=interview,
                            coder=coder,
                            start=start,
                            end=end,
                            text=interview.text[start:end],
                        )
                    )
                    tags.append(rng.sample(values, 1 + (rng.random() < 0.3)))
                progress.append(CodingProgress(interview=interview, coder=coder, done_at=now))
            totals["double"] += double
        Excerpt.objects.bulk_create(excerpts, batch_size=2000)
        ExcerptValue.objects.bulk_create(
            [
                ExcerptValue(excerpt=e, value=v, version=version)
                for e, chosen in zip(excerpts, tags, strict=True)
                for v in chosen
            ],
            batch_size=5000,
        )
        CodingProgress.objects.bulk_create(progress, batch_size=2000)
        totals["interviews"] += len(interviews)
        totals["excerpts"] += len(excerpts)
    print(
        f"generated {totals['interviews']:,} interviews ({totals['double']:,} double-coded), "
        f"{totals['excerpts']:,} excerpts in {time.perf_counter() - started:.0f} s "
        f"(admin: {admin.username})"
    )


def decide_some(count: int) -> list[float]:
    """Record one decision on each of `count` interviews of the queue; times in ms.

    Each decision checks its passage against the interview's queue and rebuilds the layer."""
    from django.contrib.auth import get_user_model

    from coding.models import ResearchProject
    from coding.review.consensus import decision_record
    from coding.review.queue import disagreement_queue

    user = get_user_model().objects.get(username="amira")
    times = []
    for project in ResearchProject.objects.order_by("pk"):
        for item in disagreement_queue(project).interviews:
            if len(times) >= count:
                return times
            undecided = [p for p in item.passages if not p.is_decided]
            if not undecided:
                continue
            passage = undecided[0]
            started = time.perf_counter()
            decision_record(
                interview=item.interview,
                value=passage.value,
                start=passage.start,
                end=passage.end,
                outcome="keep_both",
                values=[],
                reason="Both readings stand.",
                user=user,
            )
            times.append((time.perf_counter() - started) * 1000)
    return times


def recode_decided(repeat: int) -> list[float]:
    """A coder shortens an excerpt of a decided interview (the layer follows); times in ms."""
    from coding.models import ConsensusDecision, Excerpt
    from coding.services import excerpt_update

    times = []
    decided = ConsensusDecision.objects.values_list("interview_id", flat=True).distinct()
    excerpts = Excerpt.objects.filter(interview_id__in=decided, is_consensus=False).select_related(
        "coder", "interview"
    )
    for excerpt in list(excerpts.order_by("pk")[:repeat]):
        started = time.perf_counter()
        excerpt_update(excerpt=excerpt, user=excerpt.coder, changes={"end": excerpt.end - 1})
        times.append((time.perf_counter() - started) * 1000)
    return times


def timed(fn: Any, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return times


def _ok(response: Any) -> None:
    if response.status_code != 200:
        raise SystemExit(f"unexpected status {response.status_code}")
    response.content  # noqa: B018 (render the whole body)


def measure(repeat: int) -> None:
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    from coding.models import ResearchProject
    from coding.review.queue import disagreement_queue

    # Each run decides passages on more interviews (a passage not decided yet on each).
    summary("record a decision (layer rebuilt)", decide_some(DECIDED_INTERVIEWS))
    client = Client()
    client.force_login(get_user_model().objects.get(username="amira"))
    largest = max(ResearchProject.objects.all(), key=lambda p: p.interviews.count())
    queue = disagreement_queue(largest)
    print(
        f"\n{largest.name}: {len(queue.interviews)} interviews in the queue, "
        f"{queue.total:,} passages, {queue.total - queue.remaining} decided"
    )
    url = reverse("disagreement_list", args=[largest.slug])
    _ok(client.get(url))  # warm-up
    summary(
        "disagreement queue page (largest project)", timed(lambda: _ok(client.get(url)), repeat)
    )
    summary(
        "disagreement queue, built (no page)",
        timed(lambda: disagreement_queue(largest), repeat),
    )
    params = {"rule": "consensus", "measure": "prevalence"}
    _ok(client.get("/compare/", params))
    summary(
        "comparison page, consensus rule (3 projects)",
        timed(lambda: _ok(client.get("/compare/", params)), repeat),
    )
    agreed = {"rule": "agreed", "measure": "prevalence"}
    _ok(client.get("/compare/", agreed))
    summary(
        "comparison page, agreed rule (for reference)",
        timed(lambda: _ok(client.get("/compare/", agreed)), repeat),
    )
    summary("a coder's change on a decided interview", recode_decided(repeat))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reuse", action="store_true", help="Measure on existing data.")
    parser.add_argument("--repeat", type=int, default=21)
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peervalues.settings")
    have_data = database_create(url, keep=args.reuse)
    setup_django()
    import logging

    logging.getLogger("peervalues.requests").setLevel(logging.WARNING)  # one line per request
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = ["testserver", *settings.ALLOWED_HOSTS]
    call_command("migrate", verbosity=0)
    if not have_data:
        generate()
    from coding.analysis.tallies import tallies_refresh

    tallies_refresh()
    measure(args.repeat)


if __name__ == "__main__":
    main()
