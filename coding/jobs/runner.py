"""Running one job inside a task worker: claim it, report progress, keep its file or its error.

Progress is written by a small thread on its own database connection, every
JOB_HEARTBEAT_SECONDS: the job's own work may sit inside one long transaction (an import is
atomic), and rows written there would stay invisible to the page polling for progress until the
end. The same write is the heartbeat by which other machines notice a dead worker.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import DatabaseError, connection
from django.db.models import F
from django.utils import timezone

from ..analysis.tallies import tallies_refresh_after_write
from .models import Job
from .services import JobError, this_worker

logger = logging.getLogger(__name__)

JOB_FAILED = (
    "Something went wrong while running this job, and nothing was changed. Press “Try again”; "
    "if it happens again, tell an administrator the time it happened."
)


@dataclass
class Outcome:
    """What a finished job leaves: a file to download (bytes or a path) and/or a page to see."""

    file_name: str = ""
    content: bytes | None = None
    path: Path | None = None
    result_url: str = ""


Handler = Callable[[Job, "Progress"], Outcome | None]
HANDLERS: dict[str, Handler] = {}


def handler(kind: str) -> Callable[[Handler], Handler]:
    def register(function: Handler) -> Handler:
        HANDLERS[kind] = function
        return function

    return register


class Progress:
    """Counts a job reports as it goes; `progress(412, 1000)` reads "412 of 1,000 …"."""

    def __init__(self, job: Job, *, live: bool) -> None:
        self.job_id = job.pk
        self.worker = job.worker
        self.done = 0
        self.total: int | None = job.total
        self.unit = job.unit
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if live:
            self._thread = threading.Thread(target=self._beat, daemon=True)
            self._thread.start()

    def __call__(self, done: int, total: int | None = None, unit: str | None = None) -> None:
        self.done = done
        if total is not None:
            self.total = total
        if unit is not None:
            self.unit = unit
        if self._thread is None:
            self.flush()

    def flush(self) -> None:
        done = self.done if self.total is None else min(self.done, self.total)
        Job.objects.filter(pk=self.job_id, status=Job.Status.RUNNING, worker=self.worker).update(
            done=done, total=self.total, unit=self.unit[:60], heartbeat=timezone.now()
        )

    def _beat(self) -> None:
        try:
            while not self._stop.wait(settings.JOB_HEARTBEAT_SECONDS):
                try:
                    self.flush()
                except DatabaseError:  # SQLite is busy with the job's own write: next time
                    logger.debug("job %s: progress not written this time", self.job_id)
        finally:
            connection.close()  # this thread's own connection

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)


def _live_progress() -> bool:
    # The immediate backend runs jobs inside the request (tests): no thread, write at once.
    return "immediate" not in settings.TASKS["default"]["BACKEND"].lower()


def job_run(job_id: int) -> None:
    """Run a queued job once; a job already claimed or finished is left alone."""
    from . import kinds  # noqa: F401  registers the handlers

    me = this_worker()
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).update(
        status=Job.Status.RUNNING, worker=me, started=now, heartbeat=now, attempts=F("attempts") + 1
    )
    if not claimed:
        logger.info("job %s was not waiting to run; left alone", job_id)
        return
    job = Job.objects.get(pk=job_id)
    progress = Progress(job, live=_live_progress())
    error = ""
    outcome: Outcome | None = None
    try:
        outcome = HANDLERS[job.kind](job, progress)
    except JobError as exc:
        error = str(exc)
    except Exception:
        logger.exception("job %s (%s) failed", job_id, job.kind)
        error = JOB_FAILED
    finally:
        progress.stop()
    mine = Job.objects.filter(pk=job_id, status=Job.Status.RUNNING, worker=me)
    if error:
        mine.update(status=Job.Status.FAILED, error=error, finished=timezone.now(), secret="")
        return
    progress.flush()
    _finish(job, outcome or Outcome(), mine)
    _recount_tallies()


def _recount_tallies() -> None:
    """Recount what the job's writes queued (an import's excerpts), so readers find it done."""
    try:
        tallies_refresh_after_write()
    except DatabaseError:  # the next comparison recounts instead
        logger.warning("job: tallies not recounted", exc_info=True)


def _finish(job: Job, outcome: Outcome, mine: Any) -> None:
    fields: dict[str, Any] = {
        "status": Job.Status.DONE,
        "finished": timezone.now(),
        "secret": "",  # what the job needed from its starter's session is not kept past it
    }
    if outcome.file_name:
        field = job.result_file
        if outcome.path is not None:
            with outcome.path.open("rb") as handle:
                field.save(outcome.file_name, File(handle), save=False)
        else:
            field.save(outcome.file_name, ContentFile(outcome.content or b""), save=False)
        fields.update(result_file=field.name, result_name=outcome.file_name)
    if outcome.result_url:
        fields["result_url"] = outcome.result_url
    if not mine.update(**fields) and outcome.file_name:
        job.result_file.delete(save=False)  # someone marked it lost meanwhile: keep no orphan
