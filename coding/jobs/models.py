"""The Job: our record of one piece of background work, its progress and its outcome.

The task backend (database or RQ) only knows "run this function"; the Job is what people see:
what it is, whose it is, how far it got, the file it made or the sentence saying why it failed.
It lives here rather than in coding/models.py so that module keeps to the coding domain; it is
imported at the end of coding/models.py so Django finds it as a model of the app.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse


class Job(models.Model):
    class Kind(models.TextChoices):
        EXPORT = "export", "Export"
        BACKUP = "backup", "Backup"
        TALLY_RECOUNT = "tally_recount", "Recount of the comparison tallies"
        CLEAN_UP = "clean_up", "Clean-up of old files"
        IMPORT_PREVIEW = "import_preview", "Import preview"
        IMPORT_CONFIRM = "import_confirm", "Import"
        REFI_IMPORT = "refi_import", "REFI-QDA import"
        REFI_EXPORT = "refi_export", "REFI-QDA export"

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Running"
        DONE = "done", "Finished"
        FAILED = "failed", "Stopped with a problem"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    title = models.CharField(max_length=200, help_text="what people see, such as the file name")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="jobs",
        help_text="who started it; none for scheduled work",
    )
    project = models.ForeignKey(
        "coding.ResearchProject",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="jobs",
    )
    params = models.JSONField(default=dict, blank=True)
    # One click, one job: the form carries a fresh key; a repeated POST finds the same job.
    # Scheduled work derives its key from the hour, so several machines enqueue it once.
    idempotency_key = models.UUIDField(default=uuid.uuid4, unique=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(null=True, blank=True)
    unit = models.CharField(max_length=60, blank=True, help_text='such as "transcripts read"')
    result_file = models.FileField(upload_to="jobs/%Y/%m/", blank=True)
    result_name = models.CharField(max_length=200, blank=True)
    result_url = models.CharField(max_length=300, blank=True, help_text="a page showing the result")
    error = models.TextField(blank=True)
    # A key the work needs that only its starter's session holds (a batch's sealed names),
    # encrypted (coding.jobs.sealing) for the job's lifetime and wiped when it ends.
    secret = models.TextField(blank=True, editable=False)
    attempts = models.PositiveIntegerField(default=0)
    task_id = models.CharField(max_length=64, blank=True)
    # Who runs it: a worker that dies leaves the job "running"; these let others notice.
    worker = models.CharField(max_length=200, blank=True, help_text="host:pid of the worker")
    heartbeat = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    started = models.DateTimeField(null=True, blank=True)
    finished = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        indexes = [
            models.Index(fields=["owner", "-created"]),
            models.Index(fields=["status", "finished"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(total__isnull=True) | Q(done__lte=F("total")),
                name="job_done_within_total",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.title} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("job_detail", args=[self.pk])

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.DONE, self.Status.FAILED}

    @property
    def progress_label(self) -> str:
        """Return the counts as people read them: "412 of 1,000 transcripts read"."""
        if self.total is None:
            return f"{self.done:,} {self.unit}".strip() if self.done else ""
        return f"{self.done:,} of {self.total:,} {self.unit}".strip()

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.total:
            return 0
        return min(100, round(100 * self.done / self.total))
