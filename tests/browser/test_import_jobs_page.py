"""A batch import through the browser with a real worker: the preview and the import each run as
a job whose page shows a progress bar with counts, then opens the preview or the batch."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from coding.importing import plan
from coding.jobs import runner
from coding.jobs.models import Job
from coding.models import ImportBatch, Interview

from .conftest import run_axe
from .test_importing_page import sample_zip

pytestmark = pytest.mark.browser

DATABASE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# Remembers every label the job's page showed, across the page's move to the result.
RECORD_LABELS = """() => {
  const count = document.querySelector('.job-count');
  new MutationObserver(() => {
    const seen = JSON.parse(sessionStorage.getItem('seen') || '[]');
    seen.push(count.textContent);
    sessionStorage.setItem('seen', JSON.stringify(seen));
  }).observe(count, {childList: true, characterData: true, subtree: true});
}"""
PARTIAL = re.compile(r"^[1-6] of 7 transcripts read$")


def work() -> None:
    """Run the database worker (in this thread) until the queue is empty."""
    call_command("db_worker", "--batch", "--no-reload", "--no-startup-delay", verbosity=0)


def labels_seen(page: Any) -> list[str]:
    seen = page.evaluate("() => JSON.parse(sessionStorage.getItem('seen') || '[]')")
    page.evaluate("() => sessionStorage.removeItem('seen')")
    return seen


def test_it_previews_and_imports_as_jobs_with_a_progress_bar(
    signed_in: Any, admin_user: Any, project: Any, tmp_path: Path, settings: Any, monkeypatch: Any
) -> None:
    settings.UPLOADS_DIR = str(tmp_path / "staging")
    settings.TASKS = DATABASE
    # Counts written as each row is read (no heartbeat thread: one SQLite connection in tests),
    # and rows read slowly enough for the page's polls to see the bar move.
    monkeypatch.setattr(runner, "_live_progress", lambda: False)
    read_row = plan.plan_row

    def slowly(*args: Any, **kwargs: Any) -> Any:
        time.sleep(0.5)
        return read_row(*args, **kwargs)

    monkeypatch.setattr(plan, "plan_row", slowly)

    page = signed_in(admin_user)
    page.goto("/manage/imports/new/")
    page.get_by_label("Batch file").set_input_files(str(sample_zip(tmp_path)))
    page.get_by_role("button", name="Check and preview").click()
    page.get_by_role("heading", name="Import preview").wait_for()
    bar = page.get_by_role("progressbar", name="Progress of Preview of spring batch.zip")
    bar.wait_for()
    assert run_axe(page) == []
    page.evaluate(RECORD_LABELS)
    work()
    page.get_by_text("7 interviews will be created.").wait_for()
    seen = labels_seen(page)
    assert any(PARTIAL.match(label) for label in seen), seen
    assert seen[-1] == "7 of 7 transcripts read"
    assert not Interview.objects.exists()

    page.get_by_role("button", name="Import 7 interviews").click()
    page.get_by_role("heading", name="Import", exact=True).wait_for()
    page.get_by_role("progressbar", name="Progress of Import of spring batch.zip").wait_for()
    page.evaluate(RECORD_LABELS)
    work()
    page.get_by_role("heading", name="Batch spring batch.zip").wait_for()
    seen = labels_seen(page)
    assert any(PARTIAL.match(label) for label in seen), seen
    assert ImportBatch.objects.get().interview_count == 7
    assert Job.objects.filter(status=Job.Status.DONE).count() == 2
    assert page.js_errors == []
