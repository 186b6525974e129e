"""Start the web server and a background-task worker together, and stop both together.

`make serve` runs gunicorn (production); `make run` runs Django's development server (`--dev`).
Either way the jobs (imports, exports, backups) need a worker beside the web server; one command
that owns both means Ctrl+C, or one of them dying, never leaves the other running alone.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

ROOT = Path(__file__).resolve().parents[3]


def worker_command() -> list[str]:
    """The worker of the configured task backend: RQ's worker, or the database's."""
    manage = [sys.executable, str(ROOT / "manage.py")]
    if settings.TASKS_BACKEND_NAME == "rq":
        return [*manage, "rqworker", "--job-class", "django_tasks_rq.Job", "default"]
    # --no-reload: the development server reloads itself; a reloading worker could stop mid-job.
    return [*manage, "db_worker", "--no-reload", "--interval", "0.5"]


def lower_priority() -> None:
    """Run in the worker's process before it starts: jobs yield the CPU to web requests."""
    os.nice(max(0, min(19, settings.TASK_WORKER_NICENESS)))


def web_command(host: str, port: str, dev: bool) -> list[str]:
    if dev:
        return [sys.executable, str(ROOT / "manage.py"), "runserver", f"{host}:{port}"]
    conf = ROOT / "peervalues" / "gunicorn_conf.py"
    return [sys.executable, "-m", "gunicorn", "-c", str(conf), "peervalues.wsgi:application"]


def _signal_group(child: subprocess.Popen, signum: int) -> None:
    try:
        os.killpg(child.pid, signum)
    except ProcessLookupError:
        return


class Command(BaseCommand):
    help = "Run the web server and a task worker; Ctrl+C stops both."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--dev", action="store_true", help="Django's development server")
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", default="8000")
        parser.add_argument("--no-worker", action="store_true", help="the web server alone")

    def handle(self, *args: Any, dev: bool, host: str, port: str, no_worker: bool, **kw: Any):
        env = {**os.environ, "HOST": host, "PORT": port}
        # Each child leads its own process group, so stopping it also stops what it started
        # (the development server's autoreloader runs the server in a second process).
        children = [subprocess.Popen(web_command(host, port, dev), env=env, start_new_session=True)]
        if not no_worker:
            children.append(
                subprocess.Popen(
                    worker_command(), env=env, start_new_session=True, preexec_fn=lower_priority
                )
            )
        stopping = False

        def stop(signum: int, frame: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        next_clean_up = time.monotonic() + 30  # once everything has started
        try:
            while not stopping and all(child.poll() is None for child in children):
                if not no_worker and time.monotonic() >= next_clean_up:
                    next_clean_up = time.monotonic() + settings.JOB_CLEAN_UP_MINUTES * 60
                    self._schedule_clean_up()
                time.sleep(0.2)
        finally:
            for child in children:
                _signal_group(child, signal.SIGTERM)
            deadline = time.monotonic() + 25
            for child in children:
                try:
                    child.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    _signal_group(child, signal.SIGKILL)
        codes = [child.returncode for child in children]
        if not stopping and any(codes):
            sys.exit(1)

    def _schedule_clean_up(self) -> None:
        """Queue the hourly clean-up (expired files, forgotten uploads, jobs of dead workers)."""
        from django.db import DatabaseError, connection

        from coding.jobs.services import clean_up_schedule

        try:
            clean_up_schedule()
        except DatabaseError as exc:  # the database is restarting: try again next time
            self.stderr.write(f"The clean-up could not be queued this time: {exc}")
        finally:
            connection.close()
