"""Synthetic demonstration data behind `manage.py seed_demo`.

`phrases` holds the words, `generator` turns them into fictional interviews and their coding
(the same every time), `seed` writes them with the demo users.
"""

from __future__ import annotations

from .generator import DEMO_INTERVIEW_COUNTS, DemoExcerpt, DemoInterview, demo_interview
from .seed import DEMO_ADMIN, DEMO_EVALUATOR, DEMO_PEER_RESEARCHERS, SeedResult, demo_seed

__all__ = [
    "DEMO_ADMIN",
    "DEMO_EVALUATOR",
    "DEMO_INTERVIEW_COUNTS",
    "DEMO_PEER_RESEARCHERS",
    "DemoExcerpt",
    "DemoInterview",
    "SeedResult",
    "demo_interview",
    "demo_seed",
]
