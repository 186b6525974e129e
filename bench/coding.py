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
import http.client
import http.cookiejar
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from _coding_data import CODERS, EXCERPTS, build_data, free_spans
from _measure import free_port, summary, wait_for_port
from _setup import database_create, setup_django
from _taguette import taguette_run
from playwright.sync_api import sync_playwright

from tests.browser.chromium import chromium_launch

ROOT = Path(__file__).resolve().parent.parent

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/pv_bench_coding"
# The in-process client and the server must sign sessions with the same key.
BENCH_SECRET = "bench-only-secret-key-not-for-any-real-server-0123456789"


# ---- Our server ------------------------------------------------------------------------------


def serve(port: int) -> None:
    """Run the app with DEBUG off on 127.0.0.1:port (a child process of the benchmark)."""
    import django
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler

    django.setup()
    from django.core.wsgi import get_wsgi_application

    class QuietHandler(WSGIRequestHandler):
        def log_message(self, *args: Any) -> None:  # a log line per request would skew timings
            pass

    server = ThreadedWSGIServer(("127.0.0.1", port), QuietHandler, ipv6=False)
    # As in production: whitenoise serves the collected, hashed static files (see main()).
    server.set_app(get_wsgi_application())
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
      // A segment shows the colour of its innermost excerpt: look in every value highlight.
      if (made) {
        const [hn, ho] = pv.cpToDom(made.start, false);
        for (const [name, hl] of CSS.highlights) {
          if (!name.startsWith('v-')) continue;
          for (const range of hl) {
            if (range.startContainer === hn && range.startOffset === ho) {
              return performance.now() - t0;
            }
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
    interview = data["interview"]
    base = f"http://127.0.0.1:{port}"
    rows = []
    print("\nOurs in Chromium (headless, Debian's /usr/bin/chromium via Playwright):", flush=True)
    with sync_playwright() as pw:
        browser = chromium_launch(pw)
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
    # As `make serve` does: with DEBUG off, pages name their static files from the manifest.
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT, env=server_env(), check=True,
    )  # fmt: skip
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
