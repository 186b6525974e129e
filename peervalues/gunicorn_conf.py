"""gunicorn's configuration for `make serve` (and the compose file): read from the environment.

HOST and PORT say where to listen. WEB_CONCURRENCY overrides the number of worker processes,
which is otherwise 2 x cores + 1 (gunicorn's own advice), capped so that a large machine shared
with PostgreSQL does not start dozens of processes that each hold a database connection.
"""

from __future__ import annotations

import multiprocessing
import os

MAX_WORKERS = 9


def default_workers(cores: int) -> int:
    return max(2, min(2 * cores + 1, MAX_WORKERS))


bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY") or default_workers(multiprocessing.cpu_count()))
# Long work runs as background jobs, so a request that takes longer than this is stuck: gunicorn
# restarts the worker rather than let it hold a slot. Imports can still be slow on a small
# machine, hence more than the usual 30 s.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 20
# Behind a reverse proxy the client may be slow; the proxy buffers, so keep-alive can be short.
keepalive = 5
# Each request is logged once by coding.middleware.RequestLogMiddleware, with the user's id.
accesslog = None
errorlog = "-"
# Workers restart now and then, so a slow leak never grows without limit.
max_requests = 2000
max_requests_jitter = 200
