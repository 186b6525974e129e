"""The findings pack: the page (full or Easy Read), its .docx, published versions, feedback.

`findings/<scope>/` where scope is a project's slug or "all". What the reader may see is
decided by `findings.pack_access` (who) and `pack_build` (disclosure control, as on the
comparison); downloads go through `downloads.attachment` after `exports.export_audit`.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from ..analysis.exports import FINDINGS, export_audit
from ..analysis.filters import Filters
from ..downloads import attachment
from ..findings.docx import DOCX, pack_docx
from ..findings.easy_read import SAID_LINE, easy_read
from ..findings.pack import pack_build, pack_feedback, pack_versions, pack_with_quotes
from ..findings.pack_access import pack_scope, pack_version_for
from ..findings.pack_forms import FeedbackForm, PublishForm
from ..findings.pack_services import (
    PackError,
    pack_feedback_answer,
    pack_feedback_record,
    pack_publish,
)

EASY = "easy"
PUBLISHED = "Version {number} of the findings pack is published. Every version is kept."
FEEDBACK_SAVED = "The feedback is recorded. It will show in the next version as “You said, we did”."


def _easy(request: HttpRequest) -> bool:
    return request.GET.get("version") == EASY


def _live(request: HttpRequest, scope: str) -> tuple[Any, list[Any], dict[str, Any]]:
    project, projects = pack_scope(request.user, scope)
    content = pack_build(projects, viewer=request.user, scope=scope) if projects else {}
    if content:
        content["feedback"] = pack_feedback(project)
    return project, projects, content


def _render(request: HttpRequest, scope: str, content: dict, **extra: Any) -> HttpResponse:
    pack = pack_with_quotes(content) if content else {}
    template = "coding/findings/pack_easy.html" if _easy(request) else "coding/findings/pack.html"
    return render(
        request,
        template,
        {
            "scope": scope,
            "pack": pack,
            "chart": mark_safe(pack.get("chart_svg", "")),  # drawn by analysis.charts, escaped
            "easy_sections": easy_read(pack) if pack and _easy(request) else [],
            "said_line": SAID_LINE,
            **extra,
        },
    )


@login_required
def findings_pack(request: HttpRequest, scope: str) -> HttpResponse:
    project, _, content = _live(request, scope)
    return _render(
        request,
        scope,
        content,
        versions=pack_versions(project),
        publish_form=PublishForm(),
        can_publish=_can_publish(request, scope),
    )


def _can_publish(request: HttpRequest, scope: str) -> bool:
    try:
        pack_scope(request.user, scope, write=True)
    except (PermissionDenied, Http404):  # the form is simply not offered
        return False
    return True


@login_required
def findings_download(request: HttpRequest, scope: str) -> HttpResponse:
    _, projects, content = _live(request, scope)
    ids = tuple(p.pk for p in projects)
    return _docx(request, scope, content, ids, name=f"findings-{scope}")


def _docx(
    request: HttpRequest, scope: str, content: dict, project_ids: tuple[int, ...], *, name: str
) -> HttpResponse:
    easy = _easy(request)
    data = pack_docx(pack_with_quotes(content), easy=easy) if content else pack_docx(_EMPTY)
    export_audit(
        actor=request.user,
        what=FINDINGS,
        fmt="docx",
        filters=Filters(
            project_ids=project_ids,
            description=f"findings pack {scope}" + (" (Easy Read)" if easy else ""),
        ),
    )
    return attachment(data, f"{name}{'-easy-read' if easy else ''}.docx", DOCX)


_EMPTY: dict[str, Any] = {
    "title": "What we found",
    "built": "",
    "projects": [],
    "values": [],
    "codebook": [],
    "method": [],
    "differences_rule": "There are no projects in this pack.",
}


@login_required
@require_POST
def findings_publish(request: HttpRequest, scope: str) -> HttpResponse:
    project, projects = pack_scope(request.user, scope, write=True)
    form = PublishForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        version = pack_publish(project=project, projects=projects, actor=request.user, note=note)
    except PackError as exc:
        messages.error(request, str(exc))
        return redirect("findings_pack", scope=scope)
    messages.success(request, PUBLISHED.format(number=version.number))
    return redirect(version)


@login_required
def findings_version(request: HttpRequest, scope: str, number: int) -> HttpResponse:
    version, _ = pack_version_for(request.user, scope, number)
    return _version_page(request, scope, version, FeedbackForm())


def _version_page(
    request: HttpRequest, scope: str, version: Any, form: FeedbackForm, status: int = 200
) -> HttpResponse:
    response = _render(
        request,
        scope,
        version.content,
        version=version,
        feedback=list(version.feedback.all()),
        feedback_form=form,
        can_publish=_can_publish(request, scope),
    )
    response.status_code = status
    return response


@login_required
def findings_version_download(request: HttpRequest, scope: str, number: int) -> HttpResponse:
    version, _ = pack_version_for(request.user, scope, number)
    ids = tuple(version.project_ids)
    return _docx(request, scope, version.content, ids, name=f"findings-{scope}-v{number}")


@login_required
@require_POST
def findings_feedback(request: HttpRequest, scope: str, number: int) -> HttpResponse:
    version, _ = pack_version_for(request.user, scope, number, write=True)
    form = FeedbackForm(request.POST)
    if form.is_valid():
        try:
            pack_feedback_record(version=version, actor=request.user, **form.cleaned_data)
        except PackError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, FEEDBACK_SAVED)
            return redirect(version)
    # What was typed stays in the form, with each problem beside its field.
    return _version_page(request, scope, version, form, status=400)


ANSWER_SAVED = "What the team changed is recorded."


@login_required
@require_POST
def findings_feedback_answer(
    request: HttpRequest, scope: str, number: int, pk: int
) -> HttpResponse:
    version, _ = pack_version_for(request.user, scope, number, write=True)
    feedback = get_object_or_404(version.feedback, pk=pk)
    try:
        pack_feedback_answer(
            feedback=feedback, actor=request.user, changed=request.POST.get("changed", "")
        )
    except PackError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, ANSWER_SAVED)
    return redirect(version)
