"""Admin pages for REFI-QDA exchange: upload, map codes, preview and confirm an import; export."""

from __future__ import annotations

import tempfile
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from ..access import job_for_user, staff_required
from ..downloads import attachment
from ..interop.forms import RefiMappingForm, RefiUploadForm
from ..interop.qde import RefiError
from ..interop.refi_export import export_filename, refi_export_codebook
from ..interop.refi_import import refi_import
from ..interop.report import RefiReport
from ..jobs.models import Job
from ..jobs.services import refi_export_job_start, refi_import_job_start
from ..models import CodebookValue, ResearchProject
from ..uploads import REFI, Stashed, stash_discard, stash_upload, stashed_upload

ADMINS_ONLY = "Only admins can import and export REFI-QDA files."
UPLOAD_GONE = "This upload has expired or was already imported. Upload the file again."
IMPORT_REFUSED = "Nothing was imported. The file cannot be imported as it is:"


admin_required = staff_required(ADMINS_ONLY)


@admin_required
def refi_home(request: HttpRequest) -> HttpResponse:
    form = RefiUploadForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        project = form.cleaned_data["project"]
        stashed = stash_upload(
            upload, user_id=request.user.pk, kind=REFI, project=project.pk, mapping={}
        )
        try:
            _run(stashed, project, {}, dry_run=True)
        except RefiError as exc:
            stash_discard(stashed.token)
            errors = exc.messages
        else:
            return redirect("refi_mapping", token=stashed.token)
    projects = ResearchProject.objects.order_by("name")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "coding/refi/home.html",
        {"form": form, "errors": errors, "projects": projects, "refused": IMPORT_REFUSED},
        status=status,
    )


def _stashed_or_404(request: HttpRequest, token: str) -> Stashed:
    stashed = stashed_upload(token, user_id=request.user.pk, kind=REFI)
    if stashed is None:
        raise Http404(UPLOAD_GONE)
    return stashed


def _run(
    stashed: Stashed,
    project: ResearchProject,
    mapping: dict[str, str],
    *,
    unmatched: str = "create",
    dry_run: bool,
    actor: Any = None,
) -> RefiReport:
    with stashed.open() as handle:
        return refi_import(
            file=handle,
            filename=stashed.source_name,
            project=project,
            actor=actor,
            mapping=mapping,
            unmatched=unmatched,
            dry_run=dry_run,
        )


@admin_required
def refi_mapping(request: HttpRequest, token: str) -> HttpResponse:
    stashed = _stashed_or_404(request, token)
    project = get_object_or_404(ResearchProject, pk=stashed.meta["project"])
    values = list(CodebookValue.objects.for_project(project).order_by("project_id", "order"))
    unmatched = stashed.meta.get("unmatched", "create")
    errors: list[str] = []
    try:
        report = _run(
            stashed,
            project,
            stashed.meta["mapping"],
            dry_run=True,
            unmatched=unmatched,
        )
    except RefiError as exc:  # the codebook changed since the upload
        report, errors = None, exc.messages
    form = RefiMappingForm(
        request.POST or None,
        rows=report.codes if report else [],
        values=values,
        initial=_initial(stashed.meta["mapping"], unmatched),
    )
    if request.method == "POST" and report is not None and form.is_valid():
        mapping, unmatched = form.mapping(), form.cleaned_data["unmatched"]
        if "confirm" in request.POST:
            # Written by a background job, in one transaction, with the mapping chosen here.
            stashed.meta.update(mapping=mapping, unmatched=unmatched)
            stashed.save()
            job = refi_import_job_start(
                owner=request.user,
                token=token,
                title=f"REFI-QDA import of {stashed.source_name}",
                project=project,
            )
            if job.status == Job.Status.DONE:  # finished at once (no separate worker)
                return _finish(request, job, project)
            if job.status != Job.Status.FAILED:
                return redirect(job)
            errors = [job.error]
        else:
            try:
                report = _run(stashed, project, mapping, unmatched=unmatched, dry_run=True)
            except RefiError as exc:
                errors = exc.messages
            else:
                stashed.meta.update(mapping=mapping, unmatched=unmatched)
                stashed.save()
                form = RefiMappingForm(
                    rows=report.codes, values=values, initial=_initial(mapping, unmatched)
                )
    return render(
        request,
        "coding/refi/mapping.html",
        {
            "form": form,
            "report": report,
            "project": project,
            "token": token,
            "filename": stashed.source_name,
            "errors": errors,
            "refused": IMPORT_REFUSED,
        },
        status=400 if errors else 200,
    )


def _initial(mapping: dict[str, str], unmatched: str) -> dict[str, str]:
    return {"unmatched": unmatched, **{f"code-{guid}": c for guid, c in mapping.items()}}


def _finish(request: HttpRequest, job: Job, project: ResearchProject) -> HttpResponse:
    summary = job.params["summary"]
    request.session["refi_done"] = summary
    messages.success(request, f"{summary['filename']} was imported into {project.name}.")
    return redirect("refi_done")


@admin_required
def refi_done(request: HttpRequest) -> HttpResponse:
    # After a background import, the figures come from its job (the page may be another server).
    job_id = request.GET.get("job", "")
    if job_id.isdigit():
        report = job_for_user(request.user, int(job_id)).params.get("summary")
    else:
        report = request.session.get("refi_done")
    if report is None:
        return redirect("refi_home")
    return render(request, "coding/refi/done.html", {"report": report})


@admin_required
@require_POST
def refi_cancel(request: HttpRequest, token: str) -> HttpResponse:
    stashed = stashed_upload(token, user_id=request.user.pk, kind=REFI)
    if stashed is not None:
        stash_discard(stashed.token)
        messages.info(request, "The upload was discarded; nothing was imported.")
    return redirect("refi_home")


@admin_required
@require_POST
def refi_export_qdpx(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    if slug:
        get_object_or_404(ResearchProject, slug=slug)
    # Written by a background job; when it finished at once (no separate worker), send the file.
    job = refi_export_job_start(owner=request.user, slug=slug)
    if job.status == Job.Status.DONE and job.result_file:
        return attachment(job.result_file.open("rb"), job.result_name, "application/zip")
    return redirect(job)


@admin_required
@require_POST
def refi_export_qdc(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    project = get_object_or_404(ResearchProject, slug=slug) if slug else None
    handle = tempfile.SpooledTemporaryFile()  # noqa: SIM115 (closed by the response)
    handle.write(refi_export_codebook(project=project, actor=request.user))
    return attachment(handle, export_filename(project, "qdc"), "application/xml")
