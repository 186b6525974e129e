"""Publishing at the same moment: every version gets its own number (PostgreSQL only)."""

from __future__ import annotations

from typing import Any

import pytest

from coding.findings.pack_models import PackVersion
from coding.findings.pack_services import pack_publish

from .concurrency import postgresql_only, run_together
from .conftest import make_excerpt, make_interview

pytestmark = [postgresql_only, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("scope", ["project", "all"])
def test_it_numbers_versions_published_at_once_one_two_three(
    project: Any, peer: Any, scope: str
) -> None:
    make_excerpt(make_interview(project), peer, 39, 52, "safety")
    target = project if scope == "project" else None

    def publish() -> int:
        return pack_publish(project=target, projects=[project], actor=peer).number

    results = run_together(publish, publish, publish)
    assert sorted(results) == [1, 2, 3], results
    assert PackVersion.objects.filter(project=target).count() == 3
