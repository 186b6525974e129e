"""Starting, retrying and tidying up jobs: the writes people (and the schedule) cause.

Running a job is coding.jobs.runner's concern; this module decides what is queued and when.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import logging
import os
import socket
import uuid
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import Job
from .sealing import job_secret_open, job_secret_seal

logger = logging.getLogger(__name__)

JOB_LOST = (
    "This job stopped before it finished, because the server running it stopped. Nothing was "
    "changed. Press “Try again” to run it again."
)
JOB_NOT_RETRYABLE = "Only a job that stopped with a problem can be tried again."
JOB_FORM_OUT_OF_DATE = "This form is out of date. Reload the page and try again."
JOB_KEY_TAKEN = "This form was already used for another job. Reload the page and try again."
JOB_SECRET_GONE = (
    "This job can no longer be run: what it needed was kept only until it ended or your "
    "session closed. Upload the file again."
)


# Kinds whose work needs a secret from their starter's session (a batch's names to remove).
SECRET_KINDS = frozenset({Job.Kind.IMPORT_PREVIEW, Job.Kind.IMPORT_CONFIRM})


class JobError(Exception):
    """A problem to show to the person who started the job, as one plain sentence."""


def this_worker() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _enqueue_after_commit(job_id: int) -> None:
    """Queue the job once its row is committed (a worker must find it).

    The immediate backend runs the job here and now, on this connection, where the row is
    already visible: tests and debugging then see the outcome at once, as a request would.
    """
    if "immediate" in settings.TASKS["default"]["BACKEND"].lower():
        _enqueue(job_id)
    else:
        transaction.on_commit(lambda: _enqueue(job_id))


def _enqueue(job_id: int) -> None:
    from .tasks import run_job  # the task module imports the runner, which imports us

    result = run_job.enqueue(job_id)
    Job.objects.filter(pk=job_id).update(task_id=str(result.id)[:64])


def job_start(
    *,
    kind: str,
    owner: Any,
    title: str,
    project: Any = None,
    params: dict[str, Any] | None = None,
    idempotency_key: uuid.UUID | str | None = None,
    unit: str = "",
    secret: str = "",
) -> tuple[Job, bool]:
    """Record a job and queue it once the transaction commits; return (job, created).

    The same idempotency key returns the job it first made, so a double click or a resent form
    never queues the work twice. `secret` is what only the starter's session holds (see
    coding.jobs.sealing): kept encrypted in the row until the job ends.
    """
    try:
        key = uuid.UUID(str(idempotency_key)) if idempotency_key else uuid.uuid4()
    except ValueError as exc:
        raise JobError(JOB_FORM_OUT_OF_DATE) from exc
    with transaction.atomic():
        job, created = Job.objects.get_or_create(
            idempotency_key=key,
            defaults={
                "kind": kind,
                "owner": owner,
                "title": title[:200],
                "project": project,
                "params": params or {},
                "unit": unit,
                "secret": job_secret_seal(secret, binding=str(key)) if secret else "",
            },
        )
        if not created:
            if job.owner_id != getattr(owner, "pk", None) or job.kind != kind:
                raise JobError(JOB_KEY_TAKEN)
            return job, False
        job.full_clean()
        _enqueue_after_commit(job.pk)
    job.refresh_from_db()
    return job, True


def job_start_once(
    *,
    kind: str,
    owner: Any,
    title: str,
    params: dict[str, Any],
    unit: str = "",
    secret: str = "",
) -> Job:
    """Start a job for a plain link (no form to carry a key): the same request from the same
    person finds the job already waiting or running; once that one ends, a new one starts.

    The key is derived from the request and a generation number, so two requests arriving
    together compute the same key and the database's unique constraint keeps one.
    """
    digest = json.dumps([kind, getattr(owner, "pk", None), params], sort_keys=True)
    for generation in itertools.count():
        key = uuid.uuid5(uuid.NAMESPACE_URL, f"peervalues:job:{digest}:{generation}")
        existing = Job.objects.filter(idempotency_key=key).only("status").first()
        if existing is None or not existing.is_finished:
            job, _ = job_start(
                kind=kind,
                owner=owner,
                title=title,
                params=params,
                idempotency_key=key,
                unit=unit,
                secret=secret,
            )
            return job
    raise AssertionError("unreachable")


def export_job_start(*, owner: Any, query: str, fmt: str, filename: str) -> Job:
    """Write a large excerpts export in the background (its audit event is the caller's)."""
    return job_start_once(
        kind=Job.Kind.EXPORT,
        owner=owner,
        title=filename,
        params={"what": "excerpts", "query": query, "fmt": fmt},
        unit="rows written",
    )


def refi_export_job_start(*, owner: Any, slug: str | None) -> Job:
    """Write a REFI-QDA project file in the background (a whole database takes a while)."""
    return job_start_once(
        kind=Job.Kind.REFI_EXPORT,
        owner=owner,
        title=f"REFI-QDA export of {slug or 'all projects'}",
        params={"slug": slug},
        unit="project files written",
    )


def refi_import_job_start(*, owner: Any, token: str, title: str, project: Any) -> Job:
    """Import a stashed REFI-QDA file in the background; one job per upload."""
    job = job_start_once(
        kind=Job.Kind.REFI_IMPORT,
        owner=owner,
        title=title,
        params={"token": token},
        unit="files imported",
    )
    return job


def import_job_start(
    *,
    kind: str,
    owner: Any,
    token: str,
    title: str,
    key: str,
    skip_invalid: bool,
    participant_choices: dict[int, str | None] | None = None,
    idempotency_key: uuid.UUID | None = None,
) -> tuple[Job, bool]:
    """Preview or import a stashed batch in the background; return (job, created).

    One job per upload and choice, or per form when the form carries `idempotency_key`.
    `key` unseals the batch's names to remove; the worker holds it only while the job runs.
    """
    choices = {str(row): choice for row, choice in (participant_choices or {}).items()}
    params = {"token": token, "skip_invalid": skip_invalid, "participant_choices": choices}
    unit = "transcripts read"
    if idempotency_key is not None:
        return job_start(
            kind=kind,
            owner=owner,
            title=title,
            params=params,
            idempotency_key=idempotency_key,
            unit=unit,
            secret=key,
        )
    job = job_start_once(kind=kind, owner=owner, title=title, params=params, unit=unit, secret=key)
    return job, True


def job_secret(job: Job) -> str | None:
    """The secret its starter handed to this job, while the job runs; None once wiped."""
    return job_secret_open(job.secret, binding=str(job.idempotency_key))


def job_retry(*, job: Job, secret: str = "") -> Job:
    """Queue a failed job again, with the same inputs (an upload is kept until a job succeeds).

    A job that needed a secret needs it again (`secret`, from its starter's session): it was
    wiped when the job failed.
    """
    if job.kind in SECRET_KINDS and not secret:
        raise JobError(JOB_SECRET_GONE)
    sealed = job_secret_seal(secret, binding=str(job.idempotency_key)) if secret else ""
    with transaction.atomic():
        updated = Job.objects.filter(pk=job.pk, status=Job.Status.FAILED).update(
            status=Job.Status.QUEUED,
            secret=sealed,
            error="",
            done=0,
            worker="",
            heartbeat=None,
            started=None,
            finished=None,
        )
        if not updated:
            raise JobError(JOB_NOT_RETRYABLE)
        _enqueue_after_commit(job.pk)
    job.refresh_from_db()
    return job


def _worker_is_gone(worker: str, heartbeat: dt.datetime | None, now: dt.datetime) -> bool:
    """Whether the process that claimed a job is no longer running it.

    On this machine we can ask the operating system; elsewhere we go by the heartbeat the
    runner writes every few seconds.
    """
    host, _, pid = worker.rpartition(":")
    if host == socket.gethostname() and pid.isdigit():
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        return False
    stale_after = dt.timedelta(seconds=settings.JOB_STALE_SECONDS)
    return heartbeat is None or heartbeat < now - stale_after


def jobs_fail_stale(jobs: Any = None) -> int:
    """Mark as failed (with a retry) the running jobs whose worker has died; return how many."""
    now = timezone.now()
    candidates = (jobs if jobs is not None else Job.objects).filter(status=Job.Status.RUNNING)
    lost = [
        job.pk
        for job in candidates.only("pk", "worker", "heartbeat")
        if _worker_is_gone(job.worker, job.heartbeat, now)
    ]
    if not lost:
        return 0
    return Job.objects.filter(pk__in=lost, status=Job.Status.RUNNING).update(
        status=Job.Status.FAILED, error=JOB_LOST, finished=now, secret=""
    )


def clean_up_key(now: dt.datetime) -> uuid.UUID:
    """The same key for every scheduler within one hour, so the clean-up is queued once."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"peervalues:clean_up:{now:%Y-%m-%dT%H}")


def clean_up_schedule() -> tuple[Job, bool]:
    """Queue this hour's clean-up unless some machine already did."""
    now = timezone.now()
    return job_start(
        kind=Job.Kind.CLEAN_UP,
        owner=None,
        title=f"Clean-up of {now:%d %b %Y %H}:00",
        idempotency_key=clean_up_key(now),
        unit="files removed",
    )


def jobs_clean_up(*, now: dt.datetime | None = None) -> int:
    """Delete job files older than JOB_FILES_KEEP_HOURS; return how many went.

    The job's record stays (people still see that it ran); only its file goes.
    """
    now = now or timezone.now()
    # A secret outlives no job (the runner wipes it); this catches a row a crash left behind.
    Job.objects.filter(status__in=[Job.Status.DONE, Job.Status.FAILED]).exclude(secret="").update(
        secret=""
    )
    cutoff = now - dt.timedelta(hours=settings.JOB_FILES_KEEP_HOURS)
    removed = 0
    for job in Job.objects.filter(finished__lt=cutoff).exclude(result_file=""):
        job.result_file.delete(save=False)
        Job.objects.filter(pk=job.pk).update(result_file="")
        removed += 1
    return removed
