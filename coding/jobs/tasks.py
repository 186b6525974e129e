"""The task functions the worker runs, on Django's Tasks API.

One task runs any Job: the Job row says what to do, so retries, progress and the "My jobs" page
work the same for every kind. From Django 6 the import becomes `from django.tasks import task`.
"""

from __future__ import annotations

from django_tasks import task

from .runner import job_run


@task()
def run_job(job_id: int) -> None:
    job_run(job_id)
