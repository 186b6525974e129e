"""A cluster on one machine: two gunicorn servers, one RQ worker, PostgreSQL and Redis.

20 coders tag, 5 evaluators reload the comparison, an admin exports excerpts and imports a
batch as jobs (previewed on one server, confirmed on the other), and one server is killed
mid-run. Clients use one server each and move to the other when theirs stops answering,
resending a tag with the same Idempotency-Key. Prints what was lost or duplicated, failed jobs,
5xx answers and latencies per endpoint (before and after the kill); asserts nothing.

With --speed (issue 13's speed targets), no server is killed: the admin runs an export and an
import (--transcripts, previewed and confirmed) as jobs at the same time, and tag saves and
comparison pages are timed while the jobs run and while none does.

    DEBUG=1 .venv/bin/python bench/cluster.py [--seconds 60] [--reuse]
    DEBUG=1 .venv/bin/python bench/cluster.py --speed [--seconds 120] [--transcripts 1000]

Uses the database pv_t13_cluster (BENCH_DATABASE_URL), Redis database 6 (BENCH_REDIS_URL) and
ports 8162-8163 (BENCH_PORTS).
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import _cluster_clients as clients
from _cluster_clients import (
    Session,
    Stats,
    admin_jobs_together,
    admin_script,
    coder_loop,
    evaluator_loop,
    text_of,
)
from _measure import summary, wait_for_port
from _setup import ROOT, database_create, migrate, setup_django

DB_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/pv_t13_cluster")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/6")
PORTS = [int(p) for p in os.environ.get("BENCH_PORTS", "8162,8163").split(",")]
clients.PORTS[:] = PORTS
SECRET = "bench-only-" + "k" * 50
WORK = Path(tempfile.mkdtemp(prefix="pv-cluster-"))
SERVER_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": SECRET,
    "ALLOWED_HOSTS": "127.0.0.1",
    "SECURE_SSL_REDIRECT": "0",
    "SECURE_COOKIES": "0",
    "SECURE_HSTS_SECONDS": "0",
    "DATABASE_URL": DB_URL,
    "TASKS_BACKEND": "rq",
    "REDIS_URL": REDIS_URL,
    "CACHE_URL": REDIS_URL,
    "REQUEST_LOG": "0",
    "EXPORT_JOB_THRESHOLD": "1000",
    "MEDIA_ROOT": str(WORK / "media"),
    "UPLOADS_DIR": str(WORK / "uploads"),
    "STATIC_ROOT": str(WORK / "static"),
    "WEB_CONCURRENCY": os.environ.get("BENCH_WEB_CONCURRENCY", "3"),
}
INTERVIEWS_PER_PROJECT = 60
PASSWORD = "bench-password-123"


def seed() -> None:
    from django.contrib.auth import get_user_model

    from coding.codebook import framework_values_load, project_values_load
    from coding.models import (
        CodebookValue,
        Excerpt,
        ExcerptValue,
        Interview,
        Membership,
        Participant,
        ResearchProject,
    )

    users = get_user_model()
    users.objects.create_user("admin", password=PASSWORD, is_staff=True, is_superuser=True)
    coders = [users.objects.create_user(f"coder{i}", password=PASSWORD) for i in range(20)]
    evaluators = [users.objects.create_user(f"eval{i}", password=PASSWORD) for i in range(5)]
    framework_values_load(CodebookValue)
    rng = random.Random(7)
    for slug in ("side-by-side", "women-side-by-side", "maternal"):
        project = ResearchProject.objects.create(slug=slug, name=slug.replace("-", " ").title())
        project_values_load(CodebookValue, project)
        values = list(CodebookValue.objects.for_project(project))
        Membership.objects.bulk_create(
            [Membership(user=c, project=project, role="peer_researcher") for c in coders]
            + [Membership(user=e, project=project, role="evaluator") for e in evaluators]
        )
        for n in range(INTERVIEWS_PER_PROJECT):
            participant = Participant.objects.create(project=project, pseudonym=f"{slug}-{n}")
            text = text_of(hash((slug, n)) % 100_000)
            interview = Interview.objects.create(
                project=project, participant=participant, text=text, mode="online"
            )
            excerpts = []
            for _ in range(40):
                start = rng.randrange(0, len(text) - 200)
                end = start + rng.randrange(20, 200)
                excerpts.append(
                    Excerpt(
                        interview=interview,
                        coder=rng.choice(coders),
                        start=start,
                        end=end,
                        text=text[start:end],
                    )
                )
            Excerpt.objects.bulk_create(excerpts)
            ExcerptValue.objects.bulk_create(
                [ExcerptValue(excerpt=e, value=rng.choice(values)) for e in excerpts]
            )


# ---------------------------------------------------------------------------------------------
# Processes


def start(command: list[str], env: dict[str, str], log: str, niceness: int = 0) -> subprocess.Popen:
    handle = (WORK / log).open("wb")
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=handle, stderr=handle, start_new_session=True,
        preexec_fn=(lambda: os.nice(niceness)) if niceness else None,
    )  # fmt: skip


def stop(process: subprocess.Popen, signum: int = signal.SIGTERM) -> None:
    try:
        os.killpg(process.pid, signum)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


def sessions_for(usernames: list[str]) -> dict[str, str]:
    from django.contrib.auth import get_user_model
    from django.test import Client

    keys = {}
    for name in usernames:
        client = Client()
        client.force_login(get_user_model().objects.get(username=name))
        keys[name] = client.cookies["sessionid"].value
    return keys


# ---------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--reuse", action="store_true", help="keep the data of an earlier run")
    parser.add_argument(
        "--speed",
        action="store_true",
        help="issue 13's speed run: no server killed, an export and an import as jobs at once",
    )
    parser.add_argument("--transcripts", type=int, default=1000, help="batch size with --speed")
    args = parser.parse_args()
    # A timeout's SIGTERM unwinds through the `finally` below, which stops the servers.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(1))
    os.environ.update(SERVER_ENV)
    kept = database_create(DB_URL, keep=args.reuse)
    migrate()
    setup_django()
    from django.contrib.auth import get_user_model
    from django.db import connection

    from coding.jobs.models import Job
    from coding.models import CodebookValue, Excerpt, Interview

    if not kept or not get_user_model().objects.exists():
        print("Seeding ...", flush=True)
        seed()
    from coding.analysis.tallies import tallies_refresh

    while tallies_refresh():  # the seeded excerpts counted once, before the clock starts
        pass
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    env = {**os.environ, **SERVER_ENV}
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env
    )
    conf = str(ROOT / "peervalues" / "gunicorn_conf.py")
    servers = [
        start(
            [sys.executable, "-m", "gunicorn", "-c", conf, "peervalues.wsgi:application"],
            {**env, "PORT": str(port)},
            f"web{port}.log",
        )
        for port in PORTS
    ]
    worker = start(
        [sys.executable, "manage.py", "rqworker", "--job-class", "django_tasks_rq.Job", "default"],
        env,
        "worker.log",
        niceness=10,  # as `manage.py serve` starts it (TASK_WORKER_NICENESS)
    )
    try:
        for port in PORTS:
            wait_for_port(port, 60)
        clients.warm_up()

        connection.close()  # a fresh connection after the seeding and the servers' start
        stats = Stats()
        interviews = []
        for interview in Interview.objects.filter(import_batch__isnull=True).select_related(
            "project"
        ):
            slugs = list(
                CodebookValue.objects.for_project(interview.project).values_list("slug", flat=True)
            )
            interviews.append((interview.pk, interview.text, slugs))
        excerpts_before = Excerpt.objects.count()
        jobs_before = set(Job.objects.values_list("pk", flat=True))
        names = [f"coder{i}" for i in range(20)] + [f"eval{i}" for i in range(5)] + ["admin"]
        keys = sessions_for(names)
        connection.close()
        until = time.monotonic() + args.seconds
        threads = []
        for i in range(20):
            session = Session(keys[f"coder{i}"], i % 2, stats)
            threads.append(threading.Thread(target=coder_loop, args=(session, interviews, until)))
        for i in range(5):
            session = Session(keys[f"eval{i}"], i % 2, stats)
            threads.append(threading.Thread(target=evaluator_loop, args=(session, until)))
        admin_results: dict[str, Any] = {}
        admin = Session(keys["admin"], 0, stats)
        if args.speed:
            stats.phase = "no job running"
            admin_args = (admin, until, admin_results, args.transcripts)
            threads.append(threading.Thread(target=admin_jobs_together, args=admin_args))
        else:
            admin_args = (admin, until, admin_results)
            threads.append(threading.Thread(target=admin_script, args=admin_args))
        print(
            f"Running {args.seconds} s: 20 coders, 5 evaluators, 1 admin over 2 servers", flush=True
        )
        load_before = os.getloadavg()[0]
        for thread in threads:
            thread.start()
        if not args.speed:
            time.sleep(args.seconds / 2)
            stats.phase = "after server A was killed"
            stop(servers[0], signal.SIGKILL)  # gunicorn's master and its workers, mid-request
            print("Killed server A (SIGKILL) mid-run", flush=True)
        for thread in threads:
            thread.join()
        load_after = os.getloadavg()[0]

    finally:
        for process in [*servers, worker]:
            stop(process)
    # --- what the database says afterwards
    connection.close()
    acked = stats.acked
    found = {
        e.pk: {t.value.slug for t in e.tags.all()}
        for e in Excerpt.objects.filter(pk__in=[a["id"] for a in acked]).prefetch_related(
            "tags__value"
        )
    }
    lost = sum(1 for a in acked if not a["values"] <= found.get(a["id"], set()))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COALESCE(SUM(n - 1), 0) FROM (SELECT COUNT(*) AS n FROM coding_excerpt "
            'GROUP BY interview_id, coder_id, start, "end" HAVING COUNT(*) > 1) d'
        )
        duplicates = cursor.fetchone()[0]
    jobs = Job.objects.exclude(pk__in=jobs_before)
    print()
    print(f"Acknowledged tags: {len(acked)}; lost: {lost}")
    print(f"Excerpts written: {Excerpt.objects.count() - excerpts_before}")
    print(f"Duplicate excerpts (same coder, interview and span): {duplicates}")
    print(
        "Connection errors seen by clients (then retried on the other server): "
        f"{stats.connection_errors}"
    )
    fivexx = {k[0]: n for k, n in stats.status.items() if k[1] == 5}
    print(f"5xx answers: {sum(fivexx.values())} {dict(fivexx) if fivexx else ''}")
    for kind, status, error in jobs.values_list("kind", "status", "error"):
        print(f"Job {kind}: {status} {error}")
    print(f"Failed jobs: {jobs.filter(status=Job.Status.FAILED).count()}")
    for name, result in admin_results.items():
        print(f"  admin {name}: {result.get('status')} {result.get('label', '')}")
    print()
    for (phase, endpoint), samples in sorted(stats.samples.items()):
        summary(f"{endpoint} ({phase})", samples)
    if args.speed:
        print("\nSpeed targets (issue 13): tag save p95 < 150 ms, comparison page p95 < 800 ms")
        for endpoint in ("tag save", "comparison page"):
            everything = [
                ms
                for (_, name), samples in stats.samples.items()
                if name == endpoint
                for ms in samples
            ]
            if everything:
                summary(f"{endpoint} (whole run)", everything)
    print(f"\nLoad average (1 min) before the run {load_before:.1f}, after {load_after:.1f}")
    print(f"Logs in {WORK}")


if __name__ == "__main__":
    main()
