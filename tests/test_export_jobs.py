"""Large excerpts exports run as background jobs; small ones still download at once."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from coding.jobs.models import Job

from .conftest import make_excerpt, make_interview

URL = reverse("compare_export", args=["excerpts", "csv"])


@pytest.fixture
def excerpts(project: Any, peer: Any) -> None:
    for n in range(3):
        make_excerpt(make_interview(project, f"Participant {n}: I felt safe."), peer, 0, 11)


@pytest.fixture(autouse=True)
def _jobs(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


@pytest.mark.django_db(transaction=True)
def test_it_writes_an_export_above_the_threshold_in_a_job(
    client: Client, admin_user: Any, excerpts: None, settings: Any
) -> None:
    settings.EXPORT_JOB_THRESHOLD = 1_000
    client.force_login(admin_user)
    direct = b"".join(client.get(URL).streaming_content)

    settings.EXPORT_JOB_THRESHOLD = 2
    response = client.get(URL)
    job = Job.objects.get(kind=Job.Kind.EXPORT)
    assert response["Location"] == job.get_absolute_url()
    assert job.status == Job.Status.DONE
    assert job.progress_label == "3 of 3 rows written"
    download = client.get(reverse("job_download", args=[job.pk]))
    assert download["Cache-Control"] == "no-store"
    made = b"".join(download.streaming_content)
    # The same rows as the direct download (the "exported" time aside, in the About sheet only).
    assert rows(made) == rows(direct)
    assert len(rows(made)) == 1 + 3


@pytest.mark.django_db(transaction=True)
def test_it_starts_one_job_when_the_same_export_is_clicked_twice(
    client: Client, admin_user: Any, excerpts: None, settings: Any
) -> None:
    settings.EXPORT_JOB_THRESHOLD = 2
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}  # queued only
    client.force_login(admin_user)
    first, second = client.get(URL), client.get(URL)
    assert first["Location"] == second["Location"]
    assert Job.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_it_shows_the_progress_bar_on_the_jobs_page(
    client: Client, admin_user: Any, excerpts: None, settings: Any
) -> None:
    settings.EXPORT_JOB_THRESHOLD = 2
    client.force_login(admin_user)
    page = client.get(client.get(URL)["Location"])
    assert b"<progress" in page.content
    assert reverse("api_job_status", args=[Job.objects.get().pk]).encode() in page.content
    assert b"3 of 3 rows written" in page.content


@pytest.mark.django_db(transaction=True)
def test_it_writes_a_refi_qda_project_in_a_job(
    client: Client, admin_user: Any, excerpts: None, settings: Any
) -> None:
    import zipfile

    from django.core.management import call_command

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    client.force_login(admin_user)
    response = client.post(reverse("refi_export_all"))
    job = Job.objects.get(kind=Job.Kind.REFI_EXPORT)
    assert response["Location"] == job.get_absolute_url()
    call_command("db_worker", "--batch", "--no-reload", "--no-startup-delay", verbosity=0)
    job.refresh_from_db()
    assert job.status == Job.Status.DONE, job.error
    assert job.result_name.endswith(".qdpx")
    download = client.get(reverse("job_download", args=[job.pk]))
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    assert "project.qde" in archive.namelist()
