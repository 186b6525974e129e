"""REFI-QDA imports run as background jobs; their summary page reads the job."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from coding.jobs.models import Job
from coding.models import CodebookValue, Excerpt

from .test_refi_views import CODE_NEW, CODE_SAFE, small_file, upload


@pytest.fixture(autouse=True)
def _private_stash(tmp_path: Any, settings: Any) -> None:
    settings.UPLOADS_DIR = str(tmp_path / "uploads")


@pytest.mark.django_db(transaction=True)
def test_it_imports_a_refi_qda_file_in_a_job_once_per_confirm(
    client: Client, admin_user: Any, project: Any, peer: Any, settings: Any
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    client.force_login(admin_user)
    mapping_url = upload(client, project, "talk.qdpx", small_file())["Location"]
    connection = CodebookValue.objects.get(slug="human-connection")
    choices = {
        "unmatched": "create",
        f"code-{CODE_NEW}": f"value:{connection.pk}",
        f"code-{CODE_SAFE}": "ignore",
        "confirm": "1",
    }
    first, second = client.post(mapping_url, choices), client.post(mapping_url, choices)
    job = Job.objects.get(kind=Job.Kind.REFI_IMPORT)
    assert first["Location"] == second["Location"] == job.get_absolute_url()
    assert not Excerpt.objects.exists()  # nothing written inside the request

    call_command("db_worker", "--batch", "--no-reload", "--no-startup-delay", verbosity=0)
    job.refresh_from_db()
    assert job.status == Job.Status.DONE, job.error
    assert Excerpt.objects.get().text == "we belonged"
    done = client.get(job.result_url)
    assert done.status_code == 200 and "talk.qdpx" in done.content.decode()

    client.force_login(peer)  # the summary is the job owner's alone
    assert client.get(job.result_url).status_code == 403  # admins-only page first
