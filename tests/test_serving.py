"""Production serving: gunicorn with whitenoise's hashed, compressed static files; `make serve`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from peervalues.gunicorn_conf import MAX_WORKERS, default_workers

ROOT = Path(__file__).resolve().parent.parent
PORT = int(os.environ.get("PV_TEST_GUNICORN_PORT", "8160"))
ISOLATED_ENV = {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE"}


def production_env(tmp_path: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if k not in ISOLATED_ENV}
    return {
        **clean,
        "DEBUG": "0",
        "SECRET_KEY": "test-only-" + "x" * 50,
        "ALLOWED_HOSTS": "127.0.0.1",
        # Plain HTTP on the loopback: no TLS proxy in front of this test.
        "SECURE_SSL_REDIRECT": "0",
        "STATIC_ROOT": str(tmp_path / "static"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "HOST": "127.0.0.1",
        "PORT": str(PORT),
        "WEB_CONCURRENCY": "1",
    }


def fetch(path: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(f"http://127.0.0.1:{PORT}{path}", headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, dict(response.headers), response.read()


# Generous: on a busy two-core machine booting a worker can take many seconds.
STARTUP_SECONDS = 90


def wait_until_up(process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        assert process.poll() is None, "gunicorn stopped while starting: " + log.read_text()
        try:
            fetch("/login/")
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"gunicorn did not answer in {STARTUP_SECONDS} s: " + log.read_text())


@pytest.fixture
def gunicorn(tmp_path: Path):
    env = production_env(tmp_path)
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], env=env, check=True, cwd=ROOT)
    conf = str(ROOT / "peervalues" / "gunicorn_conf.py")
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", conf, "peervalues.wsgi:application"],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=out,
        )
    try:
        wait_until_up(process, log)
        yield tmp_path / "static"
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_it_serves_pages_and_hashed_compressed_static_files_under_gunicorn(gunicorn: Path) -> None:
    manifest = json.loads((gunicorn / "staticfiles.json").read_text())["paths"]
    coding_js, app_css = manifest["coding/coding.js"], manifest["coding/app.css"]
    assert coding_js != "coding/coding.js"  # the name carries a hash of the content

    status, _, page = fetch("/login/")
    assert status == 200
    assert f"/static/{app_css}".encode() in page  # pages link the hashed names

    status, headers, body = fetch(f"/static/{coding_js}", **{"Accept-Encoding": "gzip"})
    assert status == 200
    assert headers["Content-Encoding"] == "gzip"
    assert "immutable" in headers["Cache-Control"]
    assert len(body) < (gunicorn / coding_js).stat().st_size


def test_it_explains_a_missing_secret_key_before_starting() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ISOLATED_ENV}
    result = subprocess.run(
        ["make", "-s", "serve-check"], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "make serve needs SECRET_KEY" in result.stderr


def test_it_explains_missing_allowed_hosts_before_starting() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ISOLATED_ENV}
    result = subprocess.run(
        ["make", "-s", "serve-check"],
        env={**env, "SECRET_KEY": "k" * 50},
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "make serve needs ALLOWED_HOSTS" in result.stderr


def test_it_starts_two_workers_per_core_plus_one_within_a_cap() -> None:
    assert default_workers(1) == 3
    assert default_workers(2) == 5
    assert default_workers(64) == MAX_WORKERS


def test_it_stops_the_web_server_when_the_job_worker_dies(tmp_path: Path) -> None:
    """`make run` and `make serve` keep the two together: one never runs without the other."""
    env = {**production_env(tmp_path), "DEBUG": "1", "PORT": str(PORT + 1)}
    # An empty database file: the worker's first look for jobs fails and it exits.
    serve = subprocess.Popen(
        [sys.executable, "manage.py", "serve", "--dev", "--port", str(PORT + 1)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert serve.wait(timeout=60) == 1
    finally:
        if serve.poll() is None:
            serve.kill()
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://127.0.0.1:{PORT + 1}/login/", timeout=2)


def test_it_starts_the_job_worker_at_a_lower_cpu_priority(
    monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    from coding.management.commands import serve as serve_command

    settings.TASK_WORKER_NICENESS = 7
    started: list[dict[str, Any]] = []

    class Finished:
        returncode = 0

        def __init__(self, command: list[str], **kwargs: Any) -> None:
            started.append({"command": command, **kwargs})

        def poll(self) -> int:
            return 0

        def wait(self, timeout: float | None = None) -> int:
            return 0

    monkeypatch.setattr(serve_command.subprocess, "Popen", Finished)
    monkeypatch.setattr(serve_command, "_signal_group", lambda child, signum: None)
    serve_command.Command().handle(dev=True, host="127.0.0.1", port="8999", no_worker=False)
    web, worker = started
    assert web.get("preexec_fn") is None
    assert worker["preexec_fn"] is serve_command.lower_priority
    # The hook really lowers the priority of the process it runs in.
    monkeypatch.undo()
    settings.TASK_WORKER_NICENESS = 7
    before = os.nice(0)
    result = subprocess.run(
        [sys.executable, "-c", "import os; print(os.nice(0))"],
        preexec_fn=serve_command.lower_priority,
        capture_output=True,
        text=True,
        check=True,
    )
    assert int(result.stdout) == min(19, before + 7)
