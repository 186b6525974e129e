"""Small helpers every timing script here shares: free ports, waiting, printed figures."""

from __future__ import annotations

import socket
import statistics
import time
from typing import Any


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
