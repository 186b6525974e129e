"""Send the comparison pages' reads to a read replica, when DATABASE_REPLICA_URL names one.

Only GET requests under /compare/ read from the replica (coding.middleware.ReplicaReadsMiddleware
marks them); everything else, and every write, uses the primary. Comparisons may then lag the
primary by the replica's delay (usually well under a second), which evaluators can live with;
coders never read from the replica, so they always see their own work.
"""

from __future__ import annotations

import threading
from typing import Any

REPLICA = "replica"
_state = threading.local()


def replica_reads(on: bool) -> None:
    _state.on = on


class ReplicaRouter:
    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        return REPLICA if getattr(_state, "on", False) else None

    def db_for_write(self, model: Any, **hints: Any) -> str | None:
        return None

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        return True  # the replica holds the same rows as the primary

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        return db != REPLICA  # the replica copies the primary's schema itself
