"""Background jobs: My jobs, one job's page with its progress bar, its JSON status, retry, file."""

from __future__ import annotations

import mimetypes
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from ..access import job_for_user, staff_required
from ..downloads import attachment
from ..jobs.models import Job
from ..jobs.services import SECRET_KINDS, JobError, job_retry, job_start, jobs_fail_stale
from ..uploads import upload_key
from .api import api_view

MY_JOBS_LIMIT = 100
FILE_EXPIRED = "This file has been deleted: job files are kept for a limited time. Run it again."
# Jobs an admin may start from the My jobs page, with what people see while they run.
ADMIN_JOBS = {
    Job.Kind.BACKUP: ("Backup of all data", "backup written"),
    Job.Kind.TALLY_RECOUNT: ("Recount of the comparison tallies", "interviews recounted"),
    Job.Kind.CLEAN_UP: ("Clean-up of old files", "files removed"),
}


def job_status_data(job: Job) -> dict[str, object]:
    return {
        "id": job.pk,
        "status": job.status,
        "status_label": job.get_status_display(),
        "done": job.done,
        "total": job.total,
        "label": job.progress_label,
        "percent": job.percent,
        "error": job.error,
        "download_url": reverse("job_download", args=[job.pk]) if job.result_file else "",
        "result_name": job.result_name,
        "result_url": job.result_url,
        "retry_url": reverse("job_retry", args=[job.pk]) if job.status == Job.Status.FAILED else "",
    }


@login_required
def my_jobs(request: HttpRequest) -> HttpResponse:
    mine = Job.objects.filter(owner_id=request.user.pk)
    jobs_fail_stale(mine)
    jobs = list(mine.select_related("project")[:MY_JOBS_LIMIT])
    # A fresh key in each form: a double click or a resent form finds the job the first made.
    admin_jobs = (
        [(kind, title, uuid.uuid4()) for kind, (title, _) in ADMIN_JOBS.items()]
        if request.user.is_staff
        else []
    )
    return render(request, "coding/jobs/my_jobs.html", {"jobs": jobs, "admin_jobs": admin_jobs})


@login_required
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = job_for_user(request.user, pk)
    return render(request, "coding/jobs/job_detail.html", {"job": job})


@api_view
@require_GET
def job_status(request: HttpRequest, pk: int) -> JsonResponse:
    job = job_for_user(request.user, pk)
    if job.status == Job.Status.RUNNING and jobs_fail_stale(Job.objects.filter(pk=job.pk)):
        job.refresh_from_db()
    response = JsonResponse(job_status_data(job))
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def job_retry_view(request: HttpRequest, pk: int) -> HttpResponse:
    job = job_for_user(request.user, pk)
    # A batch import's key to its names was wiped when the job failed: this click hands it over
    # again from the session that holds it (none when that session has ended).
    secret = upload_key(request.session, job.params.get("token", "")) if job.params else ""
    try:
        job_retry(job=job, secret=secret if job.kind in SECRET_KINDS else "")
    except JobError as exc:
        messages.error(request, str(exc))
    return redirect(job)


@login_required
def job_download(request: HttpRequest, pk: int) -> HttpResponse:
    job = job_for_user(request.user, pk)
    if not job.result_file:
        raise Http404(FILE_EXPIRED)
    try:
        handle = job.result_file.open("rb")
    except FileNotFoundError as exc:
        raise Http404(FILE_EXPIRED) from exc
    content_type = mimetypes.guess_type(job.result_name)[0] or "application/octet-stream"
    return attachment(handle, job.result_name, content_type)


@staff_required()
@require_POST
def job_start_admin(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in ADMIN_JOBS:
        raise Http404("No such job.")
    title, unit = ADMIN_JOBS[Job.Kind(kind)]
    try:
        job, _ = job_start(
            kind=kind,
            owner=request.user,
            title=title,
            unit=unit,
            idempotency_key=request.POST.get("idempotency_key") or None,
        )
    except JobError as exc:
        messages.error(request, str(exc))
        return redirect("my_jobs")
    return redirect(job)
