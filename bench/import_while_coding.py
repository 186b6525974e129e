"""Coding while a large batch is imported, on the embedded SQLite database (`make run`).

Starts the development server and its job worker as `make run` does (`manage.py serve --dev`)
on a fresh SQLite file, then imports a batch of `--count` transcripts through the import
services in a separate process (what the worker does for a confirm) while 3 coders save a tag
every 0.3 s through the JSON API. Prints the tag saves' latency before, during and after the
import, and how long the import's write transaction held SQLite's write lock.

    .venv/bin/python bench/import_while_coding.py [--count 1000] [--words 8000]

SQLite lets one transaction write at a time: the import writes its whole batch in one
transaction (it stays atomic), so tag saves that arrive meanwhile wait for it.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PORT = int(os.environ.get("BENCH_PORT", "8177"))
CSRF = "benchimportcodingcsrftokenabcdef"  # 32 characters, sent as cookie and header
SECRET = "bench-only-secret-key-import-while-coding-0123456789"

IMPORT_CHILD = """
import contextlib, json, sys, time
import django
django.setup()
from coding.importing import services
real = services.transaction.atomic
held = []
@contextlib.contextmanager
def timed(*args, **kwargs):
    began = time.perf_counter()
    with real(*args, **kwargs):
        yield
    held.append(time.perf_counter() - began)
services.transaction.atomic = timed
began = time.time()
from pathlib import Path
report = services.batch_import(path=Path(sys.argv[1]))
print(json.dumps({"began": began, "ended": time.time(), "created": report.count("created"),
                  "lock": max(held, default=0.0)}))
"""


def env_for(db: Path) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": f"sqlite:///{db}", "DEBUG": "1", "SECRET_KEY": SECRET,
            "DJANGO_SETTINGS_MODULE": "peervalues.settings", "PYTHONPATH": str(ROOT)}  # fmt: skip


def prepare(db: Path) -> tuple[list[str], list[int]]:
    """Migrate, make a project with interviews and 3 coders; return their sessions."""
    os.environ.update(env_for(db))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command

    from coding.models import Membership, ResearchProject
    from tests.conftest import make_interview

    call_command("migrate", verbosity=0)
    project = ResearchProject.objects.create(slug="bench", name="Bench")
    words = "We felt safe there and could choose when to speak and listen to each other. "
    interviews = [
        make_interview(project, f"Interview {i}. " + words * 40, pseudonym=f"C{i:03d}").pk
        for i in range(10)
    ]
    sessions = []
    for n in range(3):
        user = get_user_model()(username=f"coder-{n}")
        user.set_unusable_password()
        user.save()
        Membership.objects.create(user=user, project=project, role="peer_researcher")
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        sessions.append(str(store.session_key))
    return sessions, interviews


def coder(session: str, interviews: list[int], stop: threading.Event, out: list) -> None:
    rng = random.Random(session)
    while not stop.is_set():
        interview = rng.choice(interviews)
        start = rng.randrange(0, 3000)
        body = json.dumps({"start": start, "end": start + rng.randrange(5, 60),
                           "values": ["safety"]})  # fmt: skip
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=120)
        began = time.time()
        try:
            conn.request("POST", f"/api/interviews/{interview}/excerpts/", body=body, headers={
                "Content-Type": "application/json", "X-CSRFToken": CSRF,
                "Cookie": f"sessionid={session}; csrftoken={CSRF}"})  # fmt: skip
            response = conn.getresponse()
            response.read()
            status = response.status
        except OSError:
            status = 0  # the server refused or dropped the connection
        finally:
            conn.close()
        out.append((began, time.time() - began, status))
        time.sleep(0.3)


def summary(name: str, rows: list) -> None:
    ms = sorted(r[1] * 1000 for r in rows)
    if not ms:
        print(f"  {name:40} no saves")
        return
    p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
    print(f"  {name:40} median {statistics.median(ms):7.0f} ms   p95 {p95:7.0f} ms   "
          f"max {ms[-1]:7.0f} ms   (n={len(ms)})")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--words", type=int, default=8000)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="pv-import-coding-"))
    db = folder / "db.sqlite3"
    sessions, interviews = prepare(db)
    sys.path.insert(1, str(ROOT / "bench"))
    import import_batch

    batch = folder / "batch.zip"
    import_batch.make_batch(batch, args.count, args.words)
    server = subprocess.Popen(
        [sys.executable, "manage.py", "serve", "--dev", "--port", str(PORT)], cwd=ROOT,
        env=env_for(db), stdout=subprocess.DEVNULL, stderr=(folder / "server.log").open("w"),
        start_new_session=True,
    )  # fmt: skip
    try:
        for _ in range(100):
            try:
                http.client.HTTPConnection("127.0.0.1", PORT, timeout=2).request("GET", "/health/")
                break
            except OSError:
                time.sleep(0.2)
        stop, saves = threading.Event(), []
        threads = [
            threading.Thread(target=coder, args=(s, interviews, stop, saves)) for s in sessions
        ]
        for t in threads:
            t.start()
        time.sleep(5)
        child = subprocess.run(
            [sys.executable, "-c", IMPORT_CHILD, str(batch)],
            cwd=ROOT, env=env_for(db), capture_output=True, text=True,
        )  # fmt: skip
        if child.returncode:
            raise SystemExit(f"the import failed:\n{child.stderr[-3000:]}")
        facts = json.loads(child.stdout.strip().splitlines()[-1])
        time.sleep(5)
        stop.set()
        for t in threads:
            t.join()
    finally:
        os.killpg(server.pid, 15)
        server.wait(30)
    print(f"Imported {facts['created']:,} transcripts in {facts['ended'] - facts['began']:.1f} s; "
          f"its write transaction held SQLite's write lock for {facts['lock']:.2f} s")  # fmt: skip
    before = [r for r in saves if r[0] + r[1] < facts["began"]]
    during = [r for r in saves if r[0] < facts["ended"] and r[0] + r[1] > facts["began"]]
    after = [r for r in saves if r[0] > facts["ended"]]
    print("Tag saves (3 coders, one every 0.3 s each):")
    summary("before the import", before)
    summary("while it read and wrote", during)
    summary("after", after)
    print(f"  answers: { {s: sum(1 for r in saves if r[2] == s) for s in {r[2] for r in saves}} }")


if __name__ == "__main__":
    main()
