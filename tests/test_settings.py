from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from peervalues.settings import database_config

ROOT = Path(__file__).resolve().parent.parent
# Not passed on to subprocesses: the browser tests allow the ORM beside Playwright's loop.
ISOLATED_ENV = {"DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}


def test_it_defaults_to_sqlite_in_the_project_folder(tmp_path: Path) -> None:
    config = database_config("", tmp_path)
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["NAME"] == str(tmp_path / "db.sqlite3")


def test_it_reads_a_postgres_url() -> None:
    config = database_config("postgres://pv:s3cret@db.internal:6543/peervalues", Path("/x"))
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["USER"], config["PASSWORD"]) == ("pv", "s3cret")
    assert (config["HOST"], config["PORT"], config["NAME"]) == ("db.internal", 6543, "peervalues")


def test_it_refuses_other_databases() -> None:
    with pytest.raises(ImproperlyConfigured, match="sqlite:// or postgres://"):
        database_config("mysql://root@localhost/pv", Path("/x"))


def _settings_in_subprocess(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in ISOLATED_ENV}
    return subprocess.run(
        [sys.executable, "-c", "import peervalues.settings as s; print(s.DEBUG, s.TIME_ZONE)"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_it_requires_a_secret_key_when_debug_is_off() -> None:
    result = _settings_in_subprocess({"DEBUG": "0"})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_it_allows_a_development_key_only_with_debug_on() -> None:
    result = _settings_in_subprocess({"DEBUG": "1"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "Europe/London"]
