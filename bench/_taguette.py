"""Taguette measured on the same document as ours: the peer comparison of bench/coding.py.

Taguette is installed into its own virtual environment (never the project's) and run locally
in its single-user mode on SQLite.
"""

from __future__ import annotations

import html
import http.client
import http.cookiejar
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import _setup  # noqa: F401  (puts the project root on sys.path for tests.browser.chromium)
from _measure import free_port, summary, wait_for_port
from playwright.sync_api import sync_playwright

from tests.browser.chromium import chromium_launch

TAGUETTE_VENV = Path(os.environ.get("TAGUETTE_VENV", "/tmp/taguette-venv"))


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
    rows = []
    with sync_playwright() as pw:
        browser = chromium_launch(pw)
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
