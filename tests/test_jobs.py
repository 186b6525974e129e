"""Background jobs: one job per click, progress, failures with retry, dead workers, old files."""

from __future__ import annotations

import datetime as dt
import os
import socket
import uuid
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from coding.jobs import runner
from coding.jobs.models import Job
from coding.jobs.runner import JOB_FAILED, Outcome, handler
from coding.jobs.services import (
    JOB_LOST,
    JOB_NOT_RETRYABLE,
    JobError,
    clean_up_key,
    clean_up_schedule,
    job_retry,
    job_start,
    jobs_clean_up,
    jobs_fail_stale,
)
from coding.models import Interview, ValueTally

from .conftest import make_excerpt, make_interview

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
DATABASE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
TEST_KIND = Job.Kind.REFI_EXPORT  # borrowed by the tests' own handlers below
PROBLEM = "The file could not be read: row 3 has no project."


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = IMMEDIATE


@pytest.fixture
def test_handler() -> Any:
    """Install a handler for TEST_KIND whose behaviour each test sets."""
    calls: list[str] = []
    behaviour: dict[str, Any] = {"raise": None}

    def run(job: Job, progress: runner.Progress) -> Outcome:
        calls.append(job.title)
        progress(412, 1000, "transcripts read")
        if behaviour["raise"] is not None:
            raise behaviour["raise"]
        progress(1000)
        return Outcome(file_name="out.csv", content=b"a,b\n1,2\n")

    from coding.jobs import kinds  # noqa: F401  the real handlers first

    previous = runner.HANDLERS.get(TEST_KIND)
    handler(TEST_KIND)(run)
    yield {"calls": calls, "behaviour": behaviour}
    runner.HANDLERS[TEST_KIND] = previous


def start(owner: Any, key: uuid.UUID | None = None) -> tuple[Job, bool]:
    return job_start(kind=TEST_KIND, owner=owner, title="Test export", idempotency_key=key)


@pytest.mark.django_db(transaction=True)
def test_it_runs_a_job_once_however_often_the_same_click_arrives(
    test_handler: Any, admin_user: Any
) -> None:
    key = uuid.uuid4()
    first, created = start(admin_user, key)
    again, created_again = start(admin_user, key)
    assert (created, created_again) == (True, False)
    assert first.pk == again.pk
    assert test_handler["calls"] == ["Test export"]
    assert Job.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_it_refuses_someone_elses_key(test_handler: Any, admin_user: Any, peer: Any) -> None:
    key = uuid.uuid4()
    start(admin_user, key)
    with pytest.raises(JobError):
        start(peer, key)


@pytest.mark.django_db(transaction=True)
def test_it_keeps_the_file_and_the_counts_of_a_finished_job(
    test_handler: Any, admin_user: Any
) -> None:
    job, _ = start(admin_user)
    job.refresh_from_db()
    assert job.status == Job.Status.DONE
    assert job.progress_label == "1,000 of 1,000 transcripts read"
    assert job.result_file.read() == b"a,b\n1,2\n"


def test_it_reads_progress_as_people_count() -> None:
    job = Job(done=412, total=1000, unit="transcripts read")
    assert job.progress_label == "412 of 1,000 transcripts read"
    assert job.percent == 41


@pytest.mark.django_db(transaction=True)
def test_it_shows_a_sentence_when_a_job_fails_and_runs_it_again_on_retry(
    test_handler: Any, admin_user: Any
) -> None:
    test_handler["behaviour"]["raise"] = JobError(PROBLEM)
    job, _ = start(admin_user)
    job.refresh_from_db()
    assert (job.status, job.error) == (Job.Status.FAILED, PROBLEM)

    test_handler["behaviour"]["raise"] = None
    job_retry(job=job)
    job.refresh_from_db()
    assert job.status == Job.Status.DONE
    assert job.attempts == 2
    assert test_handler["calls"] == ["Test export", "Test export"]


@pytest.mark.django_db(transaction=True)
def test_it_hides_a_crash_behind_a_plain_sentence(test_handler: Any, admin_user: Any) -> None:
    test_handler["behaviour"]["raise"] = KeyError("internal detail")
    job, _ = start(admin_user)
    job.refresh_from_db()
    assert job.error == JOB_FAILED
    assert "internal detail" not in job.error


@pytest.mark.django_db
def test_it_retries_only_failed_jobs(admin_user: Any) -> None:
    job = Job.objects.create(kind=TEST_KIND, owner=admin_user, title="x", status="done")
    with pytest.raises(JobError, match=JOB_NOT_RETRYABLE):
        job_retry(job=job)


def dead_pid() -> int:
    """A process id that no process has (the highest pid the kernel can give, plus one)."""
    with open("/proc/sys/kernel/pid_max") as handle:
        return int(handle.read()) + 1


@pytest.mark.django_db
def test_it_marks_a_job_failed_when_its_worker_on_this_machine_died(admin_user: Any) -> None:
    job = Job.objects.create(
        kind=TEST_KIND,
        owner=admin_user,
        title="x",
        status=Job.Status.RUNNING,
        worker=f"{socket.gethostname()}:{dead_pid()}",
        heartbeat=timezone.now(),
    )
    assert jobs_fail_stale() == 1
    job.refresh_from_db()
    assert (job.status, job.error) == (Job.Status.FAILED, JOB_LOST)


@pytest.mark.django_db
def test_it_leaves_a_job_whose_worker_is_alive(admin_user: Any) -> None:

    Job.objects.create(
        kind=TEST_KIND,
        owner=admin_user,
        title="x",
        status=Job.Status.RUNNING,
        worker=f"{socket.gethostname()}:{os.getpid()}",
        heartbeat=timezone.now() - dt.timedelta(hours=1),  # a long transaction, still alive
    )
    assert jobs_fail_stale() == 0


@pytest.mark.django_db
def test_it_marks_a_job_failed_when_another_machine_stops_its_heartbeat(
    admin_user: Any, settings: Any
) -> None:
    settings.JOB_STALE_SECONDS = 60
    quiet = timezone.now() - dt.timedelta(seconds=61)
    lively = timezone.now() - dt.timedelta(seconds=5)
    for beat in (quiet, lively):
        Job.objects.create(
            kind=TEST_KIND,
            owner=admin_user,
            title=str(beat),
            status=Job.Status.RUNNING,
            worker="web-2.internal:4242",
            heartbeat=beat,
        )
    assert jobs_fail_stale() == 1
    assert Job.objects.get(status=Job.Status.FAILED).heartbeat == quiet


@pytest.mark.django_db
def test_it_deletes_job_files_after_the_keep_time(admin_user: Any, settings: Any) -> None:
    settings.JOB_FILES_KEEP_HOURS = 24
    now = timezone.now()
    old, recent = (
        Job.objects.create(
            kind=TEST_KIND,
            owner=admin_user,
            title=name,
            status=Job.Status.DONE,
            finished=now - dt.timedelta(hours=hours),
        )
        for name, hours in (("old", 25), ("recent", 23))
    )
    for job in (old, recent):
        job.result_file.save(f"{job.title}.csv", ContentFile(b"x"), save=True)
    old_path = old.result_file.path

    assert jobs_clean_up(now=now) == 1
    old.refresh_from_db()
    recent.refresh_from_db()
    assert not old.result_file
    assert recent.result_file

    assert not os.path.exists(old_path)


@pytest.mark.django_db(transaction=True)
def test_it_queues_the_scheduled_clean_up_once_an_hour_from_any_machine() -> None:
    first, created = clean_up_schedule()
    second, created_again = clean_up_schedule()
    assert second.pk == first.pk
    assert (created, created_again) == (True, False)
    assert first.idempotency_key == clean_up_key(timezone.now())


@pytest.mark.django_db(transaction=True)
def test_it_runs_a_real_database_worker_over_a_job(
    settings: Any, admin_user: Any, project: Any, peer: Any
) -> None:
    """The tally recount, queued on the database backend and run by `db_worker --batch`."""
    settings.TASKS = DATABASE
    settings.JOB_HEARTBEAT_SECONDS = 0.05
    for n in range(3):
        make_excerpt(make_interview(project, f"Participant {n}: I felt safe."), peer, 0, 11)
    ValueTally.objects.all().delete()
    job, _ = job_start(
        kind=Job.Kind.TALLY_RECOUNT, owner=admin_user, title="Recount", unit="interviews"
    )
    assert DBTaskResult.objects.count() == 1
    assert Job.objects.get(pk=job.pk).status == Job.Status.QUEUED  # nothing ran in the request

    call_command("db_worker", "--batch", "--no-reload", "--no-startup-delay", verbosity=0)

    job.refresh_from_db()
    assert job.status == Job.Status.DONE, job.error
    assert job.progress_label == "3 of 3 interviews recounted"
    assert ValueTally.objects.filter(interview__in=Interview.objects.all()).count() == 3


@pytest.mark.django_db(transaction=True)
def test_it_answers_the_status_of_ones_own_jobs_only(
    test_handler: Any, client: Client, admin_user: Any, peer: Any
) -> None:
    job, _ = start(admin_user)
    url = reverse("api_job_status", args=[job.pk])
    client.force_login(peer)
    assert client.get(url).status_code == 404
    client.force_login(admin_user)
    data = client.get(url).json()
    assert data["status"] == "done"
    assert data["label"] == "1,000 of 1,000 transcripts read"
    assert data["download_url"] == reverse("job_download", args=[job.pk])
    response = client.get(data["download_url"])
    assert b"".join(response.streaming_content) == b"a,b\n1,2\n"


@pytest.mark.django_db(transaction=True)
def test_it_starts_a_maintenance_job_once_per_form(client: Client, admin_user: Any) -> None:
    client.force_login(admin_user)
    page = client.get(reverse("my_jobs"))
    keys = {kind: key for kind, _, key in page.context["admin_jobs"]}
    url = reverse("job_start_admin", args=[Job.Kind.TALLY_RECOUNT])
    body = {"idempotency_key": str(keys[Job.Kind.TALLY_RECOUNT])}
    first = client.post(url, body)
    second = client.post(url, body)
    assert first["Location"] == second["Location"]
    assert Job.objects.filter(kind=Job.Kind.TALLY_RECOUNT).count() == 1


@pytest.mark.django_db
def test_it_lists_my_jobs_in_constant_queries(
    client: Client, peer: Any, project: Any, django_assert_max_num_queries: Any
) -> None:
    for n in range(5):
        Job.objects.create(kind=TEST_KIND, owner=peer, project=project, title=f"job {n}")
    client.force_login(peer)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("my_jobs"))
    assert response.status_code == 200
    assert response.content.count(b"job ") >= 5


@pytest.mark.django_db(transaction=True)
def test_it_takes_a_restorable_backup_as_a_job(client: Client, admin_user: Any) -> None:
    import gzip
    import json

    client.force_login(admin_user)
    client.post(reverse("job_start_admin", args=[Job.Kind.BACKUP]))
    job = Job.objects.get(kind=Job.Kind.BACKUP)
    assert job.status == Job.Status.DONE, job.error
    assert job.result_name.endswith(".json.gz")
    response = client.get(reverse("job_download", args=[job.pk]))
    rows = json.loads(gzip.decompress(b"".join(response.streaming_content)))
    assert any(row["model"] == "auth.user" for row in rows)


def redis_up() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_TEST_URL, socket_timeout=1).ping())
    except redis.RedisError:
        return False


REDIS_TEST_URL = os.environ.get("PV_TEST_REDIS_URL", "redis://127.0.0.1:6379/6")


@pytest.mark.skipif(not redis_up(), reason="needs Redis at PV_TEST_REDIS_URL")
@pytest.mark.django_db(transaction=True)
def test_it_runs_a_job_through_rq_on_redis(
    settings: Any, admin_user: Any, project: Any, peer: Any
) -> None:
    """TASKS_BACKEND=rq: the job goes through Redis and an RQ worker (no fork, same database)."""
    import django_rq

    settings.INSTALLED_APPS = [*settings.INSTALLED_APPS, "django_rq", "django_tasks_rq"]
    settings.RQ_QUEUES = {"default": {"URL": REDIS_TEST_URL}}
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    django_rq.get_queue("default").empty()
    make_excerpt(make_interview(project), peer, 0, 11)
    job, _ = job_start(kind=Job.Kind.TALLY_RECOUNT, owner=admin_user, title="Recount", unit="x")
    assert Job.objects.get(pk=job.pk).status == Job.Status.QUEUED
    call_command(
        "rqworker",
        "default",
        "--burst",
        "--job-class",
        "django_tasks_rq.Job",
        "--worker-class",
        "rq.worker.SimpleWorker",
        verbosity=0,
    )
    job.refresh_from_db()
    assert job.status == Job.Status.DONE, job.error
