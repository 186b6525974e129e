"""Running code in threads that start together, each on its own database connection."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.db import connections

ON_POSTGRESQL = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
# SQLite runs one writer at a time, so the races these tests provoke cannot happen there.
postgresql_only = pytest.mark.skipif(
    not ON_POSTGRESQL, reason="races need concurrent writers: run with a PostgreSQL DATABASE_URL"
)


def run_together(*tasks: Callable[[], Any]) -> list[Any]:
    """Run the tasks in threads released by one barrier; return results (or raised errors)."""
    barrier = threading.Barrier(len(tasks))
    results: list[Any] = [None] * len(tasks)

    def run(index: int, task: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = task()
        except Exception as exc:  # handed back for the test to assert on
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, t)) for i, t in enumerate(tasks)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results
