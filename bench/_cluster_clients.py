"""The simulated people of bench/cluster.py: coders, evaluators and an admin, over HTTP.

Each keeps its own session and prefers one server; when that server stops answering it moves to
the other and sends the same request again (a tag with the same Idempotency-Key).
"""

from __future__ import annotations

import collections
import http.client
import io
import json
import random
import threading
import time
import uuid
import zipfile
from typing import Any

PORTS: list[int] = []  # set by cluster.py
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
RUN = uuid.uuid4().hex  # the imported batch differs from any earlier run's (--reuse)


def text_of(n: int, words: int = 600) -> str:
    rng = random.Random(n)
    lines = []
    for turn in range(words // 30):
        speaker = "Interviewer" if turn % 2 == 0 else "Participant"
        lines.append(f"{speaker}: " + " ".join(rng.choice(WORDS) for _ in range(30)) + f" {n}.")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Clients


def batch_zip(count: int = 100, cycle: int = 0) -> bytes:
    """A batch of `count` new transcripts; each `cycle` gives new texts and new participants."""
    buffer = io.BytesIO()
    header = "file,project,participant,participant_role,interview_date,interviewer,mode,redact"
    rows = [header]
    person = "Batch" if cycle == 0 else f"Batch{cycle}"
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for n in range(count):
            name = f"t{n:04d}.txt"
            rows.append(f"{name},side-by-side,{person}-{n},participant,2024-03-31,Amira,online,")
            text = f"Interviewer: run {RUN} {cycle}\n" + text_of(500_000 + n, 1500)
            archive.writestr(name, text)
        archive.writestr("manifest.csv", "\n".join(rows) + "\n")
    return buffer.getvalue()


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


def admin_jobs_together(
    session: Session, until: float, results: dict[str, Any], transcripts: int
) -> None:
    """Issue 13's mixed load: an export and an import running as jobs at the same time, again
    and again until the clock ends (each import a new batch).

    While they run, requests are recorded under "jobs running"; in the first seconds and after
    the last cycle, under "no job running", so the figures say what the jobs cost the others.
    """
    stats = session.stats
    time.sleep(5)
    stats.phase = "jobs running"
    started, cycle = time.monotonic(), 0
    while time.monotonic() < until - 10:
        cycle += 1
        jobs_cycle(session, until, results, transcripts, cycle)
    results["jobs"] = {"status": f"{cycle} cycles in {time.monotonic() - started:.1f} s"}
    stats.phase = "no job running"


def jobs_cycle(
    session: Session, until: float, results: dict[str, Any], transcripts: int, cycle: int
) -> None:
    """Start an export on server A and upload a batch there; preview and import it on B."""
    status, headers, _ = session.request(
        "GET", "/compare/export/excerpts.csv", "export start", server=0
    )
    export_at = headers.get("Location", "") if status == 302 else ""
    body, content_type = multipart(
        {"csrfmiddlewaretoken": session.csrf, "names": ""},
        "batch",
        "batch.zip",
        batch_zip(transcripts, cycle),
    )
    status, headers, _ = session.request(
        "POST", "/manage/imports/new/", "import upload", body, {"Content-Type": content_type}, 0
    )
    preview_at = headers.get("Location", "") if status == 302 else ""
    preview = (
        follow_job(session, preview_at, 1, until)
        if "/jobs/" in preview_at
        else {"status": f"HTTP {status}"}
    )
    results[f"import preview {cycle}"] = preview
    if preview.get("status") == "done":
        form = f"csrfmiddlewaretoken={session.csrf}".encode()
        form_type = {"Content-Type": "application/x-www-form-urlencoded"}
        status, headers, _ = session.request(
            "POST", preview["result_url"] + "confirm/", "import confirm", form, form_type, 1
        )
        location = headers.get("Location", "") if status == 302 else ""
        results[f"import {cycle}"] = (
            follow_job(session, location, 1, until)
            if "/jobs/" in location
            else {"status": f"HTTP {status}"}
        )
    results[f"export {cycle}"] = (
        follow_job(session, export_at, 1, until) if export_at else {"status": "not started"}
    )


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
    # The preview is made inside the upload's request; a job when it is one (older versions).
    location = headers.get("Location", "") if status == 302 else ""
    if "/jobs/" in location:
        preview = follow_job(session, location, 1, until)
    else:
        preview = {"status": "done" if location else f"HTTP {status}", "result_url": location}
    results["import preview"] = preview
    if preview.get("status") == "done":
        confirm = preview["result_url"] + "confirm/"
        form = f"csrfmiddlewaretoken={session.csrf}".encode()
        form_type = {"Content-Type": "application/x-www-form-urlencoded"}
        status, headers, _ = session.request("POST", confirm, "import confirm", form, form_type, 1)
        location = headers.get("Location", "") if status == 302 else ""
        results["import"] = (
            follow_job(session, location, 1, until)
            if "/jobs/" in location
            else {"status": "done" if "/manage/imports/" in location else f"HTTP {status}"}
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
