"""A cluster on one machine: two gunicorn servers, one RQ worker, PostgreSQL and Redis.

20 coders tag, 5 evaluators reload the comparison, an admin exports excerpts and imports a
batch as jobs (previewed on one server, confirmed on the other), and one server is killed
mid-run. Clients use one server each and move to the other when theirs stops answering,
resending a tag with the same Idempotency-Key. Prints what was lost or duplicated, failed jobs,
5xx answers and latencies per endpoint (before and after the kill); asserts nothing.

    DEBUG=1 .venv/bin/python bench/cluster.py [--seconds 60] [--reuse]

Uses the database pv_t13_cluster (BENCH_DATABASE_URL), Redis database 6 (BENCH_REDIS_URL) and
ports 8162-8163 (BENCH_PORTS).
"""

from __future__ import annotations

import argparse
import collections
import http.client
import io
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zipfile
from pathlib import Path
from typing import Any

from _measure import summary, wait_for_port
from _setup import ROOT, database_create, migrate, setup_django

DB_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/pv_t13_cluster")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/6")
PORTS = [int(p) for p in os.environ.get("BENCH_PORTS", "8162,8163").split(",")]
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
WORDS = [
    "we",
    "talked",
    "about",
    "safety",
    "and",
    "trust",
    "in",
    "the",
    "group",
    "and",
    "how",
    "people",
    "chose",
    "when",
    "to",
    "speak",
    "sharing",
    "experience",
    "in",
    "common",
    "made",
    "me",
    "feel",
    "less",
    "alone",
    "two",
    "way",
    "support",
    "matters",
    "a",
    "lot",
    "sometimes",
    "I",
    "just",
    "listened",
    "and",
    "that",
    "was",
    "fine",
    "being",
    "myself",
    "without",
    "judgement",
    "helped",
]
PASSWORD = "bench-password-123"
RUN = uuid.uuid4().hex  # the imported batch differs from any earlier run's (--reuse)


# ---------------------------------------------------------------------------------------------
# Data


def text_of(n: int, words: int = 600) -> str:
    rng = random.Random(n)
    lines = []
    for turn in range(words // 30):
        speaker = "Interviewer" if turn % 2 == 0 else "Participant"
        lines.append(f"{speaker}: " + " ".join(rng.choice(WORDS) for _ in range(30)) + f" {n}.")
    return "\n".join(lines)


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


def batch_zip(count: int = 100) -> bytes:
    buffer = io.BytesIO()
    header = "file,project,participant,participant_role,interview_date,interviewer,mode,redact"
    rows = [header]
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for n in range(count):
            name = f"t{n:04d}.txt"
            rows.append(f"{name},side-by-side,Batch-{n},participant,2024-03-31,Amira,online,")
            archive.writestr(name, f"Interviewer: run {RUN}\n" + text_of(500_000 + n, 1500))
        archive.writestr("manifest.csv", "\n".join(rows) + "\n")
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------------
# Processes


def start(command: list[str], env: dict[str, str], log: str) -> subprocess.Popen:
    handle = (WORK / log).open("wb")
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=handle, stderr=handle, start_new_session=True
    )


def stop(process: subprocess.Popen, signum: int = signal.SIGTERM) -> None:
    try:
        os.killpg(process.pid, signum)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


# ---------------------------------------------------------------------------------------------
# Clients


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.samples: dict[tuple[str, str], list[float]] = collections.defaultdict(list)
        self.status: collections.Counter = collections.Counter()
        self.connection_errors = 0
        self.acked: list[dict[str, Any]] = []
        self.phase = "both servers up"

    def record(self, endpoint: str, ms: float, status: int, phase: str) -> None:
        with self.lock:
            self.samples[(phase, endpoint)].append(ms)
            self.status[(endpoint, status // 100)] += 1


class Session:
    """One person's browser: a session cookie, a CSRF token, a preferred server."""

    def __init__(self, session_key: str, server: int, stats: Stats) -> None:
        self.csrf = uuid.uuid4().hex  # 32 characters: a valid unmasked CSRF secret
        self.cookie = f"sessionid={session_key}; csrftoken={self.csrf}"
        self.server = server
        self.stats = stats
        self.connections: dict[int, http.client.HTTPConnection] = {}

    def request(
        self,
        method: str,
        path: str,
        endpoint: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        server: int | None = None,
    ) -> tuple[int, dict[str, str], bytes]:
        """Send to our server; on a refused or dropped connection, move to the other one."""
        for _attempt in range(4):
            port = PORTS[self.server if server is None else server]
            connection = self.connections.get(port) or http.client.HTTPConnection(
                "127.0.0.1", port, timeout=60
            )
            self.connections[port] = connection
            all_headers = {
                "Cookie": self.cookie,
                "X-CSRFToken": self.csrf,
                "Referer": f"http://127.0.0.1:{port}/",
                **(headers or {}),
            }
            started, phase = time.perf_counter(), self.stats.phase
            try:
                connection.request(method, path, body=body, headers=all_headers)
                response = connection.getresponse()
                data = response.read()
            except (OSError, http.client.HTTPException):
                connection.close()
                self.connections.pop(port, None)
                with self.stats.lock:
                    self.stats.connection_errors += 1
                self.server = 1 - self.server if server is None else self.server
                server = None
                time.sleep(0.2)
                continue
            elapsed = (time.perf_counter() - started) * 1000
            self.stats.record(endpoint, elapsed, response.status, phase)
            return response.status, dict(response.getheaders()), data
        return 0, {}, b""


def coder_loop(session: Session, interviews: list[tuple[int, str, list[str]]], until: float):
    rng = random.Random(session.csrf)
    while time.monotonic() < until:
        pk, text, slugs = rng.choice(interviews)
        start = rng.randrange(0, len(text) - 100)
        end = start + rng.randrange(10, 100)
        values = rng.sample(slugs, rng.choice((1, 2)))
        key = str(uuid.uuid4())
        body = json.dumps({"start": start, "end": end, "values": values}).encode()
        for _ in range(3):  # a 5xx or a lost server: send the same tag again, same key
            status, _, data = session.request(
                "POST",
                f"/api/interviews/{pk}/excerpts/",
                "tag save",
                body,
                {"Content-Type": "application/json", "Idempotency-Key": key},
            )
            if status in (200, 201):
                excerpt = json.loads(data)
                with session.stats.lock:
                    session.stats.acked.append(
                        {"id": excerpt["id"], "values": set(values), "interview": pk}
                    )
                break
            if status and status < 500:
                break
        time.sleep(rng.uniform(0.5, 1.5))


def evaluator_loop(session: Session, until: float) -> None:
    rng = random.Random(session.csrf)
    while time.monotonic() < until:
        session.request("GET", "/compare/", "comparison page")
        time.sleep(rng.uniform(1.0, 2.0))


def follow_job(session: Session, location: str, server: int, until: float) -> dict[str, Any]:
    """Poll a job's status on the given server (the other one than where it started)."""
    job_id = int(location.rstrip("/").split("/")[-1])
    while time.monotonic() < until + 120:
        status, _, data = session.request(
            "GET", f"/api/jobs/{job_id}/", "job status", server=server
        )
        if status == 200:
            job = json.loads(data)
            if job["status"] in ("done", "failed"):
                return job
        time.sleep(0.5)
    return {"status": "unfinished", "id": job_id}


def multipart(fields: dict[str, str], name: str, filename: str, content: bytes):
    boundary = uuid.uuid4().hex
    parts = []
    for key, value in fields.items():
        parts.append(
            f"--{boundary}\r\nContent-Disposition: form-data; "
            f'name="{key}"\r\n\r\n{value}\r\n'.encode()
        )
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"'
        f"\r\nContent-Type: application/zip\r\n\r\n".encode()
        + content
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def admin_script(session: Session, until: float, results: dict[str, Any]) -> None:
    time.sleep(5)
    # An export large enough to be a job, started on server A, followed on server B.
    status, headers, _ = session.request(
        "GET", "/compare/export/excerpts.csv", "export start", server=0
    )
    results["export"] = (
        follow_job(session, headers.get("Location", ""), 1, until)
        if status == 302
        else {"status": f"HTTP {status}"}
    )
    # An import previewed on server A and confirmed on server B.
    body, content_type = multipart(
        {"csrfmiddlewaretoken": session.csrf, "names": ""}, "batch", "batch.zip", batch_zip()
    )
    status, headers, _ = session.request(
        "POST", "/manage/imports/new/", "import upload", body, {"Content-Type": content_type}, 0
    )
    preview = follow_job(session, headers.get("Location", ""), 1, until) if status == 302 else {}
    results["import preview"] = preview
    if preview.get("status") == "done":
        confirm = preview["result_url"] + "confirm/"
        form = f"csrfmiddlewaretoken={session.csrf}".encode()
        form_type = {"Content-Type": "application/x-www-form-urlencoded"}
        status, headers, _ = session.request("POST", confirm, "import confirm", form, form_type, 1)
        results["import"] = (
            follow_job(session, headers.get("Location", ""), 1, until)
            if status == 302
            else {"status": f"HTTP {status}"}
        )


def warm_up() -> None:
    """Every gunicorn worker has booted and answered before the clock starts."""
    for port in PORTS:
        answered = 0
        deadline = time.monotonic() + 120
        while answered < 12 and time.monotonic() < deadline:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                connection.request("GET", "/health/")
                answered += connection.getresponse().status == 200
                connection.close()
            except OSError:
                time.sleep(0.5)


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
    )
    try:
        for port in PORTS:
            wait_for_port(port, 60)
        warm_up()

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
        threads.append(threading.Thread(target=admin_script, args=(admin, until, admin_results)))
        print(
            f"Running {args.seconds} s: 20 coders, 5 evaluators, 1 admin over 2 servers", flush=True
        )
        for thread in threads:
            thread.start()
        time.sleep(args.seconds / 2)
        stats.phase = "after server A was killed"
        stop(servers[0], signal.SIGKILL)  # gunicorn's master and its workers, mid-request
        print("Killed server A (SIGKILL) mid-run", flush=True)
        for thread in threads:
            thread.join()

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
    print(f"\nLogs in {WORK}")


if __name__ == "__main__":
    main()
