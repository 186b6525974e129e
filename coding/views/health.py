"""/health/: whether this server can reach its database, its file storage and its job queue.

For load balancers and monitoring: no sign-in, JSON, 200 when all is well and 503 otherwise.
It names what failed but never how it is configured (no host names, URLs or error texts).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from ..jobs.models import Job


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _storage() -> None:
    """Write, read back and delete a tiny file: reading alone misses a full or read-only disk."""
    name = default_storage.save(f"health/{uuid.uuid4().hex}.txt", ContentFile(b"ok"))
    try:
        with default_storage.open(name) as handle:
            assert handle.read() == b"ok"
    finally:
        default_storage.delete(name)


def _tasks() -> None:
    if settings.TASKS_BACKEND_NAME == "rq":
        import django_rq  # only installed as an app when RQ is the backend

        django_rq.get_connection("default").ping()
    elif settings.TASKS_BACKEND_NAME == "db":
        from django_tasks_db.models import DBTaskResult

        DBTaskResult.objects.exists()


CHECKS: dict[str, Callable[[], None]] = {
    "database": _database,
    "storage": _storage,
    "tasks": _tasks,
}


@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    results: dict[str, dict[str, object]] = {}
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            check()
            ok = True
        except Exception:  # any failure is "not healthy"; the details stay in the server's log
            ok = False
        results[name] = {"ok": ok, "ms": round((time.perf_counter() - started) * 1000, 1)}
    results["tasks"]["backend"] = settings.TASKS_BACKEND_NAME
    if results["database"]["ok"]:
        results["tasks"]["jobs_running"] = Job.objects.filter(status=Job.Status.RUNNING).count()
    healthy = all(result["ok"] for result in results.values())
    return JsonResponse(
        {"status": "ok" if healthy else "failing", "checks": results},
        status=200 if healthy else 503,
    )
