from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.backends.db import SessionStore
from django.core.exceptions import ValidationError
from django.test import Client

from coding.middleware import SESSION_TOUCHED

from .conftest import PASSWORD

ROOT = Path(__file__).resolve().parent.parent
# Not passed on to subprocesses: the browser tests allow the ORM beside Playwright's loop.
ISOLATED_ENV = {"DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}


def login(client: Client, username: str, password: str) -> Any:
    return client.post("/login/", {"username": username, "password": password})


def test_it_locks_an_account_after_repeated_failed_logins(client: Client, peer: Any) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = login(client, "pat-peer", "wrong-password")
        assert response.status_code == 200
        assert "did not match" in response.content.decode()
    response = login(client, "pat-peer", "wrong-password")
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.content.decode()
    # Even the right password is refused while the lock lasts.
    response = login(client, "pat-peer", PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_it_signs_in_with_the_right_password(client: Client, peer: Any) -> None:
    response = login(client, "pat-peer", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/my-work/"


@pytest.mark.parametrize("password", ["short1", "password123", "1234567890123"])
def test_it_refuses_weak_passwords(password: str) -> None:
    with pytest.raises(ValidationError):
        validate_password(password)


def test_it_expires_sessions_after_inactivity(client: Client, peer: Any) -> None:
    assert settings.SESSION_COOKIE_AGE <= 8 * 60 * 60
    assert settings.SESSION_COOKIE_HTTPONLY is True
    client.force_login(peer)
    client.get("/my-work/")
    session = client.session
    first_expiry = session.get_expiry_date()
    # Pretend the last activity was two minutes ago: the next request extends the session.
    session[SESSION_TOUCHED] = int(time.time()) - 120
    session.set_expiry(60)
    session.save()
    short_expiry = SessionStore(session.session_key).get_expiry_date()
    assert short_expiry < first_expiry
    client.get("/my-work/")
    extended = SessionStore(session.session_key).get_expiry_date()
    assert extended > short_expiry


def test_it_does_not_write_the_session_on_every_request(client: Client, peer: Any) -> None:
    client.force_login(peer)
    client.get("/my-work/")
    touched = client.session[SESSION_TOUCHED]
    client.get("/my-work/")
    assert client.session[SESSION_TOUCHED] == touched


def test_it_sets_a_strict_policy_and_no_framing_on_pages(client: Client, peer: Any) -> None:
    client.force_login(peer)
    for url in ("/", "/my-work/", "/login/"):
        response = client.get(url)
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
        assert "frame-ancestors 'none'" in policy
        assert response["X-Frame-Options"] == "DENY"


def _production_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ISOLATED_ENV}
    env.update(
        DEBUG="0",
        SECRET_KEY="x" * 20 + "-production-like-test-key-" + "y" * 30,
        ALLOWED_HOSTS="peervalues.example.org",
        **extra,
    )
    return env


def test_it_passes_the_deployment_checks_under_production_settings() -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_production_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_it_uses_secure_cookies_and_hsts_in_production() -> None:
    code = (
        "import peervalues.settings as s;"
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS > 0,"
        " s.SECURE_SSL_REDIRECT)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=_production_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.split() == ["True", "True", "True", "True"]
