"""Coding through a database restart: 50 coders on gunicorn and PostgreSQL, evaluators reading.

Each coder tags random spans through the JSON API with an Idempotency-Key, and retries a save
that failed (503, a dropped connection, a timeout) with the same key, as the coding page does.
Evaluators reload the comparison meanwhile. PostgreSQL is restarted once, mid-run. Afterwards
the script counts acknowledged tags missing from the database (lost), excerpts doubled on one
span, responses by status (and any HTML error page), and compares every value tally with a
recount from the excerpt tables. A second phase times the tag API while eight threads flood
the sign-in page with random usernames.

    DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/pv_bench_faults \\
        BENCH_CACHE_URL=redis://127.0.0.1:6379/5 \\
        .venv/bin/python bench/faults.py [--seconds 40] [--fault restart|disconnect|none]

`--fault restart` (the default) restarts the local cluster with `pg_ctlcluster` (root only):
everyone else's connections drop too, so run it on a machine of your own or warn the others;
`--fault disconnect` drops and refuses only this database's connections for five seconds.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import _setup

PORT = int(os.environ.get("BENCH_PORT", "8150"))
CODERS = 50
EVALUATORS = 5
INTERVIEWS = 20
SECRET = "bench-faults-not-a-secret"
CSRF = "benchfaultscsrftokenabcdefghijkl"  # 32 characters, sent as cookie and header
LOG = Path("/tmp/pv-bench-faults-gunicorn.log")
RESTART = ["pg_ctlcluster", "--skip-systemctl-redirect", "15", "main", "restart"]
START = ["pg_ctlcluster", "--skip-systemctl-redirect", "15", "main", "start"]
SLUGS = ["safety", "human-connection", "choice-and-control", "two-way-interactions"]


class Tally:
    """Thread-safe counts of what the clients saw."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.statuses: Counter[str] = Counter()
        self.html_errors = 0
        self.retries = 0
        self.gave_up = 0
        self.acked: list[tuple[int, int, int, int, str, int]] = []
        self.latencies: list[float] = []

    def saw(self, label: str, status: int, content_type: str) -> None:
        with self.lock:
            self.statuses[f"{label} {status}"] += 1
            if status >= 400 and label == "coder" and "json" not in content_type:
                self.html_errors += 1


def seed() -> dict[str, Any]:
    """Users with sessions, interviews; return what the clients need."""
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.sessions.backends.db import SessionStore

    from coding.models import Membership
    from tests.conftest import make_interview, make_project

    def make_user(username: str) -> Any:
        user = get_user_model()(username=username)
        user.set_unusable_password()  # sessions are made directly: no hashing needed
        user.save()
        return user

    project = make_project("fault-bench", "Fault bench")
    words = "We felt safe there and could choose when to speak and listen to each other. "
    interviews = [
        make_interview(project, f"Interview {i}. " + words * 40, pseudonym=f"F{i:03d}")
        for i in range(INTERVIEWS)
    ]

    def session(user: Any) -> str:
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        return str(store.session_key)

    people = []
    for n in range(CODERS + EVALUATORS):
        coder = n < CODERS
        user = make_user(f"{'coder' if coder else 'evaluator'}-{n}")
        role = Membership.Role.PEER_RESEARCHER if coder else Membership.Role.EVALUATOR
        Membership.objects.create(user=user, project=project, role=role)
        people.append((user.pk, session(user), coder))
    return {
        "interviews": [(i.pk, len(i.text)) for i in interviews],
        "coders": [(pk, s) for pk, s, coder in people if coder],
        "evaluators": [(pk, s) for pk, s, coder in people if not coder],
    }


def request(
    conn: http.client.HTTPConnection, method: str, path: str, session: str, body: Any = None
) -> tuple[int, str, bytes]:
    headers = {
        "Cookie": f"sessionid={session}; csrftoken={CSRF}",
        "X-CSRFToken": CSRF,
        "Content-Type": "application/json",
    }
    if isinstance(body, tuple):  # (key, payload)
        headers["Idempotency-Key"] = body[0]
        body = body[1]
    conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
    response = conn.getresponse()
    return response.status, response.getheader("Content-Type", ""), response.read()


def save(tally: Tally, coder: int, session: str, interview: int, payload: dict) -> None:
    """POST one tag, retrying with the same key for up to a minute, as the coding page does."""
    key = str(uuid.uuid4())
    path = f"/api/interviews/{interview}/excerpts/"
    give_up = time.monotonic() + 60
    wait = 0.2
    while time.monotonic() < give_up:
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=15)
        began = time.perf_counter()
        try:
            status, content_type, raw = request(conn, "POST", path, session, (key, payload))
        except (OSError, http.client.HTTPException):
            tally.saw("coder", 0, "")  # 0: the connection failed or timed out
            status = 0
        finally:
            conn.close()
        if status:
            tally.saw("coder", status, content_type)
        if status in (200, 201):
            body = json.loads(raw)
            with tally.lock:
                tally.latencies.append(time.perf_counter() - began)
                tally.acked.append(
                    (
                        coder,
                        interview,
                        payload["start"],
                        payload["end"],
                        payload["values"][0],
                        body["id"],
                    )
                )
            return
        if status and status < 500:
            return  # refused: counted under its status, nothing to retry
        with tally.lock:
            tally.retries += 1
        time.sleep(wait)
        wait = min(wait * 2, 2.0)
    with tally.lock:
        tally.gave_up += 1


def coder_loop(tally: Tally, n: int, coder: tuple[int, str], data: dict, until: float) -> None:
    rng = random.Random(n)
    while time.monotonic() < until:
        interview, length = rng.choice(data["interviews"])
        start = rng.randrange(0, length - 60)
        end = start + rng.randrange(5, 60)
        save(
            tally,
            coder[0],
            coder[1],
            interview,
            {"start": start, "end": end, "values": [rng.choice(SLUGS)]},
        )
        if rng.random() < 0.25:  # a second key press on the same selection
            save(
                tally,
                coder[0],
                coder[1],
                interview,
                {"start": start, "end": end, "values": [rng.choice(SLUGS)]},
            )
        time.sleep(rng.random() * 0.5)


def evaluator_loop(tally: Tally, session: str, until: float) -> None:
    while time.monotonic() < until:
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        try:
            status, content_type, _ = request(conn, "GET", "/compare/", session)
            tally.saw("compare", status, content_type)
        except (OSError, http.client.HTTPException):
            tally.saw("compare", 0, "")
        finally:
            conn.close()
        time.sleep(1)


def server_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DEBUG="0",
        SECRET_KEY=SECRET,
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        SECURE_COOKIES="0",
        SECURE_HSTS_SECONDS="0",
        SECURE_HSTS_PRELOAD="0",
        LOG_LEVEL="ERROR",
        # One cache for the four workers, so the sign-in limit holds across them.
        CACHE_URL=os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/5"),
    )
    return env


def start_server() -> subprocess.Popen:
    # As `make serve` does: with DEBUG off, pages name their static files from the manifest.
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=_setup.ROOT, env=server_env(), check=True,
    )  # fmt: skip
    log = LOG.open("w")
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "peervalues.wsgi:application",
         "-b", f"127.0.0.1:{PORT}", "-w", "4", "-k", "gthread", "--threads", "8",
         "--timeout", "60"],
        cwd=_setup.ROOT, env=server_env(), stdout=log, stderr=log,
    )  # fmt: skip
    for _ in range(100):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=2)
            conn.request("GET", "/login/")
            conn.getresponse().read()
            return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    sys.exit("gunicorn did not start; see " + str(LOG))


def restart_database() -> float:
    began = time.perf_counter()
    subprocess.run(RESTART, check=False, capture_output=True)
    took = time.perf_counter() - began
    # Whatever happened, leave PostgreSQL running for everyone else.
    status = subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True).stdout
    if "online" not in status:
        subprocess.run(START, check=False)
    return took


def recount_check() -> tuple[int, int]:
    """Return (tallies differing from a recount, tallies recounted)."""
    from coding.analysis.tallies import tallies_refresh
    from coding.models import ExcerptValue, ValueTally

    tallies_refresh()
    spans: dict[tuple[int, int, int], list[tuple[int, int]]] = defaultdict(list)
    for row in ExcerptValue.objects.values_list(
        "excerpt__interview_id", "excerpt__coder_id", "value_id", "excerpt__start", "excerpt__end"
    ):
        spans[row[:3]].append(row[3:])
    expected = {}
    for key, found in spans.items():
        covered: set[int] = set()
        for start, end in found:
            covered.update(range(start, end))
        expected[key] = (len(found), len(covered))
    counted = {
        (t.interview_id, t.coder_id, t.value_id): (t.excerpts, t.chars)
        for t in ValueTally.objects.all()
    }
    wrong = sum(1 for k in expected.keys() | counted.keys() if expected.get(k) != counted.get(k))
    return wrong, len(expected)


def integrity(tally: Tally) -> dict[str, int]:
    from django.db.models import Count

    from coding.models import Excerpt, ExcerptValue

    stored = set(
        ExcerptValue.objects.values_list(
            "excerpt__coder_id", "excerpt__interview_id", "excerpt__start", "excerpt__end",
            "value__slug",
        )
    )  # fmt: skip
    acked = {row[:5] for row in tally.acked}
    doubled = (
        Excerpt.objects.values("coder_id", "interview_id", "start", "end")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    acked_ids = {row[5] for row in tally.acked}
    unanswered = Excerpt.objects.exclude(id__in=acked_ids).count()
    return {
        "acknowledged tags": len(acked),
        "lost (acknowledged, not stored)": len(acked - stored),
        "spans stored twice by one coder": doubled,
        "excerpts no client was told of": unanswered,
    }


def flood_phase(data: dict, seconds: float) -> tuple[float, float, dict[int, int]]:
    """Median tag latency (ms) with 5 coders, calm and during a sign-in flood of 8 threads.

    The flood's first attempts are checked (and hashed) until the rate limit answers 429;
    the coders are timed once every flooding thread has been refused, when the hashing still
    under way has finished: the state an attack settles into.
    """

    def tag_latencies(until: float) -> list[float]:
        tally = Tally()
        threads = [
            threading.Thread(target=coder_loop, args=(tally, 1000 + i, c, data, until))
            for i, c in enumerate(data["coders"][:5])
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return tally.latencies

    calm = tag_latencies(time.monotonic() + seconds)
    # The flood runs in a process of its own at the lowest CPU priority: it stands in for
    # attackers on other machines. Run as threads of this process, its eight loops held the
    # interpreter lock the coders' timers need, and the figure measured the client, not the app.
    flooder = subprocess.Popen(
        [sys.executable, __file__, "--flood-only", "--flood-seconds", str(seconds * 3 + 60)],
        stdout=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: os.nice(19),
    )
    assert flooder.stdout is not None
    # The flooder prints "limited" once every thread has been answered 429.
    line = flooder.stdout.readline().strip()
    if line != "limited":
        flooder.kill()
        raise SystemExit(f"the sign-in flood never reached the rate limit: {line!r}")
    busy = tag_latencies(time.monotonic() + seconds)
    flooder.terminate()
    out, _ = flooder.communicate(timeout=60)
    statuses = {int(k): v for k, v in json.loads(out.strip().splitlines()[-1]).items()}
    return statistics.median(calm) * 1000, statistics.median(busy) * 1000, statuses


def flood_only(seconds: float) -> None:
    """Eight threads post random sign-ins to the running server (the child of flood_phase).

    Prints "limited" once every thread has been answered 429, then the answers' counts as JSON.
    """
    stop = threading.Event()
    limited = threading.Event()
    statuses: Counter[int] = Counter()
    refused: set[int] = set()

    def flood(n: int) -> None:
        rng = random.Random()
        while not stop.is_set():
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=120)
            body = f"username=u{rng.random()}&password=p{rng.random()}"
            try:
                conn.request("POST", "/login/", body=body, headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Cookie": f"csrftoken={CSRF}", "X-CSRFToken": CSRF})  # fmt: skip
                response = conn.getresponse()
                response.read()
                statuses[response.status] += 1
                if response.status == 429:
                    refused.add(n)
                    if len(refused) == 8 and not limited.is_set():
                        limited.set()
                        print("limited", flush=True)
            except OSError:
                statuses[0] += 1
            finally:
                conn.close()

    flooders = [threading.Thread(target=flood, args=(n,), daemon=True) for n in range(8)]
    for t in flooders:
        t.start()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait(timeout=seconds)
    stop.set()
    for t in flooders:
        t.join(timeout=130)
    if not limited.is_set():
        print("not limited", flush=True)
    print(json.dumps(dict(statuses)), flush=True)


def disconnect_database(url: str, seconds: float = 5) -> float:
    """Refuse and drop every connection to the benchmark's database for a few seconds.

    The same failures a restart causes (dropped connections, refused ones) for this database
    only, so that others using the cluster are not disturbed.
    """
    import psycopg2

    parts = urlparse(url)
    name = parts.path.lstrip("/")
    admin = psycopg2.connect(host=parts.hostname, port=parts.port or 5432,
                             user=parts.username or "postgres", dbname="postgres")  # fmt: skip
    admin.autocommit = True
    began = time.perf_counter()
    with admin.cursor() as cursor:
        cursor.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [name]
        )
        time.sleep(seconds)
        cursor.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
    admin.close()
    return time.perf_counter() - began


def stop_server(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=40)
    parser.add_argument(
        "--fault",
        choices=["restart", "disconnect", "none"],
        default="restart",
        help="restart the cluster (root), or drop this database's connections for 5 s",
    )
    parser.add_argument("--flood-seconds", type=float, default=20)
    parser.add_argument("--flood-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.flood_only:
        flood_only(args.flood_seconds)
        return
    os.environ["SECRET_KEY"] = SECRET  # the sessions made here must be valid in the server
    url = _setup.postgres_url("postgres://postgres@127.0.0.1:5432/pv_bench_faults")
    _setup.database_create(url)
    _setup.migrate()
    _setup.setup_django()
    data = seed()
    server = start_server()
    try:
        tally = Tally()
        until = time.monotonic() + args.seconds
        threads = [
            threading.Thread(target=coder_loop, args=(tally, n, coder, data, until))
            for n, coder in enumerate(data["coders"])
        ] + [
            threading.Thread(target=evaluator_loop, args=(tally, s, until))
            for _, s in data["evaluators"]
        ]
        for t in threads:
            t.start()
        time.sleep(args.seconds / 3)
        fault = None
        if args.fault == "restart":
            fault = restart_database()
        elif args.fault == "disconnect":
            fault = disconnect_database(url)
        for t in threads:
            t.join()
        from django.db import connections

        connections.close_all()  # the fault broke this process's connection too
        report(args, tally, fault)
        calm, busy, flood = flood_phase(data, args.flood_seconds)
        print(f"sign-in flood (8 threads) answers: {flood}")
        print(f"tag API median, 5 coders: {calm:.0f} ms calm, {busy:.0f} ms during the flood")
    finally:
        stop_server(server)
        if (
            "online"
            not in subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True).stdout
        ):
            subprocess.run(START, check=False)


def report(args: argparse.Namespace, tally: Tally, fault: float | None) -> None:
    found = integrity(tally)
    wrong, tallies = recount_check()
    print(f"{CODERS} coders and {EVALUATORS} evaluators for {args.seconds:.0f} s on gunicorn")
    if fault is not None:
        print(f"fault ({args.fault}) {args.seconds / 3:.0f} s in, lasting {fault:.1f} s")
    for name, count in found.items():
        print(f"{name}: {count}")
    print(f"retries after a failed save: {tally.retries}; saves given up: {tally.gave_up}")
    print(f"responses: {dict(sorted(tally.statuses.items()))}")
    print(f"API error responses that were not JSON: {tally.html_errors}")
    print(f"tallies differing from a recount: {wrong} of {tallies}")
    lat = sorted(tally.latencies)
    if lat:
        print(
            f"tag API latency: median {statistics.median(lat) * 1000:.0f} ms, "
            f"p95 {lat[int(len(lat) * 0.95)] * 1000:.0f} ms"
        )


if __name__ == "__main__":
    main()
