"""Batch imports as background jobs: the names' key for the job's lifetime only, progress, one
job per confirm, nothing written when a worker dies, retry with the key from the session."""

from __future__ import annotations

import re
import socket
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from coding.jobs.kinds import IMPORT_UPLOAD_GONE
from coding.jobs.models import Job
from coding.jobs.services import (
    JOB_KEY_TAKEN,
    JOB_LOST,
    JOB_SECRET_GONE,
    JobError,
    job_retry,
    job_secret,
    jobs_clean_up,
    jobs_fail_stale,
)
from coding.models import ImportBatch, Interview
from coding.uploads import SESSION_PREFIX, stash_discard

from .test_importing_views import zip_upload
from .test_jobs import dead_pid

DATABASE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
NAMES = "Hello=Greeting"


@pytest.fixture(autouse=True)
def _staging(settings: Any, tmp_path: Path) -> None:
    settings.UPLOADS_DIR = str(tmp_path / "staging")


def work() -> None:
    """Run the database worker in this process until the queue is empty."""
    call_command("db_worker", "--batch", "--no-reload", "--no-startup-delay", verbosity=0)


def token_in(url: str) -> str:
    return re.search(r"/preview/([^/]+)/", url).group(1)


def previewed(client: Client, tmp_path: Path) -> str:
    """Upload a two-row batch, run its preview job; return the upload's token."""
    client.post(reverse("import_new"), {"batch": zip_upload(tmp_path), "names": NAMES})
    work()
    job = Job.objects.get(kind=Job.Kind.IMPORT_PREVIEW)
    assert job.status == Job.Status.DONE, job.error
    return token_in(job.result_url)


@pytest.mark.django_db(transaction=True)
def test_it_previews_and_imports_in_jobs_with_counts_and_one_job_per_confirm(
    client: Client, admin_user: Any, project: Any, tmp_path: Path, settings: Any
) -> None:
    settings.TASKS = DATABASE
    client.force_login(admin_user)
    response = client.post(reverse("import_new"), {"batch": zip_upload(tmp_path), "names": NAMES})
    preview_job = Job.objects.get(kind=Job.Kind.IMPORT_PREVIEW)
    assert response["Location"] == preview_job.get_absolute_url()
    page = client.get(response["Location"]).content.decode()
    assert "data-job-status-url" in page and "<progress" in page

    work()
    preview_job.refresh_from_db()
    assert preview_job.status == Job.Status.DONE, preview_job.error
    assert preview_job.progress_label == "2 of 2 transcripts read"
    token = token_in(preview_job.result_url)
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
    texts = list(Interview.objects.values_list("text", flat=True))
    assert len(texts) == 2 and "Greeting" in texts[0] and "Hello" not in texts[0]


@pytest.mark.django_db(transaction=True)
def test_it_holds_the_key_only_while_the_job_waits_and_wipes_it_after_success(
    client: Client, admin_user: Any, project: Any, tmp_path: Path, settings: Any
) -> None:
    settings.TASKS = DATABASE
    client.force_login(admin_user)
    token = previewed(client, tmp_path)
    key = client.session[SESSION_PREFIX + token]
    client.post(reverse("import_confirm", args=[token]))

    waiting = Job.objects.get(kind=Job.Kind.IMPORT_CONFIRM)
    assert waiting.secret and key not in waiting.secret  # stored, but not in clear
    assert job_secret(waiting) == key
    work()
    done = Job.objects.get(pk=waiting.pk)
    assert done.status == Job.Status.DONE, done.error
    assert done.secret == "" and job_secret(done) is None
    assert Job.objects.get(kind=Job.Kind.IMPORT_PREVIEW).secret == ""


@pytest.mark.django_db(transaction=True)
def test_it_wipes_the_key_when_the_job_fails(
    client: Client, admin_user: Any, project: Any, tmp_path: Path, settings: Any
) -> None:
    settings.TASKS = DATABASE
    client.force_login(admin_user)
    token = previewed(client, tmp_path)
    client.post(reverse("import_confirm", args=[token]))
    assert Job.objects.get(kind=Job.Kind.IMPORT_CONFIRM).secret
    stash_discard(token)  # the upload is gone before the worker reaches the job

    work()
    job = Job.objects.get(kind=Job.Kind.IMPORT_CONFIRM)
    assert (job.status, job.error, job.secret) == (Job.Status.FAILED, IMPORT_UPLOAD_GONE, "")


class WorkerKilled(BaseException):
    """What the worker's process sees of a SIGKILL: nothing after this point runs."""


@pytest.mark.django_db(transaction=True)
def test_it_leaves_the_database_as_before_when_the_worker_dies_and_retries_with_a_new_click(
    client: Client, admin_user: Any, project: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    client.force_login(admin_user)
    response = client.post(reverse("import_new"), {"batch": zip_upload(tmp_path), "names": NAMES})
    token = token_in(response["Location"])

    real_bulk_create = Interview.objects.bulk_create

    def dies_after_writing(objs: Any, *args: Any, **kwargs: Any) -> Any:
        real_bulk_create(objs, *args, **kwargs)  # rows written, the transaction still open
        raise WorkerKilled

    monkeypatch.setattr(Interview.objects, "bulk_create", dies_after_writing)
    # The task backend records the crash as its own; our Job is left as a dead worker leaves it.
    client.post(reverse("import_confirm", args=[token]))
    assert not Interview.objects.exists() and not ImportBatch.objects.exists()

    job = Job.objects.get(kind=Job.Kind.IMPORT_CONFIRM)
    assert job.status == Job.Status.RUNNING and job.secret  # as a killed worker leaves it
    Job.objects.filter(pk=job.pk).update(worker=f"{socket.gethostname()}:{dead_pid()}")
    assert jobs_fail_stale() == 1
    job.refresh_from_db()
    assert (job.status, job.error, job.secret) == (Job.Status.FAILED, JOB_LOST, "")

    with pytest.raises(JobError, match=JOB_SECRET_GONE):
        job_retry(job=job)  # without the admin's session, nothing can unseal the names

    monkeypatch.setattr(Interview.objects, "bulk_create", real_bulk_create)
    retried = client.post(reverse("job_retry", args=[job.pk]))  # the click hands the key over
    job.refresh_from_db()
    assert job.status == Job.Status.DONE, job.error
    assert retried["Location"] == job.get_absolute_url()
    assert Interview.objects.count() == 2 and job.secret == ""


@pytest.mark.django_db(transaction=True)
def test_it_refuses_a_retry_once_the_session_holding_the_key_has_ended(
    client: Client, admin_user: Any, project: Any, tmp_path: Path, settings: Any
) -> None:
    settings.TASKS = DATABASE
    client.force_login(admin_user)
    client.post(reverse("import_new"), {"batch": zip_upload(tmp_path), "names": NAMES})
    job = Job.objects.get(kind=Job.Kind.IMPORT_PREVIEW)
    Job.objects.filter(pk=job.pk).update(status=Job.Status.FAILED, secret="")

    other = Client()
    other.force_login(admin_user)  # a new session: no key in it
    response = other.post(reverse("job_retry", args=[job.pk]), follow=True)
    assert JOB_SECRET_GONE in response.content.decode()
    assert Job.objects.get(pk=job.pk).status == Job.Status.FAILED


@pytest.mark.django_db
def test_it_wipes_a_key_a_crash_left_on_a_finished_job_at_the_clean_up(admin_user: Any) -> None:
    job = Job.objects.create(
        kind=Job.Kind.IMPORT_CONFIRM,
        owner=admin_user,
        title="Import",
        status=Job.Status.FAILED,
        secret="left behind",
    )
    waiting = Job.objects.create(
        kind=Job.Kind.IMPORT_CONFIRM, owner=admin_user, title="Import", secret="needed"
    )
    jobs_clean_up()
    assert Job.objects.get(pk=job.pk).secret == ""
    assert Job.objects.get(pk=waiting.pk).secret == "needed"


@pytest.mark.django_db(transaction=True)
def test_it_makes_one_preview_job_and_keeps_one_upload_when_the_form_is_sent_twice(
    client: Client, admin_user: Any, project: Any, tmp_path: Path, settings: Any
) -> None:
    settings.TASKS = DATABASE
    client.force_login(admin_user)
    key = str(uuid.uuid4())
    first, second = (
        client.post(
            reverse("import_new"),
            {"batch": zip_upload(tmp_path), "names": NAMES, "idempotency_key": key},
        )
        for _ in range(2)
    )
    job = Job.objects.get(kind=Job.Kind.IMPORT_PREVIEW)
    assert first["Location"] == second["Location"] == job.get_absolute_url()
    assert len(list((tmp_path / "staging").iterdir())) == 1


@pytest.mark.django_db
def test_it_refuses_an_upload_form_whose_key_another_job_holds(
    client: Client, admin_user: Any, project: Any, tmp_path: Path
) -> None:
    taken = Job.objects.create(kind=Job.Kind.BACKUP, owner=admin_user, title="Backup")
    client.force_login(admin_user)
    response = client.post(
        reverse("import_new"),
        {"batch": zip_upload(tmp_path), "idempotency_key": str(taken.idempotency_key)},
        follow=True,
    )
    assert JOB_KEY_TAKEN in response.content.decode()
    assert not Job.objects.filter(kind=Job.Kind.IMPORT_PREVIEW).exists()
    assert not list((tmp_path / "staging").iterdir())
