"""Admin pages for REFI-QDA exchange: upload, map codes, preview and confirm an import; export."""

from __future__ import annotations

import tempfile
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from ..access import staff_required
from ..downloads import attachment
from ..interop.forms import RefiMappingForm, RefiUploadForm
from ..interop.qde import RefiError
from ..interop.refi_export import export_filename, refi_export, refi_export_codebook
from ..interop.refi_import import refi_import
from ..interop.report import RefiReport
from ..interop.stash import SESSION_KEY, stash_discard, stash_path, stash_save
from ..models import CodebookValue, ResearchProject

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
        token = stash_save(upload)
        try:
            _run(token, upload.name, project, {}, dry_run=True)
        except RefiError as exc:
            stash_discard(token)
            errors = exc.messages
        else:
            uploads = request.session.get(SESSION_KEY, {})
            uploads[token] = {"filename": upload.name, "project": project.pk, "mapping": {}}
            request.session[SESSION_KEY] = uploads
            return redirect("refi_mapping", token=token)
    projects = ResearchProject.objects.order_by("name")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "coding/refi/home.html",
        {"form": form, "errors": errors, "projects": projects, "refused": IMPORT_REFUSED},
        status=status,
    )


def _run(
    token: str,
    filename: str,
    project: ResearchProject,
    mapping: dict[str, str],
    *,
    unmatched: str = "create",
    dry_run: bool,
    actor: Any = None,
) -> RefiReport:
    path = stash_path(token)
    if path is None:
        raise Http404(UPLOAD_GONE)
    with path.open("rb") as handle:
        return refi_import(
            file=handle,
            filename=filename,
            project=project,
            actor=actor,
            mapping=mapping,
            unmatched=unmatched,
            dry_run=dry_run,
        )


@admin_required
def refi_mapping(request: HttpRequest, token: str) -> HttpResponse:
    stashed = request.session.get(SESSION_KEY, {}).get(token)
    if stashed is None or stash_path(token) is None:
        raise Http404(UPLOAD_GONE)
    project = get_object_or_404(ResearchProject, pk=stashed["project"])
    values = list(CodebookValue.objects.for_project(project).order_by("project_id", "order"))
    unmatched = stashed.get("unmatched", "create")
    errors: list[str] = []
    try:
        report = _run(
            token,
            stashed["filename"],
            project,
            stashed["mapping"],
            dry_run=True,
            unmatched=unmatched,
        )
    except RefiError as exc:  # the codebook changed since the upload
        report, errors = None, exc.messages
    form = RefiMappingForm(
        request.POST or None,
        rows=report.codes if report else [],
        values=values,
        initial=_initial(stashed["mapping"], unmatched),
    )
    if request.method == "POST" and report is not None and form.is_valid():
        mapping, unmatched = form.mapping(), form.cleaned_data["unmatched"]
        try:
            report = _run(
                token,
                stashed["filename"],
                project,
                mapping,
                unmatched=unmatched,
                dry_run="confirm" not in request.POST,
                actor=request.user,
            )
        except RefiError as exc:
            errors = exc.messages
        else:
            if not report.dry_run:
                return _finish(request, token, report, project)
            stashed.update(mapping=mapping, unmatched=unmatched)
            request.session.modified = True
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
            "filename": stashed["filename"],
            "errors": errors,
            "refused": IMPORT_REFUSED,
        },
        status=400 if errors else 200,
    )


def _initial(mapping: dict[str, str], unmatched: str) -> dict[str, str]:
    return {"unmatched": unmatched, **{f"code-{guid}": c for guid, c in mapping.items()}}


def _finish(
    request: HttpRequest, token: str, report: RefiReport, project: ResearchProject
) -> HttpResponse:
    stash_discard(token)
    uploads = request.session.get(SESSION_KEY, {})
    uploads.pop(token, None)
    request.session[SESSION_KEY] = uploads
    request.session["refi_done"] = report.summary()
    messages.success(request, f"{report.filename} was imported into {project.name}.")
    return redirect("refi_done")


@admin_required
def refi_done(request: HttpRequest) -> HttpResponse:
    report = request.session.get("refi_done")
    if report is None:
        return redirect("refi_home")
    return render(request, "coding/refi/done.html", {"report": report})


@admin_required
@require_POST
def refi_cancel(request: HttpRequest, token: str) -> HttpResponse:
    uploads = request.session.get(SESSION_KEY, {})
    if uploads.pop(token, None) is not None:
        stash_discard(token)
        request.session[SESSION_KEY] = uploads
        messages.info(request, "The upload was discarded; nothing was imported.")
    return redirect("refi_home")


@admin_required
@require_POST
def refi_export_qdpx(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    project = get_object_or_404(ResearchProject, slug=slug) if slug else None
    handle = tempfile.SpooledTemporaryFile(max_size=32 * 2**20)  # noqa: SIM115 (closed by the response)
    summary = refi_export(projects=[project] if project else None, out=handle, actor=request.user)
    return attachment(handle, summary.filename, "application/zip")


@admin_required
@require_POST
def refi_export_qdc(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    project = get_object_or_404(ResearchProject, slug=slug) if slug else None
    handle = tempfile.SpooledTemporaryFile()  # noqa: SIM115 (closed by the response)
    handle.write(refi_export_codebook(project=project, actor=request.user))
    return attachment(handle, export_filename(project, "qdc"), "application/xml")
