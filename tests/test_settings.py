from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from coding.apps import S3_MISSING, storage_backends_check
from peervalues.settings import S3_BACKEND, database_config, storage_config

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


def test_it_keeps_files_on_the_servers_disk_without_a_storage_url() -> None:
    assert storage_config("") == {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    }


def test_it_puts_job_files_and_uploads_in_the_storage_url_bucket() -> None:
    config = storage_config(
        "s3://pv-bucket/peer/values?endpoint=https://s3.example.org&region=eu-west-2"
        "&addressing=path"
    )
    assert {name: c["BACKEND"] for name, c in config.items()} == {
        "default": S3_BACKEND,
        "uploads": S3_BACKEND,
    }
    common = {
        "bucket_name": "pv-bucket",
        "endpoint_url": "https://s3.example.org",
        "region_name": "eu-west-2",
        "addressing_style": "path",
        "default_acl": None,
        "file_overwrite": False,
    }
    assert config["default"]["OPTIONS"] == {**common, "location": "peer/values/files"}
    assert config["uploads"]["OPTIONS"] == {**common, "location": "peer/values/uploads"}
    assert storage_config("s3://b")["uploads"]["OPTIONS"]["location"] == "uploads"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("https://bucket/prefix", "must look like s3://bucket"),
        ("s3:///prefix", "must look like s3://bucket"),
        ("s3://bucket/p?endpoint=https://x&acl=public-read", "unknown parameters: acl"),
    ],
)
def test_it_refuses_a_storage_url_it_cannot_read(url: str, message: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=message):
        storage_config(url)


def test_it_chooses_the_s3_backend_from_the_environment() -> None:
    clean = {k: v for k, v in os.environ.items() if k not in ISOLATED_ENV}
    code = "import peervalues.settings as s; print(s.STORAGES['default']['BACKEND'])"
    env = {**clean, "DEBUG": "1", "STORAGE_URL": "s3://pv-bucket?region=eu-west-2"}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == S3_BACKEND


def test_it_says_which_package_s3_storage_needs(settings: Any, monkeypatch: Any) -> None:
    settings.STORAGES = {**settings.STORAGES, **storage_config("s3://pv-bucket")}
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    assert [error.msg for error in storage_backends_check()] == [S3_MISSING]
    settings.STORAGES = {**settings.STORAGES, **storage_config("")}
    settings.STORAGES.pop("uploads")
    assert storage_backends_check() == []


def test_it_lets_a_sqlite_writer_wait_for_another_instead_of_failing(
    tmp_path: Path, django_db_blocker: Any
) -> None:
    """A save that reads and then writes, while another transaction writes (a job importing a
    batch), waits its turn: with SQLite's default deferred transactions it failed at once with
    "database is locked", whatever the timeout."""
    with django_db_blocker.unblock():
        _writer_waits(tmp_path)


def _writer_waits(tmp_path: Path) -> None:
    import threading
    import time

    from django.db.utils import ConnectionHandler

    config = database_config(f"sqlite:///{tmp_path / 'locks.sqlite3'}", tmp_path)
    config["OPTIONS"]["timeout"] = 5
    handler = ConnectionHandler({"default": config})
    setup = handler["default"]
    with setup.cursor() as cursor:
        cursor.execute("CREATE TABLE tags (id INTEGER PRIMARY KEY, n INTEGER)")
    setup.close()
    holding, errors = threading.Event(), []

    def importer() -> None:
        connection = ConnectionHandler({"default": config})["default"]
        with connection.cursor() as cursor, connection.wrap_database_errors:
            cursor.execute("BEGIN IMMEDIATE")
            cursor.execute("INSERT INTO tags (n) VALUES (1)")
            holding.set()
            time.sleep(1)
            cursor.execute("COMMIT")
        connection.close()

    def coder() -> None:
        from django.db import transaction

        connection = ConnectionHandler({"default": config})["default"]
        holding.wait()
        try:
            with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
                cursor.execute("SELECT COUNT(*) FROM tags")  # reads first, as a save does
                cursor.execute("INSERT INTO tags (n) VALUES (2)")
        except Exception as exc:  # the failure is what the test reports
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=importer), threading.Thread(target=coder)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    check = ConnectionHandler({"default": config})["default"]
    with check.cursor() as cursor:
        cursor.execute("SELECT n FROM tags ORDER BY id")
        assert [row[0] for row in cursor.fetchall()] == [1, 2]
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
    check.close()
