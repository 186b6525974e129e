"""A job's page follows its progress in Chromium: counts, the bar, then the file or the retry."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from coding.jobs.models import Job
from coding.jobs.services import this_worker

from .conftest import run_axe

pytestmark = pytest.mark.browser


def test_it_shows_progress_then_the_download(signed_in: Any, admin_user: Any) -> None:
    job = Job.objects.create(
        kind=Job.Kind.EXPORT,
        owner=admin_user,
        title="excerpts.csv",
        status=Job.Status.RUNNING,
        worker=this_worker(),  # a live worker: this process
        heartbeat=timezone.now(),
        total=1000,
        unit="rows written",
    )
    page = signed_in(admin_user)
    page.goto(job.get_absolute_url())
    assert run_axe(page) == []

    Job.objects.filter(pk=job.pk).update(done=412)
    page.get_by_text("412 of 1,000 rows written").wait_for()
    assert page.locator("progress.job-bar").evaluate("bar => bar.value") == 41

    job.result_file.save("excerpts.csv", ContentFile(b"a,b\n"), save=False)
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.DONE, done=1000, result_file=job.result_file.name, result_name="x.csv"
    )
    page.get_by_role("link", name="Download x.csv").wait_for()
    assert page.js_errors == []


def test_it_shows_the_sentence_and_try_again_when_a_job_fails(
    signed_in: Any, admin_user: Any
) -> None:
    job = Job.objects.create(
        kind=Job.Kind.BACKUP,
        owner=admin_user,
        title="Backup",
        status=Job.Status.RUNNING,
        worker=this_worker(),
        heartbeat=timezone.now(),
    )
    page = signed_in(admin_user)
    page.goto(job.get_absolute_url())
    Job.objects.filter(pk=job.pk).update(status=Job.Status.FAILED, error="The disk is full.")
    page.get_by_role("alert").get_by_text("The disk is full.").wait_for()
    page.get_by_role("button", name="Try again").wait_for()
    assert page.js_errors == []
