"""A job's secret: encrypted with a key derived from SECRET_KEY, bound to its job, expiring."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.core import signing

from coding.jobs.sealing import job_secret_open, job_secret_seal

SECRET = "pad of the names, é and 🙂"


def test_it_opens_what_it_sealed_for_the_same_job() -> None:
    sealed = job_secret_seal(SECRET, binding="job-1")
    assert SECRET not in sealed
    assert job_secret_open(sealed, binding="job-1") == SECRET


def test_it_seals_the_same_secret_differently_each_time() -> None:
    assert job_secret_seal(SECRET, binding="job-1") != job_secret_seal(SECRET, binding="job-1")


def test_it_does_not_open_for_another_job_or_when_tampered_with() -> None:
    sealed = job_secret_seal(SECRET, binding="job-1")
    assert job_secret_open(sealed, binding="job-2") is None
    payload, rest = sealed.split(":", 1)
    flipped = ("B" if payload[0] == "A" else "A") + payload[1:]
    assert job_secret_open(f"{flipped}:{rest}", binding="job-1") is None
    assert job_secret_open("", binding="job-1") is None


def test_it_needs_the_servers_secret_key(settings: Any) -> None:
    sealed = job_secret_seal(SECRET, binding="job-1")
    settings.SECRET_KEY = "another-secret-key-" * 3
    assert job_secret_open(sealed, binding="job-1") is None


def test_it_stops_opening_after_the_uploads_lifetime(settings: Any, monkeypatch: Any) -> None:
    settings.UPLOADS_MAX_AGE = 60
    sealed = job_secret_seal(SECRET, binding="job-1")
    now = time.time()
    monkeypatch.setattr(signing.time, "time", lambda: now + 59)
    assert job_secret_open(sealed, binding="job-1") == SECRET
    monkeypatch.setattr(signing.time, "time", lambda: now + 62)
    assert job_secret_open(sealed, binding="job-1") is None


@pytest.mark.parametrize("secret", ["", "a", "x" * 1000])
def test_it_keeps_secrets_of_any_length(secret: str) -> None:
    assert job_secret_open(job_secret_seal(secret, binding="b"), binding="b") == secret
