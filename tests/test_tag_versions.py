"""Every path that writes tags records the codebook version they were made under."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command

from coding.interop.refi_import import refi_import
from coding.models import CodebookVersion, CodingProgress, Excerpt, ExcerptValue
from coding.review.consensus import decision_record
from coding.review.queue import disagreement_queue
from coding.versions import current_version

from .conftest import make_excerpt, make_interview
from .refi_factories import CPROCTOR

pytestmark = pytest.mark.django_db

TEXT = "Participant: I felt safe there. We laughed together. Nobody judged me at all."


def unversioned() -> int:
    return ExcerptValue.objects.filter(version__isnull=True).count()


def test_it_versions_the_tags_of_a_refi_qda_import(project: Any) -> None:
    with CPROCTOR.open("rb") as handle:
        refi_import(file=handle, filename=CPROCTOR.name, project=project)
    tags = ExcerptValue.objects.filter(excerpt__interview__project=project)
    assert tags.count() == 205
    assert unversioned() == 0
    # New codes opened a version: the tags were made under it.
    assert set(tags.values_list("version", flat=True)) == {current_version(project).pk}


def test_it_versions_the_consensus_layer(project: Any, peer: Any, peer2: Any) -> None:
    interview = make_interview(project, TEXT, pseudonym="P100")
    safe = TEXT.index("I felt safe there.")
    make_excerpt(interview, peer, safe, safe + 18, "safety")
    make_excerpt(interview, peer2, safe, safe + 38, "safety")
    for coder in (peer, peer2):
        CodingProgress.objects.create(interview=interview, coder=coder, done_at="2026-01-01T00:00Z")
    passage = next(p for p in disagreement_queue(project).passages if p.value.slug == "safety")
    decision_record(
        interview=interview,
        value=passage.value,
        start=passage.start,
        end=passage.end,
        outcome="keep_both",
        values=[],
        reason="Both readings hold.",
        user=peer,
    )
    layer = ExcerptValue.objects.filter(excerpt__is_consensus=True)
    assert layer.exists()
    assert unversioned() == 0
    assert set(layer.values_list("version", flat=True)) == {current_version(project).pk}


def test_it_versions_the_demo_data(monkeypatch: Any, settings: Any, tmp_path: Any) -> None:
    settings.DEMO_PASSWORDS_FILE = str(tmp_path / ".demo-passwords")
    monkeypatch.setattr(
        "coding.demo.seed.DEMO_INTERVIEW_COUNTS",
        {"side-by-side": 3, "women-side-by-side": 2, "maternal-peer-support": 2},
    )
    call_command("seed_demo", verbosity=0)
    assert ExcerptValue.objects.count() > 0
    assert unversioned() == 0


def test_it_versions_a_tag_written_outside_the_services(project: Any, peer: Any) -> None:
    # make_excerpt writes ExcerptValue rows directly, as the admin's inline does.
    excerpt = make_excerpt(make_interview(project), peer, 0, 5, "safety")
    assert excerpt.tags.get().version == current_version(project)


def test_it_gives_older_unversioned_tags_the_version_of_their_day(project: Any, peer: Any) -> None:
    interview = make_interview(project)
    first = make_excerpt(interview, peer, 0, 5, "safety")
    one = current_version(project)
    two = CodebookVersion.objects.create(project=project, number=2, summary="Later")
    later = make_excerpt(interview, peer, 6, 10, "safety")
    ExcerptValue.objects.update(version=None)
    migration = importlib.import_module("coding.migrations.0016_tag_versions_backfill")
    migration.forwards(apps, None)
    assert unversioned() == 0
    assert first.tags.get().version == one
    assert later.tags.get().version == two
    assert Excerpt.objects.count() == 2
