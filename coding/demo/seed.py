"""Seeding the demo: three projects of fictional interviews, coded by two people.

Seeding is idempotent: interviews are matched by their content hash, so a second run adds
nothing that is already there.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from ..audit import audit_record
from ..codebook import codebook_fixture, framework_values_load, project_values_load
from ..models import (
    AuditEvent,
    CodebookValue,
    CodingProgress,
    Excerpt,
    ExcerptValue,
    ImportBatch,
    Interview,
    Membership,
    Participant,
    ResearchProject,
    content_hash,
    count_words,
)
from ..versions import current_version
from .codebook import demo_codebook_seed
from .generator import DEMO_INTERVIEW_COUNTS, DemoInterview, demo_interview
from .quotes import demo_quotes_seed
from .review import demo_review_seed

DEMO_ADMIN = "admin"
DEMO_PEER_RESEARCHERS = ("amira", "ben")
DEMO_EVALUATOR = "erin"


@dataclass
class SeedResult:
    created_interviews: int
    created_excerpts: int
    passwords: dict[str, str]  # only the passwords set by this run: new users, or a reset


def _demo_user(
    username: str, *, staff: bool, password: str | None, reset: bool
) -> tuple[Any, str | None]:
    """The demo user, with the password set now (None when the user keeps theirs)."""
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(
        username=username,
        defaults={"first_name": username.capitalize(), "is_staff": staff, "is_superuser": staff},
    )
    if not (created or reset or password):
        return user, None
    new_password = password or secrets.token_urlsafe(9)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    return user, new_password


@transaction.atomic
def demo_seed(*, password: str | None = None, reset_passwords: bool = False) -> SeedResult:
    """Create what is missing of the demo data and its users.

    Existing demo users keep their passwords (a new run of `make run` must not sign anyone out
    of the demo) unless `reset_passwords`, or `password` gives them all the one given.
    """
    fixture = codebook_fixture()
    passwords: dict[str, str] = {}
    users = {}
    for name in (DEMO_ADMIN, *DEMO_PEER_RESEARCHERS, DEMO_EVALUATOR):
        users[name], new_password = _demo_user(
            name, staff=name == DEMO_ADMIN, password=password, reset=reset_passwords
        )
        if new_password is not None:
            passwords[name] = new_password
    admin, evaluator = users[DEMO_ADMIN], users[DEMO_EVALUATOR]
    coders = [users[name] for name in DEMO_PEER_RESEARCHERS]

    framework_values_load(CodebookValue)
    created_interviews = created_excerpts = 0
    batch: ImportBatch | None = None
    for row in fixture["projects"]:
        project, _ = ResearchProject.objects.get_or_create(
            slug=row["slug"],
            defaults={
                "name": row["name"],
                "kind": row["kind"],
                "description": row["description"] + " Demo data: fictional interviews.",
                "is_synthetic": True,
            },
        )
        project_values_load(CodebookValue, project)
        for user in coders:
            Membership.objects.get_or_create(
                user=user, project=project, defaults={"role": Membership.Role.PEER_RESEARCHER}
            )
        Membership.objects.get_or_create(
            user=evaluator, project=project, defaults={"role": Membership.Role.EVALUATOR}
        )
        values = {v.slug: v for v in CodebookValue.objects.for_project(project).shared()}
        existing = set(project.interviews.values_list("content_hash", flat=True))
        demos = [
            demo_interview(project.slug, i) for i in range(DEMO_INTERVIEW_COUNTS[project.slug])
        ]
        demos = [d for d in demos if content_hash(d.text) not in existing]
        if not demos:
            demo_codebook_seed(project, coders[0], coders[1])
            demo_quotes_seed(project, coders[0], coders[1])
            continue
        if batch is None:
            batch = ImportBatch.objects.create(
                created_by=admin, source_name="Demo data (synthetic)"
            )
        made, n_excerpts = _demo_interviews_save(project, demos, values, coders, batch)
        created_interviews += made
        created_excerpts += n_excerpts
        demo_codebook_seed(project, coders[0], coders[1])
        demo_quotes_seed(project, coders[0], coders[1])
    # A few decisions, a discussion and a calibration set in the first project.
    first = ResearchProject.objects.filter(slug=fixture["projects"][0]["slug"]).first()
    if first is not None:
        demo_review_seed(first, coders)
    if batch is not None:
        batch.interview_count = created_interviews
        batch.report = {"note": "Synthetic demonstration data.", "excerpts": created_excerpts}
        batch.save(update_fields=["interview_count", "report"])
        audit_record(
            actor=admin,
            action=AuditEvent.Action.IMPORT,
            instance=batch,
            after={"interviews": created_interviews, "excerpts": created_excerpts},
        )
    return SeedResult(created_interviews, created_excerpts, passwords)


def _demo_interviews_save(
    project: ResearchProject,
    demos: list[DemoInterview],
    values: dict[str, CodebookValue],
    coders: list[Any],
    batch: ImportBatch,
) -> tuple[int, int]:
    participants = {p.pseudonym: p for p in project.participants.all()}
    for demo in demos:
        if demo.pseudonym not in participants:
            participants[demo.pseudonym] = Participant.objects.create(
                project=project,
                pseudonym=demo.pseudonym,
                role=demo.role,
                attributes=demo.attributes,
            )
    interviews = []
    for demo in demos:
        interview = Interview(
            project=project,
            participant=participants[demo.pseudonym],
            title=f"Interview {demo.number + 1:03d} – {demo.pseudonym}",
            interviewer=demo.interviewer,
            date=demo.date,
            mode=demo.mode,
            text=demo.text,
            import_batch=batch,
        )
        interview.refresh_derived_fields()
        interviews.append(interview)
    Interview.objects.bulk_create(interviews, batch_size=50)
    excerpts: list[Excerpt] = []
    excerpt_values: list[list[str]] = []
    progress: list[CodingProgress] = []
    now = timezone.now()
    for demo, interview in zip(demos, interviews, strict=True):
        for item in demo.excerpts:
            excerpts.append(
                Excerpt(
                    interview=interview,
                    coder=coders[item.coder_index],
                    start=item.start,
                    end=item.end,
                    text=interview.text[item.start : item.end],
                )
            )
            excerpt_values.append(item.values)
        coder_indexes = sorted({e.coder_index for e in demo.excerpts})
        for index in coder_indexes:
            progress.append(
                CodingProgress(
                    interview=interview,
                    coder=coders[index],
                    done_at=now if index in demo.done_by else None,
                )
            )
    Excerpt.objects.bulk_create(excerpts, batch_size=1000)
    version = current_version(project)
    ExcerptValue.objects.bulk_create(
        [
            ExcerptValue(excerpt=excerpt, value=values[slug], version=version)
            for excerpt, slugs in zip(excerpts, excerpt_values, strict=True)
            for slug in slugs
        ],
        batch_size=2000,
    )
    CodingProgress.objects.bulk_create(progress, batch_size=1000)
    assert all(count_words(i.text) >= 3000 for i in interviews)
    return len(interviews), len(excerpts)
