"""Shared fixtures: a project with a codebook, and one user of each role (plus an outsider)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from coding.codebook import framework_values_load, project_values_load
from coding.models import (
    CodebookValue,
    CodingProgress,
    Excerpt,
    ExcerptValue,
    Interview,
    Membership,
    Participant,
    ResearchProject,
)
from coding.review.consensus import decision_record
from coding.review.queue import disagreement_queue

PASSWORD = "correct-horse-battery"


@pytest.fixture(autouse=True)
def _fast_hasher(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _jobs_run_at_once(settings: Any, tmp_path: Any) -> None:
    """Background jobs run inside the request that starts them, their files in a temp folder.

    Tests of the worker itself switch to the database or RQ backend.
    """
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.MEDIA_ROOT = tmp_path / "media"


def make_user(username: str, *, staff: bool = False) -> Any:
    return get_user_model().objects.create_user(
        username=username, password=PASSWORD, is_staff=staff, is_superuser=staff
    )


def make_project(slug: str = "side-by-side", name: str | None = None) -> ResearchProject:
    project = ResearchProject.objects.create(slug=slug, name=name or slug.replace("-", " ").title())
    framework_values_load(CodebookValue)
    project_values_load(CodebookValue, project)
    return project


def make_interview(
    project: ResearchProject,
    text: str = "Interviewer: How was it?\nParticipant: I felt safe there.",
    pseudonym: str | None = None,
    **fields: Any,
) -> Interview:
    pseudonym = pseudonym or f"P{Participant.objects.count() + 1:03d}"
    participant, _ = Participant.objects.get_or_create(
        project=project, pseudonym=pseudonym, defaults={"role": fields.pop("role", "participant")}
    )
    return Interview.objects.create(project=project, participant=participant, text=text, **fields)


def make_excerpt(interview: Interview, coder: Any, start: int, end: int, *slugs: str) -> Excerpt:
    excerpt = Excerpt.objects.create(
        interview=interview, coder=coder, start=start, end=end, text=interview.text[start:end]
    )
    for slug in slugs or ("safety",):
        value = CodebookValue.objects.for_project(interview.project).get(slug=slug)
        ExcerptValue.objects.create(excerpt=excerpt, value=value)
    return excerpt


def mark_done(interview: Interview, *coders: Any) -> None:
    """The coders have marked the interview done (agreement counts only such interviews)."""
    for coder in coders:
        CodingProgress.objects.update_or_create(
            interview=interview, coder=coder, defaults={"done_at": timezone.now()}
        )


def decide_first_passage(project: ResearchProject, user: Any, reason: str) -> Any:
    """Record "no value" on the first passage of the project's disagreement queue."""
    passage = disagreement_queue(project).passages[0]
    return decision_record(
        interview=Interview.objects.get(pk=passage.interview_id),
        value=passage.value,
        start=passage.start,
        end=passage.end,
        outcome="none",
        values=[],
        reason=reason,
        user=user,
    )


@pytest.fixture
def project(db: Any) -> ResearchProject:
    return make_project()


@pytest.fixture
def other_project(db: Any) -> ResearchProject:
    return make_project("women-side-by-side", "Women Side by Side")


@pytest.fixture
def admin_user(db: Any) -> Any:
    return make_user("alice-admin", staff=True)


@pytest.fixture
def peer(project: ResearchProject) -> Any:
    user = make_user("pat-peer")
    Membership.objects.create(user=user, project=project, role=Membership.Role.PEER_RESEARCHER)
    return user


@pytest.fixture
def peer2(project: ResearchProject) -> Any:
    user = make_user("quinn-peer")
    Membership.objects.create(user=user, project=project, role=Membership.Role.PEER_RESEARCHER)
    return user


@pytest.fixture
def evaluator(project: ResearchProject) -> Any:
    user = make_user("eve-evaluator")
    Membership.objects.create(user=user, project=project, role=Membership.Role.EVALUATOR)
    return user


@pytest.fixture
def outsider(db: Any) -> Any:
    return make_user("olly-outsider")


@pytest.fixture
def interview(project: ResearchProject) -> Interview:
    return make_interview(project)


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    # Sign-in attempt counts live in the cache: each test starts with none.
    from django.core.cache import cache

    cache.clear()
