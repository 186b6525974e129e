from __future__ import annotations

import io
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from coding.demo import DEMO_INTERVIEW_COUNTS, demo_interview
from coding.models import CodebookValue, Excerpt, Interview, ResearchProject


def test_it_generates_the_same_interview_every_time() -> None:
    first = demo_interview("women-side-by-side", 7)
    second = demo_interview("women-side-by-side", 7)
    assert first == second
    assert first != demo_interview("women-side-by-side", 8)


@pytest.mark.django_db
def test_it_seeds_three_projects_idempotently() -> None:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    counts = {p.slug: p.interviews.count() for p in ResearchProject.objects.all()}
    assert counts == {"side-by-side": 69, "women-side-by-side": 40, "maternal-peer-support": 24}
    assert counts == DEMO_INTERVIEW_COUNTS
    assert all(p.is_synthetic for p in ResearchProject.objects.all())
    words = list(Interview.objects.values_list("word_count", flat=True))
    assert min(words) >= 3000
    assert max(words) <= 9000
    assert Interview.objects.filter(text__contains="😊").exists()
    assert Interview.objects.filter(text__contains="dziękuję").exists()
    assert Interview.objects.filter(text__contains="Synthetic demo transcript").count() == 133

    # About a fifth of the interviews are coded by both peer researchers.
    coders_per_interview = [
        Excerpt.objects.filter(interview=i).values("coder").distinct().count()
        for i in Interview.objects.all()
    ]
    double = sum(1 for n in coders_per_interview if n == 2) / 133
    assert 0.12 <= double <= 0.3

    # Every excerpt's text is its span of the interview.
    for excerpt in Excerpt.objects.select_related("interview")[:2000]:
        assert excerpt.text == excerpt.interview.text[excerpt.start : excerpt.end]

    assert CodebookValue.objects.get(slug="trust").project.slug == "women-side-by-side"
    women_trust = Excerpt.objects.filter(
        interview__project__slug="women-side-by-side", values__slug="trust"
    )
    assert women_trust.exists()
    assert (
        not Excerpt.objects.filter(values__slug="trust")
        .exclude(interview__project__slug="women-side-by-side")
        .exists()
    )

    # Value distributions differ between projects, and not every value is in every interview.
    def prevalence(project: str, value: str) -> float:
        coded = Interview.objects.filter(project__slug=project, excerpts__isnull=False)
        with_value = coded.filter(excerpts__values__slug=value)
        return with_value.distinct().count() / coded.distinct().count()

    assert prevalence("women-side-by-side", "safety") > prevalence("side-by-side", "safety") + 0.2
    assert prevalence("maternal-peer-support", "human-connection") > 0.9
    assert prevalence("side-by-side", "freedom-to-be-oneself") < 0.7

    snapshot = sorted(Excerpt.objects.values_list("interview__content_hash", "start", "end"))
    output = out.getvalue()
    assert "133 interviews" in output
    passwords = {line.split()[0]: line.split()[1] for line in output.splitlines()[2:]}
    assert set(passwords) == {"admin", "amira", "ben", "erin"}
    user_model = get_user_model()
    assert user_model.objects.get(username="amira").check_password(passwords["amira"])

    out2 = io.StringIO()
    call_command("seed_demo", stdout=out2)
    assert "0 interviews and 0 excerpts created" in out2.getvalue()
    assert Interview.objects.count() == 133
    assert (
        sorted(Excerpt.objects.values_list("interview__content_hash", "start", "end")) == snapshot
    )
    # New passwords each run: the old one no longer works.
    assert not user_model.objects.get(username="amira").check_password(passwords["amira"])


@pytest.mark.django_db
def test_it_leaves_a_database_of_real_projects_alone(project: Any) -> None:
    out = io.StringIO()
    call_command("seed_demo", "--if-empty", stdout=out)
    assert "no demo data was added" in out.getvalue()
    assert Interview.objects.count() == 0
