"""The optional read replica: comparison pages read from it, everything else from the primary."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.http import HttpResponse
from django.test import RequestFactory

from coding.middleware import ReplicaReadsMiddleware
from coding.models import Excerpt
from peervalues.db_router import REPLICA, ReplicaRouter

ROOT = Path(__file__).resolve().parent.parent


def routed_during(method: str, path: str) -> str | None:
    seen: list[str | None] = []

    def view(request: object) -> HttpResponse:
        seen.append(ReplicaRouter().db_for_read(Excerpt))
        return HttpResponse()

    middleware = ReplicaReadsMiddleware(view)
    middleware(getattr(RequestFactory(), method)(path))
    return seen[0]


def test_it_reads_comparisons_from_the_replica() -> None:
    assert routed_during("get", "/compare/") == REPLICA
    assert ReplicaRouter().db_for_read(Excerpt) is None  # and stops after the request


def test_it_keeps_coding_and_writes_on_the_primary() -> None:
    assert routed_during("get", "/interviews/1/") is None
    assert routed_during("post", "/compare/") is None
    assert ReplicaRouter().db_for_write(Excerpt) is None
    assert ReplicaRouter().allow_migrate(REPLICA, "coding") is False


def test_it_adds_the_replica_only_when_configured() -> None:
    code = (
        "import peervalues.settings as s; "
        "print(sorted(s.DATABASES), getattr(s, 'DATABASE_ROUTERS', []))"
    )
    env = {**os.environ, "DEBUG": "1"}
    plain = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True)
    assert plain.stdout.decode().strip() == "['default'] []"
    env["DATABASE_REPLICA_URL"] = "postgres://reader@replica.internal:5432/peervalues"
    replica = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True)
    assert "'replica'" in replica.stdout.decode()
    assert "peervalues.db_router.ReplicaRouter" in replica.stdout.decode()
