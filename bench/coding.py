"""Speed of the coding workspace (issue 3), and of Taguette on the same document.

Prints figures and asserts nothing. Run from the project folder:

    DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/pv_bench_coding \
        .venv/bin/python bench/coding.py [--skip-taguette] [--runs N]

What it does:
- builds one interview of 25,000 words (Interviewer:/Participant: lines, some emoji) with
  1,000 excerpts by 3 peer researchers, 1-2 values each, in its own PostgreSQL database;
- times the coding page, the excerpt JSON and excerpt creation with Django's test Client in
  this process (DEBUG off, query counts from CaptureQueriesContext), then over HTTP against a
  threaded WSGI server it starts on 127.0.0.1 (Django's own server class, DEBUG off, static
  files through StaticFilesHandler, one kept-alive connection);
- in Debian's Chromium through Playwright: time from navigation start until the page is usable,
  and from a click on a value in the picker until the new highlight shows;
- the same for Taguette (installed into /tmp/taguette-venv, never into the project's venv),
  run locally in its single-user mode on SQLite: document page, document JSON, highlight
  creation, page usable and highlight showing in Chromium.
"""

from __future__ import annotations

import argparse
import html
import http.client
import http.cookiejar
import json
import os
import random
import re
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from _setup import database_create, setup_django

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/pv_bench_coding"
# The in-process client and the server must sign sessions with the same key.
BENCH_SECRET = "bench-only-secret-key-not-for-any-real-server-0123456789"
WORDS = 25_000
EXCERPTS = 1_000
CODERS = ("bench-coder-a", "bench-coder-b", "bench-coder-c")
CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TAGUETTE_VENV = Path(os.environ.get("TAGUETTE_VENV", "/tmp/taguette-venv"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"Nothing listens on 127.0.0.1:{port} after {timeout} s.")


def summary(label: str, samples_ms: list[float], extra: str = "") -> dict[str, Any]:
    ordered = sorted(samples_ms)
    p95 = ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]
    row = {"label": label, "median": statistics.median(ordered), "p95": p95, "n": len(ordered)}
    print(
        f"  {label:<58} median {row['median']:7.1f} ms   p95 {p95:7.1f} ms   "
        f"(n={len(ordered)}){'   ' + extra if extra else ''}",
        flush=True,
    )
    return row


# ---- Our server ------------------------------------------------------------------------------


def serve(port: int) -> None:
    """Run the app with DEBUG off on 127.0.0.1:port (a child process of the benchmark)."""
    import django
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler

    django.setup()
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.core.wsgi import get_wsgi_application

    class QuietHandler(WSGIRequestHandler):
        def log_message(self, *args: Any) -> None:  # a log line per request would skew timings
            pass

    server = ThreadedWSGIServer(("127.0.0.1", port), QuietHandler, ipv6=False)
    # StaticFilesHandler serves static files whatever DEBUG says, so Chromium gets the JS/CSS.
    server.set_app(StaticFilesHandler(get_wsgi_application()))
    server.serve_forever()


def server_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DEBUG="0",
        SECRET_KEY=BENCH_SECRET,
        SECURE_COOKIES="0",
        SECURE_SSL_REDIRECT="0",
        SECURE_HSTS_SECONDS="0",
        ALLOWED_HOSTS="127.0.0.1,localhost",
    )
    return env


# ---- Data ------------------------------------------------------------------------------------

QUESTIONS = [
    "How did you first hear about the group?",
    "What was it like the first time you went along?",
    "Can you say more about that?",
    "What made you keep coming back?",
    "How did the facilitators make the sessions feel?",
    "Was there anything that made it harder to take part?",
    "What has changed for you since then?",
]
FILLER = " ".join(
    [
        "I think it was the way people listened, you know, nobody rushed you and nobody told",
        "you what you should be feeling, and after a while I started to look forward to",
        "Tuesdays, which I never thought I would say about anything back then",
    ]
).split()
EMOJI = ["😊", "🙂", "❤️", "👍", "🌱", "☕"]


def interview_text(rng: random.Random) -> str:
    from coding.demo.phrases import THEMED

    sentences = [s for group in THEMED.values() for s in group]
    lines: list[str] = []
    words = 0
    while words < WORDS:
        question = "Interviewer: " + rng.choice(QUESTIONS)
        parts = []
        for _ in range(rng.randint(2, 5)):
            parts.append(rng.choice(sentences))
            if rng.random() < 0.5:
                start = rng.randrange(len(FILLER) - 12)
                parts.append(
                    " ".join(FILLER[start : start + rng.randint(6, 12)]).capitalize() + "."
                )
        if rng.random() < 0.3:
            parts.append(rng.choice(EMOJI))
        answer = "Participant: " + " ".join(parts)
        lines += [question, answer]
        words += len(question.split()) + len(answer.split())
    # Trim the last answer so the interview has exactly WORDS words.
    extra = words - WORDS
    if extra:
        lines[-1] = " ".join(lines[-1].split()[:-extra])
    return "\n".join(lines)


def build_data() -> dict[str, Any]:
    from django.contrib.auth import get_user_model
    from django.db import transaction

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

    rng = random.Random(3)
    User = get_user_model()
    with transaction.atomic():
        old = ResearchProject.objects.filter(slug="bench-coding")
        Excerpt.objects.filter(interview__project__in=old).delete()
        old.delete()
        project = ResearchProject.objects.create(slug="bench-coding", name="Bench coding")
        framework_values_load(CodebookValue)
        project_values_load(CodebookValue, project)
        coders = []
        for name in CODERS:
            user, _ = User.objects.get_or_create(username=name)
            Membership.objects.create(
                user=user, project=project, role=Membership.Role.PEER_RESEARCHER
            )
            coders.append(user)
        participant = Participant.objects.create(project=project, pseudonym="P-bench")
        interview = Interview.objects.create(
            project=project,
            participant=participant,
            title="Bench interview",
            text=interview_text(rng),
        )
        text = interview.text
        values = list(CodebookValue.objects.for_project(project).active())
        # Spans start on word starts, spread evenly over the text, 1-60 words long.
        word_starts = [m.start() for m in re.finditer(r"\S+", text)]
        excerpts = []
        for i in range(EXCERPTS):
            w = (i * len(word_starts)) // EXCERPTS + rng.randrange(5)
            start = word_starts[min(w, len(word_starts) - 2)]
            n = rng.randint(1, 60)
            m = re.compile(r"\S+").finditer(text, start)
            end = start
            for _k, match in zip(range(n), m, strict=False):
                end = match.end()
            excerpts.append(
                Excerpt(
                    interview=interview,
                    coder=coders[i % 3],
                    start=start,
                    end=end,
                    text=text[start:end],
                )
            )
        Excerpt.objects.bulk_create(excerpts)
        tags = []
        for excerpt in excerpts:
            for value in rng.sample(values, rng.randint(1, 2)):
                tags.append(ExcerptValue(excerpt=excerpt, value=value))
        ExcerptValue.objects.bulk_create(tags)
        names: dict[int, list[str]] = {}
        for tag in tags:
            names.setdefault(id(tag.excerpt), []).append(tag.value.name)
    assert all(e.text == text[e.start : e.end] for e in excerpts)
    return {
        "interview": interview,
        "coder": coders[0],
        "values": values,
        "excerpts": [
            (e.start, e.end, [t.value.name for t in tags if t.excerpt is e]) for e in excerpts
        ],
        "tag_count": len(tags),
    }


def free_spans(text: str, taken: list[tuple[int, int]], count: int) -> list[tuple[int, int]]:
    """Spans of 3-8 words in Participant lines that overlap none of `taken`."""
    spans = []
    offset = 0
    for line in text.split("\n"):
        if line.startswith("Participant: ") and len(line) > 80:
            start = offset + len("Participant: ")
            end = start + 40
            if not any(a < end and start < b for a, b in taken):
                spans.append((start, end))
                taken = [*taken, (start, end)]
        offset += len(line) + 1
    rng = random.Random(8)
    rng.shuffle(spans)
    return spans[:count]


# ---- In-process and HTTP timings ------------------------------------------------------------


def time_client(data: dict[str, Any], runs: int) -> list[dict[str, Any]]:
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext

    interview = data["interview"]
    page = f"/interviews/{interview.pk}/"
    api = f"/api/interviews/{interview.pk}/excerpts/"
    client = Client(enforce_csrf_checks=True)
    client.force_login(data["coder"])
    rows = []
    print("\nOurs, Django test Client in-process (DEBUG off while timing):", flush=True)
    with override_settings(DEBUG=False):
        response = client.get(page)
        assert response.status_code == 200, response.status_code
        csrf = client.cookies["csrftoken"].value
        for label, url in (("GET coding page", page), ("GET excerpt JSON", api)):
            client.get(url)
            connection.queries_log.clear()  # a full log (maxlen 9000) would count nothing
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
            # Read now: later requests reset the query log that the context slices.
            query_count = len(queries)
            size = len(response.content)
            samples = []
            for _ in range(runs):
                t0 = time.perf_counter()
                response = client.get(url)
                samples.append((time.perf_counter() - t0) * 1000)
                assert response.status_code == 200
            rows.append(
                summary(
                    f"client {label} {url}",
                    samples,
                    f"{query_count} queries, {size / 1024:.0f} KiB",
                )
            )
            rows[-1]["queries"] = query_count
        slug = data["values"][0].slug
        spans = iter(
            range(10, len(interview.text) - 100, max(1, len(interview.text) // (runs + 2)))
        )

        def post() -> Any:
            start = next(spans)
            body = json.dumps({"start": start, "end": start + 25, "values": [slug], "note": ""})
            return client.post(api, body, content_type="application/json", HTTP_X_CSRFTOKEN=csrf)

        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as queries:
            assert post().status_code == 201
        query_count = len(queries)
        samples = []
        for _ in range(runs):
            t0 = time.perf_counter()
            response = post()
            samples.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 201, response.content
        rows.append(summary(f"client POST excerpt {api}", samples, f"{query_count} queries"))
        rows[-1]["queries"] = query_count
    return rows


def time_http(port: int, session: str, csrf: str, data: dict[str, Any], runs: int) -> list:
    interview = data["interview"]
    page = f"/interviews/{interview.pk}/"
    api = f"/api/interviews/{interview.pk}/excerpts/"
    cookie = f"sessionid={session}; csrftoken={csrf}"
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def request(method: str, url: str, body: bytes | None = None) -> tuple[int, bytes]:
        headers = {"Cookie": cookie, "Host": f"127.0.0.1:{port}"}
        if body is not None:
            headers.update(
                {
                    "Content-Type": "application/json",
                    "X-CSRFToken": csrf,
                    "Referer": f"http://127.0.0.1:{port}{page}",
                }
            )
        conn.request(method, url, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()

    rows = []
    print(
        f"\nOurs, over HTTP (threaded WSGI server of Django on 127.0.0.1:{port}, DEBUG off, "
        "one kept-alive connection):",
        flush=True,
    )
    for label, url in (("GET coding page", page), ("GET excerpt JSON", api)):
        request("GET", url)
        samples = []
        for _ in range(runs):
            t0 = time.perf_counter()
            status, _body = request("GET", url)
            samples.append((time.perf_counter() - t0) * 1000)
            assert status == 200, status
        rows.append(summary(f"http {label} {url}", samples))
    slug = data["values"][1].slug
    step = max(1, len(interview.text) // (runs + 3))
    spans = iter(range(17, len(interview.text) - 100, step))
    samples = []
    for i in range(runs + 1):
        start = next(spans)
        body = json.dumps({"start": start, "end": start + 30, "values": [slug], "note": ""})
        t0 = time.perf_counter()
        status, content = request("POST", api, body.encode())
        elapsed = (time.perf_counter() - t0) * 1000
        assert status == 201, content[:300]
        if i:
            samples.append(elapsed)
    rows.append(summary(f"http POST excerpt {api}", samples))
    conn.close()
    return rows


# ---- Chromium --------------------------------------------------------------------------------

# Recorded by an init script: Playwright's polling would add its own delay to the figure.
READY_SCRIPT = """
(() => {
  window.__benchReadyAt = null;
  new MutationObserver((_, observer) => {
    const el = document.getElementById('transcript');
    if (el && el.dataset.ready === 'true' && window.__benchReadyAt === null) {
      window.__benchReadyAt = performance.now();
      observer.disconnect();
    }
  }).observe(document, { subtree: true, childList: true, attributes: true,
                         attributeFilter: ['data-ready'] });
})();
"""

OUR_TAG_JS = """
async ([start, end, slug]) => {
  const pv = window.peerValues;
  const before = pv.excerpts().length;
  pv.__before = pv.excerpts().map((e) => e.id);
  const [sn, so] = pv.cpToDom(start, false);
  const [en, eo] = pv.cpToDom(end, true);
  window.getSelection().setBaseAndExtent(sn, so, en, eo);
  const t = document.getElementById('transcript');
  const r = sn.parentElement.getBoundingClientRect();
  t.dispatchEvent(new MouseEvent('mouseup', {bubbles: true, clientX: r.left + 5,
                                             clientY: r.top + 5}));
  const picker = document.getElementById('picker');
  const tick = () => new Promise((resolve) => setTimeout(resolve, 0));
  for (let i = 0; i < 2000 && picker.hidden; i++) await tick();
  if (picker.hidden) throw new Error('the value picker did not open');
  const button = picker.querySelector(`[data-value="${slug}"]`);
  const t0 = performance.now();
  button.click();
  for (let i = 0; i < 20000; i++) {
    const now = pv.excerpts();
    if (now.length > before) {
      const known = new Set(pv.__before);
      const made = now.find((e) => !known.has(e.id));
      const hl = CSS.highlights.get(`v-${slug}`) || CSS.highlights.get('v-multi');
      if (made && hl) {
        const [hn, ho] = pv.cpToDom(made.start, false);
        for (const range of hl) {
          if (range.startContainer === hn && range.startOffset === ho) {
            return performance.now() - t0;
          }
        }
      }
    }
    await tick();
  }
  throw new Error('the highlight did not show');
}
"""


def browser_ours(
    port: int, session: str, data: dict[str, Any], loads: int, tags: int
) -> list[dict[str, Any]]:
    from playwright.sync_api import sync_playwright

    interview = data["interview"]
    base = f"http://127.0.0.1:{port}"
    rows = []
    print("\nOurs in Chromium (headless, Debian's /usr/bin/chromium via Playwright):", flush=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM_PATH, headless=True, args=CHROMIUM_ARGS
        )
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        context.add_cookies([{"name": "sessionid", "value": session, "url": base}])
        context.add_init_script(READY_SCRIPT)
        first = data["first_excerpt_id"]
        views = (
            ("page usable, My excerpts view (default)", f"/interviews/{interview.pk}/"),
            (
                "page usable, All coders view (1,000 highlights)",
                f"/interviews/{interview.pk}/#excerpt-{first}",
            ),
        )
        for label, url in views:
            samples = []
            shown = 0
            for i in range(loads + 1):
                page = context.new_page()
                errors: list[str] = []
                page.on("pageerror", lambda exc, errors=errors: errors.append(str(exc)))
                page.goto(base + url, wait_until="commit")
                page.wait_for_function("() => window.__benchReadyAt !== null", timeout=30_000)
                ready = page.evaluate("() => window.__benchReadyAt")
                shown = page.evaluate(
                    "() => [...CSS.highlights.values()].reduce((n, h) => n + h.size, 0)"
                )
                if errors:
                    raise RuntimeError(f"page errors: {errors}")
                if i:  # the first load warms the HTTP cache of static files
                    samples.append(ready)
                page.close()
            rows.append(summary(label, samples, f"{shown} highlight ranges"))
        page = context.new_page()
        page.goto(base + f"/interviews/{interview.pk}/")
        page.wait_for_selector("#transcript[data-ready=true]")
        mine = [
            (e["start"], e["end"])
            for e in page.evaluate("() => window.peerValues.excerpts()")
            if e["coder"] == data["coder"].username
        ]
        slug = data["values"][2].slug
        samples = []
        for start, end in free_spans(interview.text, mine, tags + 1):
            samples.append(page.evaluate(OUR_TAG_JS, [start, end, slug]))
            page.keyboard.press("Escape")
        rows.append(summary("click a value -> highlight shows", samples[1:]))
        browser.close()
    return rows


# ---- Taguette --------------------------------------------------------------------------------


class TextOf(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def taguette_install() -> Path:
    exe = TAGUETTE_VENV / "bin" / "taguette"
    if not exe.exists():
        print(f"Installing Taguette into {TAGUETTE_VENV} ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(TAGUETTE_VENV)], check=True)
        subprocess.run(
            [str(TAGUETTE_VENV / "bin" / "pip"), "install", "-q", "taguette"], check=True
        )
    return exe


def taguette_run(data: dict[str, Any], runs: int, loads: int, tags: int) -> list[dict]:
    exe = taguette_install()
    version = subprocess.run(
        [str(exe), "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    workdir = Path(tempfile.mkdtemp(prefix="pv-bench-taguette-"))
    db_path = workdir / "taguette.sqlite3"
    port = free_port()
    log = open(workdir / "taguette.log", "w+")  # noqa: SIM115 - read back below
    proc = subprocess.Popen(
        [str(exe), "--no-browser", "--database", str(db_path), "-p", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=workdir,
    )
    rows: list[dict[str, Any]] = []
    try:
        wait_for_port(port, 60)
        token_url = None
        for _ in range(100):
            log.seek(0)
            found = re.search(r"(http://\S+\?token=\S+)", log.read())
            if found:
                token_url = found.group(1)
                break
            time.sleep(0.1)
        if not token_url:
            raise RuntimeError("Taguette did not print its sign-in link.")
        rows = _taguette_measure(data, port, token_url, db_path, runs, loads, tags, version)
    finally:
        proc.terminate()
        proc.wait(10)
        log.close()
    return rows


def _taguette_measure(
    data: dict[str, Any],
    port: int,
    token_url: str,
    db_path: Path,
    runs: int,
    loads: int,
    tags: int,
    version: str,
) -> list[dict[str, Any]]:
    base = f"http://127.0.0.1:{port}"
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.open(token_url.replace("localhost", "127.0.0.1")).read()
    opener.open(base + "/project/new").read()
    cookies = {c.name: c.value for c in jar}
    xsrf = cookies["_xsrf"]
    form = urllib.parse.urlencode(
        {"name": "Bench coding", "description": "", "_xsrf": xsrf}
    ).encode()
    response = opener.open(base + "/project/new", form)
    project_id = int(re.search(r"/project/(\d+)", response.geturl()).group(1))

    text = data["interview"].text
    lines = text.split("\n")
    body = "".join(f"<p>{html.escape(line, quote=False)}</p>" for line in lines)
    boundary = "----pvbench"
    parts = []
    for name, value in (("name", "Bench interview"), ("description", ""), ("_xsrf", xsrf)):
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        )
    payload = (
        "".join(parts).encode()
        + (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="interview.html"\r\nContent-Type: text/html\r\n\r\n'
        ).encode()
        + body.encode()
        + f"\r\n--{boundary}--\r\n".encode()
    )
    req = urllib.request.Request(
        f"{base}/api/project/{project_id}/document/new",
        data=payload,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    document_id = json.loads(opener.open(req).read())["created"]

    def post_json(url: str, obj: dict[str, Any]) -> dict[str, Any]:
        req = urllib.request.Request(
            base + url,
            data=json.dumps(obj).encode(),
            headers={"Content-Type": "application/json", "X-XSRFToken": xsrf},
        )
        return json.loads(opener.open(req).read())

    tag_ids = {}
    for value in data["values"]:
        tag_ids[value.name] = post_json(
            f"/api/project/{project_id}/tag/new", {"path": value.name, "description": ""}
        )["id"]

    # 1,000 highlights straight into its database: through the API each one re-parses the
    # whole document (html5lib), which would take minutes. Offsets count UTF-8 bytes of the
    # document's text, as Taguette's own extract.py does.
    db = sqlite3.connect(db_path)
    stored = db.execute("SELECT contents FROM documents WHERE id = ?", (document_id,)).fetchone()[0]
    parser = TextOf()
    parser.feed(stored)
    doc_text = "".join(parser.parts)
    same = doc_text == "".join(lines)
    byte_at = [0]
    for ch in doc_text:
        byte_at.append(byte_at[-1] + len(ch.encode()))
    newlines_before = [0] * (len(text) + 1)
    for i, ch in enumerate(text):
        newlines_before[i + 1] = newlines_before[i] + (ch == "\n")
    highlight_rows = []
    tag_rows = []
    next_id = 1 + (db.execute("SELECT coalesce(max(id), 0) FROM highlights").fetchone()[0])
    for i, (start, end, names) in enumerate(data["excerpts"]):
        s = min(start - newlines_before[start], len(doc_text) - 1)
        e = min(end - newlines_before[end], len(doc_text))
        hid = next_id + i
        highlight_rows.append(
            (hid, document_id, byte_at[s], byte_at[e], html.escape(doc_text[s:e]))
        )
        tag_rows += [(hid, tag_ids[n]) for n in names]
    db.executemany(
        "INSERT INTO highlights (id, document_id, start_offset, end_offset, snippet) "
        "VALUES (?, ?, ?, ?, ?)",
        highlight_rows,
    )
    db.executemany("INSERT INTO highlight_tags (highlight_id, tag_id) VALUES (?, ?)", tag_rows)
    db.commit()
    db.close()
    print(
        f"\nTaguette {version} (single-user mode, SQLite, Tornado on 127.0.0.1:{port}): project "
        f"{project_id}, document {document_id} of {len(doc_text.split())} words, "
        f"{len(highlight_rows)} highlights, {len(tag_rows)} highlight tags"
        f"{'' if same else ' (document text differs from ours: offsets approximate)'}",
        flush=True,
    )

    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def request(method: str, url: str, body: bytes | None = None) -> tuple[int, bytes]:
        headers = {"Cookie": cookie}
        if body is not None:
            headers.update({"Content-Type": "application/json", "X-XSRFToken": xsrf})
        conn.request(method, url, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()

    rows = []
    urls = (
        ("GET document page (HTML shell)", f"/project/{project_id}/document/{document_id}"),
        (
            "GET document contents JSON",
            f"/api/project/{project_id}/document/{document_id}/contents",
        ),
        ("GET document highlights JSON", f"/api/project/{project_id}/document/{document_id}"),
    )
    for label, url in urls:
        status, content = request("GET", url)
        assert status == 200, (status, content[:200])
        samples = []
        for _ in range(runs):
            t0 = time.perf_counter()
            status, content = request("GET", url)
            samples.append((time.perf_counter() - t0) * 1000)
        rows.append(summary(f"http {label}", samples, f"{len(content) / 1024:.0f} KiB"))
    samples = []
    hl_url = f"/api/project/{project_id}/document/{document_id}/highlight/new"
    some_tag = next(iter(tag_ids.values()))
    step = max(1, len(byte_at) // (runs + 3))
    for i in range(runs + 1):
        s = 20 + i * step
        body = json.dumps(
            {"start_offset": byte_at[s], "end_offset": byte_at[s + 30], "tags": [some_tag]}
        ).encode()
        t0 = time.perf_counter()
        status, content = request("POST", hl_url, body)
        elapsed = (time.perf_counter() - t0) * 1000
        assert status == 200, (status, content[:300])
        if i:
            samples.append(elapsed)
    rows.append(summary("http POST highlight/new", samples))
    conn.close()

    rows += _taguette_browser(base, jar, project_id, document_id, tag_ids, loads, tags)
    return rows


TAGUETTE_READY_SCRIPT = """
(() => {
  window.__benchReadyAt = null;
  const log = console.log.bind(console);
  console.log = (...args) => {
    if (typeof args[0] === 'string' && /^Loaded \\d+ highlights/.test(args[0])) {
      window.__benchReadyAt = performance.now();
    }
    return log(...args);
  };
})();
"""

TAGUETTE_TAG_JS = """
async () => {
  const before = Object.keys(highlights).length;
  const form = document.getElementById('highlight-add-form');
  const submit = form.querySelector('button[type=submit]');
  const tick = () => new Promise((resolve) => setTimeout(resolve, 0));
  const t0 = performance.now();
  submit.click();
  for (let i = 0; i < 50000; i++) {
    const ids = Object.keys(highlights);
    if (ids.length > before) {
      const id = ids.map(Number).sort((a, b) => b - a)[0];
      if (document.getElementsByClassName('highlight-' + id).length) {
        return performance.now() - t0;
      }
    }
    await tick();
  }
  throw new Error('the highlight did not show');
}
"""

TAGUETTE_SELECT_JS = """
([index]) => {
  const ps = document.querySelectorAll('#document-contents p');
  for (let i = index; i < ps.length; i++) {
    const walker = document.createTreeWalker(ps[i], NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (node.data.length >= 40 && !node.parentElement.closest('.highlight')) {
        window.getSelection().setBaseAndExtent(node, 5, node, 30);
        document.dispatchEvent(new Event('selectionchange'));
        return;
      }
    }
  }
  throw new Error('no unhighlighted text to select');
}
"""


def _taguette_browser(
    base: str,
    jar: http.cookiejar.CookieJar,
    project_id: int,
    document_id: int,
    tag_ids: dict[str, int],
    loads: int,
    tags: int,
) -> list[dict[str, Any]]:
    from playwright.sync_api import sync_playwright

    rows = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM_PATH, headless=True, args=CHROMIUM_ARGS
        )
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        context.add_cookies([{"name": c.name, "value": c.value, "url": base} for c in jar])
        context.add_init_script(TAGUETTE_READY_SCRIPT)
        url = f"{base}/project/{project_id}/document/{document_id}"
        samples = []
        shown = 0
        # Every load is timed (each takes long; its static files are small): the last page
        # stays open for the tagging figure.
        page = None
        for _ in range(loads):
            if page is not None:
                page.close()
            page = context.new_page()
            page.goto(url, wait_until="commit")
            page.wait_for_function("() => window.__benchReadyAt !== null", timeout=180_000)
            samples.append(page.evaluate("() => window.__benchReadyAt"))
            shown = page.evaluate(
                "() => document.querySelectorAll('#document-contents .highlight').length"
            )
        rows.append(
            summary(
                "Taguette page usable (document + highlights drawn)",
                samples,
                f"{shown} highlight spans",
            )
        )
        page.wait_for_timeout(300)
        tag_id = next(iter(tag_ids.values()))
        count = page.evaluate("() => document.querySelectorAll('#document-contents p').length")
        samples = []
        for k in range(tags + 1):
            index = 1 + (k * 2 * (count // 2 - 1)) // (tags + 1) // 2 * 2 + 1
            page.evaluate(TAGUETTE_SELECT_JS, [min(index, count - 1)])
            page.wait_for_selector("#hlinfo a", state="visible")
            page.click("#hlinfo a")
            page.wait_for_selector("#highlight-add-modal", state="visible")
            page.check(f"#highlight-add-tags-{tag_id}")
            samples.append(page.evaluate(TAGUETTE_TAG_JS))
            page.wait_for_selector("#highlight-add-modal", state="hidden")
        rows.append(summary("Taguette click Save -> highlight shows", samples[1:]))
        browser.close()
    return rows


# ---- Main ------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--runs", type=int, default=30, help="timed requests per figure")
    parser.add_argument("--loads", type=int, default=7, help="timed page loads in Chromium")
    parser.add_argument("--tags", type=int, default=10, help="timed taggings in Chromium")
    parser.add_argument(
        "--taguette-loads", type=int, default=2, help="timed Taguette page loads (slow)"
    )
    parser.add_argument("--skip-taguette", action="store_true")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peervalues.settings")
    os.environ.setdefault("DATABASE_URL", DEFAULT_DB)
    if args.serve:
        serve(args.serve)
        return
    os.environ.setdefault("DEBUG", "1")
    os.environ["SECRET_KEY"] = BENCH_SECRET
    os.environ["ALLOWED_HOSTS"] = "127.0.0.1,localhost,testserver"
    # Playwright's sync API runs an event loop in this thread; the ORM calls stay synchronous.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    url = os.environ["DATABASE_URL"]
    if not url.startswith("postgres"):
        print("Warning: DATABASE_URL is not PostgreSQL; figures are meant for PostgreSQL.")
    else:
        database_create(url, keep=True)

    setup_django()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    began = time.monotonic()
    call_command("migrate", verbosity=0)
    t0 = time.perf_counter()
    data = build_data()
    interview = data["interview"]
    data["first_excerpt_id"] = interview.excerpts.order_by("start").values_list("pk", flat=True)[0]
    print(
        f"Data: interview {interview.pk} of {interview.word_count} words, "
        f"{len(interview.text)} code points, {EXCERPTS} excerpts by {len(CODERS)} coders with "
        f"{data['tag_count']} value tags, built in {time.perf_counter() - t0:.1f} s on "
        f"{connection.vendor} {connection.pg_version if connection.vendor == 'postgresql' else ''}",
        flush=True,
    )
    rows = time_client(data, args.runs)

    client = Client()
    client.force_login(data["coder"])
    client.get(f"/interviews/{interview.pk}/")
    session = client.cookies["sessionid"].value
    csrf = client.cookies["csrftoken"].value
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(port)],
        env=server_env(),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port)
        rows += time_http(port, session, csrf, data, args.runs)
        rows += browser_ours(port, session, data, args.loads, args.tags)
    finally:
        server.terminate()
        server.wait(10)
    if not args.skip_taguette:
        try:
            rows += taguette_run(data, args.runs, args.taguette_loads, args.tags)
        except Exception as exc:  # report and go on: the figures above still stand
            print(f"\nTaguette could not be measured: {exc!r}", flush=True)
    print(f"\nDone in {time.monotonic() - began:.0f} s.")


if __name__ == "__main__":
    main()
