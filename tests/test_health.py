"""/health/ reports the database, the file storage and the job queue, and reveals nothing else."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from coding.views import health


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.mark.django_db
def test_it_reports_each_part_healthy_without_signing_in(client: Client, tmp_path: Any) -> None:
    response = client.get("/health/")
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "ok"
    assert set(data["checks"]) == {"database", "storage", "tasks"}
    assert all(check["ok"] for check in data["checks"].values())
    assert data["checks"]["tasks"]["backend"] == "db"
    assert list(tmp_path.rglob("*.txt")) == []  # the storage probe cleans up after itself
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db
def test_it_answers_503_naming_the_part_that_fails(
    client: Client, settings: Any, monkeypatch: Any
) -> None:
    def broken() -> None:
        raise OSError("disk /srv/peervalues/media is full, password=hunter2")

    monkeypatch.setitem(health.CHECKS, "storage", broken)
    response = client.get("/health/")
    assert response.status_code == 503
    data = response.json()
    assert (data["status"], data["checks"]["storage"]["ok"]) == ("failing", False)
    assert data["checks"]["database"]["ok"] is True
    assert b"hunter2" not in response.content and b"/srv" not in response.content


@pytest.mark.django_db
def test_it_reveals_no_configuration(client: Client, settings: Any) -> None:
    body = client.get("/health/").content.decode()
    for secret in (settings.SECRET_KEY, str(settings.MEDIA_ROOT), settings.REDIS_URL):
        assert secret not in body
