"""Admin pages for importing interview batches: upload, preview, confirm, list, roll back."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import resolve
from django.views.decorators.http import require_POST

from ..access import staff_required
from ..downloads import attachment
from ..importing import RollbackRefused, batch_rollback
from ..importing.forms import ImportConfirmForm, ImportUploadForm
from ..importing.manifest import manifest_template
from ..importing.problems import plural
from ..importing.services import batch_coded_count
from ..jobs.models import Job
from ..jobs.services import JobError, import_job_start
from ..models import ImportBatch
from ..uploads import (
    BATCH,
    SESSION_PREFIX,
    Stashed,
    seal,
    stash_discard,
    stash_upload,
    stashed_upload,
)

ADMINS_ONLY = "Only admins can import interviews."
PREVIEW_GONE = "This preview has expired or was already used. Upload the batch again."
CHANGED_SINCE_PREVIEW = (
    "The batch was checked again and cannot be imported as it is: see the problems below."
)


admin_required = staff_required(ADMINS_ONLY)


def earlier_job(request: HttpRequest, kind: str) -> Job | None:
    """The job this same form already started, when it is sent again (a double click)."""
    sent = request.POST.get("idempotency_key", "") if request.method == "POST" else ""
    try:
        key = uuid.UUID(sent)
    except ValueError:
        return None
    return Job.objects.filter(idempotency_key=key, owner_id=request.user.pk, kind=kind).first()


def staged_or_404(request: HttpRequest, token: str) -> Stashed:
    staged = stashed_upload(token, user_id=request.user.pk, kind=BATCH)
    if staged is None:
        raise Http404(PREVIEW_GONE)
    return staged


def discard(request: HttpRequest, token: str) -> None:
    stash_discard(token)
    request.session.pop(SESSION_PREFIX + token, None)


@admin_required
def import_list(request: HttpRequest) -> HttpResponse:
    batches = ImportBatch.objects.select_related("created_by").defer("report")
    return render(request, "coding/importing/list.html", {"batches": batches})


@admin_required
def import_new(request: HttpRequest) -> HttpResponse:
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    sent_before = earlier_job(request, Job.Kind.IMPORT_PREVIEW)
    if sent_before is not None:  # a double click: the first click's job, not a second upload
        return redirect(sent_before)
    if request.method == "POST" and form.is_valid():
        sealed, key = seal(form.cleaned_data["names"])
        staged = stash_upload(
            form.cleaned_data["batch"],
            user_id=request.user.pk,
            kind=BATCH,
            names_sealed=sealed,
            skip_invalid=form.cleaned_data["skip_invalid"],
        )
        request.session[SESSION_PREFIX + staged.token] = key
        # Reading a large batch takes a while: a background job does it, with progress, and
        # holds the key to the names only while it runs.
        try:
            job, created = import_job_start(
                kind=Job.Kind.IMPORT_PREVIEW,
                owner=request.user,
                token=staged.token,
                title=f"Preview of {staged.source_name}",
                key=key,
                skip_invalid=staged.meta["skip_invalid"],
                idempotency_key=form.cleaned_data["idempotency_key"],
            )
        except JobError as exc:  # a key another job holds: a form copied from elsewhere
            discard(request, staged.token)
            messages.error(request, str(exc))
            return redirect("import_new")
        if not created:  # the same form arrived twice at once: keep the first upload only
            discard(request, staged.token)
        return redirect(job.result_url if job.status == Job.Status.DONE else job)
    return render(request, "coding/importing/new.html", {"form": form})


@admin_required
def import_preview(request: HttpRequest, token: str) -> HttpResponse:
    staged = staged_or_404(request, token)
    report = staged.meta.get("report", {})
    form = ImportConfirmForm(
        initial={"skip_invalid": staged.meta["skip_invalid"]}, rows=report.get("rows", [])
    )
    return render_preview(request, staged, report, form)


def render_preview(
    request: HttpRequest,
    staged: Stashed,
    report: dict[str, Any],
    form: ImportConfirmForm,
    status: int = 200,
) -> HttpResponse:
    # Each row naming an existing participant carries its choice into the report's table.
    rows = [{**row, "decide": form.row_fields(row)} for row in report.get("rows", [])]
    return render(
        request,
        "coding/importing/preview.html",
        {"staged": staged, "report": {**report, "rows": rows}, "form": form},
        status=status,
    )


@admin_required
@require_POST
def import_confirm(request: HttpRequest, token: str) -> HttpResponse:
    staged = staged_or_404(request, token)
    preview = staged.meta.get("report", {})
    form = ImportConfirmForm(request.POST, rows=preview.get("rows", []))
    if not form.is_valid():
        return render_preview(request, staged, preview, form, status=400)
    skip_invalid = form.cleaned_data["skip_invalid"]
    key = request.session.get(SESSION_PREFIX + staged.token)
    if key is None:  # the session that holds the key to the names has ended
        raise Http404(PREVIEW_GONE)
    # The file is read and checked again (the database may have changed since the preview),
    # then written in one transaction, by a background job; one job however often it is sent.
    job, _ = import_job_start(
        kind=Job.Kind.IMPORT_CONFIRM,
        owner=request.user,
        token=staged.token,
        title=f"Import of {staged.source_name}",
        key=key,
        skip_invalid=skip_invalid,
        participant_choices=form.participant_choices(),
    )
    if job.status == Job.Status.FAILED and job.result_url:  # checked at once (no worker)
        return changed_since_preview(request, staged.token)
    if job.status == Job.Status.DONE:
        batch = ImportBatch.objects.get(pk=resolve(job.result_url).kwargs["pk"])
        discard(request, staged.token)
        count = batch.interview_count
        messages.success(request, f"{plural(count, 'interview')} imported and ready for coding.")
        return redirect(job.result_url)
    return redirect(job)


def changed_since_preview(request: HttpRequest, token: str) -> HttpResponse:
    """The preview again, with the problems found when the import checked the batch again."""
    staged = staged_or_404(request, token)
    report = staged.meta.get("report", {})
    messages.error(request, CHANGED_SINCE_PREVIEW)
    form = ImportConfirmForm(
        initial={"skip_invalid": staged.meta["skip_invalid"]}, rows=report.get("rows", [])
    )
    return render_preview(request, staged, report, form)


@admin_required
@require_POST
def import_cancel(request: HttpRequest, token: str) -> HttpResponse:
    discard(request, staged_or_404(request, token).token)
    messages.info(request, "The upload was discarded; nothing was imported.")
    return redirect("import_new")


@admin_required
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(ImportBatch.objects.select_related("created_by"), pk=pk)
    coded = batch_coded_count(batch) if batch.status == ImportBatch.Status.IMPORTED else 0
    return render(
        request,
        "coding/importing/detail.html",
        {
            "batch": batch,
            "report": batch.report,
            "coded": coded,
            "rolled_back": batch.status == ImportBatch.Status.ROLLED_BACK,
        },
    )


@admin_required
def import_rollback(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(ImportBatch, pk=pk)
    if request.method == "POST":
        try:
            deleted = batch_rollback(batch=batch, user=request.user)
        except RollbackRefused as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"Batch rolled back: {plural(deleted, 'interview')} removed.")
        return redirect("import_detail", pk=batch.pk)
    coded = batch_coded_count(batch)
    return render(request, "coding/importing/rollback.html", {"batch": batch, "coded": coded})


@admin_required
def import_manifest_template(request: HttpRequest) -> HttpResponse:
    return attachment(manifest_template(), "manifest-template.csv", "text/csv; charset=utf-8")
