"""Batch imports as background jobs: progress, one job per confirm, atomic when a worker dies."""

from __future__ import annotations

import re
import socket
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from coding.jobs.models import Job
from coding.jobs.services import JOB_LOST, job_retry, jobs_fail_stale
from coding.models import ImportBatch, Interview

from .test_importing_views import zip_upload
from .test_jobs import dead_pid

DATABASE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.fixture(autouse=True)
def _staging(settings: Any, tmp_path: Path) -> None:
    settings.UPLOADS_DIR = str(tmp_path / "staging")


def work() -> None:
    call_command("db_worker", "--batch", "--no-reload", "--no-startup-delay", verbosity=0)


@pytest.mark.django_db(transaction=True)
def test_it_previews_and_imports_in_jobs_with_counts_and_one_job_per_confirm(
    client: Client, admin_user: Any, project: Any, tmp_path: Path, settings: Any
) -> None:
    settings.TASKS = DATABASE
    client.force_login(admin_user)
    response = client.post(reverse("import_new"), {"batch": zip_upload(tmp_path)})
    preview_job = Job.objects.get(kind=Job.Kind.IMPORT_PREVIEW)
    assert response["Location"] == preview_job.get_absolute_url()
    page = client.get(response["Location"]).content.decode()
    assert "data-job-status-url" in page and "<progress" in page

    work()
    preview_job.refresh_from_db()
    assert preview_job.status == Job.Status.DONE, preview_job.error
    assert preview_job.progress_label == "2 of 2 transcripts read"
    token = re.search(r"/preview/([^/]+)/", preview_job.result_url).group(1)
    assert client.get(preview_job.result_url).context["report"]["counts"]["ready"] == 2

    confirm = reverse("import_confirm", args=[token])
    first, second = client.post(confirm), client.post(confirm)  # a double click
    assert first["Location"] == second["Location"]
    assert Job.objects.filter(kind=Job.Kind.IMPORT_CONFIRM).count() == 1
    assert not Interview.objects.exists()  # nothing written inside the request

    work()
    job = Job.objects.get(kind=Job.Kind.IMPORT_CONFIRM)
    assert job.status == Job.Status.DONE, job.error
    assert job.result_url == reverse("import_detail", args=[ImportBatch.objects.get().pk])
    assert Interview.objects.count() == 2


class WorkerKilled(BaseException):
    """What the worker's process sees of a SIGKILL: nothing after this point runs."""


@pytest.mark.django_db(transaction=True)
def test_it_leaves_the_database_as_before_when_the_worker_dies_mid_import(
    client: Client, admin_user: Any, project: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    client.force_login(admin_user)
    token = re.search(
        r"/preview/([^/]+)/",
        client.post(reverse("import_new"), {"batch": zip_upload(tmp_path)})["Location"],
    ).group(1)

    real_bulk_create = Interview.objects.bulk_create

    def dies_after_writing(objs: Any, *args: Any, **kwargs: Any) -> Any:
        real_bulk_create(objs, *args, **kwargs)  # rows written, the transaction still open
        raise WorkerKilled

    monkeypatch.setattr(Interview.objects, "bulk_create", dies_after_writing)
    # The task backend records the crash as its own; our Job is left as a dead worker leaves it.
    client.post(reverse("import_confirm", args=[token]))
    assert not Interview.objects.exists() and not ImportBatch.objects.exists()

    job = Job.objects.get(kind=Job.Kind.IMPORT_CONFIRM)
    assert job.status == Job.Status.RUNNING  # as a killed worker leaves it
    Job.objects.filter(pk=job.pk).update(worker=f"{socket.gethostname()}:{dead_pid()}")
    assert jobs_fail_stale() == 1
    job.refresh_from_db()
    assert (job.status, job.error) == (Job.Status.FAILED, JOB_LOST)

    monkeypatch.setattr(Interview.objects, "bulk_create", real_bulk_create)
    job_retry(job=job)  # the upload was kept: trying again imports it
    job.refresh_from_db()
    assert job.status == Job.Status.DONE, job.error
    assert Interview.objects.count() == 2
