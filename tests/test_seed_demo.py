from __future__ import annotations

import io
import stat
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from coding.demo import DEMO_INTERVIEW_COUNTS, demo_interview
from coding.findings.models import QuoteCandidate
from coding.findings.quotes import publishable_quotes
from coding.management.commands.seed_demo import DATA_KEPT, PASSWORDS_KEPT
from coding.models import CodebookValue, Excerpt, Interview, Participant, ResearchProject


@pytest.fixture(autouse=True)
def _passwords_file(settings: Any, tmp_path: Path) -> None:
    """The demo logins go to a file of the test's own, never the checkout's."""
    settings.DEMO_PASSWORDS_FILE = str(tmp_path / ".demo-passwords")


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

    # Consent to quote: mostly yes, some no, some not asked; 2 or 3 approved quotes per value
    # and project, from people who said yes, ready for the findings pack.
    consents = Counter(Participant.objects.values_list("quote_consent", flat=True))
    assert set(consents) == {"yes", "no", "not_asked"}
    assert consents["yes"] > consents["no"] + consents["not_asked"]
    for project in ResearchProject.objects.all():
        quotes = publishable_quotes([project])
        shared = CodebookValue.objects.for_project(project).shared().filter(is_active=True)
        assert set(quotes) == set(shared.values_list("pk", flat=True)), project.slug
        assert all(2 <= len(q) <= 3 for q in quotes.values()), project.slug
    approved = QuoteCandidate.objects.filter(status="approved")
    assert not approved.exclude(excerpt__interview__participant__quote_consent="yes").exists()
    quotes_before = sorted(QuoteCandidate.objects.values_list("excerpt_id", "value_id", "status"))

    snapshot = sorted(Excerpt.objects.values_list("interview__content_hash", "start", "end"))
    output = out.getvalue()
    assert "133 interviews" in output
    assert DATA_KEPT not in output
    passwords = {
        line.split()[0]: line.split()[1] for line in output.splitlines() if line.startswith("  ")
    }
    assert set(passwords) == {"admin", "amira", "ben", "erin"}
    user_model = get_user_model()
    assert user_model.objects.get(username="amira").check_password(passwords["amira"])

    out2 = io.StringIO()
    call_command("seed_demo", stdout=out2)
    assert DATA_KEPT in out2.getvalue()
    assert Interview.objects.count() == 133
    assert (
        sorted(Excerpt.objects.values_list("interview__content_hash", "start", "end")) == snapshot
    )
    assert (
        sorted(QuoteCandidate.objects.values_list("excerpt_id", "value_id", "status"))
        == quotes_before
    )
    # Passwords are set once and kept.
    assert user_model.objects.get(username="amira").check_password(passwords["amira"])


@pytest.mark.django_db
def test_it_leaves_a_database_of_real_projects_alone(project: Any) -> None:
    out = io.StringIO()
    call_command("seed_demo", "--if-empty", stdout=out)
    assert "no demo data was added" in out.getvalue()
    assert Interview.objects.count() == 0


@pytest.fixture
def small_demo(monkeypatch: Any, tmp_path: Path) -> Path:
    """Two interviews per project, so that seeding stays quick."""
    monkeypatch.setattr(
        "coding.demo.seed.DEMO_INTERVIEW_COUNTS", dict.fromkeys(DEMO_INTERVIEW_COUNTS, 2)
    )
    return tmp_path / ".demo-passwords"


def stored_passwords(path: Path) -> dict[str, str]:
    return dict(
        line.split()[:2] for line in path.read_text().splitlines() if line and line[0] != "#"
    )


@pytest.mark.django_db
def test_it_stores_demo_passwords_in_a_private_file(small_demo: Path) -> None:
    call_command("seed_demo", stdout=io.StringIO())
    assert stat.S_IMODE(small_demo.stat().st_mode) == 0o600
    passwords = stored_passwords(small_demo)
    assert set(passwords) == {"admin", "amira", "ben", "erin"}
    user_model = get_user_model()
    for username, password in passwords.items():
        assert user_model.objects.get(username=username).check_password(password)


@pytest.mark.django_db
def test_it_keeps_demo_passwords_across_runs(small_demo: Path) -> None:
    call_command("seed_demo", stdout=io.StringIO())
    before = dict(get_user_model().objects.values_list("username", "password"))
    stored = small_demo.read_text()
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert dict(get_user_model().objects.values_list("username", "password")) == before
    assert small_demo.read_text() == stored
    assert PASSWORDS_KEPT.format(path=small_demo) in out.getvalue()
    assert DATA_KEPT in out.getvalue()


@pytest.mark.django_db
def test_it_resets_demo_passwords_on_request(small_demo: Path) -> None:
    call_command("seed_demo", stdout=io.StringIO())
    old = stored_passwords(small_demo)
    call_command("seed_demo", "--reset-passwords", stdout=io.StringIO())
    new = stored_passwords(small_demo)
    assert set(new) == set(old)
    assert all(new[name] != old[name] for name in old)
    assert get_user_model().objects.get(username="ben").check_password(new["ben"])
    assert stat.S_IMODE(small_demo.stat().st_mode) == 0o600


@pytest.mark.django_db
def test_it_reports_a_fresh_database_in_plain_words(small_demo: Path) -> None:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    text = out.getvalue()
    assert "Demo data created: 6 interviews and " in text
    assert DATA_KEPT not in text
    assert "(s)" not in text
